"""The API's JSON for the core's objects: answers, citations, nearest documents, receipts.

The core keeps and returns a document's id, page and section; the address that opens
its original file belongs to the API, so it is added here, when a response is written.
A `url` that older stored rows (gap rows, answer receipts) still carry is ignored: the
link is always made anew from the document id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.answer import ChatResponse
from assistant.citations import Citation
from assistant.rechecks import RecheckResult

# A re-check's state as the routine group reads it.
RECHECK_LABELS = {
    "pending": "Kontrolleras",
    "answered": "Besvaras nu",
    "refused": "Nekas fortfarande",
    "failed": "Kontrollen kunde inte göras",
}


def document_url(document_id: str, document: str | None = None, page: int | None = None) -> str:
    """Return the link that opens a document's original file, at the page for PDFs."""
    base = f"/api/documents/{document_id}/file"
    if page and document and document.lower().endswith(".pdf"):
        return f"{base}#page={page}"
    return base


def citation_json(citation: Citation) -> dict[str, object]:
    """Return a citation as the API shows it: its fields and its file's link."""
    p = citation.passage
    return citation.fields() | {"url": document_url(p.document_id, p.document, p.page)}


def stored_citation_json(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored citation (a receipt, or a gap's given answer) with its file's link."""
    shown = {key: value for key, value in stored.items() if key != "url"}
    document_id = stored.get("document_id")
    page = stored.get("page")
    shown["url"] = document_url(str(document_id), stored.get("document"), page)
    return shown


def nearest_json(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Return a nearest document, as a refusal or a gap row keeps it, with its file's link.

    A PDF's link opens at the nearest passage's page.
    """
    shown: dict[str, Any] = {}
    for key, value in entry.items():
        if key in {"url", "groups"}:
            continue
        shown[key] = value
    document_id = entry.get("document_id")
    shown["url"] = (
        None
        if document_id is None
        else document_url(str(document_id), entry.get("document"), entry.get("page"))
    )
    if "groups" in entry:
        shown["groups"] = entry["groups"]
    return shown


def chat_response_json(response: ChatResponse) -> dict[str, Any]:
    """Return an answer, or a refusal with its gap, as the API's JSON object."""
    return {
        "answer": response.answer,
        "answered": response.answered,
        "kind": response.kind,
        "question": response.question,
        "citations": [citation_json(c) for c in response.citations],
        "lessons": [citation_json(c) for c in response.lessons],
        "nearest": [nearest_json(n) for n in response.nearest],
        "gap_id": response.gap_id,
        "gap_ref": response.gap_ref,
        "conversation_id": response.conversation_id,
        "answer_id": response.answer_id,
        "redacted": response.redacted,
        "generator": response.generator,
        "notices": response.notices,
    }


def when(moment: Any) -> str | None:
    """Return a stored time to the second, or None."""
    return None if moment is None else moment.isoformat(timespec="seconds")


def recheck_json(result: RecheckResult) -> dict[str, Any]:
    """Return a gap's re-check as the API shows it, its citations with their file's link."""
    return {
        "state": result.state,
        "state_label": RECHECK_LABELS[result.state],
        "requested_at": when(result.requested_at),
        "checked_at": when(result.checked_at),
        "answer": result.answer,
        "citations": [stored_citation_json(c) for c in result.citations],
    }


def recheck_summary_json(results: list[RecheckResult]) -> dict[str, Any] | None:
    """Count a topic's re-checked gaps by state (None when none was re-checked)."""
    if not results:
        return None
    counts = {state: sum(1 for r in results if r.state == state) for state in RECHECK_LABELS}
    checked = [r.checked_at for r in results if r.checked_at is not None]
    return {
        "answered": counts["answered"],
        "refused": counts["refused"],
        "pending": counts["pending"],
        "failed": counts["failed"],
        "checked_at": when(max(checked)) if checked else None,
    }
