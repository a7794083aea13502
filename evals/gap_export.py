"""Turn resolved gap topics into evaluation items, so a closed gap guards against regressions.

A topic the routine group marked "åtgärdad" names the document that now answers it;
each distinct question in the topic becomes an answerable item expecting that
document. must_contain stays empty: the routine group has not said which facts,
only which document, so these items test retrieval, citing and not refusing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.database import DocumentRow, GapRow, GapTopicRow

RESOLVED = "åtgärdad"
GAP_TAG = "från-lucka"


def document_names(documents: Iterable[DocumentRow]) -> dict[str, str]:
    """Map document ids and file names (case-folded) to file names."""
    names: dict[str, str] = {}
    for doc in documents:
        names[doc.id] = doc.file_name
        names[doc.file_name.casefold()] = doc.file_name
    return names


def resolve_document(reference: str, names: dict[str, str]) -> str:
    """Return the file name a resolving-document reference points to (itself if unknown)."""
    reference = reference.strip()
    return names.get(reference) or names.get(reference.casefold()) or reference


def distinct_questions(gaps: Sequence[GapRow]) -> list[str]:
    """Return a topic's questions, each once (ignoring case and spacing), oldest first."""
    seen: dict[str, str] = {}
    for gap in gaps:
        text = " ".join(gap.question.split())
        if text:
            seen.setdefault(text.casefold(), text)
    return list(seen.values())


def item_id(topic_id: str, question: str) -> str:
    """Return a stable id for a question of a topic, unchanged between exports."""
    digest = hashlib.sha256(question.casefold().encode("utf-8")).hexdigest()[:8]
    return f"lucka-{topic_id[:8]}-{digest}"


def gap_test_items(
    topics: Sequence[tuple[GapTopicRow, Sequence[GapRow]]], documents: Iterable[DocumentRow]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Build dataset items from resolved topics; also return warnings for skipped topics."""
    names = document_names(documents)
    items: list[dict[str, Any]] = []
    warnings: list[str] = []
    for topic, gaps in topics:
        if topic.status != RESOLVED:
            continue
        if not topic.resolving_document:
            warnings.append(f"ämnet {topic.label!r} är åtgärdat men saknar åtgärdande dokument")
            continue
        source = resolve_document(topic.resolving_document, names)
        if source == topic.resolving_document.strip() and source.casefold() not in names:
            warnings.append(f"ämnet {topic.label!r}: dokumentet {source!r} finns inte i indexet")
        for question in distinct_questions(gaps):
            items.append(
                {
                    "id": item_id(topic.id, question),
                    "question": question,
                    "answerable": True,
                    "expected_sources": [source],
                    "must_contain": [],
                    "tags": [GAP_TAG],
                    "notes": f"Från lucka i rutinerna: {topic.label}",
                }
            )
    return items, warnings
