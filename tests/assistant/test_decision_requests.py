"""The decision-request classifier on hand-built Swedish questions."""

from __future__ import annotations

import pytest

from assistant.decision_requests import is_decision_request

DECISIONS = [
    "Har Anna rätt till försörjningsstöd?",
    "Ska jag bevilja hans ansökan?",
    "Har [NAMN] rätt till försörjningsstöd?",
    "Kan min klient få bistånd till tandvård?",
    "Är han berättigad till ekonomiskt bistånd?",
    "Bör vi avslå Annas ansökan om hemresa?",
    "Min klient har sparpengar, har hon rätt till bistånd?",
    "Ska jag ge henne försörjningsstöd för april?",
    "Kan den här klienten få nödprövat bistånd?",
    "Har Erik Johansson rätt till bistånd till hyran?",
    "Har Anna rätt att få bistånd?",
    "Uppfyller hon villkoren för försörjningsstöd?",
    "Har hon verkligen rätt till bistånd?",
    "Om Anna har sparpengar, har hon rätt till bistånd?",
]
ROUTINE_QUESTIONS = [
    "Har en person med sjukersättning rätt till försörjningsstöd?",
    "Får klienten ha en bil?",
    "Har man rätt till försörjningsstöd under studier?",
    "Har sökande rätt till bistånd till hemresa?",
    "Ska jag bevilja bistånd till tandvård utan kostnadsförslag?",
    "Vem beslutar om nödprövning?",
    "Har klienten rätt till bistånd om hon har sparpengar?",
    "Har Försäkringskassan rätt till återbetalning?",
    "Hur bedömer jag om en sökande har rätt till försörjningsstöd?",
    "Min klient [PERSONNUMMER] undrar: vem beslutar om nödprövning?",
    "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?",
    "Vilken boendekostnad godtas för två vuxna med två barn?",
    "Kan CSN-lån räknas som inkomst?",
    "Ska jag bevilja ansökan om sökanden saknar kontoutdrag?",
    "Har en ensamstående förälder rätt till barnomsorg, och kan hon få hjälp med hyran?",
    "Om vi nekar någon att få ut en handling och hen vill överklaga, vilken domstol prövar det?",
]


@pytest.mark.parametrize("question", DECISIONS)
def test_a_decision_about_a_person_is_caught(question: str) -> None:
    assert is_decision_request(question), f"should be a decision request: {question}"


@pytest.mark.parametrize("question", ROUTINE_QUESTIONS)
def test_a_question_about_a_routine_is_not_caught(question: str) -> None:
    assert not is_decision_request(question), f"is a routine question: {question}"


def test_a_pronoun_pointing_back_to_a_generic_person_is_not_a_decision() -> None:
    earlier = ["Har en ensamstående förälder rätt till försörjningsstöd?"]
    follow_up = "Har hon rätt till bistånd till barnomsorg också?"
    assert not is_decision_request(follow_up, earlier), "the pronoun is the generic parent"
    assert is_decision_request(follow_up), "without a generic antecedent the pronoun is a person"


def test_a_name_counts_even_after_a_generic_question() -> None:
    earlier = ["Har en ensamstående förälder rätt till försörjningsstöd?"]
    assert is_decision_request("Har Fatima rätt till det då?", earlier), "a name is a person"
