"""The answerability component: its signals, its fitted model and its decision."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.answerability import (
    FEATURES,
    MODEL_FILE,
    AnswerabilityModel,
    QuestionWords,
    Signals,
    fit_logistic,
    model_from_fit,
    named_together,
    proper_names,
    word_known,
)
from assistant.lexical import SwedishAnalyzer
from assistant.wordclass import WordClasses


@pytest.fixture(scope="module")
def words() -> QuestionWords:
    return QuestionWords(SwedishAnalyzer(), WordClasses())


def corpus_terms(analyzer: SwedishAnalyzer, text: str) -> set[str]:
    return set(analyzer.analyze(text))


def test_nouns_are_salient_and_verbs_are_not(words: QuestionWords) -> None:
    salient = words.salient("Jag har tappat bort min jobbmobil, vad ska jag göra omedelbart?")
    assert "jobbmobil" in salient, salient
    assert "tappat" not in salient and "omedelbart" not in salient, salient


@pytest.mark.parametrize(
    "word",
    [
        "ansökningar",  # listed without flags: its lemma "ansökning" decides
        "nyansökningar",  # a compound the dictionary lacks: its head "ansökningar" decides
        "samtal",  # neuter definite -et (samtalet) and plural like the singular
        "beslut",
    ],
)
def test_nouns_the_dictionary_marks_only_by_their_definite_form_or_lemma(word: str) -> None:
    assert WordClasses().can_be_noun(word)


@pytest.mark.parametrize("word", ["vill", "söka", "beviljades", "igenom", "omedelbart"])
def test_verbs_and_adverbs_are_not_nouns(word: str) -> None:
    assert not WordClasses().can_be_noun(word)


def test_generic_casework_words_are_not_salient(words: QuestionWords) -> None:
    salient = words.salient("Kan klienten få bistånd till ett körkort?")
    assert salient == ["körkort"], salient


def test_a_hyphenated_word_counts_by_its_last_part(words: QuestionWords) -> None:
    assert "rapport" in words.salient("När ska chefen skicka en lex Sarah-rapport?")
    assert "åring" not in words.salient("En 19-åring som bor hemma, räknas hen in?")


def test_a_word_the_corpus_never_names_is_absent(words: QuestionWords) -> None:
    terms = corpus_terms(words.analyzer, "Bistånd till glasögon beviljas med högst 1 800 kr.")
    absent = words.absent("Kan vi bevilja bistånd till husdjur?", terms.__contains__)
    assert absent == ["husdjur"], absent
    assert words.absent_share("Kan vi bevilja bistånd till glasögon?", terms.__contains__) == 0.0


def test_a_compound_is_named_by_all_its_parts(words: QuestionWords) -> None:
    analyzer = words.analyzer
    terms = corpus_terms(analyzer, "Kontroll ska göras av varje stickprov.")
    assert word_known("stickprovskontroll", analyzer, terms.__contains__)
    assert not word_known("barnvagn", analyzer, corpus_terms(analyzer, "barn").__contains__)


def test_a_compound_needs_its_parts_together_or_its_head(words: QuestionWords) -> None:
    analyzer = words.analyzer
    corpus = corpus_terms(analyzer, "Flytten planeras. En firma städar. Beloppet är högst 100 kr.")
    known = corpus.__contains__
    retrieved = [frozenset(analyzer.analyze("Beloppet för flytten är högst 100 kr."))]

    def together(parts: Sequence[str]) -> bool:
        return named_together(parts, retrieved)

    # Both parts are somewhere in the corpus, but no retrieved passage speaks of firms.
    assert word_known("flyttfirma", analyzer, known)
    assert not word_known("flyttfirma", analyzer, known, together)
    # A total amount is an amount: the head is enough.
    assert word_known(
        "totalbelopp", analyzer, corpus_terms(analyzer, "total belopp").__contains__, together
    )


def test_a_synonym_names_the_word(words: QuestionWords) -> None:
    analyzer = words.analyzer
    terms = corpus_terms(analyzer, "Läkemedel på recept ersätts.")
    assert word_known("medicin", analyzer, terms.__contains__)


def test_absent_nouns_keep_their_weight(words: QuestionWords) -> None:
    analyzer = words.analyzer
    corpus = corpus_terms(analyzer, "Bistånd till glasögon beviljas.")

    def idf(term: str) -> float:
        return 2.0 if term in corpus else 0.0

    question = "Kan vi bevilja bistånd till husdjur?"
    weights = words.weights(set(analyzer.analyze(question)), question, idf, absent_weight=5.0)
    assert weights[analyzer.terms_for_word("husdjur")[0]] == 5.0, weights
    assert all(w == 2.0 for t, w in weights.items() if t in corpus), weights


def signals(**values: float) -> Signals:
    base = dict.fromkeys(FEATURES, 0.5)
    base.update(values)
    return Signals(**base)


def test_model_probability_follows_its_weights() -> None:
    zeros = dict.fromkeys(FEATURES, 0.0)
    weights = dict(zeros, absent=-2.0, dense=1.0)
    model = AnswerabilityModel(weights, 0.0, zeros, dict.fromkeys(FEATURES, 1.0), 0.5)
    assert model.probability(signals(absent=0.0, dense=0.0)) == pytest.approx(0.5)
    assert model.accepts(signals(absent=0.0, dense=1.0))
    assert not model.accepts(signals(absent=1.0, dense=0.0))


def test_fit_separates_a_separable_signal() -> None:
    rng = np.random.default_rng(1)
    good = rng.normal(0.0, 0.05, size=(40, len(FEATURES)))
    bad = good.copy()
    index = FEATURES.index("absent")
    bad[:, index] += 1.0
    x = np.vstack([good, bad])
    y = np.array([1.0] * 40 + [0.0] * 40)
    weights, bias, mean, scale = fit_logistic(x, y, l2=1.0)
    assert weights[index] < -1.0, weights
    model = model_from_fit(weights, bias, mean, scale, 0.5)
    assert model.accepts(Signals(*good[0])) and not model.accepts(Signals(*bad[0]))


def test_fit_is_deterministic() -> None:
    x = np.array([[0.1 * i] * len(FEATURES) for i in range(10)])
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 1], dtype=float)
    first, second = fit_logistic(x, y), fit_logistic(x, y)
    assert np.allclose(first[0], second[0]) and first[1] == second[1]


def test_saved_model_loads_with_its_threshold(tmp_path: Path) -> None:
    model = AnswerabilityModel.open_gate()
    path = tmp_path / "m.json"
    model.save(path, about="test")
    loaded = AnswerabilityModel.load(path)
    assert loaded == model and json.loads(path.read_text())["about"] == "test"
    assert AnswerabilityModel.load(path, threshold=0.7).threshold == 0.7


def test_a_model_without_a_feature_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    del data["weights"]["absent"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="absent"):
        AnswerabilityModel.load(path)


def test_the_shipped_model_reads_absent_nouns_as_a_gap() -> None:
    model = AnswerabilityModel.load()
    assert model.weights["absent"] < 0, model.weights
    assert 0.0 < model.threshold < 1.0


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Får vi lämna uppgifter till Migrationsverket utan samtycke?", ["migrationsverket"]),
        ("Vad väljer man när man rapporterar en lex Maria-händelse?", ["maria"]),
        # Sentence starts are capitalised whatever the word; acronyms may be spelt out.
        ("Jag är orolig. Hur snabbt ska anmälan göras?", []),
        ("Får jag ta en UC på en EU-medborgare?", []),
        # A client's first name is not a place or an authority.
        ("Hur mycket får Kalle till hemutrustning?", []),
        ("Hur underrättar vi Försäkringskassan?", ["försäkringskassan"]),
        ('Vad betyder "Förhandsbedömning" här?', []),
    ],
)
def test_names_of_places_and_authorities_are_found_inside_a_sentence(
    question: str, names: list[str]
) -> None:
    assert proper_names(question) == names
