"""Answer spans follow the document's structure: a list with its lead, a rule with its exception."""

from __future__ import annotations

from assistant.extractive import Candidate, structured_span
from assistant.sentences import split_sentence_lines, split_sentences

PASSAGE = """Vid nyansökan ska hushållet lämna in följande:
- kontoutdrag för tre månader
- hyresavtal
- lönebesked
- beslut om bostadsbidrag
Handlingarna ska vara kompletta. Dock kan handläggaren bevilja anstånd i en vecka. Annat stycke.
Nytt stycke om något annat."""


def candidates(text: str) -> list[Candidate]:
    return [
        Candidate(0, i, s.text, s.line, s.item, frozenset(), frozenset(), frozenset())
        for i, s in enumerate(split_sentence_lines(text))
    ]


def texts(chosen: list[Candidate]) -> list[str]:
    return [c.text for c in chosen]


def test_sentences_know_their_line_and_whether_it_is_a_list_item() -> None:
    lines = split_sentence_lines(PASSAGE)
    assert [s.item for s in lines[:5]] == [False, True, True, True, True]
    assert lines[5].line == lines[6].line != lines[8].line
    assert split_sentences(PASSAGE) == [s.text for s in lines]


def test_a_list_item_brings_its_lead_and_the_whole_list() -> None:
    all_ = candidates(PASSAGE)
    span = structured_span([all_[2]], all_)
    assert texts(span) == texts(all_[:5]), texts(span)


def test_a_lead_sentence_brings_the_items_that_follow() -> None:
    all_ = candidates(PASSAGE)
    assert texts(structured_span([all_[0]], all_)) == texts(all_[:5])


def test_an_exception_follows_its_rule() -> None:
    all_ = candidates(PASSAGE)
    span = texts(structured_span([all_[5]], all_))
    assert span == ["Handlingarna ska vara kompletta.", all_[6].text], span


def test_a_sentence_that_stands_alone_stays_alone() -> None:
    all_ = candidates(PASSAGE)
    assert texts(structured_span([all_[8]], all_)) == ["Nytt stycke om något annat."]


def test_the_span_is_capped_but_keeps_the_chosen_sentence() -> None:
    long_items = "Följande gäller:\n" + "\n".join(f"- {'ord ' * 60}{i}" for i in range(10))
    all_ = candidates(long_items)
    span = structured_span([all_[5]], all_)
    assert all_[5] in span and sum(len(c.text) for c in span) <= 900 + len(all_[5].text)


TITLED_LIST = """• Ekonomisk översikt över alla bankkonton.
• Hyreskontrakt eller andrahandskontrakt.
• Intyg om ni har haft företag nyligen. Momsdeklarationer och skattedeklaration.
Välkommen att kontakta din handläggare."""


def test_a_list_that_opens_its_section_comes_whole_when_a_list_is_asked() -> None:
    all_ = candidates(TITLED_LIST)
    asked = texts(structured_span([all_[1]], all_, list_asked=True))
    assert asked == texts(all_[:4]), asked
    assert texts(structured_span([all_[1]], all_)) == [all_[1].text]


def test_a_list_item_keeps_all_its_sentences() -> None:
    all_ = candidates(TITLED_LIST)
    span = texts(structured_span([all_[2]], all_))
    assert span == [
        "Intyg om ni har haft företag nyligen.",
        "Momsdeklarationer och skattedeklaration.",
    ]
