"""SQLAlchemy engine and tables: the index manifest, answers, feedback, the gap log and audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

# PostgreSQL advisory lock key held while one process creates the schema.
SCHEMA_LOCK_KEY = 7_206_163_529


def utcnow() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base for every table."""


class DocumentRow(Base):
    """One ingested source document."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_path: Mapped[str] = mapped_column(Text, unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    doc_type: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    # the groups the document is restricted to (assistant/access.py); None or []: everyone
    groups: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentRetirementRow(Base):
    """A document retired by hand (Avveckla): kept and listed, out of force, undoable.

    Kept apart from the document's row, which every ingest of its file writes anew, so
    that the retirement outlasts a changed file (ingest/retirement.py owns this table).
    """

    __tablename__ = "document_retirements"
    document_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    # the last day in force that the retirement set (assistant/schemas.py: retirement_day)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    # the valid_to of the document's own metadata, put back by Återaktivera
    own_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    retired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChunkRow(Base):
    """One passage of a document, as indexed."""

    __tablename__ = "chunks"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # float32 embedding of indexed_text(title, section, text), as stored in chroma
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    # float16 embeddings of the chunk's sentences, in split_sentences() order
    sentence_vectors: Mapped[bytes | None] = mapped_column(LargeBinary)
    # mean OCR word confidence (0..1) when the text was read from a scanned page
    ocr_confidence: Mapped[float | None] = mapped_column(Float)


class EndedSessionRow(Base):
    """A sign-in ended by logout before its cookie expired (assistant/sessions.py)."""

    __tablename__ = "ended_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ended_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class IndexStateRow(Base):
    """Key-value state of the index, such as the current lexical generation."""

    __tablename__ = "index_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class IngestFailureRow(Base):
    """The last ingest error of a file that could not be ingested."""

    __tablename__ = "ingest_failures"
    source_path: Mapped[str] = mapped_column(Text, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnswerRow(Base):
    """An answer given, with the redacted question, kept so feedback can refer to it."""

    __tablename__ = "answers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column()
    generator: Mapped[str] = mapped_column(String(32))
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeedbackRow(Base):
    """A caseworker's verdict on an answer."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(ForeignKey("answers.id"), index=True)
    helpful: Mapped[bool] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GapTopicRow(Base):
    """A group of similar gaps that the routine group handles as one."""

    __tablename__ = "gap_topics"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="ny")
    owner: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    resolving_document: Mapped[str | None] = mapped_column(Text)
    centroid: Mapped[list[float] | None] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # kept by the retention purge, with its gaps, however old they are
    keep: Mapped[bool | None] = mapped_column(default=False)


class GapRow(Base):
    """A question no routine answered, or an answer marked unhelpful."""

    __tablename__ = "gaps"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    topic_key: Mapped[str] = mapped_column(Text, index=True)
    topic_id: Mapped[str | None] = mapped_column(ForeignKey("gap_topics.id"), index=True)
    answer_id: Mapped[str | None] = mapped_column(String(32))
    nearest: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    embedding: Mapped[list[float] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), default="ny")
    owner: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    resolving_document: Mapped[str | None] = mapped_column(Text)
    top_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # the short reference a caseworker is shown (assistant/gap_refs.py); None before it existed
    ref: Mapped[str | None] = mapped_column(String(8), unique=True, index=True)


class GapRecheckRow(Base):
    """A gap's question asked again after its topic was marked åtgärdad, and the outcome.

    One row per gap, the latest check; it goes with its gap (assistant/rechecks.py).
    """

    __tablename__ = "gap_rechecks"
    gap_id: Mapped[str] = mapped_column(ForeignKey("gaps.id", ondelete="CASCADE"), primary_key=True)
    # pending, answered, refused or failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    answer: Mapped[str | None] = mapped_column(Text)
    # the citations of the answer: where each passage is, its document's groups, no text
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    """Who did what and when; rows are only ever added (assistant/audit.py), or purged."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # kind:id, stable and non-reversible (a keyed hash of a token, an OIDC subject, ...)
    actor: Mapped[str] = mapped_column(String(160), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48), index=True)
    target: Mapped[str | None] = mapped_column(String(160))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, create the folder and use WAL with a busy timeout."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _drop_nul(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        return statement, without_nul(parameters)

    return engine


def without_nul(parameters: Any) -> Any:
    """Drop NUL characters from statement parameters; PostgreSQL text cannot hold them."""
    if isinstance(parameters, str):
        return parameters.replace("\x00", "")
    if isinstance(parameters, dict):
        return {key: without_nul(value) for key, value in parameters.items()}
    if isinstance(parameters, list | tuple):
        return type(parameters)(without_nul(value) for value in parameters)
    return parameters


def add_missing_columns(engine: Engine) -> None:
    """Add columns that newer versions define to tables an older version created.

    Schema changes so far only add nullable or defaulted columns; this keeps an
    existing data directory working after an upgrade without a migration tool.
    """
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            added = False
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                default = " DEFAULT 0" if isinstance(column.type, Integer) else ""
                connection.execute(
                    text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}{default}')
                )
                added = True
            for index in table.indexes if added else ():  # an added column's index, if any
                index.create(connection, checkfirst=True)


def create_schema(engine: Engine) -> None:
    """Create missing tables and columns; on PostgreSQL one process at a time.

    Replicas starting together on an empty database would otherwise race to create the
    same tables, and all but one would fail.
    """
    if engine.dialect.name != "postgresql":
        Base.metadata.create_all(engine)
        add_missing_columns(engine)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        try:
            Base.metadata.create_all(engine)
            add_missing_columns(engine)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
            lock.commit()


class Database:
    """The engine and a session factory, with the schema created on start."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        create_schema(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()
