"""The audit log over HTTP: what is recorded, who may read it, its exports and filters.

The app is the real one on loopback over the sample index and its SQLite database, with
tokens for both roles and a trusted proxy header that carries role and user name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from assistant.audit import Actor
from assistant.config import Settings
from services import Services
from tests.conftest import LiveServer, make_settings
from tests.web.conftest import CASEWORKER_TOKEN, ROUTINE_GROUP_TOKEN
from web.app import create_app

UNCOVERED = "Hur bokar man parkeringstillstånd för tjänstebilen vid stadshuset?"
COVERED = "Vilka kontoutdrag ska begäras in vid nyansökan?"
CASEWORKER = {"Authorization": f"Bearer {CASEWORKER_TOKEN}"}
ROUTINE_GROUP = {"Authorization": f"Bearer {ROUTINE_GROUP_TOKEN}"}


@dataclass(frozen=True)
class AuditServer:
    """A live app with login, and the components it shares with the session."""

    url: str
    components: Services


@pytest.fixture(scope="module")
def audit_server(sample_settings: Settings, sample_components: Services) -> Iterator[AuditServer]:
    """Serve the sample index with tokens and a proxy user header, its own login throttle."""
    settings = make_settings(
        sample_settings.data_dir,
        caseworker_tokens=[CASEWORKER_TOKEN],
        routine_group_tokens=[ROUTINE_GROUP_TOKEN],
        auth_header="X-Rutinstod-Role",
        auth_user_header="X-Remote-User",
    )
    with LiveServer(create_app(settings, sample_components)) as server:
        yield AuditServer(server.url, sample_components)


@pytest.fixture
def client(audit_server: AuditServer) -> Iterator[httpx.Client]:
    """Return a client that does not follow redirects."""
    with httpx.Client(base_url=audit_server.url, follow_redirects=False, timeout=60) as http:
        yield http


def events(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Read the audit log as the routine group, newest first."""
    response = client.get("/api/audit", params=params, headers=ROUTINE_GROUP)
    assert response.status_code == 200, f"the routine group should read the log: {response.text}"
    return response.json()["events"]  # type: ignore[no-any-return]


def test_asking_is_logged_by_answer_id_never_by_text(client: httpx.Client) -> None:
    asked = client.post("/api/chat", json={"question": UNCOVERED}, headers=CASEWORKER).json()
    logged = events(client, action="chat.ask", limit=20)
    mine = next((e for e in logged if e["target"] == asked["answer_id"]), None)
    assert mine is not None, f"the question's answer id was not logged: {logged[:3]}"
    assert mine["role"] == "handlaggare" and mine["actor_kind"] == "token", mine
    assert CASEWORKER_TOKEN not in json.dumps(mine), "the token must not be in the log"
    assert mine["detail"] == {"kind": "refusal", "gap_id": asked["gap_id"]}, mine
    everything = client.get("/api/audit/export.jsonl", headers=ROUTINE_GROUP).text
    assert "parkeringstillstånd" not in everything, "question text must never reach the log"


def test_streamed_question_is_logged(client: httpx.Client) -> None:
    streamed = client.post("/api/chat/stream", json={"question": COVERED}, headers=CASEWORKER)
    final = streamed.text.split("event: final\ndata: ", 1)[1].split("\n", 1)[0]
    answer_id = json.loads(final)["answer_id"]
    targets = [e["target"] for e in events(client, action="chat.ask", limit=20)]
    assert answer_id in targets, "the streamed answer should be logged too"


def test_caseworker_cannot_read_the_audit_log(client: httpx.Client) -> None:
    for path in ("/api/audit", "/api/audit/export.csv", "/api/audit/export.jsonl"):
        assert client.get(path, headers=CASEWORKER).status_code == 403, f"{path} for caseworker"
        anonymous = client.get(path)
        assert anonymous.status_code == 401, f"{path} without login"
        assert anonymous.json()["detail"] == "Inloggning krävs.", "the 401 should be Swedish"
    page = client.get("/rutingrupp/logg", headers=CASEWORKER)
    assert page.status_code == 303 and "fel=behorighet" in page.headers["location"], page
    chat = client.get("/", headers=CASEWORKER).text
    assert "/rutingrupp/logg" not in chat, "the caseworker's menu must not link the log"
    assert "/rutingrupp/logg" in client.get("/", headers=ROUTINE_GROUP).text, "menu for readers"


def test_reading_and_exporting_the_log_are_logged(client: httpx.Client) -> None:
    first = events(client, action="audit.read")[0]
    assert first["detail"]["action"] == "audit.read", f"this very read is the newest: {first}"
    assert first["role"] == "rutingrupp" and first["action_label"] == "Läste händelseloggen"
    exported = client.get(
        "/api/audit/export.csv", params={"action": "gaps.read"}, headers=ROUTINE_GROUP
    )
    assert exported.headers["content-type"].startswith("text/csv"), exported.headers
    assert exported.text.startswith("\ufeffid;tid;aktör"), exported.text[:40]
    export = events(client, action="audit.export")[0]
    assert export["detail"] == {"format": "csv", "action": "gaps.read"}, export


