"""Read the rows the routine group's overview counts, as one reader may see them.

A reader sees, as in the gap log: an answer (and the feedback on it) only when they may
see every document it cited; a refusal only when they may see all its nearest documents;
a topic only when they may see all its gaps; a document only when it is not restricted
to groups outside theirs. A document deleted since counts by the groups stored with the
citation or gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.access import Reader, can_see
from assistant.database import AnswerRow, Database, DocumentRow, FeedbackRow, GapRow
from assistant.gaps import FEEDBACK_REASONS, GapLog, visible_gaps
from assistant.overview import (
    DEFAULT_WEEKS,
    GROWTH_DAYS,
    LOCAL_ZONE,
    DocumentRef,
    Overview,
    TopicTimes,
    count_citations,
    count_feedback,
    count_weeks,
    expiring_documents,
    rank_growth,
    week_starts,
)


def may_see_all(
    entries: Iterable[Mapping[str, Any]], groups: Mapping[str, list[str] | None], reader: Reader
) -> bool:
    """Tell whether a reader may see every document that citations or nearest entries name."""
    for entry in entries:
        doc_id = str(entry.get("document_id"))
        restricted = groups[doc_id] if doc_id in groups else entry.get("groups")
        if not can_see(restricted, reader):
            return False
    return True


def start_of(day: dt.date) -> dt.datetime:
    """Return the first moment of a Swedish calendar day, in UTC."""
    return dt.datetime.combine(day, dt.time(), LOCAL_ZONE).astimezone(dt.UTC)


class OverviewRows:
    """Reads answers, feedback, gaps, topics and documents for the overview."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.gaps = GapLog(database)

    def load(
        self, reader: Reader, today: dt.date | None = None, weeks: int = DEFAULT_WEEKS
    ) -> Overview:
        """Count the overview for a reader over the last `weeks` weeks up to today."""
        today = today or dt.datetime.now(LOCAL_ZONE).date()
        starts = week_starts(today, weeks)
        since = start_of(starts[0])
        with self.database.session() as session:
            documents = session.scalars(select(DocumentRow)).all()
            groups = {d.id: d.groups for d in documents}
            answers = self._answers(session, since, groups, reader)
            refused = self._refusals(session, since, reader)
            verdicts = self._verdicts(session, since, {a.id for a in answers})
        shown = [ref(d) for d in documents if can_see(d.groups, reader)]
        most, never = count_citations(
            ([c.get("document_id") or "" for c in a.citations] for a in answers), shown, today
        )
        return Overview(
            today=today,
            since=starts[0],
            weeks=count_weeks([a.created_at for a in answers if a.answered], refused, starts),
            feedback=count_feedback(verdicts, FEEDBACK_REASONS),
            growing=rank_growth(self._topic_times(reader, today), today),
            most_cited=most,
            never_cited=never,
            expiring=expiring_documents(shown, today),
        )

    @staticmethod
    def _answers(
        session: Session, since: dt.datetime, groups: Mapping[str, Any], reader: Reader
    ) -> list[AnswerRow]:
        """Return the answers given since a moment whose citations the reader may all see."""
        rows = session.scalars(select(AnswerRow).where(AnswerRow.created_at >= since)).all()
        return [r for r in rows if may_see_all(r.citations or [], groups, reader)]

    @staticmethod
    def _refusals(session: Session, since: dt.datetime, reader: Reader) -> list[dt.datetime]:
        """Return when each refused question the reader may see was logged."""
        rows = session.scalars(
            select(GapRow).where(GapRow.kind == "unanswered", GapRow.created_at >= since)
        ).all()
        return [r.created_at for r in visible_gaps(session, rows, reader)]

    @staticmethod
    def _verdicts(
        session: Session, since: dt.datetime, answer_ids: set[str]
    ) -> list[tuple[bool, str | None]]:
        """Return the feedback given since a moment on the answers the reader may see."""
        rows = session.execute(
            select(FeedbackRow.answer_id, FeedbackRow.helpful, FeedbackRow.reason).where(
                FeedbackRow.created_at >= since
            )
        ).all()
        return [(helpful, reason) for answer_id, helpful, reason in rows if answer_id in answer_ids]

    def _topic_times(self, reader: Reader, today: dt.date) -> list[TopicTimes]:
        """Return each topic the reader may see with the times of its recent gaps."""
        since = start_of(today - dt.timedelta(days=2 * GROWTH_DAYS))
        found = []
        for topic, gaps in self.gaps.topics(reader):
            recent = [g for g in gaps if as_aware(g.created_at) >= since]
            if recent:
                latest = next((g.ref for g in reversed(recent) if g.ref), None)
                times = [g.created_at for g in recent]
                found.append(TopicTimes(topic.id, topic.label, topic.status, times, latest))
        return found


def as_aware(moment: dt.datetime) -> dt.datetime:
    """Return a stored time as aware UTC; SQLite gives it back without its time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def ref(row: DocumentRow) -> DocumentRef:
    """Return how the overview names a document."""
    return DocumentRef(row.id, row.title, row.file_name, row.doc_type, row.valid_to)
