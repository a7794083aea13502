"""The database opens data directories written by older versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.database import Database
from assistant.gaps import GapLog


def test_columns_added_since_an_older_schema_are_created(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE gap_topics (id VARCHAR(32) PRIMARY KEY, label TEXT, status VARCHAR(32),"
            " owner TEXT, note TEXT, resolving_document TEXT, updated_at DATETIME)"
        )
        connection.execute("INSERT INTO gap_topics (id, label, status) VALUES ('t1', 'x', 'ny')")
    database = Database(f"sqlite:///{path}")
    try:
        GapLog(database).record_gap("unanswered", "Hur söker man bygglov?", "bygglov", None, [])
        columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(gap_topics)")}
        assert {"centroid", "size"} <= columns, columns
        assert len(GapLog(database).topics()) == 1, "the new gap forms its own topic"
    finally:
        database.dispose()
