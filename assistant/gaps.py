"""The gap log: answers given, feedback on them, unanswered questions and their topics.

Everything stored here has been through privacy.redact() first; the callers pass
redacted text only, and this module redacts free-text fields (comments, notes) again.

A gap names the documents nearest its question (`nearest`, with the groups of a
restricted one); a reader is shown a gap only when they may see every one of them,
and a topic only when they may see all its gaps.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.access import Reader, can_see
from assistant.database import (
    AnswerRow,
    Database,
    DocumentRow,
    FeedbackRow,
    GapRow,
    GapTopicRow,
    utcnow,
)
from assistant.gap_csv import render_csv
from assistant.gap_details import GapDetail, load_details
from assistant.gap_refs import new_ref
from assistant.gap_topics import merge_topics, move_gap, new_topic
from assistant.privacy import redact

GAP_STATUSES = ("ny", "under behandling", "åtgärdad", "avvisad")
FEEDBACK_REASONS = ("fel svar", "ofullständigt", "fel källa", "föråldrat")
# Questions at least this similar (cosine of e5 embeddings) join the same topic.
TOPIC_SIMILARITY = 0.9


class UnknownAnswerError(LookupError):
    """Feedback referred to an answer that does not exist."""


class UnknownGapError(LookupError):
    """A gap or topic id that does not exist."""


@dataclass
class GapUpdate:
    """Fields the routine group may change on a gap or a topic; None leaves them."""

    status: str | None = None
    owner: str | None = None
    note: str | None = None
    resolving_document: str | None = None
    keep: bool | None = None  # topics only: kept by the retention purge


def new_id() -> str:
    """Return a fresh random id."""
    return uuid.uuid4().hex


def clean(text: str | None) -> str | None:
    """Redact personal data from an optional free-text field."""
    return None if text is None else redact(text).text


def apply_update(row: GapRow | GapTopicRow, update: GapUpdate) -> None:
    """Copy the set fields of an update onto a row."""
    if update.status is not None:
        if update.status not in GAP_STATUSES:
            raise ValueError(f"okänd status {update.status!r}")
        row.status = update.status
    if update.owner is not None:
        row.owner = clean(update.owner)
    if update.note is not None:
        row.note = clean(update.note)
    if update.resolving_document is not None:
        row.resolving_document = clean(update.resolving_document)


def visible_gaps(session: Session, rows: Sequence[GapRow], reader: Reader) -> list[GapRow]:
    """Keep the gaps whose nearest documents the reader may all see.

    A document's present groups count; one deleted since counts by the groups the gap
    stored for it.
    """
    if reader is None:
        return list(rows)
    ids = {n.get("document_id") for r in rows for n in r.nearest or [] if n.get("document_id")}
    query = select(DocumentRow.id, DocumentRow.groups).where(DocumentRow.id.in_(ids))
    current = {doc_id: groups for doc_id, groups in session.execute(query)}

    def may_see(entry: dict[str, Any]) -> bool:
        doc_id = entry.get("document_id")
        groups = current[doc_id] if doc_id in current else entry.get("groups")
        return can_see(groups, reader)

    return [r for r in rows if all(may_see(n) for n in r.nearest or [])]


def unused_ref(session: Session, draw: Callable[[], str] = new_ref, attempts: int = 20) -> str:
    """Draw a gap reference no stored gap has (the unique index guards against races)."""
    for _ in range(attempts):
        ref = draw()
        if session.scalar(select(GapRow.id).where(GapRow.ref == ref)) is None:
            return ref
    raise RuntimeError("no unused gap reference found")


class GapLog:
    """Stores answers, feedback and gaps, and groups gaps into topics."""

    def __init__(
        self, database: Database, embed: Callable[[str], np.ndarray] | None = None
    ) -> None:
        self.database = database
        self.embed = embed

    def record_answer(self, row: AnswerRow) -> None:
        """Store an answer so that feedback and follow-ups can refer to it."""
        with self.database.session() as session:
            session.add(row)

    def answer(self, answer_id: str) -> AnswerRow:
        """Return a stored answer with the receipts of its citations."""
        with self.database.session() as session:
            row = session.get(AnswerRow, answer_id)
        if row is None:
            raise UnknownAnswerError(answer_id)
        return row

    def last_answer(self, conversation_id: str) -> str | None:
        """Return the answer given last in a conversation, if any."""
        with self.database.session() as session:
            return session.scalars(
                select(AnswerRow.answer)
                .where(AnswerRow.conversation_id == conversation_id)
                .order_by(AnswerRow.created_at.desc())
                .limit(1)
            ).first()

    def recent_questions(self, conversation_id: str, turns: int) -> list[str]:
        """Return a conversation's last questions, oldest first."""
        if turns <= 0:
            return []
        with self.database.session() as session:
            rows = session.scalars(
                select(AnswerRow.question)
                .where(AnswerRow.conversation_id == conversation_id)
                .order_by(AnswerRow.created_at.desc())
                .limit(turns)
            ).all()
        return list(reversed(rows))

    def record_gap(
        self,
        kind: str,
        question: str,
        topic_key: str,
        embedding: np.ndarray | None,
        nearest: list[dict[str, Any]],
        answer_id: str | None = None,
    ) -> GapRow:
        """Store a gap with a fresh reference in the most similar topic, or a new one."""
        if embedding is None and self.embed is not None:
            embedding = self.embed(question)
        with self.database.session() as session:
            topic = self._topic_for(session, embedding, question)
            row = GapRow(
                id=new_id(),
                ref=unused_ref(session),
                kind=kind,
                question=question,
                topic_key=topic_key,
                topic_id=topic.id,
                answer_id=answer_id,
                nearest=nearest,
                embedding=None if embedding is None else [round(float(x), 5) for x in embedding],
                top_score=nearest[0]["score"] if nearest else None,
            )
            session.add(row)
            if topic.status in {"åtgärdad", "avvisad"}:
                topic.status = "ny"  # the question came back after the topic was closed
        return row

    def _topic_for(self, session: Any, embedding: np.ndarray | None, label: str) -> GapTopicRow:
        """Join the topic whose centroid is most similar, or open a new one.

        Each topic keeps the mean of its questions' embeddings, so a new gap is compared
        with the topics, not with every gap ever logged.
        """
        best: tuple[float, GapTopicRow] | None = None
        if embedding is not None:
            for topic in session.scalars(
                select(GapTopicRow).where(GapTopicRow.centroid.is_not(None))
            ):
                centroid = np.asarray(topic.centroid, dtype=np.float32)
                similarity = float(centroid @ embedding / (np.linalg.norm(centroid) or 1.0))
                if similarity >= TOPIC_SIMILARITY and (best is None or similarity > best[0]):
                    best = (similarity, topic)
        topic = best[1] if best else new_topic(label)
        if best is None:
            session.add(topic)
        if embedding is not None:
            previous = np.asarray(topic.centroid or np.zeros_like(embedding), dtype=np.float32)
            merged = (previous * topic.size + embedding) / (topic.size + 1)
            topic.centroid = [round(float(x), 5) for x in merged]
            topic.size += 1
        session.flush()
        return topic

    def record_feedback(
        self, answer_id: str, helpful: bool, reason: str | None, comment: str | None
    ) -> GapRow | None:
        """Store feedback; an unhelpful answer also becomes a gap, which is returned."""
        with self.database.session() as session:
            answer = session.get(AnswerRow, answer_id)
            if answer is None:
                raise UnknownAnswerError(answer_id)
            session.add(
                FeedbackRow(
                    answer_id=answer_id, helpful=helpful, reason=reason, comment=clean(comment)
                )
            )
            question, citations = answer.question, answer.citations
        if helpful:
            return None
        fields = ("document", "document_id", "title", "section", "page")
        nearest = [
            {k: c.get(k) for k in fields}
            | {"score": None}
            | ({"groups": c["groups"]} if c.get("groups") else {})
            for c in citations
        ]
        return self.record_gap("feedback", question, "", None, nearest, answer_id=answer_id)

    def gaps(
        self,
        status: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        ref: str | None = None,
        reader: Reader = None,
    ) -> list[GapRow]:
        """Return gaps, newest first, filtered by status, period, reference and reader."""
        query = select(GapRow).order_by(GapRow.created_at.desc())
        if ref:
            query = query.where(GapRow.ref == ref)
        if status:
            query = query.where(GapRow.status == status)
        if since:
            query = query.where(GapRow.created_at >= since)
        if until:
            query = query.where(GapRow.created_at < until)
        with self.database.session() as session:
            return visible_gaps(session, session.scalars(query).all(), reader)

    def topics(self, reader: Reader = None) -> list[tuple[GapTopicRow, list[GapRow]]]:
        """Return the topics a reader may see with their gaps, the largest topics first."""
        with self.database.session() as session:
            topics = {t.id: t for t in session.scalars(select(GapTopicRow)).all()}
            rows = session.scalars(select(GapRow).order_by(GapRow.created_at)).all()
            shown = {r.id for r in visible_gaps(session, rows, reader)}
        grouped: dict[str, list[GapRow]] = {}
        for row in rows:
            if row.topic_id in topics:
                grouped.setdefault(row.topic_id, []).append(row)
        hidden = {t for t, gaps in grouped.items() if any(g.id not in shown for g in gaps)}
        grouped = {t: gaps for t, gaps in grouped.items() if t not in hidden}
        ordered = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[1][-1].created_at))
        return [(topics[topic_id], gaps) for topic_id, gaps in ordered]

    def visible(
        self, reader: Reader, gap_id: str | None = None, topic_id: str | None = None
    ) -> bool:
        """Tell whether a reader may see a gap, or a topic (all its gaps); unknown ids may."""
        if reader is None:
            return True
        with self.database.session() as session:
            query = select(GapRow)
            if gap_id is not None:
                query = query.where(GapRow.id == gap_id)
            if topic_id is not None:
                query = query.where(GapRow.topic_id == topic_id)
            rows = session.scalars(query).all()
            return len(visible_gaps(session, rows, reader)) == len(rows)

    def update_gap(self, gap_id: str, update: GapUpdate) -> GapRow:
        """Change one gap's status, owner, note or resolving document."""
        with self.database.session() as session:
            row = session.get(GapRow, gap_id)
            if row is None:
                raise UnknownGapError(gap_id)
            apply_update(row, update)
            return row

    def update_topic(self, topic_id: str, update: GapUpdate) -> GapTopicRow:
        """Change a topic and every gap in it."""
        with self.database.session() as session:
            topic = session.get(GapTopicRow, topic_id)
            if topic is None:
                raise UnknownGapError(topic_id)
            apply_update(topic, update)
            topic.keep = topic.keep if update.keep is None else update.keep
            topic.updated_at = utcnow()
            for row in session.scalars(select(GapRow).where(GapRow.topic_id == topic_id)):
                apply_update(row, update)
            return topic

    def merge_topics(self, source_id: str, target_id: str) -> GapTopicRow:
        """Move every gap of one topic into another and delete the first; return the other."""
        with self.database.session() as session:
            source = session.get(GapTopicRow, source_id)
            target = session.get(GapTopicRow, target_id)
            if source is None or target is None:
                raise UnknownGapError(source_id if source is None else target_id)
            return merge_topics(session, source, target)

    def move_gap(self, gap_id: str, topic_id: str | None) -> GapRow:
        """Move a gap into another topic, or into a new one of its own when topic_id is None."""
        with self.database.session() as session:
            gap = session.get(GapRow, gap_id)
            target = None if topic_id is None else session.get(GapTopicRow, topic_id)
            if gap is None or (topic_id is not None and target is None):
                raise UnknownGapError(gap_id if gap is None else topic_id)
            move_gap(session, gap, target)
            return gap

    def details(self, rows: Sequence[GapRow]) -> list[GapDetail]:
        """Return gaps with their type, topic label, feedback and the answer that was given."""
        with self.database.session() as session:
            return load_details(session, rows)

    def export_csv(self, rows: Sequence[GapRow]) -> str:
        """Render gaps as CSV (semicolon-separated, decimal commas, no cell run as a formula)."""
        return render_csv(self.details(rows))
