"""Whether the best extractive answer answers the question, from signals a person can read.

The extractive generator finds the sentence that best matches a question; this module
decides whether that sentence is an answer or a near miss, and so whether the question
is a gap in the routines. It combines explicit signals of the question, the answering
sentence and its passage:

- ``dense``: the passage's cosine similarity to the question (e5 embeddings);
- ``sentence_dense``: the answering sentence's own cosine similarity;
- ``coverage``: the share of the question's term weight that the sentence covers (its
  passage and heading at half weight). Question words that no routine contains keep
  their weight, so they lower the coverage: a word nowhere in the corpus (*husdjur*,
  *bredband*) is evidence of a gap, unless a compound part or a synonym of it is there;
- ``absent``: the share of the question's salient words that no indexed passage names
  (salient: nouns, by the hunspell-sv dictionary, that are not generic casework words);
- ``heading``: the share of the question's term weight that the passage's title and
  section heading carry (the topic matches the section);
- ``rank_prior``: 1 / (1 + the answering passage's rank).

Two checks come before the model, because on every labelled set they turn down over
half of the near misses at the cost of about one right answer in thirty: the answer
must name what the question asks about (its asked objects, where Swedish marks them:
assistant/focus.py), and give each kind of fact asked for (an amount for "hur
mycket", a time for "hur länge", a person for "vem").

A logistic model combines them: P(answer is right) = σ(b + Σ wᵢ·(xᵢ - μᵢ)/σᵢ).
Its weights are fitted on labelled evaluation items by ``python -m evals.fit_answerability``
and stored, readable, in ``assistant/answerability.json`` beside this file, with the
data they were fitted on. The threshold on P is a setting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.focus import SYNONYMS, word_set
from assistant.lexical import STOPWORDS, SwedishAnalyzer
from assistant.wordclass import WordClasses

FEATURES = (
    "dense",
    "sentence_dense",
    "coverage",
    "absent",
    "heading",
    "rank_prior",
)
MODEL_FILE = Path(__file__).with_name("answerability.json")
# A word, hyphenated or not, that does not continue a number ("19-åring" is skipped).
WORD = re.compile(r"(?<![\w-])[^\W\d_][\w-]*")
# Words every caseworker question may use whether or not a routine does: roles,
# the service itself and generic verbs of casework. Their absence from the corpus
# says nothing about a gap.
GENERIC_WORDS = word_set(
    """klient klienten klientens klienter sökande handläggare handläggaren
    socialsekreterare person personen personer individ enskild brukare kund kunden
    medborgare invånare kommun kommunen socialtjänst socialtjänsten förvaltning
    enheten enhet vi oss jag fall fallet läge situation situationen ärende ärendet
    ärenden fråga frågan pengar hjälp stöd stödet bistånd biståndet ansöka ansöker
    ansökt söka söker sökt bevilja beviljar beviljas beviljat göra gör gjort hantera
    hanterar hanteras handlägga handlägger tänka tänker gälla göras regel regler
    reglerna rutin rutinen rutiner riktlinje riktlinjen riktlinjer ok okej typ
    ungefär egentligen just nu idag"""
)


@dataclass(frozen=True)
class Signals:
    """What the answerability model reads about one candidate answer."""

    dense: float
    sentence_dense: float
    coverage: float
    absent: float
    heading: float
    rank_prior: float

    def vector(self) -> np.ndarray:
        """Return the signals in FEATURES order."""
        return np.array([getattr(self, name) for name in FEATURES], dtype=float)

    def as_dict(self) -> dict[str, float]:
        """Return the signals by name, rounded for logs and diagnostics."""
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def word_known(
    word: str,
    analyzer: SwedishAnalyzer,
    known: Callable[[str], bool],
    together: Callable[[Sequence[str]], bool] | None = None,
) -> bool:
    """Tell whether the corpus names a word: itself, all its compound parts, or a synonym.

    With `together`, a compound's parts name it only where they stand together (in
    one passage): *död* and *bo* are somewhere in any corpus, *dödsbo* need not be.
    """
    full, *parts = analyzer.terms_for_word(word)
    if known(full):
        return True
    if parts and all(known(p) for p in parts) and (together is None or together(parts)):
        return True
    return any(known(analyzer.terms_for_word(s)[0]) for s in SYNONYMS.get(word, ()))


def named_together(parts: Sequence[str], passages: Sequence[frozenset[str]]) -> bool:
    """Tell whether one passage's terms name a compound's parts together, or its last part.

    A compound names a kind of its last part ("totalbelopp" is a "belopp"): a passage
    about that part speaks of the compound's topic; one that has only the first part
    ("flytt" for "flyttfirma") does not.
    """
    return any(parts[-1] in terms or all(p in terms for p in parts) for terms in passages)


def salient_words(question: str, classes: WordClasses) -> list[str]:
    """Return the nouns of the question that say what it is about, lower-cased.

    A hyphenated word counts by its last part ("Sarah-rapport" by "rapport").
    """
    words = []
    for token in WORD.findall(question.lower()):
        word = token.rsplit("-", 1)[-1]
        common = word in STOPWORDS or word in GENERIC_WORDS
        if len(word) > 2 and not common and classes.can_be_noun(word):
            words.append(word)
    return list(dict.fromkeys(words))


# A capitalised word, not an acronym ("Vadstena", "Migrationsverket", "Maria" in
# "Maria-händelse"), and where a sentence of the question starts.
NAME = re.compile(r"(?<![\w-])[A-ZÅÄÖ][a-zåäöéü]+(?![\w])")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"”(]\s*)$")
# A name of a place, an authority or an act, not of a person: after a preposition
# ("i Vadstena", "till Migrationsverket", "lex Maria") or with an authority's ending.
PLACE_BEFORE = re.compile(
    r"\b(?:i|till|från|hos|på|vid|inom|mot|enligt|utanför|lex)\s+$", re.IGNORECASE
)
AUTHORITY_ENDINGS = (
    "verket",
    "kassan",
    "myndigheten",
    "nämnden",
    "rätten",
    "inspektionen",
    "centrum",
    "förvaltningen",
    "styrelsen",
    "kommun",
    "region",
    "polisen",
)


def proper_names(question: str) -> list[str]:
    """Return the names of places, authorities and acts in a question, lower-cased.

    A name is a capitalised word inside a sentence (one that starts a sentence is
    capitalised whatever it is) after a preposition or with an authority's ending, so
    a client's first name ("får Kalle …") is not one. Acronyms ("UC", "EU") are left
    out: a routine may spell them out.
    """
    names = []
    for match in NAME.finditer(question):
        before = question[: match.start()]
        word = match.group(0).lower()
        if SENTENCE_START.search(before):
            continue
        if PLACE_BEFORE.search(before) or word.endswith(AUTHORITY_ENDINGS):
            names.append(word)
    return list(dict.fromkeys(names))


class QuestionWords:
    """The question-side signals: which salient words the corpus names, and their weights."""

    def __init__(self, analyzer: SwedishAnalyzer, classes: WordClasses | None = None) -> None:
        self.analyzer = analyzer
        self.classes = classes or WordClasses()

    def salient(self, question: str) -> list[str]:
        """Return the question's salient words."""
        return salient_words(question, self.classes)

    def absent(
        self,
        question: str,
        known: Callable[[str], bool],
        together: Callable[[Sequence[str]], bool] | None = None,
    ) -> list[str]:
        """Return the salient words that the corpus names in no form."""
        return [
            w for w in self.salient(question) if not word_known(w, self.analyzer, known, together)
        ]

    def absent_names(self, question: str, known: Callable[[str], bool]) -> list[str]:
        """Return the names in the question that the corpus names in no form.

        A place, an authority or an act no routine names ("i Vadstena", "till
        Migrationsverket") means the routines do not cover the question, however well
        its other words match. The genitive counts ("Helsingborgs stad" names
        "Helsingborg").
        """
        return [
            name
            for name in proper_names(question)
            if not word_known(name, self.analyzer, known)
            and not word_known(f"{name}s", self.analyzer, known)
        ]

    def absent_share(
        self,
        question: str,
        known: Callable[[str], bool],
        together: Callable[[Sequence[str]], bool] | None = None,
    ) -> float:
        """Return the share of the question's salient words that no indexed passage names."""
        words = self.salient(question)
        return len(self.absent(question, known, together)) / len(words) if words else 0.0

    def weights(
        self,
        question_terms: Iterable[str],
        question: str,
        term_weight: Callable[[str], float],
        absent_weight: float,
        together: Callable[[Sequence[str]], bool] | None = None,
    ) -> dict[str, float]:
        """Weight each question term by its idf; absent salient words keep a weight.

        A term no passage contains has idf 0 in the index. When it belongs to a salient
        word that the corpus does not name in any form, it gets ``absent_weight`` (the
        highest idf) instead: no sentence can cover it, so coverage shows the gap.
        """
        weights = {t: w for t in question_terms if (w := term_weight(t)) > 0}
        for word in self.absent(question, lambda t: term_weight(t) > 0, together):
            weights.setdefault(self.analyzer.terms_for_word(word)[0], absent_weight)
        return weights


