"""Answer generators: the request they get, the LLM backends, and fallback between them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import numpy as np
from pydantic import SecretStr

from assistant.chat_completions import BackendError, error_detail, message_text, read_events
from assistant.prompts import (
    INGET_SVAR,
    NOTICE_LLM_DOWN,
    NOTICE_OLLAMA_DOWN,
    PASSAGE_TEMPLATE,
    REWRITE_PROMPT,
    SYSTEM_PROMPT,
    USER_PROMPT,
)
from assistant.schemas import Passage

log = logging.getLogger(__name__)
# Yielded when the primary generator failed after it had started: whatever it streamed
# so far is void, and the fallback's answer follows.
STREAM_RESET = "\x00RESET\x00"
# After a failure, an LLM server is not tried again for this long, so that each question does
# not wait for a time-out while the server is down.
RETRY_AFTER_SECONDS = 30.0


@dataclass
class GenerationRequest:
    """A question with the numbered passages it may be answered from."""

    question: str
    passages: list[Passage]
    query_embedding: np.ndarray | None = None
    term_weight: Callable[[str], float] = lambda _term: 1.0
    # The weight of a question word no passage contains (the index's highest idf).
    absent_weight: float = 0.0
    # Sentences not to answer with (the previous answer, for a follow-up that changed
    # the question); compared without final punctuation.
    exclude: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    diagnostics: dict[str, float] = field(default_factory=dict)


class Generator(Protocol):
    """Anything that streams an answer with [n] citations, or INGET_SVAR."""

    name: str

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield pieces of the answer text."""
        ...


class GeneratorUnavailable(RuntimeError):
    """The generator could not be reached or did not answer in time."""


@dataclass
class GeneratorHealth:
    """What /readyz says about answer generation."""

    configured: str
    state: str  # ok, degraded
    detail: str = ""


def format_passages(passages: Sequence[Passage]) -> str:
    """Number the passages for the prompt in the order they may be cited."""
    return "\n\n".join(
        PASSAGE_TEMPLATE.format(
            number=i,
            title=p.title,
            doc_type=p.doc_type,
            section=p.section or "–",
            text=p.text,
        )
        for i, p in enumerate(passages, start=1)
    )


