"""The Ollama backend against Ollama's real HTTP protocol, and its fallback."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import httpx
import pytest

from assistant.config import Settings
from assistant.generation import STREAM_RESET
from assistant.prompts import INGET_SVAR, NOTICE_OLLAMA_DOWN, SYSTEM_PROMPT
from services import Services
from tests.conftest import make_settings
from tests.fake_ollama import MODEL, TAGS, FakeOllama, LoopbackOllama, chat_lines

QUESTION = "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
FACT = "tre senaste månaderna"


def passage_number(messages: list[dict[str, str]], needle: str) -> int | None:
    """Find the number of the prompt passage that contains a phrase."""
    prompt = messages[-1]["content"]
    for match in re.finditer(r"^\[(\d+)\] .*?(?=^\[\d+\] |\Z)", prompt, re.M | re.S):
        if needle in match.group(0):
            return int(match.group(1))
    return None


def cite_fact(messages: list[dict[str, str]]) -> list[str]:
    """Answer like a well-behaved model: the fact, cited with its passage number."""
    number = passage_number(messages, FACT)
    if number is None:
        return [INGET_SVAR]
    return ["Kontoutdrag ska begäras ", f"för de {FACT} [{number}]. ", "Det gäller alla konton."]


def build(settings: Settings, fake: FakeOllama | None = None, **overrides: object) -> Services:
    """Build components that generate with Ollama over the sample index."""
    options: dict[str, object] = {"ollama_model": MODEL, "ollama_retries": 1, **overrides}
    ollama = make_settings(settings.data_dir, generator="ollama", **options)
    return Services(ollama, ollama_transport=fake.transport() if fake else None)


@pytest.fixture
def components_factory(sample_settings: Settings) -> Iterator[list[Services]]:
    built: list[Services] = []
    yield built
    for components in built:
        components.close()


def test_answer_streams_with_validated_citations(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    fake = FakeOllama(cite_fact)
    components = build(sample_settings, fake)
    components_factory.append(components)
    events = list(components.pipeline.stream(QUESTION))
    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) >= 2, f"the answer should stream in pieces, got {tokens}"
    response = events[-1].response
    assert response is not None and response.answered, response
    assert response.generator == "ollama"
    assert FACT in response.answer and "[1]" in response.answer, response.answer
    assert "Det gäller alla konton." not in response.answer, "an uncited sentence is dropped"
    assert response.citations[0].passage.document == "nyansokan_och_kontrollhandlingar.pdf"
    sent = fake.requests[0]
    assert sent["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert sent["stream"] is True and sent["model"] == MODEL


def test_invalid_citation_numbers_are_removed_and_none_left_refuses(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    fake = FakeOllama(lambda _m: ["Kontoutdrag begärs för tre månader [9]."])
    components = build(sample_settings, fake)
    components_factory.append(components)
    response = components.pipeline.ask(QUESTION)
    assert not response.answered, "an answer whose only citation is invalid must be refused"
    assert response.gap_id, "the refusal must be logged as a gap"


def test_sentinel_refuses_and_personal_data_never_reaches_the_model(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    fake = FakeOllama(lambda _m: [INGET_SVAR])
    components = build(sample_settings, fake)
    components_factory.append(components)
    response = components.pipeline.ask("Hur söker 19121212-1212 bygglov för en altan?")
    assert not response.answered and response.gap_id, response
    sent = " ".join(m["content"] for r in fake.requests for m in r["messages"])
    assert "1212-1212" not in sent, "a personnummer must be redacted before it is sent"
    assert response.redacted and "[PERSONNUMMER]" in response.question


def test_server_error_falls_back_to_extractive_and_readyz_is_degraded(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    fake = FakeOllama(lambda _m: 500)
    components = build(sample_settings, fake)
    components_factory.append(components)
    response = components.pipeline.ask(QUESTION)
    assert len(fake.requests) == 2, "one retry after the first failure"
    assert response.generator == "extractive" and NOTICE_OLLAMA_DOWN in response.notices
    assert response.answered and FACT in response.answer, response.answer
    again = components.pipeline.ask(QUESTION)
    assert len(fake.requests) == 2, "a server just seen failing is not asked again at once"
    assert again.generator == "extractive"


def test_unreachable_server_reports_degraded() -> None:
    from assistant.generation import OllamaGenerator

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    generator = OllamaGenerator(
        "http://127.0.0.1:9", MODEL, timeout=1, retries=0, transport=httpx.MockTransport(refuse)
    )
    health = generator.health()
    assert health.state == "degraded" and "ConnectionError" in health.detail, health


def test_slow_server_times_out_and_falls_back(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    fake = FakeOllama(cite_fact)
    with LoopbackOllama(fake, delay=2.0) as server:
        components = build(
            sample_settings, ollama_host=server.url, ollama_timeout=0.5, ollama_retries=0
        )
        components_factory.append(components)
        response = components.pipeline.ask(QUESTION)
    assert response.generator == "extractive" and NOTICE_OLLAMA_DOWN in response.notices
    assert response.answered, "the embedded generator answers when Ollama is too slow"


def test_loopback_server_answers_over_real_http(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    fake = FakeOllama(cite_fact)
    with LoopbackOllama(fake) as server:
        components = build(sample_settings, ollama_host=server.url)
        components_factory.append(components)
        assert components.generator_health().state == "ok"
        response = components.pipeline.ask(QUESTION)
    assert response.generator == "ollama" and response.answered, response


class DroppedStream(httpx.SyncByteStream):
    """A chat stream whose connection drops after the first line."""

    def __iter__(self) -> Iterator[bytes]:
        yield chat_lines(["Ett halvt svar som "]).split(b"\n")[0] + b"\n"
        raise httpx.ReadError("connection dropped")


def test_failure_mid_stream_resets_and_falls_back(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/chat":
            return httpx.Response(
                200, stream=DroppedStream(), headers={"content-type": "application/x-ndjson"}
            )
        return httpx.Response(200, json=TAGS)

    settings = make_settings(
        sample_settings.data_dir, generator="ollama", ollama_model=MODEL, ollama_retries=1
    )
    components = Services(settings, ollama_transport=httpx.MockTransport(handler))
    components_factory.append(components)
    events = list(components.pipeline.stream(QUESTION))
    kinds = [e.kind for e in events]
    assert "reset" in kinds and kinds.index("reset") > kinds.index("token"), kinds
    final = events[-1].response
    assert final is not None and "halvt" not in final.answer, final.answer
    assert final.generator == "extractive" and final.answered
    assert STREAM_RESET not in "".join(e.text for e in events)


def test_follow_up_is_rewritten_by_the_model(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    def reply(messages: list[dict[str, str]]) -> list[str]:
        if "Skriv om den sista frågan" in messages[-1]["content"]:
            return ["Vilka kontoutdrag ska begäras vid nyansökan om sökanden har ISK?"]
        return cite_fact(messages)

    fake = FakeOllama(reply)
    components = build(sample_settings, fake)
    components_factory.append(components)
    first = components.pipeline.ask(QUESTION)
    follow = components.pipeline.ask("och om hen har ett ISK?", first.conversation_id)
    assert "ISK" in follow.standalone_question and "kontoutdrag" in follow.standalone_question


def ollama_host() -> str | None:
    """Return OLLAMA_HOST when a real Ollama answers there."""
    host = os.environ.get("OLLAMA_HOST")
    if not host:
        return None
    try:
        httpx.get(f"{host.rstrip('/')}/api/tags", timeout=2).raise_for_status()
    except httpx.HTTPError:
        return None
    return host


@pytest.mark.skipif(ollama_host() is None, reason="no Ollama server answers at OLLAMA_HOST")
def test_real_ollama_answers_or_refuses_with_valid_citations(
    sample_settings: Settings, components_factory: list[Services]
) -> None:
    model = os.environ.get("RUTINSTOD_OLLAMA_MODEL", MODEL)
    components = build(sample_settings, ollama_host=ollama_host(), ollama_model=model)
    components_factory.append(components)
    response = components.pipeline.ask(QUESTION)
    assert response.answered or response.gap_id, response
    for citation in response.citations:
        assert citation.passage in response.passages, "every citation is a given passage"
