"""The embedded answer generator: pick the passage sentences that answer the question.

It cannot say anything the passages do not say. Each sentence is scored by its
embedding similarity to the question and by how much of the question's weighted
terms (including compound parts) it and its section heading cover; a question that
asks for a number or a time ("hur många", "inom hur lång tid") needs a sentence with
one. When no sentence clears the thresholds it answers with the INGET_SVAR sentinel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import takewhile

import numpy as np

from assistant.answerability import AnswerabilityModel, QuestionWords, Signals, named_together
from assistant.focus import AMOUNT, SENTENCE_BOUND, AskedObjectCheck, Source, abbreviations
from assistant.generation import GenerationRequest
from assistant.lexical import SwedishAnalyzer
from assistant.numbers import alternation, number_words
from assistant.prompts import INGET_SVAR
from assistant.ranges import Ranges
from assistant.sentences import split_sentence_lines

NUMBER_WORD = alternation(number_words(1, 100))
NUMBER_WORDS = rf"\d|\b({NUMBER_WORD}|halva?|dubbla)\b"
TIME_UNITS = (
    r"(?:\w*dag(?:ar|en|arna)?|dygn|veck(?:a|or|an|orna)|månad(?:er|en|erna)?|år(?:et|en)?|"
    r"timm(?:e|ar|en)|minuter|kvartal)"
)
# A length of time: a number of units ("i fem år", "tre veckor", "ett halvår"), or an
# end that is not a number ("så länge ärendet pågår", "fram till nästa vardag"); not how
# often ("en gång per halvår").
DURATION = (
    rf"(?:\d+|\b(?:{NUMBER_WORD}|några|ett par|hela|halv))\s+"
    rf"(?:\w+\s+)?{TIME_UNITS}\b|(?<!per )(?<!varje )(?<!var )\bhalvår|"
    r"\b(?:så länge|tills(?! vidare)|till dess|fram till)\b"
)
# A question that asks for an amount, a time, a count, a person or a number can only be
# answered by a sentence that has one: this is what turns down near misses, where the
# topic is covered but the asked fact is not.
ANSWER_TYPES = tuple(
    (re.compile(question, re.IGNORECASE), re.compile(answer, re.IGNORECASE))
    for question, answer in (
        (
            r"\b(hur mycket|vilket belopp|vilken summa|maxbelopp|högsta belopp|kostar|kosta|"
            r"hur (?:stort|stor|höga?|högt) (?:är|blir) (?:\w+ ){0,2}\w*(?:bidrag|ersättning|"
            r"avgift|norm|belopp|kostnad|hyra|lön|inkomst|stöd)\w*)\b",
            rf"{AMOUNT.pattern}|\bhela\b|faktisk|"
            r"avgiftsfri|kostnadsfri|gratis|ingen avgift|utan kostnad",
        ),
        (
            # How long something lasts: a length of time, not a moment ("samma dag").
            r"\b(hur (länge|lång tid)|hur lång (är|blir) \w*tid\w*)\b",
            DURATION,
        ),
        (
            r"\b(hur (snabbt|fort|tidigt|sent)|"
            r"inom (hur|vilken)|senast när|"
            r"när (ska|måste|görs|sker|ska man|gäller)|tidsfrist|hur många dagar)\b",
            r"\b(dag|dagar|dagen|vecka|veckor|månad|månader|år|timme|timmar|kl|klockan|"
            r"omgående|direkt|snarast|genast|senast|arbetsdag|arbetsdagar|arbetsdagen)\b|"
            r"\d+\s*(?:arbets)?dag",
        ),
        (r"\bhur många\b", NUMBER_WORDS),
        (
            r"\b(hur ofta|hur många gånger|hur frekvent|med vilken frekvens)\b",
            r"\b(gång|gånger|dagligen|daglig|varje|varannan|var \w+ (dag|vecka|månad)|"
            r"per (dag|vecka|månad|år|kvartal)|veckovis|månadsvis|årligen)\b",
        ),
        (
            r"\b(hur stor (andel|del)|vilken andel|hur många procent)\b",
            r"\d\s*(%|procent)|\bprocent\b|\b(hälften|tredjedel|fjärdedel|var \w+ ärende)\b",
        ),
        (
            # Who acts, not who is eligible ("vem kan få boendestöd" asks for a group).
            r"^\s*vem\b(?!\s+(?:kan|får|har)\s+(?:få|rätt|söka|ansöka)\b)|"
            r"\bvem (ska|bestämmer|beslutar|fattar|gör|ansvarar|skriver|ersätter|betalar)\b",
            r"(handläggare|sekreterare|chef|nämnd|utskott|team|UFT|samordnare|jour|ansvarig|"
            r"mentor|ledare|handläggaren|förvaltning|kommunen|regionen|staten|"
            r"\w*(kontoret|verket|myndigheten|kassan|nämnden|styrelsen|rätten|inspektionen)\b)",
        ),
        (r"telefonnummer|vilket nummer|numret till", r"\d{2,4}-\d"),
        (
            # Where a matter goes: to an authority, a court, a unit or a person.
            r"\bvart\b|\bvilken (?:domstol|myndighet|instans)\b|"
            r"\btill vilken (?:enhet|myndighet|domstol|instans|nämnd)\b",
            r"\b(?:till|kontakta)\s+(?:\w+\s+){0,3}?\w*(?:rätten|nämnd|nämnden|myndighet|myndigheten|"
            r"kontor|kontoret|verket|kassan|enhet|enheten|inspektionen|förvaltning|förvaltningen|"
            r"polisen|jour|jouren|mottagning|mottagningen|socialtjänst|socialtjänsten|"
            r"handläggare|handläggaren|handläggarna|chef|chefen|ansvarig)\b|"
            r"\w*(?:rätten|domstolen|jouren)\b",
        ),
    )
)
MAX_EMBEDDED = 12
FILE_NAME_WORD = re.compile(r"[\W_\d]+")
FOLDED = str.maketrans("åäöéü", "aaoeu")


def fold_letters(word: str) -> str:
    """Return a word with å, ä and ö as a and o, as in file names ("hoor" for "höör")."""
    return word.translate(FOLDED)


# A question that asks for the items of a list ("vilka handlingar …", "vad krävs …").
LIST_QUESTION = re.compile(r"\bvilka\b|\bvad (krävs|behövs|ingår)\b", re.IGNORECASE)
# What a list question asks the items of: "vilka handlingar ska …" -> handlingar.
LISTED_NOUN = re.compile(r"\bvilka\s+(?P<noun>[^\W\d_]{3,})", re.IGNORECASE)
# A number, as digits or a word from two up, and the noun it counts.
COUNTED = re.compile(
    rf"\b(?P<n>\d{{1,3}}|{alternation(number_words(2, 12))})\s+(?P<noun>[^\W\d_]{{3,}})",
    re.IGNORECASE,
)
# A sentence that opens with one of these leans on the one before it: a rule's
# exception, a condition, a pronoun for what was just named.
CONTINUATION = re.compile(
    r"^(dock|men|undantag|utom|däremot|annars|om inte|i så fall|det|detta|dessa|de|den|"
    r"denna|där|då|sådana|samma|hen|han|hon|vilket|därför|därefter|sedan|även|också)\b",
    re.IGNORECASE,
)
SHORT_SENTENCE = 60
# How many more sentences a continuation may pull in after the one that follows.
MAX_CHAINED = 2
# A line of fewer words ("Dokumenttyp: Rutin") does not answer on its own.
MIN_ANSWER_WORDS = 4
MAX_LIST_ITEMS = 12
MAX_SPAN_CHARS = 900
RANK_PRIOR = 0.1
LONG_NUMBER = re.compile(r"[\d.]{5,}")


def cite(sentence: str, number: int) -> str:
    """Put a citation marker before the sentence's closing punctuation."""
    body = sentence.rstrip()
    end = body[-1] if body and body[-1] in ".!?:;" else ""
    return f"{body[: len(body) - len(end)].rstrip()} [{number}]{end or '.'}"


