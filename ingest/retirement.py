"""Retiring a document by hand (Avveckla), undoing it (Återaktivera), and keeping it so.

Retiring sets the document's valid_to to yesterday (assistant/schemas.py,
retirement_day): it stays in the index and in the list, questions about today no longer
get its passages, citations of it are flagged as no longer in force, and a question
about a past period still finds it. The change is committed as a new index generation
from the stored passages and vectors (nothing is read or embedded again), so every
replica sees it. The retirement is also kept in its own table: an ingest that reads the
document's file again (it changed) keeps it retired; Återaktivera puts back the valid_to
of its own metadata. An upload over a retired document puts the new version in force.
This module is the one that reads and writes that table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, select

from assistant.catalog import meta_from_row
from assistant.database import ChunkRow, Database, DocumentRetirementRow, DocumentRow, utcnow
from assistant.schemas import Chunk, in_force, retirement_day
from ingest.index import NewDocument


class RetirementError(ValueError):
    """A retirement that cannot be made or undone; the message is Swedish."""


def stored_document(database: Database, document_id: str, valid_to: dt.date | None) -> NewDocument:
    """Return an indexed document as it is stored, with another valid_to, to commit again."""
    with database.session() as session:
        row = session.get(DocumentRow, document_id)
        if row is None:
            raise RetirementError("Dokumentet finns inte.")
        chunks = session.scalars(
            select(ChunkRow).where(ChunkRow.document_id == document_id).order_by(ChunkRow.ordinal)
        ).all()
    meta = dataclasses.replace(meta_from_row(row), valid_to=valid_to)
    passages = [
        Chunk(
            c.id, c.document_id, c.ordinal, c.section, c.page, c.page_end, c.text, c.ocr_confidence
        )
        for c in chunks
    ]
    return NewDocument(meta, passages, row.pages, row.size_bytes)


def begin_retirement(database: Database, document_id: str, today: dt.date) -> NewDocument:
    """Record a document's retirement and return it, out of force, for the writer to commit."""
    with database.session() as session:
        row = session.get(DocumentRow, document_id)
        if row is None:
            raise RetirementError("Dokumentet finns inte.")
        if not in_force(row.valid_to, today):
            raise RetirementError("Dokumentet gäller redan inte längre och är avvecklat.")
        session.merge(
            DocumentRetirementRow(
                document_id=document_id,
                valid_to=retirement_day(today),
                own_valid_to=row.valid_to,
                retired_at=utcnow(),
            )
        )
    return stored_document(database, document_id, retirement_day(today))


def reinstated_document(database: Database, document_id: str) -> NewDocument:
    """Return a document retired by hand with the valid_to of its own metadata back."""
    with database.session() as session:
        retirement = session.get(DocumentRetirementRow, document_id)
        if retirement is None:
            raise RetirementError(
                "Dokumentet är inte avvecklat här. Ett dokument vars giltighetstid har gått ut "
                "enligt sina egna uppgifter återaktiveras genom att uppgifterna ändras."
            )
        own = retirement.own_valid_to
    return stored_document(database, document_id, own)


def forget_retirements(database: Database, document_ids: Iterable[str]) -> None:
    """Drop the retirements of documents deleted, reinstated or replaced by an upload."""
    ids = list(document_ids)
    if ids:
        with database.session() as session:
            session.execute(
                delete(DocumentRetirementRow).where(DocumentRetirementRow.document_id.in_(ids))
            )


def keep_retired(database: Database, documents: list[NewDocument]) -> list[NewDocument]:
    """Return documents read again by an ingest, those retired by hand still out of force.

    The valid_to a changed file's metadata gives is remembered as the one Återaktivera
    puts back.
    """
    ids = [d.meta.id for d in documents]
    with database.session() as session:
        retirements = {
            r.document_id: r
            for r in session.scalars(
                select(DocumentRetirementRow).where(DocumentRetirementRow.document_id.in_(ids))
            )
        }
        kept = []
        for document in documents:
            retirement = retirements.get(document.meta.id)
            if retirement is None:
                kept.append(document)
                continue
            retirement.own_valid_to = document.meta.valid_to
            valid_to = min(retirement.valid_to, document.meta.valid_to or dt.date.max)
            meta = dataclasses.replace(document.meta, valid_to=valid_to)
            kept.append(dataclasses.replace(document, meta=meta))
    return kept