@dataclass(frozen=True)
class AnswerabilityModel:
    """A logistic model over Signals, with the threshold that turns it into a decision."""

    weights: dict[str, float]
    bias: float
    mean: dict[str, float]
    scale: dict[str, float]
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE, threshold: float | None = None) -> AnswerabilityModel:
        """Read a fitted model; a given threshold replaces the fitted one."""
        data = json.loads(path.read_text(encoding="utf-8"))
        missing = [name for name in FEATURES if name not in data["weights"]]
        if missing:
            raise ValueError(f"{path}: no weight for {', '.join(missing)}")
        return cls(
            weights={k: float(data["weights"][k]) for k in FEATURES},
            bias=float(data["bias"]),
            mean={k: float(data["mean"][k]) for k in FEATURES},
            scale={k: float(data["scale"][k]) for k in FEATURES},
            threshold=float(data["threshold"] if threshold is None else threshold),
        )

    @classmethod
    def open_gate(cls) -> AnswerabilityModel:
        """Return a model that accepts every answer (for collecting signals to fit on)."""
        zeros = dict.fromkeys(FEATURES, 0.0)
        return cls(zeros, 0.0, zeros, dict.fromkeys(FEATURES, 1.0), 0.0)

    def save(self, path: Path, **provenance: object) -> None:
        """Write the model as JSON, with whatever says where it came from."""
        document = {
            "features": list(FEATURES),
            "weights": self.weights,
            "bias": self.bias,
            "mean": self.mean,
            "scale": self.scale,
            "threshold": self.threshold,
            **provenance,
        }
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Return the probability for every row of signals (columns in FEATURES order)."""
        z = self.bias + sum(
            self.weights[k] * (x[:, i] - self.mean[k]) / self.scale[k]
            for i, k in enumerate(FEATURES)
        )
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0))))

    def probability(self, signals: Signals) -> float:
        """Return the model's probability that the candidate answer is right."""
        return float(self.probabilities(signals.vector()[None, :])[0])

    def accepts(self, signals: Signals) -> bool:
        """Tell whether the candidate answer is likely enough to be right to be given."""
        return self.probability(signals) >= self.threshold


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Fit an L2-regularised logistic regression by Newton's method.

    Returns (weights, bias, mean, scale) for standardised features. The bias is not
    regularised. Deterministic: the same data gives the same model.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    design = np.hstack([np.ones((len(z), 1)), z])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -40, 40)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian + np.eye(len(beta)) * 1e-9, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[1:], float(beta[0]), mean, scale


def model_from_fit(
    weights: Iterable[float], bias: float, mean: Iterable[float], scale: Iterable[float], t: float
) -> AnswerabilityModel:
    """Build a model from fit_logistic's arrays and a threshold."""
    return AnswerabilityModel(
        weights=dict(zip(FEATURES, map(float, weights), strict=True)),
        bias=bias,
        mean=dict(zip(FEATURES, map(float, mean), strict=True)),
        scale=dict(zip(FEATURES, map(float, scale), strict=True)),
        threshold=t,
    )
