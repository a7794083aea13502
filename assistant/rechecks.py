"""Closing the loop: a resolved gap's question asked again against the current index.

When the routine group marks a topic (or one gap) åtgärdad, each of its gaps' questions
is asked again through the same answer pipeline, with a gap log that records nothing: no
answer is stored, no gap is logged and the topic is not reopened. The outcome is kept per
gap (table gap_rechecks): answered now, with its citations (where each cited passage is,
its document's version and groups; no passage text), or still refused. The questions are
asked as a reader who sees every document; a reader is shown a result only when they may
see every document it cites, as the gap log shows a gap only when they may see its
nearest documents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from assistant.access import EVERYONE, Reader, can_see
from assistant.database import AnswerRow, Database, DocumentRow, GapRecheckRow, GapRow, utcnow
from assistant.gap_details import as_utc, flag_retired
from assistant.gaps import GapLog

if TYPE_CHECKING:
    from assistant.answer import AnswerPipeline, ChatResponse

log = logging.getLogger(__name__)
PENDING, ANSWERED, REFUSED, FAILED = "pending", "answered", "refused", "failed"
# What of a citation a result keeps: where the passage is and whose it is, not its text.
CITATION_FIELDS: tuple[str, ...] = ("id", "document", "document_id", "title", "type")
CITATION_FIELDS += ("section", "page", "version", "valid_from", "valid_to", "quote")
# Distinct questions asked per request; a topic's further gaps wait for the next check.
MAX_QUESTIONS = 50
# A check still pending after this long was cut off (the server stopped): shown as failed.
STALE_AFTER = dt.timedelta(minutes=15)


class UnloggedGapLog(GapLog):
    """A gap log that stores nothing: asking again must not log answers or new gaps."""

    def record_answer(self, row: AnswerRow) -> None:
        """Store nothing."""

    def record_gap(
        self,
        kind: str,
        question: str,
        topic_key: str,
        embedding: np.ndarray | None,
        nearest: list[dict[str, Any]],
        answer_id: str | None = None,
    ) -> GapRow:
        """Return the gap that would be logged, unstored."""
        return GapRow(id="", kind=kind, question=question, topic_key=topic_key, nearest=nearest)


@dataclass(frozen=True)
class RecheckResult:
    """The latest check of one gap's question."""

    gap_id: str
    state: str  # pending, answered, refused or failed
    requested_at: dt.datetime
    checked_at: dt.datetime | None = None
    answer: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)


def kept_citation(citation: Mapping[str, Any]) -> dict[str, Any]:
    """Keep where a cited passage is and its document's groups, not the passage's text."""
    kept = {key: citation.get(key) for key in CITATION_FIELDS}
    if citation.get("groups"):
        kept["groups"] = list(citation["groups"])
    return kept


def outcome(response: ChatResponse) -> tuple[str, str | None, list[dict[str, Any]]]:
    """Return a response's state, answer and kept citations."""
    if not response.answered:
        return REFUSED, None, []
    return ANSWERED, response.answer, [kept_citation(c.receipt()) for c in response.citations]


def result_of(row: GapRecheckRow, now: dt.datetime) -> RecheckResult:
    """Return a stored check; one pending for too long is reported as failed."""
    state = row.state
    if state == PENDING and now - as_utc(row.requested_at) > STALE_AFTER:
        state = FAILED
    return RecheckResult(
        row.gap_id, state, row.requested_at, row.checked_at, row.answer, list(row.citations or [])
    )


class Rechecker:
    """Asks resolved gaps' questions again and keeps what came of it."""

    def __init__(self, database: Database, pipeline: Callable[[], AnswerPipeline]) -> None:
        """pipeline returns the answer pipeline to ask, one whose gap log records nothing."""
        self.database = database
        self.pipeline = pipeline

    def gaps_of_topic(self, topic_id: str) -> list[str]:
        """Return the ids of a topic's gaps, oldest first."""
        with self.database.session() as session:
            return list(
                session.scalars(
                    select(GapRow.id).where(GapRow.topic_id == topic_id).order_by(GapRow.created_at)
                )
            )

    def request(self, gap_ids: Sequence[str]) -> list[str]:
        """Mark gaps as waiting for a check; return those that exist, for run()."""
        with self.database.session() as session:
            found = list(session.scalars(select(GapRow.id).where(GapRow.id.in_(list(gap_ids)))))
            for gap_id in found:
                session.merge(
                    GapRecheckRow(
                        gap_id=gap_id,
                        state=PENDING,
                        answer=None,
                        citations=[],
                        requested_at=utcnow(),
                        checked_at=None,
                    )
                )
        return found

    def run(self, gap_ids: Sequence[str]) -> None:
        """Ask each distinct question of the gaps again and store the outcome for every gap."""
        with self.database.session() as session:
            rows = session.execute(select(GapRow.id, GapRow.question).where(GapRow.id.in_(gap_ids)))
            by_question: dict[str, list[str]] = {}
            for gap_id, question in rows:
                by_question.setdefault(" ".join(question.split()).casefold(), []).append(gap_id)
        questions = list(by_question.items())[:MAX_QUESTIONS]
        for key, ids in questions:
            self._check(key, ids)

    def _check(self, question: str, gap_ids: list[str]) -> None:
        """Ask one question and store the outcome on each gap that asked it."""
        try:
            state, answer, citations = outcome(self.pipeline().ask(question, None, EVERYONE))
        except Exception:  # one question's failure leaves the others to be checked
            log.exception("Asking a resolved gap's question again failed")
            state, answer, citations = FAILED, None, []
        with self.database.session() as session:
            for gap_id in gap_ids:
                row = session.get(GapRecheckRow, gap_id)
                if row is None:  # the gap went (retention purge) while it was asked
                    continue
                row.state, row.answer, row.citations = state, answer, citations
                row.checked_at = utcnow()

    def results(
        self, gap_ids: Iterable[str], reader: Reader = EVERYONE, now: dt.datetime | None = None
    ) -> dict[str, RecheckResult]:
        """Return the latest check of each gap that has one and the reader may see.

        A result citing a document outside the reader's groups is left out; a document
        deleted since counts by the groups kept with the citation.
        """
        now = now or utcnow()
        wanted = list(set(gap_ids))
        with self.database.session() as session:
            rows = session.scalars(
                select(GapRecheckRow).where(GapRecheckRow.gap_id.in_(wanted))
            ).all()
            cited = {c.get("document_id") for r in rows for c in r.citations or []}
            documents = session.execute(
                select(DocumentRow.id, DocumentRow.groups, DocumentRow.valid_to).where(
                    DocumentRow.id.in_(cited)
                )
            ).all()
        groups = {doc_id: restricted for doc_id, restricted, _ in documents}
        valid_to = {doc_id: last for doc_id, _, last in documents}
        shown = {}
        for row in rows:
            restricted = (
                groups[c["document_id"]] if c.get("document_id") in groups else c.get("groups")
                for c in row.citations or []
            )
            if all(can_see(g, reader) for g in restricted):
                found = result_of(row, now)
                flagged = flag_retired(found.citations, valid_to, dt.date.today())
                shown[row.gap_id] = dataclasses.replace(found, citations=flagged)
        return shown
