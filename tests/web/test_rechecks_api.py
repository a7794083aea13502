"""Closing the loop over a real index: a topic marked åtgärdad gets its questions asked
again, the outcome is shown per gap (answered now with its citation, or still refused)
as the reader's groups allow, nothing is logged by asking, and `gaps export-tests`
writes the now-answered question with its source."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from assistant.config import Settings
from assistant.database import AnswerRow, GapRow
from evals.commands import gaps_app
from evals.datasets import load_dataset
from services import Services
from tests.conftest import ingest, make_settings
from tests.web.conftest import grouped_client

CYCLE = "# Rutin för cykelbidrag\n\n## Belopp\n\nCykelbidraget är 1 250 kr per år.\n"
HOME_TRIPS = """# Rutin för hemresor

## 1 Bistånd till hemresa

Bistånd till hemresa kan beviljas en EU-medborgare som saknar uppehållsrätt och inte kan
försörja sig. Biståndet till hemresan beviljas högst en gång per år.

## 2 Beslut

Beslut om bistånd till hemresa fattas av förste socialsekreterare.
"""
COVERED = "Vem beslutar om bistånd till hemresa?"
UNCOVERED = "Vilken färg ska kommunens tjänstebilar ha?"
OUTSIDER = "rutingrupp-barn-kontroll-1a2b"
INSIDER = "rutingrupp-ekonomi-kontroll-3c4d"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    corpus = tmp_path_factory.mktemp("recheck-corpus")
    (corpus / "cykelbidrag.md").write_text(CYCLE, encoding="utf-8")
    settings = make_settings(tmp_path_factory.mktemp("recheck-data"), corpus_dir=corpus)
    ingest(settings, [corpus])
    return settings


@pytest.fixture(scope="module")
def grouped(settings: Settings, services: Services) -> Iterator[TestClient]:
    """The same index behind login: a routine-group token in `barn`, one in `ekonomi`."""
    with grouped_client(settings, services, {OUTSIDER: ["barn"], INSIDER: ["ekonomi"]}) as client:
        yield client


def refused(client: TestClient, question: str) -> dict[str, Any]:
    body = client.post("/api/chat", json={"question": question}).json()
    assert body["kind"] == "refusal", f"{question} should be refused first: {body['answer']}"
    return body  # type: ignore[no-any-return]


def topic_of(client: TestClient, ref: str, **headers: str) -> dict[str, Any]:
    (topic,) = client.get("/api/gaps/topics", params={"ref": ref}, headers=headers).json()
    return topic  # type: ignore[no-any-return]


def counts(services: Services) -> tuple[int, int]:
    """Return how many answers and gaps are stored."""
    with services.database.session() as session:
        answers = session.scalar(select(func.count()).select_from(AnswerRow))
        gaps = session.scalar(select(func.count()).select_from(GapRow))
    return answers or 0, gaps or 0


@pytest.fixture(scope="module")
def resolved(client: TestClient, services: Services) -> dict[str, Any]:
    """Log two questions as one topic, upload the routine for one, and mark it åtgärdad."""
    one, two = refused(client, COVERED), refused(client, UNCOVERED)
    first, second = topic_of(client, one["gap_ref"]), topic_of(client, two["gap_ref"])
    merged = client.post(f"/api/gaps/topics/{second['id']}/merge", json={"into": first["id"]})
    assert merged.status_code == 200, merged.text
    upload = client.post(
        "/api/documents",
        files={"file": ("hemresor.md", HOME_TRIPS.encode())},
        data={"groups": "ekonomi"},
    )
    assert upload.status_code == 200, upload.text
    before = counts(services)
    patch = {"status": "åtgärdad", "resolving_document": "hemresor.md"}
    marked = client.patch(f"/api/gaps/topics/{first['id']}", json=patch)
    assert marked.status_code == 200, marked.text
    return {
        "topic": first["id"],
        "refs": (one["gap_ref"], two["gap_ref"]),
        "before": before,
        "marked": marked.json(),
    }


def test_marking_a_topic_resolved_asks_its_questions_again(
    client: TestClient, services: Services, resolved: dict[str, Any]
) -> None:
    assert resolved["marked"]["rechecking"] == 2, resolved["marked"]
    topic = topic_of(client, resolved["refs"][0])
    assert topic["status"] == "åtgärdad", "asking again must not reopen the topic"
    assert topic["recheck"]["answered"] == 1 and topic["recheck"]["refused"] == 1, topic["recheck"]
    checks = {g["question"]: g["recheck"] for g in topic["gaps"]}
    answered, still = checks[COVERED], checks[UNCOVERED]
    assert answered["state"] == "answered" and answered["state_label"] == "Besvaras nu", answered
    assert "förste socialsekreterare" in answered["answer"], answered["answer"]
    (citation,) = answered["citations"]
    assert citation["document"] == "hemresor.md" and citation["url"].startswith("/api/documents/")
    assert still["state"] == "refused" and still["state_label"] == "Nekas fortfarande", still
    assert still["citations"] == [] and still["answer"] is None
    assert counts(services) == resolved["before"], "asking again stored no answer and no gap"
    (gap,) = client.get("/api/gaps", params={"ref": resolved["refs"][0]}).json()
    assert gap["recheck"]["state"] == "answered", "the gap list shows the re-check too"


def test_a_reader_is_shown_only_results_whose_sources_they_may_see(
    grouped: TestClient, resolved: dict[str, Any]
) -> None:
    outsider = topic_of(grouped, resolved["refs"][1], Authorization=f"Bearer {OUTSIDER}")
    shown = {g["question"]: g["recheck"] for g in outsider["gaps"]}
    assert shown[COVERED] is None, "an answer from ekonomi's routine must not be shown"
    assert shown[UNCOVERED]["state"] == "refused", shown
    assert outsider["recheck"]["answered"] == 0, outsider["recheck"]
    insider = topic_of(grouped, resolved["refs"][1], Authorization=f"Bearer {INSIDER}")
    assert {g["question"]: g["recheck"]["state"] for g in insider["gaps"]} == {
        COVERED: "answered",
        UNCOVERED: "refused",
    }


def test_asking_again_on_request_and_for_one_gap(
    client: TestClient, resolved: dict[str, Any]
) -> None:
    again = client.post(f"/api/gaps/topics/{resolved['topic']}/recheck")
    assert again.status_code == 202 and again.json()["rechecking"] == 2, again.text
    unknown = client.post("/api/gaps/topics/0000/recheck")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Ämnet finns inte."
    (gap,) = client.get("/api/gaps", params={"ref": resolved["refs"][0]}).json()
    patched = client.patch(f"/api/gaps/{gap['id']}", json={"status": "åtgärdad"})
    assert patched.status_code == 200, patched.text
    (after,) = client.get("/api/gaps", params={"ref": resolved["refs"][0]}).json()
    assert after["recheck"]["state"] == "answered", after["recheck"]
    assert after["recheck"]["checked_at"] >= gap["recheck"]["checked_at"], "asked anew"


def test_export_tests_writes_the_now_answered_question_with_its_source(
    settings: Settings, resolved: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "luckor.jsonl"
    result = CliRunner().invoke(
        gaps_app, ["export-tests", "--data-dir", str(settings.data_dir), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    (item,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert item["question"] == COVERED and item["expected_sources"] == ["hemresor.md"], item
    assert item["answerable"] is True and "besvarad vid kontroll" in item["notes"], item
    assert "nekas fortfarande och exporteras inte" in result.output, result.output
    assert [i.id for i in load_dataset(out)] == [item["id"]], "the export loads as a dataset"
