"""Numbers, their units and the bounds rules put on them, on hand-built sentences."""

from __future__ import annotations

import pytest

from assistant.lexical import SwedishAnalyzer
from assistant.ranges import Ranges, number_value

ROWS = [
    "Beslut: Akuta matpengar för högst sju dagar; Beslutsfattare: Socialsekreterare",
    "Beslut: Akut logi i högst tre nätter; Beslutsfattare: Förste socialsekreterare",
    "Beslut: Akut logi i mer än tre nätter; Beslutsfattare: Enhetschef",
]


@pytest.fixture(scope="module")
def ranges() -> Ranges:
    return Ranges(SwedishAnalyzer())


def test_numbers_in_digits_and_words() -> None:
    assert number_value("10 000") == 10_000
    assert number_value("fem") == 5
    assert number_value("2,5") == 2.5
    assert number_value("många") is None


def test_the_row_whose_range_holds_the_number_fits(ranges: Ranges) -> None:
    question = "Vem fattar beslut om akut logi i fem nätter?"
    assert [ranges.fit(question, row) for row in ROWS] == [0, -1, 1]
    # Two nights fall in the first logi row, not the second.
    assert [ranges.fit("och om det är två nätter?", row) for row in ROWS] == [0, 1, -1]


def test_a_bound_in_the_question_fits_the_same_bound(ranges: Ranges) -> None:
    question = "Vem beslutar om akut logi i mer än tre nätter?"
    assert ranges.quantities(question) == []
    assert [ranges.fit(question, row) for row in ROWS] == [0, 0, 1]
    # The same bound in other words.
    asked = "Vem beslutar när summan är större än fem prisbasbelopp?"
    assert ranges.fit(asked, "Återkrav över fem prisbasbelopp beslutas av utskottet.") == 1
    assert ranges.fit(asked, "Återkrav upp till fem prisbasbelopp beslutas av enhetschef.") == 0


def test_amount_tiers_in_one_sentence(ranges: Ranges) -> None:
    tiers = (
        "Beslut över 10 000 kr fattas av förste socialsekreterare och över 25 000 kronor "
        "av enhetschef."
    )
    assert ranges.fit("Vem beslutar om 15 000 kr?", tiers) == 1
    assert ranges.fit("Vem beslutar om 8 000 kr?", tiers) == -1
    assert ranges.fit("Vem beslutar om 8 000 kr?", "Upp till 10 000 kr beslutar handläggaren.") == 1


def test_years_articles_and_periods_are_not_bounded_quantities(ranges: Ranges) -> None:
    assert ranges.quantities("Under 2024 fick en vuxen och 3 barn bistånd") == [(3.0, "barn")]
    # "under tre månader" is a period as often as a bound: it bounds nothing.
    assert ranges.fit("Räcker tre månader?", "Kontoutdrag under tre månader ska lämnas.") == 0
    assert "tre nätter" not in ranges.strip_bounds(ROWS[1])


def test_the_row_whose_interval_holds_the_number_fits(ranges: Ranges) -> None:
    rows = [
        "Hushållsmedlem: Barn 0–6 år; Belopp per dag: 50 kr.",
        "Hushållsmedlem: Barn 7–14 år; Belopp per dag: 65 kr.",
        "Hushållsmedlem: Barn 15-17 år; Belopp per dag: 80 kr.",
    ]
    question = "Hur mycket blir matpengarna för ett barn som är tio år?"
    assert [ranges.fit(question, row) for row in rows] == [-1, 1, -1]
    # An interval is no count of years, and a date or a phone number is no interval.
    assert "14 år" not in ranges.strip_bounds(rows[1])
    assert ranges.bounds("Första rapport 2024-10-15.") == []
    assert ranges.bounds("Ring 08-465 004 90 på dagtid.") == []
