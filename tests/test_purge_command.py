"""`rutinstod purge` over a real SQLite data directory with records of different ages."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from assistant.audit import PURGED, AuditFilter, AuditLog
from assistant.database import AnswerRow, Database, GapRow
from assistant.retention import KIND_LABELS
from rutinstod import app
from tests.conftest import make_settings
from tests.records import EXPECTED, seed_records


def counts(database: Database) -> tuple[int, int]:
    """Return how many answers and gaps the database holds."""
    with database.session() as session:
        answers = session.scalar(select(func.count()).select_from(AnswerRow))
        gaps = session.scalar(select(func.count()).select_from(GapRow))
    return int(answers or 0), int(gaps or 0)


def test_dry_run_prints_counts_per_kind_then_purge_removes_them(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    database = Database(settings.resolved_database_url)
    seed_records(database)
    args = ["purge", "--data-dir", str(settings.data_dir)]
    try:
        dry = CliRunner().invoke(app, [*args, "--dry-run"])
        assert dry.exit_code == 0, dry.output
        for kind, label in KIND_LABELS.items():
            assert f"  {label}: {EXPECTED[kind]}\n" in dry.output, f"{label} in {dry.output}"
        assert "Inget har raderats (--dry-run); 9 poster skulle gallras." in dry.output, dry.output
        assert counts(database) == (4, 4), "a dry run must leave every record"
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 0, done.output
        assert "Totalt 9 poster gallrade." in done.output, done.output
        assert counts(database) == (3, 2), "the purge should remove the old records"
        logged = AuditLog(database).events(AuditFilter(action=PURGED))
        assert [(e.actor, e.detail) for e in logged] == [("system:cli", EXPECTED)], logged
    finally:
        database.dispose()
