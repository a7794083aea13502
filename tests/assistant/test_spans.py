"""Answer spans follow the document's structure: a list with its lead, a rule with its exception."""

from __future__ import annotations

import re

from assistant.extractive import Candidate, list_runs, structured_span, titled_list
from assistant.sentences import split_sentence_lines, split_sentences

PASSAGE = """Vid nyansökan ska hushållet lämna in följande:
- kontoutdrag för tre månader
- hyresavtal
- lönebesked
- beslut om bostadsbidrag
Handlingarna ska vara kompletta. Dock kan handläggaren bevilja anstånd i en vecka. Annat stycke.
Nytt stycke om något annat."""


def candidates(text: str, passage: int = 0) -> list[Candidate]:
    return [
        Candidate(passage, i, s.text, s.line, s.item, terms(s.text), frozenset(), frozenset())
        for i, s in enumerate(split_sentence_lines(text))
    ]


def terms(text: str) -> frozenset[str]:
    """Lower-cased words with a final plural -ar or -na cut: enough stemming for these tests."""
    return frozenset(re.sub(r"(arna|ar|na)$", "", w) for w in re.findall(r"\w+", text.lower()))


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


DELEGATION = """Beslut om avslag får enbart fattas av vissa befattningshavare. Nämnden har \
delegerat beslut om avslag till följande funktioner:
- Omsorgsdirektör
- Myndighetschef
Förfarande vid utlämnande."""


def test_a_sentence_whose_paragraph_leads_into_a_list_brings_the_lead_and_list() -> None:
    all_ = candidates(DELEGATION)
    span = texts(structured_span([all_[0]], all_))
    assert span == texts(all_[:4]), span
    # A sentence that is not right before the lead stays without it.
    assert texts(structured_span([all_[4]], all_)) == ["Förfarande vid utlämnande."]


def test_a_short_rule_brings_its_next_sentence_and_the_exception_after_that() -> None:
    text = (
        "Beslutet ska vara tidsbegränsat. Tidsbegränsningen görs i varje fall. "
        "Detta gäller inte särskilt boende. Nästa regel gäller avgifter."
    )
    all_ = candidates(text)
    assert texts(structured_span([all_[0]], all_)) == texts(all_[:3])


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


def test_list_runs_are_the_consecutive_items_of_each_passage() -> None:
    all_ = candidates(PASSAGE) + candidates("- ett\n- två\nSlut.\n- tre", passage=1)
    assert [texts(run) for run in list_runs(all_)] == [
        texts(all_[1:5]),
        ["ett", "två"],
        ["tre"],
    ]


def test_the_list_whose_title_names_the_asked_noun_is_found() -> None:
    intro = candidates("Du ska lämna in handlingar som styrker dina uppgifter.")
    titled = candidates("- kontoutdrag\n- hyresavtal", passage=1)
    led = candidates(PASSAGE, passage=2)
    headings = {0: frozenset({"ansökan"}), 1: frozenset({"handling"}), 2: frozenset()}
    every = intro + titled + led

    def found(noun: str, allowed: set[int]) -> list[str]:
        return texts(
            titled_list(frozenset({noun}), every, headings.__getitem__, allowed.__contains__)
        )

    # A list opening its passage is titled by its heading; one after a colon by its lead.
    assert found("handling", {0, 1, 2}) == ["kontoutdrag", "hyresavtal"]
    assert found("handling", {0, 2}) == []
    assert found("nyansökan", {2}) == texts(led[:5])
    # A list whose title does not name the asked noun is not the answer.
    assert found("intyg", {0, 1, 2}) == []
