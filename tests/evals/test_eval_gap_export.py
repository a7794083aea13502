"""Tests for turning resolved gap topics into regression items, on a real SQLite gap log."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from assistant.database import Database, DocumentRow
from assistant.gaps import GapLog, GapUpdate
from evals.commands import gaps_app
from evals.datasets import load_dataset
from tests.conftest import make_settings

NEAREST = [{"document": "akut.docx", "title": "Akut bistånd", "score": 0.7}]


def unit(index: int) -> np.ndarray:
    """Return a unit vector; equal vectors put gaps in the same topic."""
    vector = np.zeros(4, dtype=np.float32)
    vector[index] = 1.0
    return vector


def seed_gap_log(database: Database) -> tuple[str, str]:
    """Record two topics, resolve the first by document id; return both topic ids."""
    database_rows = DocumentRow(
        id="doc0123456789abc",
        source_path="/corpus/rutiner/hemresor.md",
        file_name="hemresor.md",
        title="Rutin för hemresor",
        doc_type="rutin",
        content_hash="h",
        size_bytes=10,
        chunk_count=1,
    )
    with database.session() as session:
        session.add(database_rows)
    gaps = GapLog(database)
    for question in (
        "Hur mycket får en hemresa kosta?",
        "hur mycket  får en HEMRESA kosta?",
        "Vem betalar hemresan för en EU-medborgare?",
    ):
        gaps.record_gap("unanswered", question, "hemresa", unit(0), NEAREST)
    gaps.record_gap("unanswered", "Vad gäller för skolskjuts?", "skolskjuts", unit(1), NEAREST)
    topics = {rows[0].topic_key: topic.id for topic, rows in gaps.topics()}
    resolved = GapUpdate(status="åtgärdad", resolving_document="doc0123456789abc")
    gaps.update_topic(topics["hemresa"], resolved)
    return topics["hemresa"], topics["skolskjuts"]


def test_resolved_topic_becomes_items_that_load_as_a_dataset(tmp_path):
    settings = make_settings(tmp_path / "data")
    database = Database(settings.resolved_database_url)
    resolved_id, open_id = seed_gap_log(database)
    database.dispose()
    out = tmp_path / "from_gaps.jsonl"
    result = CliRunner().invoke(
        gaps_app, ["export-tests", "--data-dir", str(settings.data_dir), "--out", str(out)]
    )
    assert result.exit_code == 0, f"export-tests failed: {result.output}"
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    questions = [line["question"] for line in lines]
    assert questions == [
        "Hur mycket får en hemresa kosta?",
        "Vem betalar hemresan för en EU-medborgare?",
    ], f"one item per distinct question of the resolved topic only, got {questions}"
    first = lines[0]
    assert first["expected_sources"] == ["hemresor.md"], "the document id maps to its file name"
    assert first["answerable"] is True and first["must_contain"] == [], "answerable, no facts"
    assert first["tags"] == ["från-lucka"], f"tagged as from a gap, got {first['tags']}"
    assert first["id"].startswith(f"lucka-{resolved_id[:8]}-"), "id names the topic"
    assert open_id[:8] not in out.read_text(encoding="utf-8"), "an open topic is not exported"
    assert [item.id for item in load_dataset(out)] == [line["id"] for line in lines], (
        "the export must be a valid dataset for rutinstod eval"
    )


def test_export_is_stable_and_writes_to_stdout_without_out(tmp_path):
    settings = make_settings(tmp_path / "data")
    database = Database(settings.resolved_database_url)
    seed_gap_log(database)
    database.dispose()
    args = ["export-tests", "--data-dir", str(settings.data_dir)]
    first = CliRunner().invoke(gaps_app, args)
    second = CliRunner().invoke(gaps_app, args)
    assert first.exit_code == 0, f"export-tests failed: {first.output}"
    assert first.stdout == second.stdout, "exporting twice gives the same items and ids"
    assert first.stdout.count("\n") == 2, f"two JSON lines on stdout, got {first.stdout!r}"


def test_export_refuses_a_data_dir_without_a_gap_log(tmp_path):
    missing = tmp_path / "no-such-data"
    result = CliRunner().invoke(gaps_app, ["export-tests", "--data-dir", str(missing)])
    assert result.exit_code == 2, f"a wrong --data-dir is an error: {result.output}"
    assert not missing.exists(), "no empty database is created in a mistyped data dir"
