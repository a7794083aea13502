"""What the routine group sees of a gap beyond its row: the type, the topic, the feedback
and the answer that was given.

A feedback gap is written right after the caseworker's verdict on an answer
(GapLog.record_feedback), so its verdict is the latest unhelpful feedback on the same
answer stored no later than the gap. This module is the one that pairs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.database import AnswerRow, DocumentRow, FeedbackRow, GapRow, GapTopicRow
from assistant.privacy import redact
from assistant.schemas import in_force

# The gap's kind as the routine group reads it (CSV, API, the gaps page).
KIND_LABELS = {"unanswered": "obesvarad", "feedback": "inte hjälpsamt"}
# What of a citation the routine group needs to find the passage; not the whole passage.
CITATION_FIELDS = ("id", "document", "document_id", "title", "type", "section", "page", "quote")


@dataclass(frozen=True)
class FeedbackNote:
    """A caseworker's reason and comment on an answer, the comment redacted."""

    reason: str | None
    comment: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class GivenAnswer:
    """The answer a caseworker judged, with the sources it cited."""

    text: str
    citations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class GapDetail:
    """A gap with its topic's label, its feedback and the answer given, where it has them."""

    gap: GapRow
    topic_label: str | None = None
    feedback: FeedbackNote | None = None
    answer: GivenAnswer | None = None

    @property
    def kind_label(self) -> str:
        """Return the gap's type in Swedish."""
        return kind_label(self.gap.kind)


def kind_label(kind: str) -> str:
    """Return a gap kind in Swedish (unknown kinds as they are)."""
    return KIND_LABELS.get(kind, kind)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Return a stored time as aware UTC; SQLite gives it back without its time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def slim_citation(citation: dict[str, Any]) -> dict[str, Any]:
    """Keep what locates a cited passage (a stored link is left behind; web/ makes it)."""
    return {key: citation.get(key) for key in CITATION_FIELDS}


def pair_feedback(gap: GapRow, verdicts: Sequence[FeedbackRow]) -> FeedbackNote | None:
    """Return the verdict that opened a feedback gap: the latest one not after the gap."""
    earlier = [v for v in verdicts if as_utc(v.created_at) <= as_utc(gap.created_at)]
    chosen = earlier[-1] if earlier else (verdicts[-1] if verdicts else None)
    if chosen is None:
        return None
    comment = None if chosen.comment is None else redact(chosen.comment).text
    return FeedbackNote(reason=chosen.reason, comment=comment, created_at=chosen.created_at)


def flag_retired(
    citations: list[dict[str, Any]], valid_to: dict[str, dt.date | None], today: dt.date
) -> list[dict[str, Any]]:
    """Mark each citation whose document is no longer in force today (`retired`).

    `valid_to` holds the documents that exist; one deleted since keeps the flag it had
    when the answer was given.
    """
    return [
        c | {"retired": not in_force(valid_to[c["document_id"]], today)}
        if c.get("document_id") in valid_to
        else c | {"retired": bool(c.get("retired"))}
        for c in citations
    ]


def documents_valid_to(session: Session, ids: set[str]) -> dict[str, dt.date | None]:
    """Return the valid_to of the documents that exist among the ids."""
    query = select(DocumentRow.id, DocumentRow.valid_to).where(DocumentRow.id.in_(ids))
    return {doc_id: valid_to for doc_id, valid_to in session.execute(query)}


def load_details(
    session: Session, rows: Sequence[GapRow], today: dt.date | None = None
) -> list[GapDetail]:
    """Return each gap with its topic label, feedback and given answer, in the rows' order.

    The given answer's citations say whether their document is still in force today.
    """
    today = today or dt.date.today()
    topic_ids = {r.topic_id for r in rows if r.topic_id}
    labels = {
        topic_id: label
        for topic_id, label in session.execute(
            select(GapTopicRow.id, GapTopicRow.label).where(GapTopicRow.id.in_(topic_ids))
        )
    }
    answer_ids = {r.answer_id for r in rows if r.kind == "feedback" and r.answer_id}
    answers = {
        a.id: a for a in session.scalars(select(AnswerRow).where(AnswerRow.id.in_(answer_ids)))
    }
    verdicts: dict[str, list[FeedbackRow]] = {}
    for verdict in session.scalars(
        select(FeedbackRow)
        .where(FeedbackRow.answer_id.in_(answer_ids), FeedbackRow.helpful.is_(False))
        .order_by(FeedbackRow.created_at, FeedbackRow.id)
    ):
        verdicts.setdefault(verdict.answer_id, []).append(verdict)
    ids = {c.get("document_id") for a in answers.values() for c in a.citations}
    valid_to = documents_valid_to(session, {i for i in ids if i})
    cited = {
        a.id: flag_retired([slim_citation(c) for c in a.citations], valid_to, today)
        for a in answers.values()
    }
    details = []
    for row in rows:
        answer = answers.get(row.answer_id or "") if row.kind == "feedback" else None
        details.append(
            GapDetail(
                gap=row,
                topic_label=labels.get(row.topic_id or ""),
                feedback=pair_feedback(row, verdicts.get(row.answer_id or "", []))
                if answer
                else None,
                answer=GivenAnswer(answer.answer, cited[answer.id]) if answer else None,
            )
        )
    return details
