"""Follow-ups become whole questions: the new detail replaces the matching old one."""

from __future__ import annotations

import pytest

from assistant.conversation import (
    answer_names_follow_up,
    is_follow_up,
    resolve_history,
    standalone_question,
)
from assistant.intake import is_not_a_question
from assistant.lexical import SwedishAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> SwedishAnalyzer:
    return SwedishAnalyzer()


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        (
            "Hur hög är riksnormen för en familj med två barn?",
            "och om de har tre barn?",
            "Hur hög är riksnormen för en familj med tre barn?",
        ),
        (
            "Får klienten bistånd till hyran om hen bor i hyresrätt?",
            "och om hen bor i andra hand?",
            "Får klienten bistånd till hyran om hen bor i andra hand?",
        ),
        (
            "Får klienten bistånd till hyran?",
            "men om hen bor i andra hand?",
            "Får klienten bistånd till hyran om hen bor i andra hand?",
        ),
        (
            "Hur många avvikelser rapporterade FUT under 2022?",
            "Och året innan?",
            "Hur många avvikelser rapporterade FUT under 2021?",
        ),
        (
            "Hur många avvikelser rapporterade FUT under 2022?",
            "och 2023?",
            "Hur många avvikelser rapporterade FUT under 2023?",
        ),
        (
            "Hur hög är riksnormen för ett par?",
            "och för en ensamstående?",
            "Hur hög är riksnormen för en ensamstående?",
        ),
        (
            "Hur länge får socialjouren bevilja akuta matpengar en vanlig helg?",
            "och under en långhelg?",
            "Hur länge får socialjouren bevilja akuta matpengar en långhelg?",
        ),
        (
            "Inom hur lång tid ska beslut fattas när en nyansökan har blivit komplett?",
            "och vid ansökan om fortsatt försörjningsstöd?",
            "Inom hur lång tid ska beslut fattas när ansökan om fortsatt försörjningsstöd har "
            "blivit komplett?",
        ),
        (
            "Hur mycket fritidspeng kan man få per barn?",
            "Och hur ofta?",
            "Hur ofta fritidspeng kan man få per barn?",
        ),
        (
            "Vilken hyra godtas för ett hyreskontrakt?",
            "och för ett andrahandskontrakt?",
            "Vilken hyra godtas för ett andrahandskontrakt?",
        ),
        (
            "En ensamstående klient flyttar. Hur mycket hemutrustning kan vi bevilja?",
            "och om det är två vuxna med två barn?",
            "Två vuxna med två barn flyttar. Hur mycket hemutrustning kan vi bevilja?",
        ),
        (
            "Hur mycket blir akuta matpengar per dag för en ensam vuxen?",
            "och för ett barn som är tio år?",
            "Hur mycket blir akuta matpengar per dag för ett barn som är tio år?",
        ),
    ],
)
def test_the_follow_up_detail_replaces_the_old_one(
    analyzer: SwedishAnalyzer, previous: str, follow_up: str, expected: str
) -> None:
    assert standalone_question(follow_up, [previous], analyzer, None) == expected


def test_an_unmatched_follow_up_carries_the_topic_without_its_old_number(
    analyzer: SwedishAnalyzer,
) -> None:
    question = standalone_question(
        "gäller det även tre månader?",
        ["Ska två kontoutdrag begäras vid nyansökan?"],
        analyzer,
        None,
    )
    assert "kontoutdrag" in question and "två" not in question, question


def test_a_chain_of_follow_ups_builds_on_the_last_whole_question(
    analyzer: SwedishAnalyzer,
) -> None:
    history = ["Hur hög är riksnormen för en familj med två barn?", "och om de har tre barn?"]
    assert resolve_history(history, analyzer)[-1].endswith("med tre barn?")
    question = standalone_question("och om de bor i andra hand?", history, analyzer, None)
    assert "tre barn" in question and "andra hand" in question, question


def test_a_whole_new_question_is_not_a_follow_up() -> None:
    history = ["Hur hög är riksnormen för en familj med två barn?"]
    assert not is_follow_up("Vem beslutar om återkrav på 45 000 kronor i nämnden?", history)
    assert not is_follow_up("och om de har tre barn?", [])
    assert is_follow_up("Vilka åtgärder togs då?", history)


@pytest.mark.parametrize(
    "text", ["hej", "?", "Hjälp", "Hej! Tack så mycket", "körkort?", "  ", "ok tack", "Test"]
)
def test_greetings_and_single_words_are_not_questions(analyzer: SwedishAnalyzer, text: str) -> None:
    assert is_not_a_question(text, analyzer)


@pytest.mark.parametrize(
    "text",
    ["Vad är riksnormen?", "Vem beslutar om nödprövning?", "hej, hur många månader kontoutdrag?"],
)
def test_short_questions_are_questions(analyzer: SwedishAnalyzer, text: str) -> None:
    assert not is_not_a_question(text, analyzer)


AMOUNTS = (
    "Det sammanlagda beloppet för hemutrustning är högst 9 400 kr för en ensamstående och "
    "högst 12 500 kr för två vuxna, med ett tillägg på högst 3 200 kr för varje barn [1]."
)


TIERS = (
    "Beslut om bistånd upp till 10 000 kr fattas av handläggare. Beslut över 10 000 kr "
    "fattas av förste socialsekreterare och beslut över 25 000 kr av enhetschef."
)


@pytest.mark.parametrize(
    ("answer", "follow_up", "named"),
    [
        # The answer gives the amount for two adults and for each child.
        (AMOUNTS, "och om det är två vuxna med två barn?", True),
        (AMOUNTS, "Och för två vuxna?", True),
        # A case the answer does not name needs another answer.
        (AMOUNTS, "och om det är en pensionär?", False),
        (AMOUNTS, "och om hen flyttar till ett studentrum?", False),
        # Numbers alone change the question without naming a case ...
        (AMOUNTS, "och om det gäller 15 000 kr?", False),
        (AMOUNTS, "och tre?", False),
        # ... unless the answer's tiers hold the new amount: it gives the rule for it.
        (TIERS, "och om det gäller 15 000 kr?", True),
        (TIERS, "och 40 000 kronor?", True),
        # No tier bounds nights: the answer says nothing about them.
        (TIERS, "och om det gäller fem nätter?", False),
    ],
)
def test_an_answer_that_names_the_follow_ups_case_or_holds_its_number_may_be_repeated(
    analyzer: SwedishAnalyzer, answer: str, follow_up: str, named: bool
) -> None:
    assert answer_names_follow_up(follow_up, answer, analyzer) is named
