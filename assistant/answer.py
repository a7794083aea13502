"""The answer pipeline: redact, rewrite follow-ups, retrieve, gate, generate, validate, log.

stream() is the primitive; ask() collects it. The HTTP API, the terminal command and
the evaluation all go through the same AnswerPipeline.
"""

from __future__ import annotations

import collections.abc
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.access import Reader, can_see
from assistant.catalog import meta_from_row
from assistant.citations import Citation, mark_retired, neutral_passage, validate_citations
from assistant.conversation import answer_names_follow_up, standalone_question
from assistant.database import AnswerRow
from assistant.decision_requests import is_decision_request
from assistant.focus import asked_period
from assistant.gaps import GapLog
from assistant.generation import STREAM_RESET, GenerationRequest, Generator
from assistant.intake import is_not_a_question
from assistant.lexical import SwedishAnalyzer
from assistant.privacy import redact, strip_placeholders
from assistant.prompts import (
    CLARIFY_TEXT,
    DECISION_REQUEST_TEXT,
    INGET_SVAR,
    NOT_A_QUESTION_TEXT,
    NOTICE_REDACTED,
    REFUSAL_TEXT,
)
from assistant.retrieval import HybridRetriever
from assistant.schemas import Passage
from assistant.sentences import split_sentences

log = logging.getLogger(__name__)
LESSON_TYPE = "avvikelseanalys"
ANSWER, REFUSAL, NOT_A_QUESTION, CLARIFY = "answer", "refusal", "not_a_question", "clarify"
DECISION_REQUEST = "decision_request"
# Questions about earlier incidents, answered from the deviation analyses first.
DEVIATION_QUESTION = re.compile(
    r"\b(förra gången|tidigare (avvikelse|händelse|fall)|har det hänt|vad hände|"
    r"avvikelseanalys\w*|vad gick fel|lärdomar|vad kom .* fram till|efter (händelsen|"
    r"felutbetalningen|avvikelsen))\b",
    re.IGNORECASE,
)


def answer_sentences(answer: str) -> frozenset[str]:
    """Return an answer's sentences without their citation markers, as the passages say them."""
    plain = CITATION_MARKER.sub("", answer)
    return frozenset(s.rstrip(".!?:; ") for s in split_sentences(plain))


CITATION_MARKER = re.compile(r"\s*\[\d+\]")


def repeats(
    answer: str, previous: str | None, answers_follow_up: Callable[[str], bool] | None = None
) -> bool:
    """Tell whether an answer says all that the previous one said, and nothing new.

    The same sentences with one more that names none of the follow-up's own terms
    ("… inom fem arbetsdagar [2]." after "och när ärendet valts ut till stickprov?")
    are the previous answer again, not an answer to the changed question; one more that
    names them ("Kravet gäller … investeringssparkonto (ISK)" for "och om hen har ett
    ISK?") answers it. Fewer of them do not repeat it either: "Och hur ofta?" after
    "Belopp: max 1 500 kr per barn. Kan beviljas en gång per år." is answered by the
    second sentence alone. `answers_follow_up` tells whether a sentence names the
    follow-up's own terms.
    """
    if not previous:
        return False
    own, before = answer_sentences(answer), answer_sentences(previous)
    if not own or not before <= own:
        return False
    return not (answers_follow_up and any(answers_follow_up(s) for s in own - before))


@dataclass
class ChatResponse:
    """Everything the pipeline knows of one question's answer (web/serialise.py shows it)."""

    answer: str
    answered: bool
    question: str
    conversation_id: str
    answer_id: str
    generator: str
    redacted: bool
    # answer, refusal (logged as a gap), not_a_question, clarify (a follow-up that
    # could not be made into a whole question) or decision_request (a decision about a
    # specific person, answered with pointers to the nearest routines); the last three
    # log no gap.
    kind: str = ANSWER
    citations: list[Citation] = field(default_factory=list)
    lessons: list[Citation] = field(default_factory=list)
    nearest: list[dict[str, Any]] = field(default_factory=list)
    gap_id: str | None = None
    # the short reference the caseworker can quote to the routine group (gap_refs.py)
    gap_ref: str | None = None
    notices: list[str] = field(default_factory=list)
    standalone_question: str = ""
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    diagnostics: dict[str, float] = field(default_factory=dict)


@dataclass
class AnswerEvent:
    """One step of a streamed answer: a token, a reset of what came before, or the end."""

    kind: str  # token, reset, final
    text: str = ""
    response: ChatResponse | None = None


# What AnswerPipeline.stream returns; closing it early releases the generator.
AnswerStream = collections.abc.Generator[AnswerEvent, None, None]


@dataclass
class Thresholds:
    """The retrieval part of the answerability gate."""

    min_dense_score: float
    top_k: int
    history_turns: int


