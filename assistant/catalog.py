"""The index manifest in the database: documents, chunks and the current generation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.database import (
    ChunkRow,
    Database,
    DocumentRetirementRow,
    DocumentRow,
    IndexStateRow,
    IngestFailureRow,
)
from assistant.schemas import DocumentMeta, indexed_text

# Index state, written only by the index writer (ingest/index.py).
GENERATION_KEY = "lexical_generation"
DIRTY_KEY = "ingest_started"
COLLECTION_KEY = "vector_collection"
MODEL_KEY = "embedding_model"
READER_KEY = "reader_version"  # which reader made the passages (ingest/prepare.py)


def meta_from_row(row: DocumentRow) -> DocumentMeta:
    """Turn a documents row back into a DocumentMeta."""
    return DocumentMeta(
        title=row.title,
        doc_type=row.doc_type,
        owner=row.owner,
        version=row.version,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        source_path=row.source_path,
        file_name=row.file_name,
        content_hash=row.content_hash,
        groups=tuple(row.groups or ()),
    )


@dataclass(frozen=True)
class ChunkView:
    """A chunk joined with its document, as retrieval hands it on."""

    chunk: ChunkRow
    document: DocumentRow


def read_state(session: Session, key: str) -> str | None:
    """Read one index state value."""
    row = session.get(IndexStateRow, key)
    return row.value if row else None


def write_state(session: Session, key: str, value: str | None) -> None:
    """Write or clear one index state value."""
    row = session.get(IndexStateRow, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(IndexStateRow(key=key, value=value))
    else:
        row.value = value


class Catalog:
    """Queries over the manifest that retrieval, the API and ingest share."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def generation(self) -> int:
        """Return the number of the lexical index generation that is current."""
        with self.database.session() as session:
            value = read_state(session, GENERATION_KEY)
        return int(value) if value else 0

    def vector_collection(self) -> str | None:
        """Return the chroma collection the current generation's vectors are in, if named."""
        with self.database.session() as session:
            return read_state(session, COLLECTION_KEY)

    def documents(self) -> list[DocumentRow]:
        """Return every ingested document, newest valid-from first within a title."""
        with self.database.session() as session:
            rows = session.scalars(select(DocumentRow).order_by(DocumentRow.title)).all()
        return list(rows)

    def document(self, document_id: str) -> DocumentRow | None:
        """Return one document by id."""
        with self.database.session() as session:
            return session.get(DocumentRow, document_id)

    def retirements(self) -> dict[str, DocumentRetirementRow]:
        """Return the documents retired by hand (Avveckla), by document id."""
        with self.database.session() as session:
            rows = session.scalars(select(DocumentRetirementRow)).all()
        return {row.document_id: row for row in rows}

    def failures(self) -> list[IngestFailureRow]:
        """Return the files whose last ingest failed."""
        with self.database.session() as session:
            rows = session.scalars(select(IngestFailureRow).order_by(IngestFailureRow.file_name))
            return list(rows.all())

    def live_chunk_ids(self, today: dt.date) -> tuple[list[str], set[str]]:
        """Return all chunk ids in index order, and the subset whose document is valid today."""
        with self.database.session() as session:
            rows = session.execute(
                select(ChunkRow.id, DocumentRow.valid_to)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .order_by(ChunkRow.document_id, ChunkRow.ordinal)
            ).all()
        ids = [row[0] for row in rows]
        live = {row[0] for row in rows if row[1] is None or row[1] >= today}
        return ids, live

    def restricted_chunks(self) -> dict[str, frozenset[str]]:
        """Return the chunks of documents restricted to groups, with those groups."""
        with self.database.session() as session:
            rows = session.execute(
                select(ChunkRow.id, DocumentRow.groups)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(DocumentRow.groups.is_not(None))
            ).all()
        return {cid: frozenset(groups) for cid, groups in rows if groups}

    def document_groups(self, document_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Return the groups of the given documents that exist, by id (empty: unrestricted)."""
        wanted = list(set(document_ids))
        if not wanted:
            return {}
        with self.database.session() as session:
            rows = session.execute(
                select(DocumentRow.id, DocumentRow.groups).where(DocumentRow.id.in_(wanted))
            ).all()
        return {doc_id: tuple(groups or ()) for doc_id, groups in rows}

    def known_groups(self) -> frozenset[str]:
        """Return every group some document is restricted to."""
        with self.database.session() as session:
            rows = session.scalars(
                select(DocumentRow.groups).where(DocumentRow.groups.is_not(None))
            ).all()
        return frozenset(group for groups in rows for group in groups or ())

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkView]:
        """Fetch chunks with their documents by id."""
        if not ids:
            return {}
        with self.database.session() as session:
            rows = session.execute(
                select(ChunkRow, DocumentRow)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(ChunkRow.id.in_(list(ids)))
            ).all()
        return {chunk.id: ChunkView(chunk, document) for chunk, document in rows}

    def document_chunks(self, document_id: str) -> list[ChunkRow]:
        """Return one document's chunks in reading order."""
        with self.database.session() as session:
            rows = session.scalars(
                select(ChunkRow)
                .where(ChunkRow.document_id == document_id)
                .order_by(ChunkRow.ordinal)
            )
            return list(rows.all())

    def texts_for_index(self, ids: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """Return (chunk id, title + section + text) for every chunk, in index order."""
        with self.database.session() as session:
            query = (
                select(ChunkRow.id, DocumentRow.title, ChunkRow.section, ChunkRow.text)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .order_by(ChunkRow.document_id, ChunkRow.ordinal)
            )
            rows = session.execute(query).all()
        wanted = set(ids) if ids is not None else None
        return [
            (cid, indexed_text(title, section, text))
            for cid, title, section, text in rows
            if wanted is None or cid in wanted
        ]
