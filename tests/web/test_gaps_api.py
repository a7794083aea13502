"""The routine group's gap log over HTTP: references, feedback shown, CSV, merge and move."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.gap_csv import HEADER
from assistant.gap_refs import REF_PATTERN
from tests.conftest import LiveServer

COVERED = "Vem beslutar om nödprövning?"
PNR = "19121212-1212"
COMMENT = f"Gällde klienten {PNR}, ring 070-123 45 67. Delegationen saknas."


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def refused(api: httpx.Client, question: str) -> dict[str, Any]:
    """Ask a question no routine covers and return the response."""
    body = api.post("/api/chat", json={"question": question}).json()
    assert body["kind"] == "refusal" and body["gap_id"], f"{question} should be refused: {body}"
    return body


def csv_rows(api: httpx.Client, **params: str) -> list[dict[str, str]]:
    """Return the CSV export as dicts by header, checking BOM and separator."""
    text = api.get("/api/gaps/export.csv", params=params).text
    assert text.startswith("\ufeffid;tid;typ;fråga;ämne;status"), text[:60]
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert tuple(rows[0]) == HEADER, rows[0]
    return [dict(zip(HEADER, r, strict=True)) for r in rows[1:]]


def test_a_refusal_gets_a_ref_that_finds_its_gap(api: httpx.Client) -> None:
    body = refused(api, "Hur söker man bygglov för ett växthus?")
    ref = body["gap_ref"]
    assert ref and REF_PATTERN.fullmatch(ref), f"gap_ref should be six unambiguous symbols: {ref}"
    found = api.get("/api/gaps", params={"ref": f" {ref.lower()[:3]}-{ref.lower()[3:]} "}).json()
    assert [g["id"] for g in found] == [body["gap_id"]], (
        f"the typed ref should find the gap: {found}"
    )
    assert found[0]["ref"] == ref and found[0]["kind_label"] == "obesvarad", found[0]
    assert found[0]["feedback"] is None and found[0]["answer"] is None, found[0]
    topics = api.get("/api/gaps/topics", params={"ref": ref}).json()
    assert len(topics) == 1 and ref in {g["ref"] for g in topics[0]["gaps"]}, topics
    bad = api.get("/api/gaps", params={"ref": "K7QM0X"})
    assert bad.status_code == 422 and "sex tecken" in bad.json()["detail"], bad.text
    greeting = api.post("/api/chat", json={"question": "Hej!"}).json()
    assert greeting["kind"] == "not_a_question", greeting
    assert greeting["gap_id"] is None and greeting["gap_ref"] is None, "no gap for a greeting"


def test_the_streamed_final_response_carries_the_ref(api: httpx.Client) -> None:
    question = "Hur söker man bygglov för ett garage?"
    with api.stream("POST", "/api/chat/stream", json={"question": question}) as response:
        blocks = [b for b in response.read().decode().split("\n\n") if b.startswith("event: final")]
    final = json.loads(blocks[0].split("\n", 1)[1].removeprefix("data: "))
    assert final["gap_ref"] and REF_PATTERN.fullmatch(final["gap_ref"]), final
    found = api.get("/api/gaps", params={"ref": final["gap_ref"]}).json()
    assert [g["id"] for g in found] == [final["gap_id"]], found


def test_unhelpful_feedback_reaches_the_gap_log_redacted(api: httpx.Client) -> None:
    answered = api.post("/api/chat", json={"question": COVERED}).json()
    assert answered["answered"], answered
    verdict = {"answer_id": answered["answer_id"], "helpful": False, "reason": "fel källa"}
    stored = api.post("/api/feedback", json=verdict | {"comment": COMMENT}).json()
    assert stored["gap_id"] and REF_PATTERN.fullmatch(stored["gap_ref"] or ""), stored
    (gap,) = api.get("/api/gaps", params={"ref": stored["gap_ref"]}).json()
    assert gap["kind_label"] == "inte hjälpsamt" and gap["question"] == COVERED, gap
    assert gap["feedback"]["reason"] == "fel källa", gap["feedback"]
    comment = gap["feedback"]["comment"]
    assert PNR not in comment and "070-123" not in comment, f"personal data shown: {comment}"
    assert "[PERSONNUMMER]" in comment and "Delegationen saknas." in comment, comment
    assert gap["answer"]["text"] == answered["answer"], "the answer given should be shown"
    cited = [c["document"] for c in gap["answer"]["citations"]]
    assert cited == [c["document"] for c in answered["citations"]], cited
    (topic,) = api.get("/api/gaps/topics", params={"ref": stored["gap_ref"]}).json()
    entry = next(g for g in topic["gaps"] if g["ref"] == stored["gap_ref"])
    assert entry["feedback"] == gap["feedback"] and entry["answer"] == gap["answer"], entry
    assert topic["kinds"].get("inte hjälpsamt", 0) >= 1, topic["kinds"]
    assert sum(topic["kinds"].values()) == topic["count"], "kinds should add up to the count"
    (row,) = csv_rows(api, ref=stored["gap_ref"])
    assert row["typ"] == "inte hjälpsamt" and row["orsak"] == "fel källa", row
    assert row["kommentar"] == comment and row["svar som gavs"] == answered["answer"], row
    assert row["ämne"] == topic["label"] and row["referens"] == stored["gap_ref"], row
    assert answered["citations"][0]["title"] in row["källor i svaret"], row
    assert PNR not in api.get("/api/gaps/export.csv").text, "personal data in the CSV"


def test_csv_scores_use_a_decimal_comma(api: httpx.Client) -> None:
    body = refused(api, "Hur söker man bygglov för en carport?")
    (row,) = csv_rows(api, ref=body["gap_ref"])
    (gap,) = api.get("/api/gaps", params={"ref": body["gap_ref"]}).json()
    assert row["typ"] == "obesvarad" and row["ämne"] == gap["topic_label"], row
    assert row["bästa poäng"] == f"{gap['top_score']:.3f}".replace(".", ","), row


def topic_of(api: httpx.Client, ref: str) -> dict[str, Any]:
    """Return the topic that holds a gap."""
    (topic,) = api.get("/api/gaps/topics", params={"ref": ref}).json()
    return topic


def test_merging_topics_and_moving_a_gap(api: httpx.Client) -> None:
    one = refused(api, "Vilken färg ska gardinerna i väntrummet ha?")
    two = refused(api, "Hur bokar man en buss till personalens utflykt?")
    first, second = topic_of(api, one["gap_ref"]), topic_of(api, two["gap_ref"])
    assert first["id"] != second["id"], "the test needs two topics"
    merged = api.post(f"/api/gaps/topics/{first['id']}/merge", json={"into": second["id"]})
    assert merged.status_code == 200 and merged.json()["id"] == second["id"], merged.text
    kept = topic_of(api, one["gap_ref"])
    assert kept["id"] == second["id"] and kept["label"] == second["label"], kept
    assert kept["count"] == first["count"] + second["count"], "sizes should add up"
    ids = {t["id"] for t in api.get("/api/gaps/topics").json()}
    assert first["id"] not in ids, "the merged topic should be gone"
    moved = api.post(f"/api/gaps/{one['gap_id']}/move", json={"topic_id": None}).json()
    assert moved["topic_id"] not in {first["id"], second["id"]}, "a new topic should open"
    assert moved["topic_label"] == one["question"], "a new topic is labelled by its question"
    assert topic_of(api, two["gap_ref"])["count"] == kept["count"] - 1, "the old one shrinks"
    back = api.post(f"/api/gaps/{one['gap_id']}/move", json={"topic_id": second["id"]}).json()
    assert back["topic_id"] == second["id"], back
    assert moved["topic_id"] not in {t["id"] for t in api.get("/api/gaps/topics").json()}
    itself = api.post(f"/api/gaps/topics/{second['id']}/merge", json={"into": second["id"]})
    assert itself.status_code == 422 and "sig självt" in itself.json()["detail"], itself.text
    missing = api.post(f"/api/gaps/{one['gap_id']}/move", json={"topic_id": "nope"})
    assert missing.status_code == 404, missing.text