def counted_nouns(text: str, analyzer: SwedishAnalyzer) -> dict[str, str]:
    """Return each counted noun's stem with its count: "två vuxna med 3 barn" -> vuxen 2, barn 3."""
    counts: dict[str, str] = {}
    for match in COUNTED.finditer(text):
        number = match.group("n").lower()
        value = analyzer.terms_for_word(number)[-1]
        noun = analyzer.terms_for_word(match.group("noun").lower())[0]
        counts.setdefault(noun, value)
    return counts


def structured_span(
    chosen: list[Candidate], candidates: list[Candidate], list_asked: bool = False
) -> list[Candidate]:
    """Widen the chosen sentences to the span the document's structure makes them part of.

    - A lead sentence ending in a colon brings the list items that follow it.
    - A list item brings its list: the lead before it and the other items. A list that
      opens its passage has its section heading for a lead: it comes whole when the
      question asks for a list ("vilka …").
    - A list item is one unit: its other sentences come with it.
    - A sentence is followed by the next one of its paragraph when that one continues
      it ("Dock …", "Undantag …", "Det …"), and a very short one by the next one anyway,
      with what continues that one in turn; when the next one leads into a list, by that
      lead and its list.

    Everything stays verbatim and in document order; the span is capped in length.
    """
    by_passage: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_passage.setdefault(c.passage, []).append(c)
    picked = {id(c): c for c in chosen}

    def add(c: Candidate) -> None:
        picked.setdefault(id(c), c)

    for c in chosen:
        own = sorted(by_passage[c.passage], key=lambda x: x.position)
        index = next(i for i, x in enumerate(own) if x is c)
        if c.item:
            start = index
            while start > 0 and own[start - 1].item:
                start -= 1
            lead = own[start - 1] if start > 0 and own[start - 1].text.endswith(":") else None
            if lead is not None:
                add(lead)
            end = index
            while end + 1 < len(own) and own[end + 1].item:
                end += 1
            titled = start == 0 and list_asked
            if (lead is not None or titled) and end - start < MAX_LIST_ITEMS:
                for x in own[start : end + 1]:
                    add(x)
            for x in own:
                if x.line == c.line:
                    add(x)
        elif c.text.endswith(":"):
            for x in own[index + 1 : index + 1 + MAX_LIST_ITEMS]:
                if not x.item and x.line != c.line:
                    break
                add(x)
        following = own[index + 1] if index + 1 < len(own) else None
        if (
            following is not None
            and not following.item
            and following.line == c.line
            and (CONTINUATION.match(following.text) or len(c.text) < SHORT_SENTENCE)
        ):
            add(following)
            # And what continues that one in turn: "Beslutet ska som huvudregel vara
            # tidsbegränsat. Tidsbegränsningen ska göras … Detta gäller inte …".
            for x in own[index + 2 : index + 2 + MAX_CHAINED]:
                if x.item or x.line != c.line or not CONTINUATION.match(x.text):
                    break
                add(x)
        elif following is not None and not following.item and following.line == c.line:
            # The sentence's paragraph goes on into a list ("… får enbart fattas av vissa
            # befattningshavare. Nämnden har delegerat … till följande funktioner:"):
            # the lead and its items say what the sentence only announces.
            items = list(takewhile(lambda x: x.item, own[index + 2 : index + 2 + MAX_LIST_ITEMS]))
            if following.text.endswith(":") and items:
                for x in (following, *items):
                    add(x)
    span = sorted(picked.values(), key=lambda x: (x.passage, x.position))
    kept, length = [], 0
    for x in span:
        if x in chosen or length + len(x.text) <= MAX_SPAN_CHARS:
            kept.append(x)
            length += len(x.text)
    return kept


