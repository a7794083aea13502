"""Make labelled near misses from answerable questions, without a language model.

A near miss asks about something next to what the routines cover. Swapping what an
answerable question asks about ("bistånd till glasögon") for something the corpus
never names ("bistånd till körkort") keeps the topic, the phrasing and the retrieved
passages, and makes the question unanswerable. The swapped word is the question's
asked object where Swedish marks one (assistant/focus.py), else its rarest salient
word. A replacement is used only when the corpus names it in no form (itself, its
compound parts, or a synonym).

Two disjoint lists of replacements keep fitting and scoring apart: FIT_OBJECTS for
the data the answerability model is fitted on, SCORE_OBJECTS for what it is scored on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from assistant.answerability import QuestionWords, word_known
from assistant.focus import AskedObjectCheck
from assistant.lexical import SwedishAnalyzer
from evals.datasets import EvalItem

# Things a caseworker might ask about that a routine set for ekonomiskt bistånd and
# arbetsmarknad may well not cover. Singular indefinite nouns, so they fit most slots.
FIT_OBJECTS = (
    "körkort",
    "husdjur",
    "bredband",
    "gymkort",
    "solcellspanel",
    "båtplats",
    "tatuering",
    "vattenskoter",
    "hundförsäkring",
    "golfutrustning",
    "bröllopsklänning",
    "husvagn",
    "akvarium",
    "hemmabio",
)
SCORE_OBJECTS = (
    "motorcykel",
    "ridlektion",
    "spelkonsol",
    "pianolektion",
    "fiskekort",
    "segelbåt",
    "kattmat",
    "surfplatta",
    "massage",
    "skidresa",
    "trädgårdsmöbel",
    "elsparkcykel",
)


OBJECT_NOUN = re.compile(
    r"\b(?:till|för|om|med|av|vid|på|utan|efter|kring)\s+(?:(?:en|ett|sin|sitt|sina|hans|"
    r"hennes|hens|deras|nya|ny|nytt)\s+)?(?P<noun>[^\W\d_]{3,})",
    re.IGNORECASE,
)
MIN_SWAPPED = 5


def swap_word(question: str, word: str, replacement: str) -> str | None:
    """Replace the first whole occurrence of a word (any case), or return None."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
    swapped, count = pattern.subn(replacement, question, count=1)
    return swapped if count else None


def target_word(
    question: str, words: QuestionWords, term_weight: Callable[[str], float]
) -> str | None:
    """Return the word to swap: the question's asked object, else the rarest object noun.

    An object noun is the word right after a preposition, or after one and an article
    ("till glasögon", "för en bil"), so that the swapped question stays Swedish.
    """
    asked = [
        w
        for obj in AskedObjectCheck(words.analyzer).asked(question)
        if obj.scope != "period"
        for w in obj.words
    ]
    if asked:
        return asked[-1]
    salient = set(words.salient(question))
    objects = [m.group("noun").lower() for m in OBJECT_NOUN.finditer(question)]
    objects = [w for w in objects if w in salient and len(w) >= MIN_SWAPPED]
    if not objects:
        return None
    return max(objects, key=lambda w: term_weight(words.analyzer.terms_for_word(w)[0]))


def make_near_misses(
    items: Iterable[EvalItem],
    analyzer: SwedishAnalyzer,
    term_weight: Callable[[str], float],
    objects: Sequence[str],
) -> list[EvalItem]:
    """Return one swapped, unanswerable item per answerable item that allows a swap."""
    known: Callable[[str], bool] = lambda term: term_weight(term) > 0  # noqa: E731
    usable = [o for o in objects if not word_known(o, analyzer, known)]
    if not usable:
        return []
    words = QuestionWords(analyzer)
    out: list[EvalItem] = []
    for index, item in enumerate(i for i in items if i.answerable and not i.history):
        word = target_word(item.question, words, term_weight)
        if word is None:
            continue
        replacement = usable[index % len(usable)]
        swapped = swap_word(item.question, word, replacement)
        if swapped is None or swapped == item.question:
            continue
        out.append(
            EvalItem(
                id=f"{item.id}-swap",
                question=swapped,
                answerable=False,
                expected_sources=[],
                must_contain=[],
                tags=["near-miss", "swapped"],
                notes=f"{item.id} with {word!r} swapped for {replacement!r}",
                source=f"{item.source} (swapped)",
            )
        )
    return out
