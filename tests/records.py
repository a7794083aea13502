"""Records of different ages in a real database, for the retention tests.

With the default periods (answers 365 days, conversations 30, gaps 730, feedback 365,
exports 730, audit 730) a purge should remove exactly EXPECTED.
"""

from __future__ import annotations

import datetime as dt

from assistant.database import (
    AnswerRow,
    AuditEventRow,
    Database,
    FeedbackRow,
    GapRow,
    GapTopicRow,
    utcnow,
)

EXPECTED = {
    "answers": 1,  # the answer of 400 days
    "conversations": 1,  # the two-question conversation quiet for 40 days
    "feedback": 2,  # feedback of 400 days, and fresh feedback on the old answer
    "gaps": 2,  # old gaps outside the kept topic
    "topics": 1,  # the topic whose only gap went
    "exports": 1,  # the export record of 800 days
    "audit": 1,  # the read record of 800 days
}


def ago(days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Return the moment a number of days before now."""
    return (now or utcnow()) - dt.timedelta(days=days)


def answer(answer_id: str, conversation: str, days: int) -> AnswerRow:
    """Return a stored answer of a given age."""
    return AnswerRow(
        id=answer_id,
        conversation_id=conversation,
        question=f"Fråga {answer_id}?",
        answer="Svar.",
        answered=True,
        generator="extractive",
        citations=[],
        created_at=ago(days),
    )


def gap(gap_id: str, topic_id: str, days: int) -> GapRow:
    """Return a gap of a given age in a topic."""
    return GapRow(
        id=gap_id,
        kind="unanswered",
        question=f"Lucka {gap_id}?",
        topic_key="lucka",
        topic_id=topic_id,
        nearest=[],
        created_at=ago(days),
    )


def event(action: str, days: int) -> AuditEventRow:
    """Return an audit event of a given age."""
    return AuditEventRow(
        actor="token:abc",
        actor_kind="token",
        role="rutingrupp",
        action=action,
        detail={},
        occurred_at=ago(days),
    )


def seed_records(database: Database) -> None:
    """Write answers, conversations, feedback, gaps, topics and events of different ages."""
    with database.session() as session:
        session.add_all(
            [
                answer("a-old", "c-old", 400),
                answer("a-conv1", "c-quiet", 45),
                answer("a-conv2", "c-quiet", 40),
                answer("a-young", "c-young", 5),
            ]
        )
        session.flush()
        session.add_all(
            [
                FeedbackRow(answer_id="a-old", helpful=True, created_at=ago(10)),
                FeedbackRow(answer_id="a-young", helpful=False, created_at=ago(400)),
                FeedbackRow(answer_id="a-young", helpful=True, created_at=ago(3)),
            ]
        )
        session.add_all(
            [
                GapTopicRow(id="t-plain", label="Gammal lucka", status="ny", size=1),
                GapTopicRow(id="t-kept", label="Sparad lucka", status="ny", size=1, keep=True),
                GapTopicRow(id="t-mixed", label="Blandad lucka", status="ny", size=2),
            ]
        )
        session.flush()
        session.add_all(
            [
                gap("g-plain", "t-plain", 800),
                gap("g-kept", "t-kept", 800),
                gap("g-mixed-old", "t-mixed", 800),
                gap("g-mixed-young", "t-mixed", 10),
            ]
        )
        session.add_all(
            [
                event("gaps.read", 800),
                event("gaps.export", 800),
                event("gaps.export", 100),
                event("gaps.read", 100),
            ]
        )
