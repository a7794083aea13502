"""The OpenAI-compatible backend against a loopback server speaking /v1/chat/completions."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from assistant.chat_completions import BackendError, read_events
from assistant.config import Settings
from assistant.generation import GenerationRequest, GeneratorUnavailable, OpenAIGenerator
from assistant.prompts import INGET_SVAR, NOTICE_LLM_DOWN, SYSTEM_PROMPT
from services import Services
from tests.assistant.test_ollama import FACT, QUESTION, cite_fact
from tests.conftest import LiveServer, make_settings
from tests.fake_openai import MODEL, LoopbackOpenAI, Raw, sse_body
from web.app import create_app

API_KEY = "sk-test-5f0c1b2d9e8a7766"


def build(settings: Settings, server: LoopbackOpenAI, **overrides: object) -> Services:
    """Build components that generate with the OpenAI-compatible server."""
    options: dict[str, object] = {
        "openai_base_url": server.base_url,
        "openai_model": MODEL,
        "openai_api_key": server.api_key,
        "openai_retries": 1,
        **overrides,
    }
    return Services(make_settings(settings.data_dir, generator="openai", **options))


@pytest.fixture
def built() -> Iterator[list[Services]]:
    components: list[Services] = []
    yield components
    for each in components:
        each.close()


def test_streamed_answer_has_validated_citations_and_sends_the_key(
    sample_settings: Settings, built: list[Services]
) -> None:
    with LoopbackOpenAI(cite_fact, api_key=API_KEY) as server:
        components = build(sample_settings, server)
        built.append(components)
        events = list(components.pipeline.stream(QUESTION))
    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) >= 2, f"the answer should arrive in pieces, got {tokens}"
    response = events[-1].response
    assert response is not None and response.answered and response.generator == "openai"
    assert FACT in response.answer and "[1]" in response.answer, response.answer
    assert "Det gäller alla konton." not in response.answer, "an uncited sentence is dropped"
    assert response.citations[0].passage.document == "nyansokan_och_kontrollhandlingar.pdf"
    sent = server.requests[0]
    assert sent["stream"] is True and sent["model"] == MODEL and sent["temperature"] == 0
    assert sent["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert server.headers[0]["authorization"] == f"Bearer {API_KEY}"


def test_unstreamed_reply_is_read_as_one_json_body(
    sample_settings: Settings, built: list[Services]
) -> None:
    with LoopbackOpenAI(cite_fact) as server:
        components = build(sample_settings, server, openai_stream=False)
        built.append(components)
        response = components.pipeline.ask(QUESTION)
    assert server.requests[0]["stream"] is False, "the request asks for one reply"
    assert "authorization" not in server.headers[0], "no key configured, no header sent"
    assert response.generator == "openai" and response.answered, response
    assert FACT in response.answer, response.answer


def test_sentinel_refuses_and_logs_a_gap(sample_settings: Settings, built: list[Services]) -> None:
    with LoopbackOpenAI(lambda _m: [INGET_SVAR]) as server:
        components = build(sample_settings, server)
        built.append(components)
        response = components.pipeline.ask("Hur söker 19121212-1212 bygglov för en altan?")
    assert not response.answered and response.gap_id, response
    sent = " ".join(m["content"] for r in server.requests for m in r["messages"])
    assert "1212-1212" not in sent, "a personnummer must be redacted before it is sent"


def test_server_error_is_retried_then_falls_back_and_pauses(
    sample_settings: Settings, built: list[Services]
) -> None:
    with LoopbackOpenAI(lambda _m: 503) as server:
        components = build(sample_settings, server)
        built.append(components)
        response = components.pipeline.ask(QUESTION)
        assert len(server.requests) == 2, "one retry after the first failure"
        again = components.pipeline.ask(QUESTION)
    assert response.generator == "extractive" and NOTICE_LLM_DOWN in response.notices
    assert response.answered and FACT in response.answer, response.answer
    assert len(server.requests) == 2, "a server just seen failing is not asked again at once"
    assert again.generator == "extractive"


def test_slow_server_times_out_and_falls_back(
    sample_settings: Settings, built: list[Services]
) -> None:
    with LoopbackOpenAI(cite_fact, delay=2.0) as server:
        components = build(sample_settings, server, openai_timeout=0.5, openai_retries=0)
        built.append(components)
        response = components.pipeline.ask(QUESTION)
    assert response.generator == "extractive" and NOTICE_LLM_DOWN in response.notices
    assert response.answered, "the embedded generator answers when the server is too slow"


def test_stream_broken_after_tokens_resets_and_falls_back(
    sample_settings: Settings, built: list[Services]
) -> None:
    cut = sse_body(["Ett halvt svar som ", "bryts"], done=False).rsplit(b"data:", 1)[0]
    with LoopbackOpenAI(lambda _m: Raw("text/event-stream", cut + b"data: {trasig")) as server:
        components = build(sample_settings, server)
        built.append(components)
        events = list(components.pipeline.stream(QUESTION))
    kinds = [e.kind for e in events]
    assert "reset" in kinds and kinds.index("reset") > kinds.index("token"), kinds
    final = events[-1].response
    assert final is not None and "halvt" not in final.answer, final.answer
    assert final.generator == "extractive" and final.answered


def request_for(question: str) -> GenerationRequest:
    """Return a generation request without passages, enough to exercise the protocol."""
    return GenerationRequest(question, [])


MALFORMED = {
    "not json": Raw("text/event-stream", b"data: inte json\n\ndata: [DONE]\n\n"),
    "no choices": Raw("text/event-stream", b'data: {"id": "x"}\n\ndata: [DONE]\n\n'),
    "cut off": Raw("text/event-stream", sse_body(["Hej"], done=False).split(b"\n\n")[0]),
    "error event": Raw("text/event-stream", b'data: {"error": {"message": "overloaded"}}\n\n'),
    "json without choices": Raw("application/json", b'{"object": "chat.completion"}'),
    "html page": Raw("text/html", b"<html><body>Bad gateway</body></html>"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_replies_make_the_backend_unavailable(name: str) -> None:
    with LoopbackOpenAI(lambda _m: MALFORMED[name]) as server:
        generator = OpenAIGenerator(server.base_url, MODEL, None, timeout=5, retries=1)
        with pytest.raises(GeneratorUnavailable):
            list(generator.stream(request_for("Vad gäller?")))
    assert len(server.requests) == 2, f"{name}: a malformed reply before any text is retried"
    assert not generator.available, f"{name}: the server is paused after the failure"


def test_health_reports_the_model_and_never_shows_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with LoopbackOpenAI(cite_fact, api_key=API_KEY) as server:
        right = OpenAIGenerator(server.base_url, MODEL, SecretStr(API_KEY), timeout=5, retries=0)
        other = OpenAIGenerator(server.base_url, "annan", SecretStr(API_KEY), timeout=5, retries=0)
        wrong_key = "sk-wrong-key-0000111122223333"
        wrong = OpenAIGenerator(server.base_url, MODEL, SecretStr(wrong_key), timeout=5, retries=0)
        assert right.health().state == "ok"
        assert other.health().detail == "servern erbjuder inte modellen annan"
        refused = wrong.health()
        with pytest.raises(GeneratorUnavailable) as failure:
            list(wrong.stream(request_for("Vad gäller?")))
    assert refused.state == "degraded" and "401" in refused.detail, refused
    assert "Incorrect API key" in refused.detail, "the server's reason is kept"
    shown = [refused.detail, str(failure.value), caplog.text, repr(wrong.__dict__)]
    assert not any(wrong_key in text for text in shown), "the key must never be shown"
    assert "***" in refused.detail, "the key the server echoed is masked"


def test_readyz_over_http_shows_neither_key_nor_secret_settings(
    sample_settings: Settings, built: list[Services]
) -> None:
    with LoopbackOpenAI(cite_fact, api_key=API_KEY) as server:
        components = build(sample_settings, server)
        built.append(components)
        settings = components.settings
        with LiveServer(create_app(settings, components)) as app:
            ready = httpx.get(f"{app.url}/readyz", timeout=30).json()
    assert ready["generator"] == "openai" and ready["generator_state"] == "ok", ready
    assert API_KEY not in json.dumps(ready) and API_KEY not in repr(settings)


def test_follow_up_is_rewritten_by_the_model(
    sample_settings: Settings, built: list[Services]
) -> None:
    def reply(messages: list[dict[str, str]]) -> list[str]:
        if "Skriv om den sista frågan" in messages[-1]["content"]:
            return ["Vilka kontoutdrag ska begäras vid nyansökan om sökanden har ISK?"]
        return cite_fact(messages)

    with LoopbackOpenAI(reply) as server:
        components = build(sample_settings, server)
        built.append(components)
        first = components.pipeline.ask(QUESTION)
        follow = components.pipeline.ask("och om hen har ett ISK?", first.conversation_id)
    assert "ISK" in follow.standalone_question and "kontoutdrag" in follow.standalone_question


def test_events_join_data_lines_and_skip_comments() -> None:
    lines = [
        ": keep-alive",
        'data: {"choices": [{"delta": {"content": "Hej"},',
        'data:  "finish_reason": null}]}',
        "",
        "event: message",
        'data: {"choices": [{"delta": {"content": " då"}, "finish_reason": "stop"}]}',
        "",
        'data: {"choices": [], "usage": {"total_tokens": 3}}',
        "",
    ]
    assert "".join(read_events(lines)) == "Hej då", "a stream that ended with a finish_reason"


def test_events_without_done_or_finish_reason_were_cut_off() -> None:
    lines = ['data: {"choices": [{"delta": {"content": "Hej"}, "finish_reason": null}]}', ""]
    with pytest.raises(BackendError):
        list(read_events(lines))
