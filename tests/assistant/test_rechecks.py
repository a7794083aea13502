"""Stored re-checks on hand-built rows in a real SQLite database: what a reader is shown,
a check cut off by a stopped server, and a re-check going with its gap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import delete, select

from assistant.database import (
    Database,
    DocumentRow,
    GapRecheckRow,
    GapRow,
    GapTopicRow,
    utcnow,
)
from assistant.rechecks import FAILED, PENDING, Rechecker, kept_citation

RESTRICTED = {"document_id": "eko", "document": "eko.md", "title": "Ekonomi", "groups": ["ekonomi"]}
OPEN = {"document_id": "open", "document": "open.md", "title": "Öppen"}


def seeded(tmp_path: Path) -> Database:
    """Return a database with a topic of three gaps, each re-checked a different way."""
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with database.session() as session:
        session.add_all(
            [
                DocumentRow(
                    id="open",
                    source_path="/k/open.md",
                    file_name="open.md",
                    title="Öppen",
                    doc_type="rutin",
                    content_hash="h",
                    size_bytes=1,
                    chunk_count=1,
                    valid_to=dt.date(2020, 1, 1),
                ),
                GapTopicRow(id="t", label="Hemresor", status="åtgärdad", size=0),
            ]
        )
        session.flush()
        for gap_id in ("g-open", "g-eko", "g-gone", "g-old"):
            session.add(
                GapRow(
                    id=gap_id, kind="unanswered", question=f"{gap_id}?", topic_key="", topic_id="t"
                )
            )
        session.flush()
        session.add_all(
            [
                GapRecheckRow(
                    gap_id="g-open", state="answered", answer="Svar [1].", citations=[OPEN]
                ),
                GapRecheckRow(
                    gap_id="g-eko", state="answered", answer="Svar.", citations=[RESTRICTED]
                ),
                # a document deleted since: its stored groups still count
                GapRecheckRow(
                    gap_id="g-gone",
                    state="answered",
                    citations=[{"document_id": "gone", "groups": ["ekonomi"]}],
                ),
                GapRecheckRow(
                    gap_id="g-old", state=PENDING, requested_at=utcnow() - dt.timedelta(hours=1)
                ),
            ]
        )
    return database


def test_a_reader_sees_only_results_citing_documents_they_may_see(tmp_path: Path) -> None:
    database = seeded(tmp_path)
    rechecks = Rechecker(database, pipeline=lambda: None)  # type: ignore[arg-type, return-value]
    ids = ["g-open", "g-eko", "g-gone", "g-old"]
    assert set(rechecks.results(ids)) == set(ids), "a reader who sees all sees every result"
    outsider = rechecks.results(ids, frozenset({"barn"}))
    assert set(outsider) == {"g-open", "g-old"}, f"restricted citations must hide: {outsider}"
    insider = rechecks.results(ids, frozenset({"ekonomi"}))
    assert set(insider) == set(ids), insider
    (citation,) = outsider["g-open"].citations
    assert citation["retired"] is True, "a citation of a document out of force is flagged"
    assert outsider["g-old"].state == FAILED, "a check pending an hour was cut off"
    database.dispose()


def test_a_result_goes_with_its_gap(tmp_path: Path) -> None:
    database = seeded(tmp_path)
    with database.session() as session:
        session.execute(delete(GapRow).where(GapRow.id == "g-open"))
    with database.session() as session:
        left = set(session.scalars(select(GapRecheckRow.gap_id)))
    assert left == {"g-eko", "g-gone", "g-old"}, f"the re-check must go with its gap: {left}"
    database.dispose()


def test_a_kept_citation_has_no_passage_text() -> None:
    receipt = OPEN | {"passage": "Hela avsnittets text.", "quote": "En mening.", "chunk_id": "c1"}
    kept = kept_citation(receipt | {"groups": ["ekonomi"]})
    assert "passage" not in kept and "chunk_id" not in kept, kept
    assert kept["quote"] == "En mening." and kept["groups"] == ["ekonomi"], kept
