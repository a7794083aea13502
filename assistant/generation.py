"""Answer generators: the request they get, the Ollama backend, and fallback between them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import numpy as np

from assistant.prompts import (
    INGET_SVAR,
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
# After a failure, Ollama is not tried again for this long, so that each question does
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


class OllamaGenerator:
    """A real LLM behind an Ollama server, streamed over its /api/chat endpoint."""

    name = "ollama"

    def __init__(
        self,
        host: str,
        model: str,
        timeout: float,
        retries: int,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import ollama

        extra: dict[str, Any] = {"transport": transport} if transport is not None else {}
        self.model = model
        self.retries = retries
        self._client = ollama.Client(host=host, timeout=httpx.Timeout(timeout), **extra)
        self._down_until = 0.0
        self._last_error = ""
        self._lock = threading.Lock()

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            self._last_error = f"{type(error).__name__}: {error}"
        log.warning("Ollama unavailable: %s", self._last_error)

    @property
    def available(self) -> bool:
        """Tell whether Ollama is worth trying now."""
        return time.monotonic() >= self._down_until

    def health(self) -> GeneratorHealth:
        """Ask Ollama for its models and report whether ours is there."""
        try:
            names = {m.model for m in self._client.list().models}
        except Exception as exc:  # noqa: BLE001 - any failure means degraded
            self._mark_down(exc)
            return GeneratorHealth("ollama", "degraded", self._last_error)
        if self.model not in names and f"{self.model}:latest" not in names:
            return GeneratorHealth("ollama", "degraded", f"modellen {self.model} saknas i Ollama")
        with self._lock:
            self._down_until = 0.0
        return GeneratorHealth("ollama", "ok", self.model)

    def _chat(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Stream one chat call, retrying failures that happen before the first token."""
        import ollama

        if not self.available:
            raise GeneratorUnavailable(self._last_error or "Ollama är markerad som nere")
        for attempt in range(self.retries + 1):
            started = False
            try:
                for part in self._client.chat(
                    model=self.model, messages=messages, stream=True, options={"temperature": 0}
                ):
                    text = part.message.content or ""
                    if text:
                        started = True
                        yield text
                return
            except (ollama.ResponseError, ConnectionError, httpx.HTTPError, OSError) as exc:
                if started or attempt == self.retries:
                    self._mark_down(exc)
                    raise GeneratorUnavailable(str(exc)) from exc
                log.info("Ollama call failed (%s), retrying", exc)

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


class FallbackGenerator:
    """Use the primary generator, and the embedded one whenever the primary fails."""

    def __init__(self, primary: OllamaGenerator, fallback: Generator) -> None:
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
            request.notices.append(NOTICE_OLLAMA_DOWN)
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
    "FallbackGenerator",
    "GenerationRequest",
    "Generator",
    "GeneratorHealth",
    "GeneratorUnavailable",
    "OllamaGenerator",
    "STREAM_RESET",
]
