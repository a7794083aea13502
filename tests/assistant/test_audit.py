"""The audit log in a real SQLite database: actors, filters, exports, append-only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.audit import (
    ASKED,
    GAPS_READ,
    Actor,
    AppendOnlyError,
    AuditFilter,
    AuditLog,
    export_csv,
    export_jsonl,
)
from assistant.database import AuditEventRow, Database, utcnow


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """Open a fresh SQLite database."""
    database = Database(f"sqlite:///{tmp_path / 'rutinstod.sqlite3'}")
    yield database
    database.dispose()


def test_credential_id_is_stable_keyed_and_hides_the_token(database: Database) -> None:
    token = "rutingrupp-hemlig-kod-123"
    first, again = AuditLog(database), AuditLog(database)
    assert first.credential_id(token) == again.credential_id(token), "the stored key must hold"
    assert first.credential_id(token) != first.credential_id(token + "x"), "ids must differ"
    assert token not in first.credential_id(token), "the id must not contain the token"
    other = AuditLog(database, key="en-annan-nyckel-som-ar-lang")
    assert other.credential_id(token) != first.credential_id(token), "the id must be keyed"


def test_filters_and_pages_newest_first(database: Database) -> None:
    audit = AuditLog(database)
    reader, asker = Actor("token", "aaa", "rutingrupp"), Actor("token", "bbb", "handlaggare")
    for n in range(5):
        audit.record(asker, ASKED, f"svar-{n}", kind="answer")
    audit.record(reader, GAPS_READ, None, view="topics")
    assert audit.count(AuditFilter(actor="token:bbb")) == 5, "filter by actor"
    assert [e.action for e in audit.events(AuditFilter(action=GAPS_READ))] == [GAPS_READ]
    page = audit.events(AuditFilter(actor="token:bbb"), limit=2, offset=1)
    assert [e.target for e in page] == ["svar-3", "svar-2"], "pages run newest first"
    future = AuditFilter(since=utcnow() + dt.timedelta(minutes=1))
    assert audit.count(future) == 0, "a range after every event matches none"
    assert audit.count(AuditFilter(until=utcnow() + dt.timedelta(minutes=1))) == 6, "range"
    streamed = [e.target for e in audit.iter_events(AuditFilter(actor="token:bbb"), batch=2)]
    assert streamed == [f"svar-{n}" for n in range(4, -1, -1)], "batches must not skip"


def test_events_cannot_be_changed_or_deleted(database: Database) -> None:
    AuditLog(database).record(Actor("token", "aaa"), GAPS_READ)
    with pytest.raises(AppendOnlyError), database.session() as session:
        session.scalars(select(AuditEventRow)).one().action = "något annat"
    with pytest.raises(AppendOnlyError), database.session() as session:
        session.delete(session.scalars(select(AuditEventRow)).one())
    with database.session() as session:
        assert session.scalars(select(AuditEventRow.action)).all() == [GAPS_READ], "changed"


def test_csv_neutralises_formulas_and_jsonl_round_trips(database: Database) -> None:
    audit = AuditLog(database)
    audit.record(Actor("=1+1", "x", "rutingrupp", name="@SUM(A1)"), ASKED, "-2+3")
    rows = audit.events(AuditFilter())
    table = list(csv.reader(io.StringIO("".join(export_csv(rows))), delimiter=";"))
    assert table[0][:3] == ["id", "tid", "aktör"], f"Swedish header expected: {table[0]}"
    cells = dict(zip(table[0], table[1], strict=True))
    assert cells["aktör"] == "'=1+1:x" and cells["typ av aktör"] == "'=1+1", f"formula: {cells}"
    assert cells["namn"] == "'@SUM(A1)" and cells["gäller"] == "'-2+3", cells
    assert cells["händelse"] == "Ställde en fråga", "the action needs its Swedish label"
    line = json.loads("".join(export_jsonl(rows)))
    assert line["actor_name"] == "@SUM(A1)" and line["target"] == "-2+3", "JSON stays as is"
