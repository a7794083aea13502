"""Sentence splitting: the unit that is embedded, ranked and quoted."""

from __future__ import annotations

from assistant.sentences import split_sentences


def test_a_sentence_that_ends_in_a_number_ends_there() -> None:
    text = (
        "Inom ALF inkom 4 klagomål under 2022 jämfört med 1 under 2023. "
        "35 avvikelser rapporterades under 2022. Av dem rapporterade FUT 22. FUT har ändrat sig."
    )
    assert split_sentences(text) == [
        "Inom ALF inkom 4 klagomål under 2022 jämfört med 1 under 2023.",
        "35 avvikelser rapporterades under 2022.",
        "Av dem rapporterade FUT 22.",
        "FUT har ändrat sig.",
    ]


def test_a_number_alone_and_abbreviations_do_not_end_a_sentence() -> None:
    text = "3.2 Kontoutdrag. 4. Enligt 4 kap. 1 § SoL och t.ex. Lifecare gäller det. Klart."
    assert split_sentences(text) == [
        "3.2 Kontoutdrag.",
        "4. Enligt 4 kap. 1 § SoL och t.ex. Lifecare gäller det.",
        "Klart.",
    ]
