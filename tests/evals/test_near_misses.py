"""Mechanical near misses: swap what a question asks about for what the corpus lacks."""

from __future__ import annotations

from assistant.lexical import SwedishAnalyzer
from evals.datasets import EvalItem
from evals.near_misses import FIT_OBJECTS, SCORE_OBJECTS, make_near_misses, swap_word

CORPUS = "Bistånd till glasögon beviljas med högst 1 800 kr. Kontoutdrag begärs för tre månader."


def item(question: str, answerable: bool = True) -> EvalItem:
    return EvalItem("a1", question, answerable, ["r.pdf"], [["1 800 kr"]], source="d.jsonl:1")


def test_the_asked_object_is_swapped_for_a_word_the_corpus_lacks() -> None:
    analyzer = SwedishAnalyzer()
    terms = set(analyzer.analyze(CORPUS))
    swapped = make_near_misses(
        [item("Hur mycket kan vi bevilja till nya glasögon?")],
        analyzer,
        lambda t: 1.0 if t in terms else 0.0,
        ["glasögon", "körkort"],
    )
    assert [s.question for s in swapped] == ["Hur mycket kan vi bevilja till nya körkort?"]
    (near,) = swapped
    assert not near.answerable and near.expected_sources == [] and "swapped" in near.tags


def test_unanswerable_items_and_follow_ups_are_not_swapped() -> None:
    analyzer = SwedishAnalyzer()
    follow_up = EvalItem("c1", "och till glasögon?", True, ["r.pdf"], [["x"]], history=["Hej?"])
    out = make_near_misses(
        [item("Hur mycket till glasögon?", answerable=False), follow_up],
        analyzer,
        lambda t: 1.0,
        ["körkort"],
    )
    assert out == []


def test_swap_word_replaces_whole_words_only() -> None:
    assert swap_word("Barnvagn eller barn?", "barn", "hund") == "Barnvagn eller hund?"
    assert swap_word("Inget här", "barn", "hund") is None


def test_fit_and_score_objects_are_disjoint() -> None:
    assert not set(FIT_OBJECTS) & set(SCORE_OBJECTS)