def test_gap_log_reads_and_topic_changes_are_logged(client: httpx.Client) -> None:
    asked = client.post("/api/chat", json={"question": UNCOVERED}, headers=CASEWORKER).json()
    topics = client.get("/api/gaps/topics", headers=ROUTINE_GROUP).json()
    topic = next(t for t in topics if asked["gap_id"] in t["gap_ids"])
    assert topic["keep"] is False, "a new topic is not kept"
    assert events(client, action="gaps.read")[0]["detail"] == {"view": "topics"}
    patch = {"keep": True, "status": "under behandling", "note": "Hemlig anteckning"}
    saved = client.patch(f"/api/gaps/topics/{topic['id']}", json=patch, headers=ROUTINE_GROUP)
    assert saved.status_code == 200 and saved.json()["keep"] is True, saved.text
    changed = events(client, action="topic.update")[0]
    assert changed["target"] == topic["id"], changed
    assert changed["detail"] == {
        "fields": ["keep", "note", "status"],
        "keep": True,
        "status": "under behandling",
    }, "the change is named, its free text is not"
    client.get("/api/gaps/export.csv", headers=ROUTINE_GROUP)
    assert events(client, action="gaps.export")[0]["detail"] == {"format": "csv"}
    again = client.get("/api/gaps/topics", headers=ROUTINE_GROUP).json()
    assert next(t for t in again if t["id"] == topic["id"])["keep"] is True, "keep not stored"


def test_sign_in_and_failed_sign_in_are_logged(client: httpx.Client) -> None:
    refused = client.post("/logga-in", data={"token": "fel-kod-som-inte-finns", "next": "/"})
    assert refused.status_code == 401, refused.status_code
    failed = events(client, action="login.failure")[0]
    assert failed["actor"] == "anonymous:127.0.0.1" and failed["role"] is None, failed
    signed = client.post("/logga-in", data={"token": CASEWORKER_TOKEN, "next": "/"})
    assert signed.status_code == 303, signed.status_code
    login = events(client, action="login.success")[0]
    client.post("/api/chat", json={"question": COVERED}, headers=CASEWORKER)
    asked = events(client, action="chat.ask")[0]
    assert login["actor"] == asked["actor"], "cookie and header must name the token alike"


def test_proxy_user_is_named_by_a_keyed_hash(client: httpx.Client) -> None:
    def ask_as(user: str) -> str:
        headers = {"X-Rutinstod-Role": "handlaggare", "X-Remote-User": user}
        client.post("/api/chat", json={"question": COVERED}, headers=headers)
        return str(events(client, action="chat.ask")[0]["actor"])

    anna, anna_again, bo = ask_as("anna.svensson"), ask_as("anna.svensson"), ask_as("bo.ek")
    assert anna.startswith("proxy:") and "anna" not in anna, f"the name must not show: {anna}"
    assert anna == anna_again != bo, "one user keeps one id, another gets another"


def test_filters_pages_and_bad_filters(client: httpx.Client) -> None:
    for _ in range(3):
        client.get("/api/gaps", headers=ROUTINE_GROUP)
    page = client.get(
        "/api/audit", params={"action": "gaps.read", "limit": 2}, headers=ROUTINE_GROUP
    )
    body = page.json()
    assert len(body["events"]) == 2 and body["total"] >= 3, body
    second = events(client, action="gaps.read", limit=2, offset=2)
    assert {e["id"] for e in second}.isdisjoint(e["id"] for e in body["events"]), "pages overlap"
    later = events(client, since="2999-01-01")
    assert later == [], "nothing happened after 2999-01-01"
    today = events(client, until="9999-12-31", actor=body["events"][0]["actor"], limit=1)
    assert today and today[0]["actor"] == body["events"][0]["actor"], "filter by actor"
    bad = client.get("/api/audit", params={"action": "inget"}, headers=ROUTINE_GROUP)
    assert bad.status_code == 422 and "Okänd händelse" in bad.json()["detail"], bad.text


def test_exports_neutralise_formulas(client: httpx.Client, audit_server: AuditServer) -> None:
    audit = audit_server.components.audit
    audit.record(Actor("oidc", "=HYPERLINK(1)", "rutingrupp", name="+SUM(A1)"), "gaps.read")
    params = {"actor": "oidc:=HYPERLINK(1)"}
    text = client.get("/api/audit/export.csv", params=params, headers=ROUTINE_GROUP).text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 and rows[0]["namn"] == "'+SUM(A1)", f"formula kept: {rows}"
    lines = client.get("/api/audit/export.jsonl", params=params, headers=ROUTINE_GROUP).text
    parsed = [json.loads(line) for line in lines.splitlines()]
    assert [p["actor_name"] for p in parsed] == ["+SUM(A1)"], "JSON Lines keeps the value"
