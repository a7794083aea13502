"""The embedded answer generator: pick the passage sentences that answer the question.

It cannot say anything the passages do not say. Each sentence is scored by its
embedding similarity to the question and by how much of the question's weighted
terms (including compound parts) it and its section heading cover; a question that
asks for a number or a time ("hur många", "inom hur lång tid") needs a sentence with
one. When no sentence clears the thresholds it answers with the INGET_SVAR sentinel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from assistant.focus import SENTENCE_BOUND, AskedObjectCheck, Source
from assistant.generation import GenerationRequest
from assistant.lexical import SwedishAnalyzer
from assistant.prompts import INGET_SVAR

ABBREVIATIONS = (
    "t.ex",
    "bl.a",
    "m.m",
    "s.k",
    "dvs",
    "d.v.s",
    "kap",
    "resp",
    "ca",
    "kl",
    "nr",
    "jfr",
    "enl",
    "fr.o.m",
    "t.o.m",
    "p.g.a",
    "o.s.v",
    "etc",
    "inkl",
    "exkl",
    "tel",
    "st",
    "f.d",
    "mom",
    "p",
    "s",
    "jan",
    "feb",
    "aug",
    "sept",
    "okt",
    "nov",
    "dec",
    "sek",
    "forts",
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-ZÅÄÖ0-9])")
NUMBER_WORDS = (
    r"\d|\b(en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|femton|tjugo|trettio|"
    r"hundra|halva?|dubbla)\b"
)
# A question that asks for an amount, a time, a count, a person or a number can only be
# answered by a sentence that has one: this is what turns down near misses, where the
# topic is covered but the asked fact is not.
ANSWER_TYPES = tuple(
    (re.compile(question, re.IGNORECASE), re.compile(answer, re.IGNORECASE))
    for question, answer in (
        (
            r"\b(hur mycket|vilket belopp|vilken summa|maxbelopp|högsta belopp|kostar|kosta)\b",
            r"\d[\d\s]*\s?(kr|kronor|procent|%)|prisbasbelopp|\bhela\b|faktisk",
        ),
        (
            r"\b(hur (länge|snabbt|fort|lång tid|tidigt|sent)|inom (hur|vilken)|senast när|"
            r"när (ska|måste|görs|sker|ska man|gäller)|tidsfrist|hur många dagar)\b",
            r"\b(dag|dagar|dagen|vecka|veckor|månad|månader|år|timme|timmar|kl|klockan|"
            r"omgående|direkt|snarast|genast|senast|arbetsdag|arbetsdagar|arbetsdagen)\b|"
            r"\d+\s*(?:arbets)?dag",
        ),
        (r"\bhur många\b", NUMBER_WORDS),
        (
            r"\b(hur stor (andel|del)|vilken andel|hur många procent)\b",
            r"\d\s*(%|procent)|\bprocent\b|\b(hälften|tredjedel|fjärdedel|var \w+ ärende)\b",
        ),
        (
            r"^\s*vem\b|\bvem (ska|får|bestämmer|beslutar|fattar|gör|ansvarar|skriver)\b",
            r"(handläggare|sekreterare|chef|nämnd|utskott|team|UFT|samordnare|jour|ansvarig|"
            r"mentor|ledare|handläggaren|förvaltning)",
        ),
        (r"telefonnummer|vilket nummer|numret till", r"\d{2,4}-\d"),
    )
)
MAX_EMBEDDED = 12
RANK_PRIOR = 0.1
LONG_NUMBER = re.compile(r"[\d.]{5,}")


def cite(sentence: str, number: int) -> str:
    """Put a citation marker before the sentence's closing punctuation."""
    body = sentence.rstrip()
    end = body[-1] if body and body[-1] in ".!?:;" else ""
    return f"{body[: len(body) - len(end)].rstrip()} [{number}]{end or '.'}"