class AnswerPipeline:
    """Answers a caseworker's question from the routines, or logs it as a gap."""

    def __init__(
        self,
        retriever: HybridRetriever,
        generator: Generator,
        gaps: GapLog,
        thresholds: Thresholds,
        analyzer: SwedishAnalyzer,
    ) -> None:
        self.retriever = retriever
        self.generator = generator
        self.gaps = gaps
        self.thresholds = thresholds
        self.analyzer = analyzer

    def ask(
        self, question: str, conversation_id: str | None = None, reader: Reader = None
    ) -> ChatResponse:
        """Answer a question and return the full response."""
        for event in self.stream(question, conversation_id, reader):
            if event.kind == "final" and event.response is not None:
                return event.response
        raise RuntimeError("the answer stream ended without a response")

    def stream(
        self, question: str, conversation_id: str | None = None, reader: Reader = None
    ) -> AnswerStream:
        """Yield the answer's tokens as they are generated, then the validated response.

        `reader` is the asker's groups: only passages they may see are used (None: all).
        """
        started = time.perf_counter()
        redaction = redact(question)
        clean = redaction.text
        conversation_id = conversation_id or uuid.uuid4().hex
        response = ChatResponse(
            answer="",
            answered=False,
            question=clean,
            conversation_id=conversation_id,
            answer_id=uuid.uuid4().hex,
            generator=self.generator.name,
            redacted=redaction.redacted,
        )
        if redaction.redacted:
            response.notices.append(NOTICE_REDACTED)
        if is_not_a_question(clean, self.analyzer):
            response.kind, response.answer = NOT_A_QUESTION, NOT_A_QUESTION_TEXT
            response.timings["first_token"] = response.timings["total"] = (
                time.perf_counter() - started
            )
            yield AnswerEvent("token", response.answer)
            yield AnswerEvent("final", response=response)
            return
        history = self.gaps.recent_questions(conversation_id, self.thresholds.history_turns)
        if is_decision_request(clean, history):
            self._point_to_routines(response, strip_placeholders(clean), reader)
            response.timings["first_token"] = response.timings["total"] = (
                time.perf_counter() - started
            )
            yield AnswerEvent("token", response.answer)
            yield AnswerEvent("final", response=response)
            return
        # Placeholders ([PERSONNUMMER] …) are no words of the question: they must not steer.
        searched = strip_placeholders(clean)
        standalone = standalone_question(searched, history, self.analyzer, self.generator)
        standalone = strip_placeholders(standalone)  # a rewrite may repeat older ones
        response.standalone_question = standalone
        period = asked_period(standalone, self.retriever.today())
        retrieval = self.retriever.retrieve(
            standalone, self.thresholds.top_k, period=period, reader=reader
        )
        response.passages = retrieval.passages
        response.timings.update(retrieval.timings)
        text, sources, lessons = "", list[Passage](), list[Passage]()
        lexical = self.retriever.snapshot().lexical
        # A follow-up that changed the question must not get the previous answer again:
        # when it would, its sentences are set aside and the next best answer is sought.
        repeated = self.gaps.last_answer(conversation_id) if standalone != searched else None
        # Unless that answer already names the case the follow-up turns to.
        if repeated and answer_names_follow_up(searched, repeated, self.analyzer):
            repeated = None
        # A sentence added to the previous answer that names the follow-up's own words
        # answers it ("och om hen har ett ISK?" → "Kravet gäller … (ISK)").
        own_terms = frozenset(self.analyzer.analyze(searched))

        def names_follow_up(sentence: str) -> bool:
            return bool(own_terms & set(self.analyzer.analyze(sentence)))

        # What repeated it (text and the passages it cites), kept for the clarification.
        repetition: tuple[str, list[Passage], list[Passage]] | None = None
        groups = self._source_groups(standalone, retrieval.passages)
        attempts = [(g, frozenset[str]()) for g in groups]
        while attempts:
            group, exclude = attempts.pop(0)
            sources, lessons = group  # kept after the loop: the group that answered
            sources = [neutral_passage(p) for p in sources]  # no markers from documents
            request = GenerationRequest(
                standalone,
                sources,
                retrieval.query_embedding,
                term_weight=lexical.term_weight,
                absent_weight=lexical.unseen_idf(),
                exclude=exclude,
            )
            text = ""
            for piece in self.generator.stream(request):
                if piece == STREAM_RESET:
                    text = ""
                    yield AnswerEvent("reset")
                    continue
                if not text:
                    response.timings["first_token"] = time.perf_counter() - started
                text += piece
                if INGET_SVAR not in text:
                    yield AnswerEvent("token", piece)
            response.notices += [n for n in request.notices if n not in response.notices]
            response.diagnostics.update(request.diagnostics)
            response.generator = request.used[-1] if request.used else self.generator.name
            if INGET_SVAR in text:
                continue
            if (
                repeated
                and not exclude
                and repeats(validate_citations(text, sources)[0], repeated, names_follow_up)
            ):
                yield AnswerEvent("reset")
                repetition = (text, sources, lessons)
                attempts.insert(0, (group, answer_sentences(repeated)))
                continue
            break
        if INGET_SVAR in text and repetition is not None:
            text, sources, lessons = repetition  # nothing else answers: ask for the whole question
        self._finish(
            response,
            text,
            sources,
            lessons,
            retrieval.query_embedding,
            repeated,
            reader,
            names_follow_up,
        )
        response.timings["total"] = time.perf_counter() - started
        log.info("Answered=%s in %.2f s: %s", response.answered, response.timings["total"], clean)
        yield AnswerEvent("final", response=response)

    def _source_groups(
        self, question: str, passages: list[Passage]
    ) -> list[tuple[list[Passage], list[Passage]]]:
        """Return (passages to answer from, lessons to list) in the order to try them.

        Routines and guidelines answer first and relevant deviation analyses are listed
        beside them; a question about what went wrong before asks the analyses first.
        Either group is tried when the other one does not answer.
        """
        floor = self.thresholds.min_dense_score
        relevant = [p for p in passages if (p.dense_score or 0.0) >= floor]
        routines = [p for p in relevant if p.doc_type != LESSON_TYPE]
        analyses = [p for p in relevant if p.doc_type == LESSON_TYPE]
        groups = [(routines, analyses), (analyses, [])]
        if DEVIATION_QUESTION.search(question):
            groups.reverse()
        return [(sources, lessons) for sources, lessons in groups if sources]

    def _finish(
        self,
        response: ChatResponse,
        text: str,
        sources: list[Passage],
        lessons: list[Passage],
        embedding: Any,
        previous_answer: str | None = None,
        reader: Reader = None,
        names_follow_up: Callable[[str], bool] | None = None,
    ) -> None:
        answer, citations = ("", []) if INGET_SVAR in text else validate_citations(text, sources)
        if citations and repeats(answer, previous_answer, names_follow_up):
            # The follow-up could not be told from the question before it.
            response.kind, response.answer = CLARIFY, CLARIFY_TEXT
        elif citations:
            response.answer, response.citations, response.answered = answer, citations, True
            response.lessons = [
                Citation(id=i, passage=p, quote=p.text[:400])
                for i, p in enumerate(lessons[:2], start=1)
            ]
            cited = response.citations + response.lessons
            if any(c.passage.valid_to for c in cited):
                documents = [
                    meta_from_row(row)
                    for row in self.retriever.catalog.documents()
                    if can_see(row.groups, reader)
                ]
                mark_retired(cited, documents, self.retriever.today())
        else:
            response.kind, response.answer = REFUSAL, REFUSAL_TEXT
            response.nearest = self._nearest(response.passages)
            gap = self.gaps.record_gap(
                "unanswered",
                response.question,
                self._topic_key(response.standalone_question),
                embedding,
                # the gap log keeps where the documents are, not their passages' text
                [{k: v for k, v in n.items() if k != "passage"} for n in response.nearest],
            )
            response.gap_id, response.gap_ref = gap.id, gap.ref
        self._record(response)

    def _point_to_routines(self, response: ChatResponse, question: str, reader: Reader) -> None:
        """Decline a decision about a person and list the routines nearest the question."""
        retrieval = self.retriever.retrieve(question, self.thresholds.top_k, reader=reader)
        routines = [p for p in retrieval.passages if p.doc_type != LESSON_TYPE]
        response.kind, response.answer = DECISION_REQUEST, DECISION_REQUEST_TEXT
        response.standalone_question = question
        response.passages = routines or retrieval.passages
        response.nearest = self._nearest(response.passages)
        response.timings.update(retrieval.timings)
        self._record(response)

    def _record(self, response: ChatResponse) -> None:
        """Store the answer so that feedback and follow-ups can refer to it."""
        self.gaps.record_answer(
            AnswerRow(
                id=response.answer_id,
                conversation_id=response.conversation_id,
                question=response.question,
                answer=response.answer,
                answered=response.answered,
                generator=response.generator,
                citations=[c.receipt() for c in response.citations],
            )
        )

    @staticmethod
    def _nearest(passages: list[Passage]) -> list[dict[str, Any]]:
        """Return the closest documents, one entry each, for the refusal and the gap log."""
        seen: dict[str, dict[str, Any]] = {}
        for p in passages:
            if p.document_id not in seen:
                seen[p.document_id] = {
                    "document": p.document,
                    "document_id": p.document_id,
                    "title": p.title,
                    "type": p.doc_type,
                    "section": p.section,
                    "page": p.page,
                    "score": None if p.dense_score is None else round(p.dense_score, 4),
                    # the closest passage, so the chat opens the document there
                    "passage": p.text,
                    "version": p.version,
                    "valid_from": p.valid_from,
                    "valid_to": p.valid_to,
                }
                if p.groups:  # so the gap log can hide it from readers outside them
                    seen[p.document_id]["groups"] = list(p.groups)
        return list(seen.values())[:3]

    def _topic_key(self, question: str) -> str:
        """Return a short lexical key for a question: up to six of its index terms, sorted."""
        terms = sorted(set(self.analyzer.analyze(question)))
        return " ".join(terms[:6])
