"""The JSON API over HTTP, against the real app and the real sample index."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services import Services
from tests.conftest import LiveServer, make_settings
from web.app import create_app

COVERED = "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
UNCOVERED = "Hur söker man bygglov för en altan?"


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def test_chat_answers_with_the_contract_fields(api: httpx.Client) -> None:
    body = api.post("/api/chat", json={"question": COVERED}).json()
    expected = {
        "answer",
        "answered",
        "citations",
        "lessons",
        "gap_id",
        "conversation_id",
        "answer_id",
        "redacted",
        "generator",
        "nearest",
        "notices",
        "question",
    }
    assert expected <= set(body), f"missing fields: {expected - set(body)}"
    assert body["answered"] and body["generator"] == "extractive" and body["gap_id"] is None
    citation = body["citations"][0]
    assert citation["document"] == "nyansokan_och_kontrollhandlingar.pdf", citation
    assert isinstance(citation["page"], int) and citation["quote"] in citation["passage"]
    assert api.get(citation["url"].split("#")[0]).headers["content-type"] == "application/pdf"


def test_stream_sends_tokens_then_the_final_response(api: httpx.Client) -> None:
    events = []
    with api.stream("POST", "/api/chat/stream", json={"question": COVERED}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for block in response.read().decode().split("\n\n"):
            if block.strip():
                name, data = block.split("\n", 1)
                events.append((name.removeprefix("event: "), json.loads(data[6:])))
    names = [name for name, _ in events]
    assert names[0] == "token" and names[-1] == "final", names
    final = events[-1][1]
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert final["answered"] and streamed == final["answer"], (streamed, final["answer"])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"question": ""}, "Skriv en fråga."),
        ({"question": "x" * 2001}, "Frågan får vara högst 2000 tecken."),
        ({"question": 123}, "Fältet måste vara text."),
        ({}, "Fältet saknas."),
        ({"question": "Hej", "extra": 1}, "Okänt fält."),
    ],
)
def test_invalid_requests_get_swedish_422(api: httpx.Client, payload: dict, message: str) -> None:
    response = api.post("/api/chat", json=payload)
    assert response.status_code == 422, response.text
    assert message in [d["msg"] for d in response.json()["detail"]], response.json()


def test_broken_json_and_oversize_bodies_are_refused(api: httpx.Client) -> None:
    broken = api.post(
        "/api/chat", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and "JSON" in broken.text, broken.text
    huge = api.post("/api/chat", json={"question": "x" * 100_000})
    assert huge.status_code == 413 and "för stor" in huge.json()["detail"], huge.text


def test_refusal_feedback_and_gap_workflow(api: httpx.Client) -> None:
    refused = api.post("/api/chat", json={"question": UNCOVERED}).json()
    assert not refused["answered"] and refused["gap_id"], refused
    answered = api.post("/api/chat", json={"question": COVERED}).json()
    helpful = api.post("/api/feedback", json={"answer_id": answered["answer_id"], "helpful": True})
    assert helpful.json() == {"stored": True, "gap_id": None, "gap_ref": None}, helpful.text
    unhelpful = api.post(
        "/api/feedback",
        json={"answer_id": answered["answer_id"], "helpful": False, "reason": "fel källa"},
    ).json()
    assert unhelpful["gap_id"], unhelpful
    missing = api.post("/api/feedback", json={"answer_id": "nope", "helpful": False})
    assert missing.status_code == 404
    topics = api.get("/api/gaps/topics").json()
    topic = next(t for t in topics if refused["gap_id"] in t["gap_ids"])
    assert topic["count"] >= 1 and UNCOVERED in topic["examples"], topic
    patched = api.patch(
        f"/api/gaps/topics/{topic['id']}",
        json={"status": "åtgärdad", "owner": "Rutingruppen", "resolving_document": "boende.md"},
    )
    assert patched.json()["status"] == "åtgärdad", patched.text
    gaps = api.get("/api/gaps", params={"status": "åtgärdad"}).json()
    assert refused["gap_id"] in {g["id"] for g in gaps}
    rows = list(
        csv.reader(
            io.StringIO(api.get("/api/gaps/export.csv").text.lstrip("\ufeff")), delimiter=";"
        )
    )
    assert rows[0][:4] == ["id", "tid", "typ", "fråga"], rows[0]
    assert any(r[0] == refused["gap_id"] and r[5] == "åtgärdad" for r in rows[1:])
    bad = api.patch(f"/api/gaps/{refused['gap_id']}", json={"status": "klar"})
    assert bad.status_code == 422


def test_documents_and_health(api: httpx.Client) -> None:
    documents = {d["file_name"]: d for d in api.get("/api/documents").json()}
    assert len(documents) == 18, sorted(documents)
    assert documents["stickprovskontroller_v1.pdf"]["retired"] is True
    assert documents["stickprovskontroller_v2.pdf"]["retired"] is False
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 18, ready
    assert api.get("/api/documents/nope/file").status_code == 404


def test_roles_are_enforced(auth_server: object) -> None:
    url = auth_server.url  # type: ignore[attr-defined]
    caseworker = {"Authorization": f"Bearer {auth_server.caseworker_token}"}  # type: ignore[attr-defined]
    group = {"Authorization": f"Bearer {auth_server.routine_group_token}"}  # type: ignore[attr-defined]
    assert httpx.post(f"{url}/api/chat", json={"question": COVERED}).status_code == 401
    assert httpx.get(f"{url}/api/gaps", headers=caseworker).status_code == 403
    assert httpx.get(f"{url}/api/gaps", headers=group).status_code == 200
    chat = httpx.post(f"{url}/api/chat", json={"question": COVERED}, headers=caseworker, timeout=60)
    assert chat.status_code == 200


def test_upload_ingests_at_once_and_refuses_bad_files(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    components = Services(settings)
    try:
        with LiveServer(create_app(settings, components)) as server:
            url = server.url
            note = (
                "---\ntitle: Rutin för cykelbidrag\ntype: rutin\n---\n# Rutin för cykelbidrag"
                "\n\n## 1 Belopp\n\nCykelbidraget är 1 250 kr per år och betalas ut i mars.\n"
            )
            files = {"file": ("cykelbidrag.md", note.encode(), "text/markdown")}
            uploaded = httpx.post(f"{url}/api/documents", files=files, timeout=120)
            assert uploaded.status_code == 200 and uploaded.json()["status"] == "added", (
                uploaded.text
            )
            answer = httpx.post(
                f"{url}/api/chat",
                timeout=60,
                json={"question": "Hur mycket är cykelbidraget per år?"},
            ).json()
            assert answer["answered"] and "1 250 kr" in answer["answer"], answer
            assert answer["citations"][0]["document"] == "cykelbidrag.md"
            broken = {"file": ("trasig.pdf", b"%PDF-1.4 broken", "application/pdf")}
            refused = httpx.post(f"{url}/api/documents", files=broken, timeout=60)
            assert refused.status_code == 422 and "skadad" in refused.text, refused.text
            exe = {"file": ("program.exe", b"MZ", "application/octet-stream")}
            assert httpx.post(f"{url}/api/documents", files=exe).status_code == 415
            names = [d["file_name"] for d in httpx.get(f"{url}/api/documents").json()]
            assert names == ["cykelbidrag.md"], "a failed upload must leave nothing behind"
            document_id = uploaded.json()["document_id"]
            assert httpx.delete(f"{url}/api/documents/{document_id}").status_code == 204
            assert httpx.get(f"{url}/api/documents").json() == []
    finally:
        components.close()


def test_topics_filtered_by_period(api: httpx.Client) -> None:
    api.post("/api/chat", json={"question": UNCOVERED})
    response = api.get("/api/gaps/topics", params={"since": "2024-01-01", "until": "2099-12-31"})
    assert response.status_code == 200, response.text
    assert any(UNCOVERED in t["examples"] for t in response.json()), response.json()
    empty = api.get("/api/gaps/topics", params={"until": "2000-01-01"})
    assert empty.status_code == 200 and empty.json() == [], empty.text
