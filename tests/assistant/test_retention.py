"""Gallring in a real SQLite database: what goes, what stays, and the dry run."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.audit import PURGED, AuditFilter, AuditLog
from assistant.database import AnswerRow, Database, FeedbackRow, GapRow, GapTopicRow
from assistant.retention import purge
from tests.conftest import make_settings
from tests.records import EXPECTED, seed_records


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """Open a fresh SQLite database holding records of different ages."""
    database = Database(f"sqlite:///{tmp_path / 'rutinstod.sqlite3'}")
    seed_records(database)
    yield database
    database.dispose()


def ids(database: Database, column: object) -> set[str]:
    """Return the ids left in a table."""
    with database.session() as session:
        return set(session.scalars(select(column)).all())  # type: ignore[call-overload]


def test_purge_removes_what_is_past_its_period(database: Database, tmp_path: Path) -> None:
    retention = make_settings(tmp_path).retention
    report = purge(database, retention, AuditLog(database))
    assert report.counts == EXPECTED, f"unexpected counts: {report.counts}"
    assert ids(database, AnswerRow.id) == {"a-conv1", "a-conv2", "a-young"}, "wrong answers left"
    assert ids(database, GapRow.id) == {"g-kept", "g-mixed-young"}, "wrong gaps left"
    assert ids(database, GapTopicRow.id) == {"t-kept", "t-mixed"}, "wrong topics left"
    with database.session() as session:
        links = {a.id: a.conversation_id for a in session.scalars(select(AnswerRow))}
        feedback = session.scalar(select(func.count()).select_from(FeedbackRow))
    assert links["a-conv1"] == "a-conv1" and links["a-conv2"] == "a-conv2", f"linked: {links}"
    assert links["a-young"] == "c-young", "a fresh conversation must keep its link"
    assert feedback == 1, "only the fresh feedback on a fresh answer should stay"


def test_purge_is_audit_logged_and_idempotent(database: Database, tmp_path: Path) -> None:
    audit = AuditLog(database)
    retention = make_settings(tmp_path).retention
    purge(database, retention, audit)
    again = purge(database, retention, audit)
    assert again.total == 0, f"a second purge found more: {again.counts}"
    logged = audit.events(AuditFilter(action=PURGED))
    assert [e.detail for e in logged] == [again.counts, EXPECTED], "each purge logs its counts"
    assert all(e.actor == "system:server" for e in logged), "the server's purge is the actor"


def test_dry_run_counts_the_same_and_removes_nothing(database: Database, tmp_path: Path) -> None:
    audit = AuditLog(database)
    retention = make_settings(tmp_path).retention
    before = (ids(database, AnswerRow.id), ids(database, GapRow.id), ids(database, GapTopicRow.id))
    dry = purge(database, retention, audit, dry_run=True)
    after = (ids(database, AnswerRow.id), ids(database, GapRow.id), ids(database, GapTopicRow.id))
    assert dry.counts == EXPECTED, f"the dry run should count what a purge removes: {dry.counts}"
    assert before == after, "a dry run must not remove anything"
    assert audit.count(AuditFilter(action=PURGED)) == 0, "a dry run is no purge to log"
    assert purge(database, retention, audit).counts == dry.counts, "the purge differs from dry"


def test_zero_keeps_a_kind_for_ever(database: Database, tmp_path: Path) -> None:
    retention = dataclasses.replace(make_settings(tmp_path).retention, gaps=0, answers=0)
    report = purge(database, retention, AuditLog(database))
    assert report.counts["gaps"] == report.counts["topics"] == 0, report.counts
    assert report.counts["answers"] == 0 and report.counts["feedback"] == 1, report.counts
    assert len(ids(database, GapRow.id)) == 4, "no gap should go when gaps are kept"


def test_unkept_topic_loses_its_old_gaps(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        session.get(GapTopicRow, "t-kept").keep = False  # type: ignore[union-attr]
    report = purge(database, make_settings(tmp_path).retention, AuditLog(database))
    assert report.counts["gaps"] == 3 and report.counts["topics"] == 2, report.counts
