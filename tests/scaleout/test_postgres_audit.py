"""The audit log and the retention purge on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.audit import PURGED, Actor, AppendOnlyError, AuditFilter, AuditLog
from assistant.database import AnswerRow, AuditEventRow, Database, GapTopicRow
from assistant.retention import purge
from evals.servers import PostgresCluster
from tests.conftest import make_settings
from tests.records import EXPECTED, seed_records


def test_purge_and_audit_on_postgres(postgres_cluster: PostgresCluster, tmp_path: Path) -> None:
    database = Database(postgres_cluster.create_database())
    try:
        seed_records(database)
        audit = AuditLog(database)
        audit.record(Actor("token", audit.credential_id("x" * 20), "rutingrupp"), "gaps.read")
        retention = make_settings(tmp_path).retention
        dry = purge(database, retention, audit, dry_run=True)
        assert dry.counts == EXPECTED, f"dry run on PostgreSQL: {dry.counts}"
        assert purge(database, retention, audit).counts == EXPECTED, "purge on PostgreSQL"
        with database.session() as session:
            answers = set(session.scalars(select(AnswerRow.id)))
            topics = set(session.scalars(select(GapTopicRow.id)))
        assert answers == {"a-conv1", "a-conv2", "a-young"} and topics == {"t-kept", "t-mixed"}
        assert audit.count(AuditFilter(action=PURGED)) == 1, "the purge is logged"
        assert audit.count(AuditFilter(action="gaps.read")) == 2, "young reads stay"
        with pytest.raises(AppendOnlyError), database.session() as session:
            session.scalars(select(AuditEventRow).limit(1)).one().target = "ändrad"
    finally:
        database.dispose()
