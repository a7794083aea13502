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


def test_an_older_gaps_table_gets_the_ref_column_and_its_unique_index(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE gaps (id VARCHAR(32) PRIMARY KEY, kind VARCHAR(16), question TEXT,"
            " topic_key TEXT, topic_id VARCHAR(32), answer_id VARCHAR(32), nearest JSON,"
            " embedding JSON, status VARCHAR(32), owner TEXT, note TEXT,"
            " resolving_document TEXT, top_score FLOAT, created_at DATETIME)"
        )
        connection.execute(
            "INSERT INTO gaps (id, kind, question, topic_key, nearest, status, created_at)"
            " VALUES ('g1', 'unanswered', 'Gammal fråga?', '', '[]', 'ny', '2024-01-01')"
        )
    database = Database(f"sqlite:///{path}")
    try:
        logged = GapLog(database).record_gap("unanswered", "Ny fråga?", "", None, [])
        indexes = sqlite3.connect(path).execute("PRAGMA index_list(gaps)").fetchall()
        unique = {row[1] for row in indexes if row[2]}
        assert "ix_gaps_ref" in unique, f"the ref index should be unique: {indexes}"
        refs = {g.id: g.ref for g in GapLog(database).gaps()}
        assert refs == {"g1": None, logged.id: logged.ref}, "old gaps keep no ref, new ones get one"
    finally:
        database.dispose()
