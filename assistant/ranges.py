"""Numbers with their units, and the bounds rules put on them ("högst tre nätter").

Delegation orders and amount tiers answer by ranges: "akut logi i högst tre nätter:
förste socialsekreterare; i mer än tre nätter: enhetschef", "beslut över 10 000 kr
fattas av förste socialsekreterare", "Barn 7–14 år: 65 kr". A question about five
nights, 15 000 kr or a ten-year-old is answered by the row or sentence whose range
holds the number, not by the one that happens to share most words with it. Everything
here is plain pattern matching on the text; the unit of a number is the word after it,
compared by its index term.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.lexical import SwedishAnalyzer
from assistant.numbers import CARDINALS, alternation

NUMBER = (
    rf"(?:\d{{1,3}}(?:[ \u00a0]\d{{3}})+|\d+(?:,\d+)?|\b(?:{alternation(frozenset(CARDINALS))})\b)"
)
UNIT = r"(?P<unit>[^\W\d_]+)"
# What bounds a number, and how: "högst 3", "upp till 10 000", "mer än tre", "minst två".
BOUND_WORDS: tuple[tuple[str, Callable[[float, float], bool]], ...] = (
    (r"högst|max|maximalt|upp till|till och med|som mest|inte mer än|inte över", operator.le),
    # Not "under": "under tre månader" is as often a period as a bound.
    (
        r"mindre än|färre än|kortare än|lägre än|yngre än|understigande|understiger",
        operator.lt,
    ),
    (
        r"över|mer än|fler än|större än|längre än|högre än|äldre än|överstigande|överstiger",
        operator.gt,
    ),
    (r"minst|lägst|som minst|från och med|fr\.o\.m\.", operator.ge),
)
# Each bounding phrase, as the text writes it, to its comparison.
OPERATORS = {
    phrase.replace("\\", ""): op for words, op in BOUND_WORDS for phrase in words.split("|")
}
BOUND = re.compile(
    r"\b(?P<op>" + "|".join(words for words, _ in BOUND_WORDS) + r")\s+"
    r"(?:(?:i|för|på)\s+)?(?P<n>" + NUMBER + r")\s+" + UNIT,
    re.IGNORECASE,
)
# An interval: "Barn 7–14 år", "1–2 vuxna", "3 000-5 000 kr".
INTERVAL = re.compile(
    r"(?<![\d-])(?P<low>" + NUMBER + r")\s*[–-]\s*(?P<high>" + NUMBER + r")\s+" + UNIT,
    re.IGNORECASE,
)
QUANTITY = re.compile(r"(?P<n>" + NUMBER + r")\s+" + UNIT, re.IGNORECASE)
YEAR = re.compile(r"(?:19|20)\d\d")
# Units written more than one way.
UNIT_NAMES = {"kronor": "kr", "kr": "kr", "sek": "kr", ":-": "kr"}


@dataclass(frozen=True)
class Bound:
    """A bound on a quantity: the comparison, the number and the unit's index term."""

    holds: Callable[[float, float], bool]
    value: float
    unit: str
    upper: float | None = None  # an interval's end: "7–14 år" is at least 7 and at most 14

    def admits(self, number: float) -> bool:
        """Tell whether a number meets the bound."""
        return self.holds(number, self.value) and (self.upper is None or number <= self.upper)


def number_value(text: str) -> float | None:
    """Return the value of a number written in digits or as a word."""
    word = text.lower()
    if word in CARDINALS:
        return float(CARDINALS[word])
    digits = re.sub(r"[ \u00a0]", "", word).replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


class Ranges:
    """Find quantities and bounds in text, their units compared by index term."""

    def __init__(self, analyzer: SwedishAnalyzer) -> None:
        self.analyzer = analyzer

    def unit(self, word: str) -> str:
        """Return the index term a unit is compared by ("nätter" and "natt" alike)."""
        word = word.lower()
        return UNIT_NAMES.get(word) or self.analyzer.terms_for_word(word)[0]

    def bounds(self, text: str) -> list[Bound]:
        """Return the bounds a text puts on numbers of things."""
        found = []
        for match in BOUND.finditer(text):
            value = number_value(match.group("n"))
            op = OPERATORS[" ".join(match.group("op").lower().split())]
            if value is not None:
                found.append(Bound(op, value, self.unit(match.group("unit"))))
        for match in INTERVAL.finditer(text):
            low, high = number_value(match.group("low")), number_value(match.group("high"))
            if low is None or high is None or YEAR.fullmatch(match.group("low")) or low > high:
                continue
            found.append(Bound(operator.ge, low, self.unit(match.group("unit")), high))
        return found

    def quantities(self, text: str) -> list[tuple[float, str]]:
        """Return the numbers of things a text names, with their units.

        Years, the articles "en" and "ett", and numbers the text itself bounds ("i mer
        än tre nätter") are left out.
        """
        found = []
        for match in QUANTITY.finditer(self.strip_bounds(text)):
            if YEAR.fullmatch(match.group("n")) or match.group("n").lower() in ("en", "ett"):
                continue
            value = number_value(match.group("n"))
            if value is not None:
                found.append((value, self.unit(match.group("unit"))))
        return found

    def fit(self, question: str, text: str) -> int:
        """Tell how a text's bounds meet the numbers a question asks about.

        1 when, for some number, a bound on its unit holds ("över 10 000 kr" for
        15 000 kr) or the text states a bound the question states ("mer än tre
        nätter"); -1 when the text bounds the unit of a number asked about and no bound
        on it holds ("högst tre nätter" for five nights); 0 when it bounds none of them.
        """
        bounds = self.bounds(text)
        if not bounds:
            return 0
        if set(self.bounds(question)) & set(bounds):
            return 1
        verdicts = []
        for value, unit in self.quantities(question):
            own = [b for b in bounds if b.unit == unit]
            if own:
                verdicts.append(any(b.admits(value) for b in own))
        if not verdicts:
            return 0
        return 1 if any(verdicts) else -1

    def strip_bounds(self, text: str) -> str:
        """Return the text without its bounded numbers ("högst tre nätter", "7–14 år").

        Neither is a count of things.
        """
        return INTERVAL.sub(" ", BOUND.sub(" ", text))