def list_runs(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Return each passage's runs of consecutive list items, in passage and list order."""
    runs: list[list[Candidate]] = []
    previous: Candidate | None = None
    for c in sorted(candidates, key=lambda x: (x.passage, x.position)):
        if not c.item:
            previous = None
            continue
        same_run = previous is not None and previous.passage == c.passage
        if same_run and previous is not None and c.position == previous.position + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
        previous = c
    return runs


def titled_list(
    listed: frozenset[str],
    candidates: list[Candidate],
    title_terms: Callable[[int], frozenset[str]],
    allowed: Callable[[int], bool],
) -> list[Candidate]:
    """Return the first list whose title names what the question asks the items of.

    A list's title is the lead sentence before it when that ends in a colon, or its
    section heading when the list opens the passage ("De vanligaste handlingarna" over
    the documents to hand in). Only passages `allowed` are looked in; the lead comes
    with the items.
    """
    by_position = {(c.passage, c.position): c for c in candidates}
    for run in list_runs(candidates):
        first = run[0]
        if not allowed(first.passage) or len(run) > MAX_LIST_ITEMS:
            continue
        lead = by_position.get((first.passage, first.position - 1))
        if lead is not None and lead.text.endswith(":"):
            if listed & lead.terms:
                return [lead, *run]
        elif first.position == 0 and listed & title_terms(first.passage):
            return run
    return []


@dataclass
class Candidate:
    """One sentence of one passage, with its scores."""

    passage: int
    position: int
    text: str
    line: int
    item: bool
    terms: frozenset[str]
    nearby: frozenset[str]  # its own terms, its neighbours' and the section heading's
    passage_terms: frozenset[str]
    coverage: float = 0.0
    dense: float = 0.0
    score: float = 0.0
    units: frozenset[str] = frozenset()  # abbreviations its passage, heading or title name


class ExtractiveGenerator:
    """Answer with the best sentences of the retrieved passages, each cited."""

    name = "extractive"

    def __init__(
        self,
        analyzer: SwedishAnalyzer,
        embed_sentences: Callable[[list[str]], np.ndarray],
        answerability: AnswerabilityModel,
        min_sentence_score: float,
        max_sentences: int,
    ) -> None:
        self.analyzer = analyzer
        self.embed_sentences = embed_sentences
        self.answerability = answerability
        self.min_sentence_score = min_sentence_score
        self.max_sentences = max_sentences
        self.asked_objects = AskedObjectCheck(analyzer)
        self.question_words = QuestionWords(analyzer)
        self.ranges = Ranges(analyzer)

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
        if self._absent_names(request):
            request.diagnostics.update(name_absent=1.0)
            return []
        # A salient word that no passage names in any form keeps its weight, so that no
        # sentence covers the question fully: it is the clearest sign of a gap.
        together = self._together(request)
        weights = self.question_words.weights(
            question_terms, request.question, request.term_weight, request.absent_weight, together
        )
        candidates = self._candidates(request, weights)
        if not candidates:
            return []
        self._score_dense(request, candidates)
        # A question can ask for several kinds of fact ("vem beslutar det och hur länge
        # gäller den?"): each sentence gives one of them, the answer all of them.
        wanted = [answer for question, answer in ANSWER_TYPES if question.search(request.question)]
        asked = self.asked_objects.asked(request.question)
        # In a question of several kinds, what one part asks about ("hur många dagar")
        # binds the sentence answering that part, not the others: the sentence-bound
        # objects are then checked against the answer as a whole.
        several = len(wanted) > 1
        each = [a for a in asked if not (several and a.scope in SENTENCE_BOUND)]

        counted = counted_nouns(request.question, self.analyzer)
        question = request.question
        numbered = bool(self.ranges.quantities(question) or self.ranges.bounds(question))

        def agreement(c: Candidate) -> int:
            """Count the question's counted nouns a sentence gives with the same number.

            A sentence about "två barn" does not answer a question about "tre barn": it
            scores -1, below one that names no count at all. A bounded number is a range,
            not a count: "i mer än tre nätter" agrees with five nights, "i högst tre
            nätter" does not.
            """
            fit = self.ranges.fit(request.question, c.text) if numbered else 0
            own = counted_nouns(self.ranges.strip_bounds(c.text), self.analyzer)
            if fit < 0 or any(counted.get(noun, n) != n for noun, n in own.items()):
                return -1
            return sum(noun in own for noun in counted) + fit

        # Each sentence's checks, computed once: the ranking and the extras both use them.
        typed = {id(c): not wanted or any(a.search(c.text) for a in wanted) for c in candidates}
        names = {
            id(c): self.asked_objects.satisfied(each, self._source(request, c)) for c in candidates
        }
        agrees = {id(c): agreement(c) for c in candidates}

        # Sentences of the asked kind that name what was asked come first; whether the
        # best one is an answer is the answerability model's call.
        ranked = sorted(
            candidates,
            key=lambda c: (
                names[id(c)],
                agrees[id(c)],
                typed[id(c)],
                len(c.text.split()) >= MIN_ANSWER_WORDS,
                c.score,
            ),
            reverse=True,
        )
        best = ranked[0]
        chosen = [best]
        for kind in wanted:
            if not any(kind.search(c.text) for c in chosen):
                giving = [c for c in ranked if kind.search(c.text) and names[id(c)]]
                if giving and giving[0].score >= self.min_sentence_score:
                    chosen.append(giving[0])
        # Each kind of fact asked for needs its sentence, and the answer must name
        # what the question asks about.
        if not all(any(k.search(c.text) for c in chosen) for k in wanted):
            request.diagnostics.update(best_score=best.score, answer_part_missing=1.0)
            return []
        if not all(
            any(self.asked_objects.satisfied([a], self._source(request, c)) for c in chosen)
            for a in asked
        ):
            request.diagnostics.update(best_score=best.score, asked_object_missing=1.0)
            return []
        signals = self.signals(request, best, weights, together)
        probability = self.answerability.probability(signals)
        request.diagnostics.update(
            best_score=best.score, answerability=probability, **signals.as_dict()
        )
        if probability < self.answerability.threshold:
            return []
        covered = set().union(*(c.terms & question_terms for c in chosen))
        fitting = {id(c) for c in ranked if names[id(c)] and typed[id(c)]}
        everything = sorted(candidates, key=lambda c: c.score, reverse=True)
        for candidate in (c for c in everything if all(c is not x for x in chosen)):
            if len(chosen) >= self.max_sentences or candidate.score < 0.85 * best.score:
                break
            adds = (candidate.terms & question_terms) - covered
            if agrees[id(candidate)] < agrees[id(best)]:
                continue  # another count than asked, or less of it than the best sentence
            if (id(candidate) in fitting and adds) or self._adjacent(candidate, chosen):
                chosen.append(candidate)
                covered |= candidate.terms & question_terms
        span = structured_span(chosen, candidates, bool(LIST_QUESTION.search(request.question)))
        span += self._asked_list(request, best, span, candidates)
        # The best sentence's passage first, each passage in document order.
        return sorted(span, key=lambda c: (c.passage != best.passage, c.passage, c.position))

    def _asked_list(
        self,
        request: GenerationRequest,
        best: Candidate,
        span: list[Candidate],
        candidates: list[Candidate],
    ) -> list[Candidate]:
        """Return the list of the best sentence's document that the question asks for.

        "Vilka handlingar ska lämnas in?" is often answered first by a sentence that
        introduces them, and the documents themselves stand in a list under their own
        heading: when the span has no list item, that list is added.
        """
        match = LISTED_NOUN.search(request.question)
        if match is None or any(c.item for c in span):
            return []
        listed = frozenset(self.analyzer.terms_for_word(match.group("noun").lower())[:1])
        document = request.passages[best.passage].document_id

        def title_terms(index: int) -> frozenset[str]:
            section = (request.passages[index].section or "").rsplit("›", 1)[-1]
            return frozenset(self.analyzer.analyze(section))

        def allowed(index: int) -> bool:
            return request.passages[index].document_id == document

        found = titled_list(listed, candidates, title_terms, allowed)
        length = sum(len(c.text) for c in span)
        if not found or length + sum(len(c.text) for c in found) > 2 * MAX_SPAN_CHARS:
            return []
        return [c for c in found if all(c is not x for x in span)]

    def _absent_names(self, request: GenerationRequest) -> list[str]:
        """Return the names in the question that neither the corpus nor a file name holds.

        A file is often named for its municipality ("vadstena_forsorjningsstod.txt")
        where its text never names it.
        """
        absent = self.question_words.absent_names(
            request.question, lambda t: request.term_weight(t) > 0
        )
        if not absent:  # most questions name no place: no file names to read
            return []
        named = {
            fold_letters(word)
            for passage in request.passages
            for word in FILE_NAME_WORD.split(passage.document.lower())
        }
        return [name for name in absent if fold_letters(name) not in named]

    def _together(self, request: GenerationRequest) -> Callable[[Sequence[str]], bool]:
        """Tell whether a retrieved passage names a compound's parts (named_together)."""
        held = [
            frozenset(self.analyzer.analyze(f"{p.title} {p.section or ''} {p.text}"))
            for p in request.passages
        ]
        return lambda parts: named_together(parts, held)

    def signals(
        self,
        request: GenerationRequest,
        best: Candidate,
        weights: dict[str, float],
        together: Callable[[Sequence[str]], bool],
    ) -> Signals:
        """Return what the answerability model reads about the best candidate."""
        passage = request.passages[best.passage]
        heading = set(self.analyzer.analyze(f"{passage.title} {passage.section or ''}"))
        total = sum(weights.values()) or 1.0
        return Signals(
            dense=passage.dense_score or 0.0,
            sentence_dense=best.dense,
            coverage=best.coverage,
            absent=self.question_words.absent_share(
                request.question, lambda t: request.term_weight(t) > 0, together
            ),
            heading=sum(w for t, w in weights.items() if t in heading) / total,
            rank_prior=1.0 / (1 + best.passage),
        )

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
            lines = split_sentence_lines(passage.text)
            sentences = [s.text for s in lines]
            terms = [frozenset(self.analyzer.analyze(s)) for s in sentences]
            heading = frozenset(self.analyzer.analyze(f"{passage.title} {passage.section or ''}"))
            passage_terms = heading.union(*terms)
            document = f"{passage.title} {passage.document}".replace("_", " ")
            units = abbreviations(f"{document} {passage.section or ''} {passage.text}")
            for position, (sentence, own_terms) in enumerate(zip(sentences, terms, strict=True)):
                if sentence.rstrip(".!?:; ") in request.exclude:
                    continue
                own = sum(w for t, w in weights.items() if t in own_terms)
                context = sum(
                    w for t, w in weights.items() if t in passage_terms and t not in own_terms
                )
                coverage = (own + 0.5 * context) / total
                nearby = heading.union(*terms[max(position - 1, 0) : position + 2])
                at = lines[position]
                candidates.append(
                    Candidate(
                        index,
                        position,
                        sentence,
                        at.line,
                        at.item,
                        own_terms,
                        nearby,
                        passage_terms,
                        coverage,
                        units=units,
                    )
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
            candidate.units,
        )

    @staticmethod
    def _adjacent(candidate: Candidate, chosen: list[Candidate]) -> bool:
        return any(
            c.passage == candidate.passage and abs(c.position - candidate.position) == 1
            for c in chosen
        )
