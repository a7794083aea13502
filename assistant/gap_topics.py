"""The routine group's hand edits of gap topics: merging two, moving a gap to another or a new one.

After every edit each topic touched is brought back to what GapLog keeps by itself: its
size is the number of its gaps with an embedding, its centroid their mean, its label the
question of one of its gaps, and a topic left without gaps is deleted. Hand edits do not
change a topic's status.
"""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.database import GapRow, GapTopicRow, utcnow

LABEL_LENGTH = 200


class SameTopicError(ValueError):
    """A topic cannot be merged into itself."""


def new_topic(question: str) -> GapTopicRow:
    """Return a new, empty topic labelled by a question."""
    return GapTopicRow(id=uuid.uuid4().hex, label=question[:LABEL_LENGTH], status="ny", size=0)


def refresh_topic(session: Session, topic: GapTopicRow) -> bool:
    """Recompute a topic's size, centroid and label from its gaps; delete it when it has none.

    Return whether the topic still exists.
    """
    session.flush()
    rows = session.scalars(
        select(GapRow).where(GapRow.topic_id == topic.id).order_by(GapRow.created_at)
    ).all()
    if not rows:
        session.delete(topic)
        return False
    vectors = [np.asarray(r.embedding, dtype=np.float32) for r in rows if r.embedding]
    topic.size = len(vectors)
    topic.centroid = [round(float(x), 5) for x in np.mean(vectors, axis=0)] if vectors else None
    if topic.label not in {r.question[:LABEL_LENGTH] for r in rows}:
        topic.label = rows[0].question[:LABEL_LENGTH]
    topic.updated_at = utcnow()
    return True


def merge_topics(session: Session, source: GapTopicRow, target: GapTopicRow) -> GapTopicRow:
    """Move every gap of source into target and delete source; return target."""
    if source.id == target.id:
        raise SameTopicError(source.id)
    for row in session.scalars(select(GapRow).where(GapRow.topic_id == source.id)):
        row.topic_id = target.id
    refresh_topic(session, target)
    session.delete(source)
    session.flush()
    return target


def move_gap(session: Session, gap: GapRow, target: GapTopicRow | None) -> GapTopicRow:
    """Move a gap into target, or into a new topic of its own when target is None."""
    if target is None:
        target = new_topic(gap.question)
        session.add(target)
        session.flush()
    previous = session.get(GapTopicRow, gap.topic_id) if gap.topic_id else None
    gap.topic_id = target.id
    refresh_topic(session, target)
    if previous is not None and previous.id != target.id:
        refresh_topic(session, previous)
    session.flush()
    return target
