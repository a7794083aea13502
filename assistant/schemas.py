"""Plain data types shared by ingest, retrieval, answering and the web layer."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np

DOCUMENT_TYPES = ("rutin", "riktlinje", "avvikelseanalys", "övrigt")


def in_force(valid_to: dt.date | None, day: dt.date) -> bool:
    """Tell whether a document with this valid_to is in force on a day.

    valid_to is the last day a document is in force: it is in force on `day` when
    valid_to is unset or valid_to >= day (retrieval's live set, retired citations and
    the documents list all read it so).
    """
    return valid_to is None or valid_to >= day


def retirement_day(today: dt.date) -> dt.date:
    """Return the valid_to that retiring a document by hand (Avveckla) sets: yesterday.

    Not today: with valid_to = today the document would stay in force, and keep
    answering questions, until midnight. With yesterday it is out of force at once, and
    a question about a past period still finds it in force up to and including yesterday.
    """
    return today - dt.timedelta(days=1)


def indexed_text(title: str, section: str | None, text: str) -> str:
    """Return the text that the embedding model and BM25 see: title, section and passage."""
    head = f"{title}. {section}." if section else f"{title}."
    return f"{head}\n{text}"


def document_id(source_path: str) -> str:
    """Derive a stable document id from the file's absolute path."""
    return hashlib.sha256(source_path.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class DocumentMeta:
    """What is known about one source document."""

    title: str
    doc_type: str
    owner: str | None
    version: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    source_path: str
    file_name: str
    content_hash: str
    # Groups the document is restricted to (assistant/access.py); empty: visible to all.
    groups: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Return the document's stable id."""
        return document_id(self.source_path)

    def is_retired(self, today: dt.date) -> bool:
        """Tell whether the document's validity has ended by the given day."""
        return not in_force(self.valid_to, today)


@dataclass(frozen=True)
class Chunk:
    """One indexed passage: a piece of a section, with where it comes from."""

    id: str
    document_id: str
    ordinal: int
    section: str | None
    page: int | None
    page_end: int | None
    text: str
    ocr_confidence: float | None = None  # lowest OCR confidence of the pages it rests on

    def embedding_text(self, title: str) -> str:
        """Return the text this chunk is indexed under."""
        return indexed_text(title, self.section, self.text)


@dataclass
class Passage:
    """A retrieved chunk with its document's metadata and its scores."""

    chunk_id: str
    document_id: str
    document: str
    title: str
    doc_type: str
    section: str | None
    page: int | None
    valid_from: str | None
    text: str
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)
    sentence_vectors: np.ndarray | None = field(default=None, repr=False, compare=False)
    ocr_confidence: float | None = None  # set when the text was read from a scan by OCR
    # The document's version and content hash when it was retrieved: an answer's receipt.
    version: str | None = None
    content_hash: str | None = None
    valid_to: str | None = None  # ISO date the document stopped being in force, if it has
    groups: tuple[str, ...] = ()  # the groups its document is restricted to, if any

    def as_dict(self) -> dict[str, object]:
        """Return the passage as the JSON object `rutinstod search --json` prints."""
        shown: dict[str, object] = {
            "document": self.document,
            "title": self.title,
            "type": self.doc_type,
            "section": self.section,
            "page": self.page,
            "valid_from": self.valid_from,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
            "lexical_score": None if self.lexical_score is None else round(self.lexical_score, 4),
            "text": self.text,
        }
        if self.ocr_confidence is not None:
            shown["ocr_confidence"] = round(self.ocr_confidence, 4)
        return shown
