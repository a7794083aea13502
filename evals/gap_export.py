"""Turn resolved gap topics into evaluation items, so a closed gap guards against regressions.

A topic the routine group marked "åtgärdad" names the document that now answers it, and
its questions were asked again when it was marked (assistant/rechecks.py). Each
distinct question becomes an answerable item:
- answered on the re-check: expecting the documents the answer cited;
- not re-checked yet (or the check failed): expecting the resolving document;
- still refused on the re-check: left out with a warning, since an item that fails at
  once guards against no regression; the routine group's work is not done yet.
must_contain stays empty: nobody has said which facts, only which document, so these
items test retrieval, citing and not refusing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.database import DocumentRow, GapRow, GapTopicRow
from assistant.rechecks import ANSWERED, REFUSED, RecheckResult

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


def distinct_questions(gaps: Sequence[GapRow]) -> list[tuple[str, list[str]]]:
    """Return a topic's questions, each once (ignoring case and spacing), oldest first,
    with the ids of the gaps that asked it."""
    seen: dict[str, tuple[str, list[str]]] = {}
    for gap in gaps:
        text = " ".join(gap.question.split())
        if text:
            seen.setdefault(text.casefold(), (text, []))[1].append(gap.id)
    return list(seen.values())


def item_id(topic_id: str, question: str) -> str:
    """Return a stable id for a question of a topic, unchanged between exports."""
    digest = hashlib.sha256(question.casefold().encode("utf-8")).hexdigest()[:8]
    return f"lucka-{topic_id[:8]}-{digest}"


def checked_sources(results: Sequence[RecheckResult], names: dict[str, str]) -> list[str]:
    """Return the file names a re-checked answer cited, in the order it cited them."""
    cited = [c.get("document_id") or c.get("document") or "" for r in results for c in r.citations]
    return list(dict.fromkeys(resolve_document(str(c), names) for c in cited if c))


def gap_test_items(
    topics: Sequence[tuple[GapTopicRow, Sequence[GapRow]]],
    documents: Iterable[DocumentRow],
    rechecks: Mapping[str, RecheckResult] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Build dataset items from resolved topics; also return warnings for what was left out.

    `rechecks` holds the latest re-check of each gap, by gap id.
    """
    names = document_names(documents)
    rechecks = rechecks or {}
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
        for question, gap_ids in distinct_questions(gaps):
            results = [rechecks[g] for g in gap_ids if g in rechecks]
            answered = [r for r in results if r.state == ANSWERED]
            if not answered and any(r.state == REFUSED for r in results):
                warnings.append(f"frågan {question!r} nekas fortfarande och exporteras inte")
                continue
            expected = checked_sources(answered, names) if answered else [source]
            notes = f"Från lucka i rutinerna: {topic.label}"
            if answered:
                checked = max(r.checked_at for r in answered if r.checked_at)
                notes += f" (besvarad vid kontroll {checked.date().isoformat()})"
            items.append(
                {
                    "id": item_id(topic.id, question),
                    "question": question,
                    "answerable": True,
                    "expected_sources": expected or [source],
                    "must_contain": [],
                    "tags": [GAP_TAG],
                    "notes": notes,
                }
            )
    return items, warnings
