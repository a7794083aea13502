"""Check an answer's [n] citations against the passages it was given, and quote them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from assistant.prompts import INGET_SVAR
from assistant.schemas import DocumentMeta, Passage
from assistant.sentences import split_sentences

CITATION = re.compile(r"\s*\[(\d{1,3})\]")
WORD = re.compile(r"\w+", re.UNICODE)
PASSAGE_MARKER = re.compile(r"\[(\d{1,3})\]")
SENTINEL = re.compile(re.escape(INGET_SVAR), re.IGNORECASE)


def neutralise_markers(text: str) -> str:
    """Keep a document from speaking in the generator's voice.

    Only the generator adds citation markers and the refusal sentinel: "[2]" in passage text
    becomes "(2)", and INGET_SVAR becomes "INGET SVAR", so neither is read as the generator's.
    """
    if "[" not in text and "_" not in text:
        return text
    return SENTINEL.sub("INGET SVAR", PASSAGE_MARKER.sub(r"(\1)", text))


def neutral_passage(passage: Passage) -> Passage:
    """Return the passage with neutralised text (the same object when nothing changes)."""
    text = neutralise_markers(passage.text)
    return passage if text == passage.text else dataclasses.replace(passage, text=text)


@dataclass
class Citation:
    """One source an answer rests on, numbered as shown in the answer."""

    id: int
    passage: Passage
    quote: str
    # Set when the document is no longer in force: the version in force now, by title.
    retired: bool = False
    replaced_by: dict[str, str | None] | None = None

    def fields(self) -> dict[str, object]:
        """Return what every view of the citation shows: the passage, its version and quote."""
        p = self.passage
        shown: dict[str, object] = {
            "id": self.id,
            "document": p.document,
            "document_id": p.document_id,
            "title": p.title,
            "type": p.doc_type,
            "section": p.section,
            "page": p.page,
            "valid_from": p.valid_from,
            "quote": self.quote,
            "passage": p.text,
            "version": p.version,
            "valid_to": p.valid_to,
            "retired": self.retired,
            "replaced_by": self.replaced_by,
        }
        if p.ocr_confidence is not None:  # the passage was read from a scan by OCR
            shown["ocr_confidence"] = round(p.ocr_confidence, 4)
        return shown

    def receipt(self) -> dict[str, object]:
        """Return the citation as stored with the answer: the passage and the version it rests on.

        The version, content hash and chunk are those the passage was read from when
        the answer was given, so the receipt still shows them after the routine changes.
        Where the original file is served is the API's business (web/serialise.py).
        """
        p = self.passage
        stored = self.fields() | {"content_hash": p.content_hash, "chunk_id": p.chunk_id}
        if p.groups:
            stored["groups"] = list(p.groups)
        return stored


def claims_with_markers(text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences, each with the citation numbers it carries."""
    claims: list[tuple[str, list[int]]] = []
    for sentence in split_sentences(text):
        numbers = [int(n) for n in CITATION.findall(sentence)]
        body = CITATION.sub("", sentence).strip()
        if not body and claims:  # a marker that split off after the full stop
            claims[-1][1].extend(numbers)
        elif body:
            claims.append((body, numbers))
    return claims


def best_quote(claim: str, passage: Passage) -> str:
    """Return the passage sentence that shares the most words with a claim."""
    claim_words = set(WORD.findall(claim.lower()))
    sentences = split_sentences(passage.text) or [passage.text]
    return max(sentences, key=lambda s: len(claim_words & set(WORD.findall(s.lower()))))


def validate_citations(text: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """Keep cited claims with valid markers, renumber them in order of first use.

    A marker that points outside the given passages is removed; a sentence left
    without any valid marker is dropped, since every claim must point to its source.
    """
    numbering: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    kept: list[str] = []
    for claim, numbers in claims_with_markers(text):
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= len(passages)]
        if not valid:
            continue
        shown = []
        for n in valid:
            numbering.setdefault(n, len(numbering) + 1)
            shown.append(numbering[n])
            quote = best_quote(claim, passages[n - 1])
            if quote not in quotes.setdefault(n, []):
                quotes[n].append(quote)
        markers = "".join(f"[{m}]" for m in shown)
        end = claim[-1] if claim[-1] in ".!?" else "."
        # A list item quoted alone ends as a sentence, not on the comma leading on to
        # the next item ("… inte är folkbokförda här,").
        body = (claim[:-1] if claim[-1] in ".!?" else claim).rstrip(",; ")
        kept.append(f"{body.rstrip()} {markers}{end}")
    citations = [
        Citation(id=shown, passage=passages[n - 1], quote=" … ".join(quotes[n]))
        for n, shown in sorted(numbering.items(), key=lambda pair: pair[1])
    ]
    return " ".join(kept), citations


def mark_retired(citations: list[Citation], documents: list[DocumentMeta], today: dt.date) -> None:
    """Flag citations of documents no longer in force, with the version in force by title."""
    for citation in citations:
        valid_to = citation.passage.valid_to
        if valid_to is None or dt.date.fromisoformat(valid_to) >= today:
            continue
        citation.retired = True
        current = [
            d for d in documents if d.title == citation.passage.title and not d.is_retired(today)
        ]
        if current:
            doc = max(current, key=lambda d: d.valid_from or dt.date.min)
            citation.replaced_by = {
                "document_id": doc.id,
                "title": doc.title,
                "version": doc.version,
                "valid_from": doc.valid_from.isoformat() if doc.valid_from else None,
            }
