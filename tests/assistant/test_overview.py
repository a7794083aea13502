"""The overview's counting on hand-built rows: weeks, feedback, growth, citations, expiry,
and what a reader outside a document's groups is not counted, in a real SQLite database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.database import (
    AnswerRow,
    Database,
    DocumentRow,
    FeedbackRow,
    GapRow,
    GapTopicRow,
)
from assistant.overview import (
    NO_REASON,
    DocumentRef,
    TopicTimes,
    count_citations,
    count_feedback,
    count_weeks,
    expiring_documents,
    rank_growth,
    week_start,
    week_starts,
)
from assistant.overview_rows import OverviewRows

TODAY = dt.date(2026, 12, 2)  # a Wednesday


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """Return a UTC moment on a day."""
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def days_ago(days: int) -> dt.datetime:
    return at(TODAY - dt.timedelta(days=days))


def test_weeks_start_on_monday_in_swedish_time() -> None:
    assert week_start(TODAY) == dt.date(2026, 11, 30), "Wednesday's week starts on Monday"
    assert week_starts(TODAY, 3) == [
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 30),
    ]
    # Sunday 23:30 UTC is already Monday 00:30 in Stockholm.
    late_sunday = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)
    (week,) = count_weeks([late_sunday], [], [dt.date(2026, 11, 30)])
    assert week.answered == 1, "the question belongs to the Swedish Monday's week"


def test_count_weeks_splits_answered_and_refused_and_leaves_out_other_weeks() -> None:
    starts = week_starts(TODAY, 2)
    answered = [days_ago(0), days_ago(1), days_ago(8), days_ago(40)]
    refused = [days_ago(2), days_ago(9), days_ago(7), days_ago(10)]
    weeks = count_weeks(answered, refused, starts)
    assert [(w.answered, w.refused) for w in weeks] == [(1, 2), (2, 1)], weeks
    assert weeks[1].answered_share == 2 / 3 and weeks[0].total == 3
    assert count_weeks([], [], starts)[0].answered_share is None, "no questions: no share"


def test_feedback_reasons_come_in_their_order_with_no_reason_last() -> None:
    verdicts = [(True, None), (False, "fel källa"), (False, None), (False, "fel svar")]
    verdicts += [(False, "fel källa"), (True, "fel svar")]
    counts = count_feedback(verdicts, ("fel svar", "ofullständigt", "fel källa"))
    assert (counts.helpful, counts.unhelpful) == (2, 4)
    assert counts.reasons == {"fel svar": 1, "fel källa": 2, NO_REASON: 1}, counts.reasons
    assert list(counts.reasons) == ["fel svar", "fel källa", NO_REASON], "reasons keep their order"


def test_growth_compares_the_last_four_weeks_with_the_four_before() -> None:
    topics = [
        TopicTimes("a", "Husdjur", "ny", [days_ago(1), days_ago(3), days_ago(5), days_ago(30)]),
        TopicTimes("b", "Bredband", "ny", [days_ago(2), days_ago(4)], "K7QM2X"),
        TopicTimes("c", "Körkort", "ny", [days_ago(29), days_ago(31), days_ago(40), days_ago(2)]),
        TopicTimes("d", "Cykel", "ny", [days_ago(1), days_ago(28)]),
        TopicTimes("e", "Gammalt", "åtgärdad", [days_ago(60), days_ago(70)]),
    ]
    ranked = rank_growth(topics, TODAY, days=28, limit=5)
    assert [(g.topic_id, g.recent, g.previous) for g in ranked] == [
        ("a", 3, 1),
        ("b", 2, 0),
    ], ranked
    assert ranked[0].change == 2, "growth is the difference between the windows"
    assert ranked[1].latest_ref == "K7QM2X", "the latest gap's reference finds the topic"
    assert rank_growth(topics, TODAY, days=28, limit=1) == ranked[:1], "the limit holds"


DOCS = [
    DocumentRef("r1", "Rutin A", "a.md", "rutin"),
    DocumentRef("r2", "Rutin B", "b.md", "rutin"),
    DocumentRef("r3", "Riktlinje C", "c.md", "riktlinje"),
    DocumentRef("av", "Avvikelseanalys", "av.md", "avvikelseanalys"),
    DocumentRef("old", "Gammal rutin", "old.md", "rutin", dt.date(2025, 1, 1)),
    DocumentRef("soon", "Snart ute", "soon.md", "rutin", TODAY + dt.timedelta(days=10)),
    DocumentRef("later", "Senare", "later.md", "rutin", TODAY + dt.timedelta(days=61)),
]


def test_citations_count_once_per_answer_and_never_cited_skips_analyses_and_retired() -> None:
    cited = [["r1", "r1", "r2"], ["r1"], ["gone"], []]
    most, never = count_citations(cited, DOCS, TODAY)
    assert [(c.document.document_id, c.answers) for c in most] == [("r1", 2), ("r2", 1)], most
    assert [d.document_id for d in never] == ["r3", "later", "soon"], never


def test_expiring_documents_within_sixty_days_soonest_first() -> None:
    found = expiring_documents(
        DOCS + [DocumentRef("today", "I dag", "t.md", "rutin", TODAY)], TODAY
    )
    assert [(e.document.document_id, e.days_left) for e in found] == [("today", 0), ("soon", 10)]


def document(doc_id: str, title: str, groups: list[str] | None = None) -> DocumentRow:
    return DocumentRow(
        id=doc_id,
        source_path=f"/korpus/{doc_id}.md",
        file_name=f"{doc_id}.md",
        title=title,
        doc_type="rutin",
        content_hash="h",
        size_bytes=1,
        chunk_count=1,
        groups=groups,
        valid_to=TODAY + dt.timedelta(days=30) if doc_id == "open" else None,
    )


def answer(answer_id: str, days: int, cited: list[str], answered: bool = True) -> AnswerRow:
    return AnswerRow(
        id=answer_id,
        conversation_id=answer_id,
        question="Fråga?",
        answer="Svar.",
        answered=answered,
        generator="extractive",
        citations=[{"document_id": d} for d in cited],
        created_at=days_ago(days),
    )


def test_the_overview_counts_only_what_the_reader_may_see(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with database.session() as session:
        session.add_all(
            [
                document("open", "Öppen rutin"),
                document("eko", "Ekonomirutin", ["ekonomi"]),
                answer("a1", 1, ["open"]),
                answer("a2", 2, ["eko"]),
                answer("a3", 3, [], answered=False),
                GapTopicRow(id="t-open", label="Husdjur", status="ny", size=1),
                GapTopicRow(id="t-eko", label="Budget", status="ny", size=1),
            ]
        )
        session.flush()
        session.add_all(
            [
                FeedbackRow(answer_id="a1", helpful=True, created_at=days_ago(1)),
                FeedbackRow(
                    answer_id="a2", helpful=False, reason="fel svar", created_at=days_ago(2)
                ),
                GapRow(
                    id="g1",
                    kind="unanswered",
                    question="Husdjur?",
                    topic_key="",
                    topic_id="t-open",
                    nearest=[{"document_id": "open"}],
                    created_at=days_ago(3),
                ),
                GapRow(
                    id="g2",
                    kind="unanswered",
                    question="Budget?",
                    topic_key="",
                    topic_id="t-eko",
                    nearest=[{"document_id": "eko"}],
                    created_at=days_ago(3),
                ),
            ]
        )
    rows = OverviewRows(database)
    everyone = rows.load(None, TODAY, weeks=2)
    outsider = rows.load(frozenset({"barn"}), TODAY, weeks=2)
    assert (
        sum(w.answered for w in everyone.weeks) == 2 and sum(w.refused for w in everyone.weeks) == 2
    )
    assert sum(w.answered for w in outsider.weeks) == 1, "an answer citing ekonomi is hidden"
    assert sum(w.refused for w in outsider.weeks) == 1, "a refusal near ekonomi is hidden"
    assert (everyone.feedback.helpful, everyone.feedback.unhelpful) == (1, 1)
    assert (outsider.feedback.helpful, outsider.feedback.unhelpful) == (1, 0), outsider.feedback
    assert {g.label for g in everyone.growing} == {"Husdjur", "Budget"}
    assert [g.label for g in outsider.growing] == ["Husdjur"], "a hidden topic does not grow"
    assert [c.document.title for c in outsider.most_cited] == ["Öppen rutin"]
    assert "Ekonomirutin" not in {d.title for d in outsider.never_cited}, "hidden, not uncited"
    assert [e.document.title for e in outsider.expiring] == ["Öppen rutin"]
    assert everyone.since == dt.date(2026, 11, 23), everyone.since
    database.dispose()
