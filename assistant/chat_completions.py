"""The wire format of OpenAI's /v1/chat/completions: streamed events and plain replies.

vLLM, llama.cpp's llama-server and hosted services speak it; OpenAIGenerator in
assistant/generation.py sends the requests and this module reads what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import httpx


class BackendError(RuntimeError):
    """A server answered, but not as its protocol says: an error status or a malformed reply."""


def error_detail(response: httpx.Response) -> str:
    """Return the message of an error response, as OpenAI-style servers put it."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        error = error.get("message") or error.get("detail") or error
    return str(error)[:200]


def chunk_text(data: str) -> tuple[str, bool]:
    """Return one streamed chunk's text and whether it ends the answer."""
    try:
        chunk = json.loads(data)
    except ValueError as exc:
        raise BackendError(f"felaktig rad i strömmen: {data[:80]!r}") from exc
    if not isinstance(chunk, dict) or "error" in chunk:
        raise BackendError(f"servern avbröt strömmen: {str(chunk)[:200]}")
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        raise BackendError("strömmens rad saknar choices")
    if not choices:  # a usage chunk after the last choice
        return "", False
    choice = choices[0] if isinstance(choices[0], dict) else {}
    content = (choice.get("delta") or {}).get("content")
    if content is not None and not isinstance(content, str):
        raise BackendError("strömmens delta.content är ingen text")
    return content or "", choice.get("finish_reason") is not None


def read_events(lines: Iterable[str]) -> Iterator[str]:
    """Yield the text of a server-sent chat completion stream until data: [DONE].

    An event's data lines are joined as SSE says; comments and other fields are skipped.
    A stream that ends without [DONE] or a finish_reason was cut off.
    """
    data: list[str] = []
    finished = False
    for line in [*lines, ""]:
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
            continue
        if line or not data:
            continue
        event, data = "\n".join(data), []
        if event.strip() == "[DONE]":
            return
        text, done = chunk_text(event)
        finished = finished or done
        yield text
    if not finished:
        raise BackendError("strömmen tog slut utan [DONE]")


def message_text(response: httpx.Response) -> str:
    """Return the answer of a chat completion that was not streamed."""
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BackendError("svaret saknar choices[0].message.content") from exc
    if not isinstance(content, str):
        raise BackendError("svarets message.content är ingen text")
    return content
