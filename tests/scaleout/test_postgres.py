"""The gap log, feedback, conversations and index manifest in a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.database import (
    AnswerRow,
    ChunkRow,
    Database,
    DocumentRow,
    FeedbackRow,
    GapRow,
)
from assistant.gaps import UnknownAnswerError
from evals.servers import PostgresCluster
from services import Services
from tests.conftest import CORPUS, ingest, make_settings

COVERED = "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
FOLLOW_UP = "och om hen har ett ISK?"
UNCOVERED = "Hur söker man bygglov för en altan?"
SOURCE = "nyansokan_och_kontrollhandlingar.pdf"
# Six long compound words: their index terms make a topic key longer than 128 characters.
LONG_WORDS = (
    "Hur gäller bostadsanpassningsbidragshandläggningsrutinerna "
    "försörjningsstödsberäkningsunderlagsförteckningen "
    "arbetsmarknadsanställningsstödsbeslutsunderlag "
    "socialförsäkringshandläggningsprocessbeskrivning "
    "kommunalförbundsförvaltningsorganisationsöversyn "
    "barnavårdscentralssköterskeutbildningsplanering?"
)


@pytest.fixture(scope="module")
def pg_settings(
    postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """Ingest the sample routines into a fresh PostgreSQL database (chroma stays embedded)."""
    settings = make_settings(
        tmp_path_factory.mktemp("pg-data"), database_url=postgres_cluster.create_database()
    )
    summary = ingest(settings, [CORPUS / "rutiner"], progress=False)
    assert summary.count("failed") == 0 and summary.count("added") > 0, [
        (o.path.name, o.status, o.message) for o in summary.outcomes
    ]
    return settings


@pytest.fixture
def engine(pg_settings: Settings) -> Iterator[Engine]:
    """Open a plain engine on the test database to check what was written."""
    engine = create_engine(pg_settings.resolved_database_url)
    yield engine
    engine.dispose()


def test_answers_gaps_and_feedback_are_written_to_postgresql(
    pg_settings: Settings, engine: Engine
) -> None:
    components = Services(pg_settings)
    try:
        assert components.database.engine.dialect.name == "postgresql", "should use PostgreSQL"
        answered = components.pipeline.ask(COVERED)
        refused = components.pipeline.ask(UNCOVERED)
        feedback_row = components.gaps.record_feedback(
            answered.answer_id, helpful=False, reason="ofullständigt", comment="Saknar ISK."
        )
        feedback_gap = feedback_row.id if feedback_row else None
        ref = feedback_row.ref if feedback_row else None
        shown = components.gaps.details(components.gaps.gaps(ref=ref))
    finally:
        components.close()
    cited = [c.passage.document for c in answered.citations]
    assert answered.answered and SOURCE in cited, f"expected a citation to {SOURCE}, got {cited}"
    assert not refused.answered and refused.gap_id, "the uncovered question should become a gap"

    with engine.connect() as connection:
        documents = connection.scalar(select(func.count()).select_from(DocumentRow))
        chunks = connection.scalar(select(func.count()).select_from(ChunkRow))
        answers = set(connection.scalars(select(AnswerRow.id)))
        gaps = dict(connection.execute(select(GapRow.id, GapRow.kind)).all())
        verdicts = connection.scalars(
            select(FeedbackRow.helpful).where(FeedbackRow.answer_id == answered.answer_id)
        ).all()
    assert documents and chunks, f"the manifest should be in PostgreSQL: {documents=} {chunks=}"
    assert {answered.answer_id, refused.answer_id} <= answers, "both answers should be stored"
    assert gaps.get(refused.gap_id) == "unanswered", f"the refusal's gap is missing: {gaps}"
    assert gaps.get(feedback_gap or "") == "feedback", f"the feedback gap is missing: {gaps}"
    assert len(shown) == 1 and shown[0].feedback and shown[0].answer, "feedback not paired"
    assert shown[0].feedback.reason == "ofullständigt", shown[0].feedback
    assert shown[0].answer.text == answered.answer, "the answer given should be shown"
    assert verdicts == [False], f"the unhelpful verdict should be stored once: {verdicts}"
    assert not (pg_settings.data_dir / "rutinstod.sqlite3").exists(), "no SQLite file expected"


def test_text_that_postgresql_rejects_is_cleaned_or_fits(
    pg_settings: Settings, engine: Engine
) -> None:
    components = Services(pg_settings)
    try:
        with_nul = components.pipeline.ask("Vad gäller för\x00 bygglov till en altan?")
        long_key = components.pipeline.ask(LONG_WORDS)
        components.gaps.record_feedback(with_nul.answer_id, False, None, "Fel\x00 svar")
        with pytest.raises(UnknownAnswerError):
            components.gaps.record_feedback("abc\x00def", True, None, None)
    finally:
        components.close()
    with engine.connect() as connection:
        questions = dict(connection.execute(select(GapRow.id, GapRow.question)).all())
        comments = connection.scalars(
            select(FeedbackRow.comment).where(FeedbackRow.answer_id == with_nul.answer_id)
        ).all()
    assert "\x00" not in questions.get(with_nul.gap_id or "", "\x00"), "NUL should be dropped"
    assert long_key.gap_id in questions, "a question with a long topic key should be logged"
    assert comments == ["Fel svar"], f"the comment should be stored without NUL: {comments}"


def test_replicas_can_create_the_schema_at_the_same_time(
    postgres_cluster: PostgresCluster,
) -> None:
    url = postgres_cluster.create_database()
    start = threading.Barrier(4)
    errors: list[str] = []

    def open_database() -> None:
        start.wait()
        try:
            Database(url).dispose()
        except Exception as exc:  # noqa: BLE001 - every failure is reported below
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")

    threads = [threading.Thread(target=open_database) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, f"replicas starting together on an empty database failed: {errors}"


def test_a_restart_mid_conversation_keeps_the_log_and_the_history(pg_settings: Settings) -> None:
    before = Services(pg_settings)
    try:
        first = before.pipeline.ask(COVERED)
        refused = before.pipeline.ask(UNCOVERED)
        logged = before.gaps.record_feedback(first.answer_id, False, "fel källa", None)
        feedback_gap = logged.id if logged else ""
    finally:
        before.close()

    after = Services(pg_settings)
    try:
        gaps = {g.id: g for g in after.gaps.gaps()}
        history = after.gaps.recent_questions(first.conversation_id, 4)
        follow = after.pipeline.ask(FOLLOW_UP, first.conversation_id)
        with after.database.session() as session:
            verdicts = session.scalars(
                select(FeedbackRow.reason).where(FeedbackRow.answer_id == first.answer_id)
            ).all()
    finally:
        after.close()
    assert refused.gap_id in gaps, "the gap logged before the restart should still be there"
    assert feedback_gap in gaps and gaps[feedback_gap].kind == "feedback", "feedback gap lost"
    assert verdicts == ["fel källa"], f"the feedback before the restart was lost: {verdicts}"
    assert history == [first.question], f"the conversation history was lost: {history}"
    assert "kontoutdrag" in follow.standalone_question, (
        f"the follow-up should carry the previous topic: {follow.standalone_question!r}"
    )
    cited = [c.passage.document for c in follow.citations]
    assert follow.answered and SOURCE in cited, f"the follow-up should cite {SOURCE}: {cited}"
