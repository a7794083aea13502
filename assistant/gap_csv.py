"""The gap log as CSV for Swedish spreadsheets: `;` between cells, decimal commas, no formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from assistant.gap_details import GapDetail

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = (
    "id",
    "tid",
    "typ",
    "fråga",
    "ämne",
    "status",
    "ansvarig",
    "anteckning",
    "åtgärdande dokument",
    "närmaste dokument",
    "bästa poäng",
    "referens",
    "orsak",
    "kommentar",
    "svar som gavs",
    "källor i svaret",
)


def csv_cell(value: object) -> str:
    """Neutralise a cell a spreadsheet would run as a formula, by a leading single quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def decimal_cell(value: float | None, places: int = 3) -> str:
    """Write a number with a decimal comma, as a Swedish spreadsheet reads it; None as empty."""
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def source_cell(citation: dict[str, Any]) -> str:
    """Describe a cited passage as "[n] Titel, avsnitt, s. 3"."""
    parts = [str(citation.get("title") or citation.get("document"))]
    if citation.get("section"):
        parts.append(str(citation["section"]))
    if citation.get("page"):
        parts.append(f"s. {citation['page']}")
    return f"[{citation.get('id')}] " + ", ".join(parts)


class SafeCsvWriter:
    """A csv writer whose every cell goes through csv_cell()."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: Sequence[object]) -> None:
        """Write one row of neutralised cells."""
        self.writer.writerow([csv_cell(cell) for cell in row])


def detail_row(detail: GapDetail) -> list[object]:
    """Return one gap's cells in HEADER order."""
    row, feedback, answer = detail.gap, detail.feedback, detail.answer
    nearest = ", ".join(str(n.get("title") or n.get("document")) for n in row.nearest or [])
    return [
        row.id,
        row.created_at.isoformat(timespec="seconds"),
        detail.kind_label,
        row.question,
        detail.topic_label or "",
        row.status,
        row.owner or "",
        row.note or "",
        row.resolving_document or "",
        nearest,
        decimal_cell(row.top_score),
        row.ref or "",
        feedback.reason if feedback and feedback.reason else "",
        feedback.comment if feedback and feedback.comment else "",
        answer.text if answer else "",
        " | ".join(source_cell(c) for c in answer.citations) if answer else "",
    ]


def render_csv(details: Sequence[GapDetail]) -> str:
    """Render gaps as CSV, one row each under HEADER; every cell goes through csv_cell()."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(csv.writer(buffer, delimiter=";"))
    writer.writerow(HEADER)
    for detail in details:
        writer.writerow(detail_row(detail))
    return buffer.getvalue()