class ChatBackend:
    """What the LLM backends share: the prompt, retries, a pause after failure, health.

    A backend sends one chat call in _send() and lists its models in _models(); this
    class retries failures that happen before the first token, marks the server down
    for RETRY_AFTER_SECONDS after one that persists, and reports health for /readyz.
    """

    name = "llm"
    label = "språkmodellen"  # how a health detail names the server
    down_notice = NOTICE_LLM_DOWN  # shown with the fallback's answer
    missing_model = "servern erbjuder inte modellen {model}"
    # Failures that mean the server is unreachable, slow or answering wrongly.
    errors: tuple[type[Exception], ...] = (BackendError, httpx.HTTPError, OSError)

    def __init__(self, model: str, retries: int) -> None:
        self.model = model
        self.retries = retries
        self._down_until = 0.0
        self._last_error = ""
        self._lock = threading.Lock()

    def _send(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Stream the pieces of one chat call's answer."""
        raise NotImplementedError

    def _models(self) -> set[str]:
        """Return the model names the server offers."""
        raise NotImplementedError

    def _describe(self, error: Exception) -> str:
        """Return an error as health and logs show it."""
        return f"{type(error).__name__}: {error}"

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            self._last_error = self._describe(error)
        log.warning("%s unavailable: %s", self.name, self._last_error)

    @property
    def available(self) -> bool:
        """Tell whether the server is worth trying now."""
        return time.monotonic() >= self._down_until

    def has_model(self, names: set[str]) -> bool:
        """Tell whether the configured model is among the server's."""
        return self.model in names

    def health(self) -> GeneratorHealth:
        """Ask the server for its models and report whether ours is there."""
        try:
            names = self._models()
        except Exception as exc:  # noqa: BLE001 - any failure means degraded
            self._mark_down(exc)
            return GeneratorHealth(self.name, "degraded", self._last_error)
        if not self.has_model(names):
            detail = self.missing_model.format(model=self.model)
            return GeneratorHealth(self.name, "degraded", detail)
        with self._lock:
            self._down_until = 0.0
        return GeneratorHealth(self.name, "ok", self.model)

    def _chat(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Stream one chat call, retrying failures that happen before the first token."""
        if not self.available:
            raise GeneratorUnavailable(self._last_error or f"{self.label} är markerad som nere")
        for attempt in range(self.retries + 1):
            started = False
            try:
                for text in self._send(messages):
                    if text:
                        started = True
                        yield text
                return
            except self.errors as exc:
                if started or attempt == self.retries:
                    self._mark_down(exc)
                    raise GeneratorUnavailable(self._describe(exc)) from exc
                log.info("%s call failed (%s), retrying", self.name, self._describe(exc))

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Stream the model's answer to the question from the numbered passages."""
        prompt = USER_PROMPT.format(
            passages=format_passages(request.passages), question=request.question
        )
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": prompt},
        ]
        yield from self._chat(messages)

    def rewrite(self, question: str, history: list[str]) -> str:
        """Ask the model to make a follow-up question standalone."""
        prompt = REWRITE_PROMPT.format(
            history="\n".join(f"- {h}" for h in history), question=question
        )
        text = "".join(self._chat([{"role": "user", "content": prompt}])).strip()
        return text.splitlines()[0].strip() if text else question


class OllamaGenerator(ChatBackend):
    """A real LLM behind an Ollama server, streamed over its /api/chat endpoint."""

    name = "ollama"
    label = "Ollama"
    down_notice = NOTICE_OLLAMA_DOWN
    missing_model = "modellen {model} saknas i Ollama"

    def __init__(
        self,
        host: str,
        model: str,
        timeout: float,
        retries: int,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import ollama

        super().__init__(model, retries)
        extra: dict[str, Any] = {"transport": transport} if transport is not None else {}
        self._client = ollama.Client(host=host, timeout=httpx.Timeout(timeout), **extra)
        self.errors = (ollama.ResponseError, ConnectionError, httpx.HTTPError, OSError)

    def _models(self) -> set[str]:
        return {m.model for m in self._client.list().models if m.model}

    def has_model(self, names: set[str]) -> bool:
        """Tell whether the model is there, with or without its :latest tag."""
        return self.model in names or f"{self.model}:latest" in names

    def _send(self, messages: list[dict[str, str]]) -> Iterator[str]:
        for part in self._client.chat(
            model=self.model, messages=messages, stream=True, options={"temperature": 0}
        ):
            yield part.message.content or ""


class OpenAIGenerator(ChatBackend):
    """A model behind an OpenAI-compatible server (vLLM, llama.cpp, a hosted service).

    Speaks /v1/chat/completions, streamed as server-sent events or as one JSON reply,
    whichever the server sends back; the API key goes in the Authorization header only.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None,
        timeout: float,
        retries: int,
        stream: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(model, retries)
        self._api_key = api_key  # unwrapped only for the header and to mask echoes of it
        key = api_key.get_secret_value() if api_key else ""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.streamed = stream
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    def _describe(self, error: Exception) -> str:
        """Return the error without the API key, should a server have echoed it."""
        text = super()._describe(error)
        key = self._api_key.get_secret_value() if self._api_key else ""
        return text.replace(key, "***") if key else text

    def _models(self) -> set[str]:
        response = self._client.get("models")
        if response.status_code >= 400:
            raise BackendError(f"servern svarade {response.status_code}: {error_detail(response)}")
        try:
            return {str(m["id"]) for m in response.json()["data"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise BackendError("/models svarade utan data[].id") from exc

    def _send(self, messages: list[dict[str, str]]) -> Iterator[str]:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "stream": self.streamed,
        }
        with self._client.stream("POST", "chat/completions", json=body) as response:
            if response.status_code >= 400:
                response.read()
                status = response.status_code
                raise BackendError(f"servern svarade {status}: {error_detail(response)}")
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                yield from read_events(response.iter_lines())
            else:
                response.read()
                yield message_text(response)


class FallbackGenerator:
    """Use the primary generator, and the embedded one whenever the primary fails."""

    def __init__(self, primary: ChatBackend, fallback: Generator) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Stream from the primary; on failure say so and stream the fallback's answer."""
        try:
            for piece in self.primary.stream(request):
                if not request.used:
                    request.used.append(self.primary.name)
                yield piece
            if not request.used:
                request.used.append(self.primary.name)
            return
        except GeneratorUnavailable:
            if request.used:
                yield STREAM_RESET
            request.used.clear()
            request.notices.append(self.primary.down_notice)
        request.used.append(self.fallback.name)
        yield from self.fallback.stream(request)

    def health(self) -> GeneratorHealth:
        """Report the primary's state; degraded means answers come from the fallback."""
        return self.primary.health()

    def rewrite(self, question: str, history: list[str]) -> str | None:
        """Rewrite a follow-up with the LLM when it is up, else return None."""
        if not self.primary.available:
            return None
        try:
            return self.primary.rewrite(question, history)
        except GeneratorUnavailable:
            return None


__all__ = [
    "INGET_SVAR",
    "BackendError",
    "ChatBackend",
    "FallbackGenerator",
    "GenerationRequest",
    "Generator",
    "GeneratorHealth",
    "GeneratorUnavailable",
    "OllamaGenerator",
    "OpenAIGenerator",
    "STREAM_RESET",
]
