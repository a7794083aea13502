"""Chat, stored answers and feedback."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import anyio
from anyio import CapacityLimiter
from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from assistant.access import Reader, can_see
from assistant.answer import NOT_A_QUESTION, AnswerPipeline, ChatResponse
from assistant.audit import ASKED, Auditor
from assistant.gaps import UnknownAnswerError
from web.deps import (
    AnswerLimiterDep,
    AuditorDep,
    CatalogDep,
    GapLogDep,
    PipelineDep,
    ReaderDep,
    RequireCaseworker,
)
from web.schemas import AnswerOut, ChatRequest, ChatResponseOut, FeedbackOut, FeedbackRequest
from web.serialise import chat_response_json, stored_citation_json

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[RequireCaseworker])
log = logging.getLogger(__name__)


def record_asked(auditor: Auditor, response: ChatResponse) -> None:
    """Log that a question was asked, by the stored answer's id; never the question."""
    stored = response.kind != NOT_A_QUESTION  # such input is answered but not stored
    target = response.answer_id if stored else None
    auditor.record(ASKED, target, kind=response.kind, gap_id=response.gap_id)


@router.post("/chat", response_model=ChatResponseOut)
async def chat(
    body: ChatRequest,
    pipeline: PipelineDep,
    limiter: AnswerLimiterDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> dict[str, object]:
    """Answer a question from the routines, with citations, or log it as a gap."""

    def answer() -> ChatResponse:
        response = pipeline.ask(body.question, body.conversation_id, reader)
        record_asked(auditor, response)
        return response

    response = await anyio.to_thread.run_sync(answer, limiter=limiter)
    return chat_response_json(response)


def sse(event: str, data: object) -> str:
    """Format one server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def stream_events(
    pipeline: AnswerPipeline,
    body: ChatRequest,
    limiter: CapacityLimiter,
    auditor: Auditor,
    reader: Reader = None,
) -> AsyncIterator[str]:
    """Turn the pipeline's events into server-sent events, ending with the response.

    Each step of the pipeline's generator runs in a worker thread under the answer
    limiter, so the event loop is never blocked while the answer is made.
    """
    events = pipeline.stream(body.question, body.conversation_id, reader)
    try:
        while True:
            event = await anyio.to_thread.run_sync(next, events, None, limiter=limiter)
            if event is None:
                break
            if event.kind == "token":
                yield sse("token", {"text": event.text})
            elif event.kind == "reset":
                yield sse("reset", {})
            elif event.response is not None:
                await anyio.to_thread.run_sync(record_asked, auditor, event.response)
                yield sse("final", chat_response_json(event.response))
    except Exception:
        log.exception("Streaming answer failed")
        yield sse("error", {"detail": "Ett fel uppstod när svaret skulle tas fram."})
    finally:
        events.close()


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def chat_stream(
    body: ChatRequest,
    pipeline: PipelineDep,
    limiter: AnswerLimiterDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> StreamingResponse:
    """Stream the answer as server-sent events: token..., then final with the response."""
    return StreamingResponse(
        stream_events(pipeline, body, limiter, auditor, reader),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/answers/{answer_id}", response_model=AnswerOut, responses={404: {}})
def stored_answer(
    answer_id: str, gaps: GapLogDep, catalog: CatalogDep, reader: ReaderDep
) -> AnswerOut:
    """Return an answer as given, with the document version each citation rested on.

    An answer that quotes a document the caller may not see is not shown (404).
    """
    try:
        row = gaps.answer(answer_id)
    except UnknownAnswerError:
        raise HTTPException(404, "Svaret finns inte.") from None
    cited = [c for c in row.citations or [] if c.get("document_id")]
    current = catalog.document_groups(str(c["document_id"]) for c in cited)
    for citation in cited:
        groups = current.get(str(citation["document_id"]), citation.get("groups"))
        if not can_see(groups, reader):
            raise HTTPException(404, "Svaret finns inte.")
    return AnswerOut(
        id=row.id,
        conversation_id=row.conversation_id,
        question=row.question,
        answer=row.answer,
        answered=row.answered,
        generator=row.generator,
        created_at=row.created_at.isoformat(timespec="seconds"),
        citations=[stored_citation_json(c) for c in row.citations or []],
    )


@router.post("/feedback", response_model=FeedbackOut)
def feedback(body: FeedbackRequest, gaps: GapLogDep) -> FeedbackOut:
    """Store helpful / not helpful on an answer; unhelpful answers join the gap log."""
    try:
        gap = gaps.record_feedback(body.answer_id, body.helpful, body.reason, body.comment)
    except UnknownAnswerError:
        raise HTTPException(404, "Svaret finns inte.") from None
    return FeedbackOut(stored=True, gap_id=gap and gap.id, gap_ref=gap and gap.ref)
