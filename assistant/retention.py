"""Gallring: remove records older than their retention period, and log that it was done.

Each kind of record has its own period (Settings.retention; 0 keeps a kind for ever):

- answers: stored answers with their redacted questions (and any feedback on them);
- conversations: the link between a conversation's questions. After the period, counted
  from the conversation's last question, each answer stands alone (its conversation id
  becomes its own id), so follow-ups no longer build on it and the chain is gone;
- feedback: helpful / not helpful, reasons and comments;
- gaps: gap log entries, except those in topics marked to keep; a topic left without
  gaps (and not kept) goes too, with its label;
- exports and audit: audit events recording exports, and all other audit events.

The purge runs in one transaction; a dry run runs the same statements and rolls them
back, so it counts exactly what a purge at that moment would remove.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from assistant.audit import EXPORT_ACTIONS, PURGED, SERVER, Actor, AuditLog
from assistant.config import Retention
from assistant.database import (
    AnswerRow,
    AuditEventRow,
    Database,
    FeedbackRow,
    GapRow,
    GapTopicRow,
    utcnow,
)

# What each count means, in Swedish, in the order the CLI prints them.
KIND_LABELS = {
    "answers": "frågor och svar",
    "conversations": "samtal (kopplingen mellan frågorna)",
    "feedback": "omdömen om svar",
    "gaps": "luckor",
    "topics": "ämnen utan kvarvarande luckor",
    "exports": "händelser om exporter",
    "audit": "övriga händelser i händelseloggen",
}
NO_DELETE = {"synchronize_session": False}


@dataclass
class PurgeReport:
    """How many records of each kind a purge removed (or, dry, would remove)."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_LABELS, 0))

    @property
    def total(self) -> int:
        """Return the number of records removed in all."""
        return sum(self.counts.values())


def cutoff(now: dt.datetime, days: int) -> dt.datetime | None:
    """Return the moment before which records of a kind go, or None to keep them."""
    return now - dt.timedelta(days=days) if days > 0 else None


def _deleted(session: Session, statement: Any) -> int:
    """Run a bulk delete or update and return how many rows it touched."""
    result = cast(CursorResult[Any], session.execute(statement, execution_options=NO_DELETE))
    return int(result.rowcount or 0)


def purge_answers(session: Session, before: dt.datetime) -> tuple[int, int]:
    """Delete answers older than a moment, with the feedback on them; return both counts."""
    old = select(AnswerRow.id).where(AnswerRow.created_at < before)
    feedback = _deleted(session, delete(FeedbackRow).where(FeedbackRow.answer_id.in_(old)))
    return _deleted(session, delete(AnswerRow).where(AnswerRow.created_at < before)), feedback


def unlink_conversations(session: Session, before: dt.datetime) -> int:
    """Make each answer of a conversation quiet since a moment stand alone; count them."""
    stale = (
        select(AnswerRow.conversation_id)
        .group_by(AnswerRow.conversation_id)
        .having(func.max(AnswerRow.created_at) < before)
    )
    linked = (AnswerRow.conversation_id.in_(stale), AnswerRow.conversation_id != AnswerRow.id)
    count = session.scalar(
        select(func.count(func.distinct(AnswerRow.conversation_id))).where(*linked)
    )
    _deleted(session, update(AnswerRow).where(*linked).values(conversation_id=AnswerRow.id))
    return int(count or 0)


def purge_gaps(session: Session, before: dt.datetime) -> tuple[int, int]:
    """Delete old gaps outside kept topics, then topics left empty; return both counts."""
    kept = select(GapTopicRow.id).where(GapTopicRow.keep.is_(True))
    gaps = _deleted(
        session,
        delete(GapRow).where(
            GapRow.created_at < before, or_(GapRow.topic_id.is_(None), GapRow.topic_id.not_in(kept))
        ),
    )
    empty = delete(GapTopicRow).where(
        or_(GapTopicRow.keep.is_(None), GapTopicRow.keep.is_(False)),
        ~exists(select(GapRow.id).where(GapRow.topic_id == GapTopicRow.id)),
    )
    return gaps, _deleted(session, empty)


def purge_events(session: Session, before: dt.datetime, exports: bool) -> int:
    """Delete audit events older than a moment: the export records, or all the others."""
    kinds = AuditEventRow.action.in_(EXPORT_ACTIONS)
    return _deleted(
        session,
        delete(AuditEventRow).where(
            AuditEventRow.occurred_at < before, kinds if exports else ~kinds
        ),
    )


def run_purge(session: Session, retention: Retention, now: dt.datetime) -> dict[str, int]:
    """Remove everything past its period in one session; return the counts per kind."""
    counts = dict.fromkeys(KIND_LABELS, 0)
    if before := cutoff(now, retention.feedback):
        counts["feedback"] += _deleted(
            session, delete(FeedbackRow).where(FeedbackRow.created_at < before)
        )
    if before := cutoff(now, retention.answers):
        counts["answers"], feedback = purge_answers(session, before)
        counts["feedback"] += feedback
    if before := cutoff(now, retention.conversations):
        counts["conversations"] = unlink_conversations(session, before)
    if before := cutoff(now, retention.gaps):
        counts["gaps"], counts["topics"] = purge_gaps(session, before)
    if before := cutoff(now, retention.exports):
        counts["exports"] = purge_events(session, before, exports=True)
    if before := cutoff(now, retention.audit):
        counts["audit"] = purge_events(session, before, exports=False)
    return counts


def purge(
    database: Database,
    retention: Retention,
    audit: AuditLog,
    actor: Actor = SERVER,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> PurgeReport:
    """Purge (or count, dry) what is past its period; a real purge is audit-logged."""
    now = now or utcnow()
    with database.session() as session:
        counts = run_purge(session, retention, now)
        if dry_run:
            session.rollback()
    report = PurgeReport(dry_run, counts)
    if not dry_run:
        audit.record(actor, PURGED, None, **counts)
    return report


@dataclass(frozen=True)
class RetentionPurge:
    """The purge of one database with its periods and audit log: the server's job and the CLI's."""

    database: Database
    retention: Retention
    audit: AuditLog

    def run(
        self, actor: Actor = SERVER, dry_run: bool = False, now: dt.datetime | None = None
    ) -> PurgeReport:
        """Purge (or count, dry) what is past its period, as `purge` does."""
        return purge(self.database, self.retention, self.audit, actor, dry_run, now)
