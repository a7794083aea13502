"""Swedish-aware BM25: lemmatise, stem and split compounds, then rank with bm25s.

llama-index's BM25Retriever tokenises with a regex and a stemmer only. Swedish
writes compounds as one word ("stickprovskontroll") where a caseworker may ask
about "kontroll av stickprov", so the analyzer here adds the stems of each
compound's parts as extra terms. That is why the lexical index is our own.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_SWEDISH

from assistant.numbers import CARDINALS, number_words

TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+", re.UNICODE)
# Question words and chat filler that say nothing about the topic.
EXTRA_STOPWORDS = {
    "hur",
    "vad",
    "vilken",
    "vilket",
    "vilka",
    "när",
    "var",
    "varför",
    "får",
    "ska",
    "kan",
    "måste",
    "gäller",
    "gör",
    "göra",
    "jag",
    "vi",
    "man",
    "någon",
    "något",
    "några",
    "finns",
    "om",
    "än",
    "ju",
    "bara",
    "också",
    "typ",
    "liksom",
    "egentligen",
    "behöver",
    "hen",
    # Modal verbs and sentence adverbs: "vill" in "varför hen vill ha den" says nothing
    # about the topic, and a sentence is not nearer to the question for sharing it.
    "vill",
    "ville",
    "kunna",
    "kunde",
    "bör",
    "borde",
    "brukar",
    "skulle",
    "därför",
    "dock",
    "även",
    "alltså",
}
STOPWORDS = frozenset(STOPWORDS_SWEDISH) | EXTRA_STOPWORDS
MIN_PART = 3
# "tre barn" is indexed and searched as "3 barn" (one to twelve: "en" is also an article,
# so it becomes the term "1" beside its own).
NUMBER_WORDS = {word: str(CARDINALS[word]) for word in number_words(1, 12)}
MIN_COMPOUND = 7


class SwedishAnalyzer:
    """Turn Swedish text into index terms: stems of lemmas plus stems of compound parts."""

    def __init__(self) -> None:
        import simplemma
        from svlang.checkers.compound import CompoundSplitter

        self._stemmer = Stemmer.Stemmer("swedish")
        self._splitter = CompoundSplitter()
        self._lemmatize = simplemma.lemmatize
        self.terms_for_word = lru_cache(maxsize=200_000)(self._terms_for_word)

    def _terms_for_word(self, word: str) -> tuple[str, ...]:
        """Return the index terms for one lower-cased word."""
        if word[0].isdigit():
            return (word.replace(",", "."),)
        lemma = self._lemmatize(word, lang="sv").lower()
        terms = [self._stemmer.stemWord(lemma)]
        if word in NUMBER_WORDS:  # "tre barn" finds "3 barn"
            terms.append(NUMBER_WORDS[word])
        if len(lemma) >= MIN_COMPOUND:
            parts = self._splitter.split(lemma).parts
            if len(parts) > 1:
                terms += [self._stemmer.stemWord(p) for p in parts if len(p) >= MIN_PART]
        return tuple(dict.fromkeys(terms))

    def words(self, text: str) -> list[str]:
        """Return the lower-cased content words of a text, stopwords removed."""
        return [w for w in TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]

    def analyze(self, text: str) -> list[str]:
        """Return the index terms of a text in order, compound parts after their word."""
        terms: list[str] = []
        for word in self.words(text):
            terms.extend(self.terms_for_word(word))
        return terms


class LexicalIndex:
    """A BM25 index over chunk texts, saved as one generation directory."""

    IDS_FILE = "chunk_ids.json"
    DF_FILE = "document_frequency.json"

    def __init__(
        self,
        bm25: bm25s.BM25,
        chunk_ids: list[str],
        analyzer: SwedishAnalyzer,
        document_frequency: dict[str, int],
    ) -> None:
        self._bm25 = bm25
        self.chunk_ids = chunk_ids
        self._analyzer = analyzer
        self._vocab: dict[str, int] = bm25.vocab_dict if chunk_ids else {}
        self.document_frequency = document_frequency

    def term_weight(self, term: str) -> float:
        """Return a term's idf, or 0 for a term no indexed passage contains."""
        return self.idf(term) if term in self.document_frequency else 0.0

    def idf(self, term: str) -> float:
        """Return a term's inverse document frequency; unseen terms get the highest."""
        return self._idf(self.document_frequency.get(term, 0))

    def unseen_idf(self) -> float:
        """Return the idf of a term no indexed passage contains (the highest there is)."""
        return self._idf(0)

    def _idf(self, df: int) -> float:
        total = max(len(self.chunk_ids), 1)
        return math.log(1.0 + (total - df + 0.5) / (df + 0.5))

    @classmethod
    def build(
        cls, chunk_ids: Sequence[str], texts: Iterable[str], analyzer: SwedishAnalyzer
    ) -> LexicalIndex:
        """Index texts, one per chunk id, in the same order."""
        bm25 = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        corpus = [analyzer.analyze(text) or ["\u2205"] for text in texts]
        if corpus:
            bm25.index(corpus, show_progress=False)
        frequency = Counter(term for terms in corpus for term in set(terms))
        return cls(bm25, list(chunk_ids), analyzer, dict(frequency))

    def save(self, directory: Path) -> None:
        """Write the index to a fresh directory, replacing nothing until it is complete."""
        partial = directory.with_name(directory.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        if self.chunk_ids:
            self._bm25.save(str(partial), show_progress=False)
        (partial / self.IDS_FILE).write_text(json.dumps(self.chunk_ids), encoding="utf-8")
        frequency = json.dumps(self.document_frequency, ensure_ascii=False)
        (partial / self.DF_FILE).write_text(frequency, encoding="utf-8")
        shutil.rmtree(directory, ignore_errors=True)
        partial.rename(directory)

    @classmethod
    def load(cls, directory: Path, analyzer: SwedishAnalyzer) -> LexicalIndex:
        """Read an index generation written by save()."""
        chunk_ids = json.loads((directory / cls.IDS_FILE).read_text(encoding="utf-8"))
        frequency = json.loads((directory / cls.DF_FILE).read_text(encoding="utf-8"))
        if not chunk_ids:
            return cls(bm25s.BM25(), [], analyzer, {})
        bm25 = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        return cls(bm25, chunk_ids, analyzer, frequency)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Return up to k (chunk id, BM25 score) pairs, best first, skipping masked chunks."""
        terms = [t for t in self._analyzer.analyze(query) if t in self._vocab]
        if not terms or not self.chunk_ids:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self._bm25.retrieve(
            [terms], k=k, show_progress=False, n_threads=1, weight_mask=mask
        )
        return [
            (self.chunk_ids[int(i)], float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]
