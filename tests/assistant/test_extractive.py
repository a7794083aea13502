"""The extractive generator's sentence choice, on hand-built passages."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import answer_sentences, repeats
from assistant.answerability import AnswerabilityModel
from assistant.extractive import ANSWER_TYPES, ExtractiveGenerator
from assistant.generation import GenerationRequest
from assistant.lexical import SwedishAnalyzer
from assistant.schemas import Passage

PASSAGE = (
    "Socialjouren får bevilja akuta matpengar fram till nästa vardag. "
    "Under långhelger får socialjouren bevilja matpengar för högst tre dygn."
)


@pytest.fixture(scope="module")
def generator() -> ExtractiveGenerator:
    return ExtractiveGenerator(
        SwedishAnalyzer(),
        lambda texts: np.zeros((len(texts), 3)),
        AnswerabilityModel.open_gate(),
        min_sentence_score=0.0,
        max_sentences=1,
    )


def request(question: str, exclude: frozenset[str] = frozenset()) -> GenerationRequest:
    passage = Passage(
        chunk_id="c1",
        document_id="d",
        document="akut.md",
        title="Akut bistånd",
        doc_type="rutin",
        section="Socialjouren",
        page=None,
        valid_from=None,
        text=PASSAGE,
        score=1.0,
    )
    return GenerationRequest(question, [passage], exclude=exclude)


def test_the_previous_answers_sentences_are_set_aside(generator: ExtractiveGenerator) -> None:
    question = "Vad får socialjouren bevilja i akuta matpengar?"
    first = generator.select(request(question))
    assert first and first[0].text.startswith("Socialjouren får"), [c.text for c in first]
    previous = "".join(generator.stream(request(question)))
    again = generator.select(request(question, answer_sentences(previous)))
    assert again and "tre dygn" in again[0].text, [c.text for c in again]


def test_answer_sentences_drop_markers_and_final_punctuation() -> None:
    answer = "Beslut fattas inom tio dagar [1]. Dock kan tiden förlängas [2]!"
    assert answer_sentences(answer) == {"Beslut fattas inom tio dagar", "Dock kan tiden förlängas"}


def test_a_name_no_routine_or_file_name_holds_is_refused(generator: ExtractiveGenerator) -> None:
    analyzer = SwedishAnalyzer()
    corpus = set(analyzer.analyze(f"Akut bistånd. Socialjouren.\n{PASSAGE} Helsingborgs stad"))

    def ask(question: str, document: str = "akut.md") -> GenerationRequest:
        asked = request(question)
        asked.passages[0].document = document
        asked.term_weight = lambda term: 1.0 if term in corpus else 0.0
        return asked

    refused = ask("Får socialjouren i Vadstena bevilja akuta matpengar?")
    assert generator.select(refused) == [] and refused.diagnostics["name_absent"] == 1.0
    # Named by the file the passage comes from, with ö written as o.
    assert generator.select(ask("Får socialjouren i Höör bevilja matpengar?", "hoor_akut.md"))
    # Named in the corpus in the genitive; a word that starts a sentence is no name.
    assert generator.select(ask("Får socialjouren i Helsingborg bevilja matpengar?"))
    assert generator.select(ask("Matpengar, vad gäller? Socialjouren, får den bevilja?"))


def gives(question: str, sentence: str) -> bool:
    """Tell whether a sentence has every kind of fact the question asks for."""
    kinds = [answer for asked, answer in ANSWER_TYPES if asked.search(question)]
    return bool(kinds) and all(kind.search(sentence) for kind in kinds)


def test_how_long_asks_for_a_length_of_time_not_a_moment() -> None:
    question = "Hur länge sparas uppgifterna i utlämnandeloggen?"
    assert not gives(question, "Utlämnandet registreras i utlämnandeloggen samma dag.")
    assert gives(question, "Uppgifterna i utlämnandeloggen gallras efter två år.")
    assert gives(question, "Loggen sparas så länge ärendet pågår.")
    assert gives(question, "Loggen sparas i ett halvår.")
    assert not gives(question, "Enhetschefen granskar utlämnandeloggen en gång per halvår.")
    assert gives("Hur lång tid tar utredningen?", "Den ska vara klar inom fyra månader.")
    # A moment still answers when something must be done.
    assert gives("När ska utlämnandet registreras?", "Det registreras samma dag.")


def test_an_answer_with_all_the_previous_sentences_repeats_it() -> None:
    previous = "Den sökande har 14 dagar på sig [1]. Efter tio dagar påminner handläggaren [1]."
    assert repeats(previous + " Nybesök erbjuds inom fem arbetsdagar [2].", previous)
    # One of its sentences alone answers a narrower follow-up.
    assert not repeats("Den sökande har 14 dagar på sig [1].", previous)
    assert not repeats("Vid stickprov har den sökande tio dagar på sig [1].", previous)
    # One more sentence that names the follow-up's own words answers it.
    isk = previous + " Kravet gäller även investeringssparkonton (ISK) [1]."
    assert not repeats(isk, previous, lambda sentence: "ISK" in sentence)
    assert repeats(isk, previous, lambda sentence: "stickprov" in sentence)
    assert not repeats(previous, None)


def test_how_large_a_benefit_is_asks_for_an_amount() -> None:
    question = "Hur stort är det allmänna tandvårdsbidraget som ska räknas av?"
    assert not gives(question, "Det statliga allmänna tandvårdsbidraget ska räknas av först.")
    assert gives(question, "Tandvårdsbidraget är 600 kr per år.")
    # Size in general is no amount.
    assert not gives("Hur stor är risken att det händer igen?", "Risken är liten.")


def test_where_a_matter_goes_asks_for_an_authority_a_court_or_a_unit() -> None:
    question = "Hur lång tid har man på sig att överklaga, och vart går det?"
    assert gives(question, "Beslutet överklagas till Kammarrätten i Stockholm inom tre veckor.")
    assert not gives(question, "Överklagandet ska ha kommit in inom tre veckor.")
    assert gives("Vart ska orosanmälan?", "Anmälan görs till utredningsenheten för barn och unga.")
    assert gives("Vilken domstol prövar det?", "Det prövas av förvaltningsrätten.")
    assert not gives("Vart ska orosanmälan?", "Anmälan ska göras skyndsamt och skriftligt.")
    # The right help is not a place; the social services' on-call unit is.
    assert not gives("Vart hänvisar vi?", "Medarbetarna ska kunna hänvisa till rätt hjälp.")
    assert gives("Vart hänvisar vi?", "Efter kontorstid – erbjud hjälp att kontakta socialjouren.")
