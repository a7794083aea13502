"""The extractive generator's sentence choice, on hand-built passages."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answerability import AnswerabilityModel
from assistant.extractive import ExtractiveGenerator
from assistant.generation import GenerationRequest
from assistant.lexical import SwedishAnalyzer
from assistant.schemas import Passage

PASSAGE = (
    "Socialjouren får bevilja akuta matpengar för en vanlig helg fram till måndag kl. 10. "
    "Under en långhelg får socialjouren bevilja matpengar för högst tre dygn."
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


def request(question: str, focus: frozenset[str] = frozenset()) -> GenerationRequest:
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
    return GenerationRequest(question, [passage], focus_terms=focus)


def test_a_follow_ups_new_detail_picks_the_sentence_that_names_it(
    generator: ExtractiveGenerator,
) -> None:
    # The resolved follow-up still carries the old detail ("vanlig helg") beside the new.
    question = (
        "Hur länge får socialjouren bevilja akuta matpengar en vanlig helg under en långhelg?"
    )
    plain = generator.select(request(question))
    assert plain and "vanlig helg" in plain[0].text, [c.text for c in plain]
    analyzer = generator.analyzer
    focus = frozenset(analyzer.terms_for_word("långhelg"))
    chosen = generator.select(request(question, focus))
    assert chosen and "tre dygn" in chosen[0].text, [c.text for c in chosen]
