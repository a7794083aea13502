"""Swedish number words: one table for the analyzer, the question checks and follow-ups."""

from __future__ import annotations

import re

CARDINALS: dict[str, int] = {
    "noll": 0,
    "en": 1,
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "tretton": 13,
    "fjorton": 14,
    "femton": 15,
    "sexton": 16,
    "sjutton": 17,
    "arton": 18,
    "nitton": 19,
    "tjugo": 20,
    "trettio": 30,
    "fyrtio": 40,
    "femtio": 50,
    "hundra": 100,
}


def number_words(low: int, high: int) -> frozenset[str]:
    """Return the number words whose value lies from low to high."""
    return frozenset(word for word, value in CARDINALS.items() if low <= value <= high)


def alternation(words: frozenset[str]) -> str:
    """Return a regex alternation of words, longest first so none shadows another."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
