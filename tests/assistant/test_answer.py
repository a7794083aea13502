"""The real answer pipeline over the real sample corpus: answers, refusals, gaps, privacy."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import retrieval
from assistant.citations import validate_citations
from assistant.config import Settings
from assistant.prompts import REFUSAL_TEXT
from assistant.schemas import Passage
from services import Services
from tests.conftest import make_settings


def test_answer_cites_the_routine_with_page_and_quote(sample_components: Services) -> None:
    response = sample_components.pipeline.ask(
        "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
    )
    assert response.answered, response.answer
    assert "tre" in response.answer and "[1]" in response.answer, response.answer
    citation = response.citations[0]
    assert citation.passage.document == "nyansokan_och_kontrollhandlingar.pdf"
    assert citation.passage.page is not None, "a PDF citation carries its page"
    assert citation.passage.doc_type == "rutin" and citation.passage.valid_from
    assert citation.quote in citation.passage.text, "the quote is the passage's own words"


def test_uncovered_question_is_refused_and_logged(sample_components: Services) -> None:
    response = sample_components.pipeline.ask("Hur söker man bygglov för en altan?")
    assert not response.answered and response.answer == REFUSAL_TEXT
    assert response.gap_id and not response.citations
    stored = {g.id: g for g in sample_components.gaps.gaps()}
    assert stored[response.gap_id].question == "Hur söker man bygglov för en altan?"
    assert response.nearest, "the refusal lists the nearest documents"


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
@pytest.mark.parametrize("chroma_filters", [False, True], ids=["overfetch", "chroma-filter"])
def test_retired_routine_is_never_retrieved(
    sample_components: Services,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    chroma_filters: bool,
) -> None:
    if chroma_filters:  # as when more chunks are retired than over-fetching can cover
        monkeypatch.setattr(retrieval, "OVERFETCH_LIMIT", -1)
    passages = sample_components.retriever.retrieve(
        "hur många ärenden väljs ut till stickprovskontroll varje månad", 10, mode=mode
    ).passages
    documents = {p.document for p in passages}
    assert len(passages) == 10, "retired chunks must not leave the list short"
    assert "stickprovskontroller_v2.pdf" in documents, documents
    assert "stickprovskontroller_v1.pdf" not in documents, "v1 ended 2024-12-31"


def test_split_compound_finds_the_joined_word(sample_components: Services) -> None:
    passages = sample_components.retriever.retrieve(
        "kontroll av stickprov", 3, mode="lexical"
    ).passages
    assert any("stickprovskontroll" in p.text.lower() for p in passages), [
        p.text[:80] for p in passages
    ]


def test_deviation_analysis_is_listed_as_a_lesson(sample_components: Services) -> None:
    response = sample_components.pipeline.ask(
        "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
    )
    assert all(c.passage.doc_type != "avvikelseanalys" for c in response.citations)
    assert any(x.passage.doc_type == "avvikelseanalys" for x in response.lessons), [
        x.passage.document for x in response.lessons
    ]


def test_follow_up_carries_the_previous_topic(sample_components: Services) -> None:
    first = sample_components.pipeline.ask("Vilka kontoutdrag ska begäras vid nyansökan?")
    follow = sample_components.pipeline.ask("och om hen har ett ISK?", first.conversation_id)
    assert "kontoutdrag" in follow.standalone_question, follow.standalone_question
    assert follow.conversation_id == first.conversation_id


def test_unhelpful_feedback_joins_the_gap_log(sample_components: Services) -> None:
    response = sample_components.pipeline.ask("Vem beslutar om nödprövning?")
    logged = sample_components.gaps.record_feedback(
        response.answer_id, helpful=False, reason="ofullständigt", comment="Ring 070-123 45 67"
    )
    assert logged is not None and logged.ref, "an unhelpful verdict should log a gap with a ref"
    gap = {g.id: g for g in sample_components.gaps.gaps()}[logged.id]
    assert gap.kind == "feedback" and gap.question == response.question


def test_nothing_personal_is_stored_anywhere(tmp_path: Path, sample_settings: Settings) -> None:
    import shutil

    data_dir = tmp_path / "data"
    shutil.copytree(sample_settings.data_dir, data_dir)
    components = Services(make_settings(data_dir))
    secrets = ["19121212-1212", "121212-1212", "070-123 45 67", "anna.berg@example.se", "Anna Berg"]
    try:
        response = components.pipeline.ask(
            "Min klient Anna Berg, 19121212-1212, tel 070-123 45 67, anna.berg@example.se, "
            "undrar hur man söker bygglov?"
        )
        components.pipeline.ask("Hur länge ska 121212-1212 vänta på beslut?")
        components.gaps.record_feedback(
            response.answer_id, False, None, "Anna Berg 19121212-1212 var missnöjd"
        )
    finally:
        components.close()
    assert response.redacted and "[PERSONNUMMER]" in response.question, response.question
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in content, f"{secret!r} stored in {path}"


def make_passage(number: int, text: str) -> Passage:
    return Passage(
        chunk_id=f"c{number}",
        document_id="d",
        document=f"doc{number}.pdf",
        title=f"Dokument {number}",
        doc_type="rutin",
        section=None,
        page=1,
        valid_from=None,
        text=text,
        score=1.0,
    )


def test_citation_validation_drops_invalid_and_uncited_claims() -> None:
    passages = [
        make_passage(1, "Kontoutdrag begärs för tre månader. Annat."),
        make_passage(2, "Beslut fattas inom tio dagar."),
    ]
    text = "Kontoutdrag begärs för tre månader [2][7]. Påhittad mening. Beslut inom tio dagar [2]."
    answer, citations = validate_citations(text, passages)
    assert answer == "Kontoutdrag begärs för tre månader [1]. Beslut inom tio dagar [1].", answer
    assert [c.passage.chunk_id for c in citations] == ["c2"], "renumbered in order of use"
    assert citations[0].quote == "Beslut fattas inom tio dagar.", citations[0].quote


def test_a_list_item_quoted_alone_ends_as_a_sentence() -> None:
    passages = [make_passage(1, "Nödprövning görs för\n- turister och besökare,\n- andra.")]
    answer, citations = validate_citations("- turister och besökare, [1].", passages)
    assert answer == "turister och besökare [1].", answer
    assert citations and "turister och besökare" in citations[0].quote, citations


def test_a_greeting_gets_a_prompt_and_no_gap(sample_components: Services) -> None:
    before = len(sample_components.gaps.gaps())
    response = sample_components.pipeline.ask("Hej!")
    assert response.kind == "not_a_question" and not response.answered, response
    assert response.gap_id is None and len(sample_components.gaps.gaps()) == before


def test_a_follow_up_the_previous_answer_does_not_cover_never_gets_it_again(
    sample_components: Services,
) -> None:
    first = sample_components.pipeline.ask("Vem beslutar om nödprövning?")
    assert first.answered, first.answer
    follow = sample_components.pipeline.ask("och om hen har barn?", first.conversation_id)
    assert follow.standalone_question != "och om hen har barn?", follow.standalone_question
    assert not (follow.answered and follow.answer == first.answer), follow.answer
    if follow.kind == "clarify":
        assert follow.gap_id is None and "Skriv hela frågan" in follow.answer


def test_a_follow_up_the_previous_answer_already_covers_gets_it_again(
    sample_components: Services,
) -> None:
    first = sample_components.pipeline.ask(
        "Hur mycket kan vi bevilja till hemutrustning för en ensamstående?"
    )
    assert first.answered and "9 400 kr" in first.answer, first.answer
    # The amount sentence gives the single person's, two adults' and each child's amount.
    follow = sample_components.pipeline.ask(
        "och för två vuxna med två barn?", first.conversation_id
    )
    assert follow.kind != "clarify" and follow.answered, follow.answer
    assert "12 500 kr" in follow.answer and "3 200 kr" in follow.answer, follow.answer


def test_a_changed_count_in_a_follow_up_changes_the_answer(sample_components: Services) -> None:
    first = sample_components.pipeline.ask(
        "Vilken boendekostnad godtas för två vuxna med två barn?"
    )
    follow = sample_components.pipeline.ask("och om de har tre barn?", first.conversation_id)
    assert "tre barn" in follow.standalone_question, follow.standalone_question
    assert follow.answered and "11 800" in follow.answer, follow.answer