def split_sentences(text: str) -> list[str]:
    """Split Swedish text into sentences; lines (list items, table rows) split too."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split()).lstrip("-•* ")
        if not line:
            continue
        parts = SENTENCE_END.split(line)
        merged: list[str] = []
        for part in parts:
            previous = merged[-1] if merged else ""
            last_word = previous.rsplit(" ", 1)[-1].rstrip(".").lower()
            if merged and (last_word in ABBREVIATIONS or re.fullmatch(r"\d+", last_word)):
                merged[-1] = f"{previous} {part}"
            else:
                merged.append(part)
        sentences.extend(s for s in merged if len(s) > 2)
    return sentences


@dataclass
class Candidate:
    """One sentence of one passage, with its scores."""

    passage: int
    position: int
    text: str
    terms: frozenset[str]
    nearby: frozenset[str]  # its own terms, its neighbours' and the section heading's
    passage_terms: frozenset[str]
    coverage: float = 0.0
    dense: float = 0.0
    score: float = 0.0


class ExtractiveGenerator:
    """Answer with the best sentences of the retrieved passages, each cited."""

    name = "extractive"

    def __init__(
        self,
        analyzer: SwedishAnalyzer,
        embed_sentences: Callable[[list[str]], np.ndarray],
        min_sentence_score: float,
        min_term_coverage: float,
        max_sentences: int,
    ) -> None:
        self.analyzer = analyzer
        self.embed_sentences = embed_sentences
        self.min_sentence_score = min_sentence_score
        self.min_term_coverage = min_term_coverage
        self.max_sentences = max_sentences
        self.asked_objects = AskedObjectCheck(analyzer)

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer sentence by sentence, or the sentinel alone."""
        chosen = self.select(request)
        if not chosen:
            yield INGET_SVAR
            return
        for index, candidate in enumerate(chosen):
            separator = "" if index == 0 else " "
            yield f"{separator}{cite(candidate.text, candidate.passage + 1)}"

    def select(self, request: GenerationRequest) -> list[Candidate]:
        """Return the sentences that answer the question, or none when nothing does."""
        # Long digit runs (dates, case numbers) say nothing about the topic.
        question_terms = {
            t for t in self.analyzer.analyze(request.question) if not LONG_NUMBER.fullmatch(t)
        }
        if not question_terms or not request.passages:
            return []
        # Words no indexed passage contains ("klient" where routines say "den sökande")
        # carry no weight; the embedding similarity covers such paraphrases.
        weights = {t: w for t in question_terms if (w := request.term_weight(t)) > 0}
        candidates = self._candidates(request, weights)
        if not candidates:
            return []
        self._score_dense(request, candidates)
        # A question can ask for several kinds of fact ("vem beslutar det och hur länge
        # gäller den?"): each sentence must give one of them, the answer all of them.
        wanted = [answer for question, answer in ANSWER_TYPES if question.search(request.question)]
        typed = [c for c in candidates if not wanted or any(a.search(c.text) for a in wanted)]
        asked = self.asked_objects.asked(request.question)
        # In a question of several kinds, what one part asks about ("hur många dagar")
        # binds the sentence answering that part, not the others: the sentence-bound
        # objects are then checked against the answer as a whole.
        several = len(wanted) > 1
        each = [a for a in asked if not (several and a.scope in SENTENCE_BOUND)]
        ranked = sorted(
            (c for c in typed if self.asked_objects.satisfied(each, self._source(request, c))),
            key=lambda c: c.score,
            reverse=True,
        )
        if not ranked:
            # 1 when sentences of the asked kind exist but none names what was asked.
            request.diagnostics.update(
                best_score=0.0, best_coverage=0.0, asked_object_missing=float(bool(typed))
            )
            return []
        best = ranked[0]
        request.diagnostics.update(best_score=best.score, best_coverage=best.coverage)
        if best.score < self.min_sentence_score or best.coverage < self.min_term_coverage:
            return []
        chosen = [best]
        for kind in wanted:
            if not any(kind.search(c.text) for c in chosen):
                giving = [c for c in ranked if kind.search(c.text)]
                if not giving or giving[0].score < self.min_sentence_score:
                    request.diagnostics.update(answer_part_missing=1.0)
                    return []
                chosen.append(giving[0])
        bound = [a for a in asked if a not in each]
        if not all(
            any(self.asked_objects.satisfied([a], self._source(request, c)) for c in chosen)
            for a in bound
        ):
            request.diagnostics.update(asked_object_missing=1.0)
            return []
        covered = set().union(*(c.terms & question_terms for c in chosen))
        fitting = {id(c) for c in ranked}
        everything = sorted(candidates, key=lambda c: c.score, reverse=True)
        for candidate in (c for c in everything if all(c is not x for x in chosen)):
            if len(chosen) >= self.max_sentences or candidate.score < 0.85 * best.score:
                break
            adds = (candidate.terms & question_terms) - covered
            if (id(candidate) in fitting and adds) or self._adjacent(candidate, chosen):
                chosen.append(candidate)
                covered |= candidate.terms & question_terms
        return sorted(chosen, key=lambda c: (c.passage, c.position))

    def _candidates(self, request: GenerationRequest, weights: dict[str, float]) -> list[Candidate]:
        """Split the passages into sentences and score how much of the question each covers.

        A sentence often answers with a pronoun for what the sentence before named
        ("Anmälan ska göras senast två veckor …"), so the passage's other sentences and
        its heading count as context, at half weight.
        """
        total = sum(weights.values()) or 1.0
        if not weights:
            return []
        candidates: list[Candidate] = []
        for index, passage in enumerate(request.passages):
            sentences = split_sentences(passage.text)
            terms = [frozenset(self.analyzer.analyze(s)) for s in sentences]
            heading = frozenset(self.analyzer.analyze(f"{passage.title} {passage.section or ''}"))
            passage_terms = heading.union(*terms)
            for position, (sentence, own_terms) in enumerate(zip(sentences, terms, strict=True)):
                own = sum(w for t, w in weights.items() if t in own_terms)
                context = sum(
                    w for t, w in weights.items() if t in passage_terms and t not in own_terms
                )
                coverage = (own + 0.5 * context) / total
                nearby = heading.union(*terms[max(position - 1, 0) : position + 2])
                candidates.append(
                    Candidate(index, position, sentence, own_terms, nearby, passage_terms, coverage)
                )
        return candidates

    def _score_dense(self, request: GenerationRequest, candidates: list[Candidate]) -> None:
        """Combine each sentence's similarity to the question with its coverage.

        Sentence embeddings are stored at ingest; for passages indexed without them
        only the most promising sentences are embedded now.
        """
        for c in candidates:
            c.score = 0.5 * c.coverage + RANK_PRIOR / (1 + c.passage)
        if request.query_embedding is None:
            return
        stored, missing = self._stored_similarities(request, candidates)
        if missing:
            top = sorted(missing, key=lambda c: c.score, reverse=True)[:MAX_EMBEDDED]
            vectors = self.embed_sentences([c.text for c in top])
            stored.update(zip(map(id, top), vectors @ request.query_embedding, strict=True))
        for candidate in candidates:
            similarity = stored.get(id(candidate))
            if similarity is None:
                candidate.score *= 0.5
                continue
            candidate.dense = float(similarity)
            scaled = min(max((candidate.dense - 0.75) / 0.17, 0.0), 1.0)
            candidate.score = (
                0.5 * scaled + 0.4 * candidate.coverage + RANK_PRIOR / (1 + candidate.passage)
            )

    @staticmethod
    def _stored_similarities(
        request: GenerationRequest, candidates: list[Candidate]
    ) -> tuple[dict[int, float], list[Candidate]]:
        """Score candidates whose passage has stored sentence vectors; return the rest."""
        assert request.query_embedding is not None
        scores: dict[int, float] = {}
        missing: list[Candidate] = []
        for index, passage in enumerate(request.passages):
            own = [c for c in candidates if c.passage == index]
            vectors = passage.sentence_vectors
            if vectors is None or len(vectors) != len(own):
                missing += own
                continue
            similarities = vectors @ request.query_embedding
            scores.update((id(c), float(similarities[c.position])) for c in own)
        return scores, missing

    @staticmethod
    def _source(request: GenerationRequest, candidate: Candidate) -> Source:
        passage = request.passages[candidate.passage]
        return Source(
            candidate.text,
            candidate.nearby,
            candidate.passage_terms,
            passage.valid_from,
            f"{passage.title} {passage.document}",
        )

    @staticmethod
    def _adjacent(candidate: Candidate, chosen: list[Candidate]) -> bool:
        return any(
            c.passage == candidate.passage and abs(c.position - candidate.position) == 1
            for c in chosen
        )
