"""An OpenAI-compatible server for tests: /v1/chat/completions (SSE or JSON) and /v1/models.

It runs as a real HTTP server on 127.0.0.1, streams server-sent events as it writes
them, checks the bearer token when given one, and records every request it was sent.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "qwen2.5-test"


@dataclass(frozen=True)
class Raw:
    """A reply sent exactly as given, for malformed responses."""

    content_type: str
    body: bytes


Reply = Callable[[list[dict[str, str]]], list[str] | int | Raw]


def sse_body(pieces: list[str], done: bool = True) -> bytes:
    """Encode answer pieces as a streamed chat completion, ending with data: [DONE]."""
    chunks = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
    events = [
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1_790_000_000,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        }
        for delta in chunks
    ]
    events[-1]["choices"][0]["finish_reason"] = "stop"  # type: ignore[index]
    lines = [f"data: {json.dumps(event, ensure_ascii=False)}\n\n" for event in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def completion_body(text: str) -> bytes:
    """Encode an answer as a chat completion that was not streamed."""
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        },
        ensure_ascii=False,
    ).encode()


class LoopbackOpenAI:
    """A real HTTP server on 127.0.0.1 that answers like an OpenAI-compatible one."""

    def __init__(self, reply: Reply, api_key: str | None = None, delay: float = 0.0) -> None:
        self.reply = reply
        self.api_key = api_key
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not outer.authorised(self.headers.get("authorization")):
                    return outer.refuse(self)
                if self.path != "/v1/models":
                    return outer.send(self, 404, "application/json", b'{"error": "not found"}')
                models = {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
                outer.send(self, 200, "application/json", json.dumps(models).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                payload = json.loads(self.rfile.read(length))
                outer.requests.append(payload)
                outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                time.sleep(outer.delay)
                if not outer.authorised(self.headers.get("authorization")):
                    return outer.refuse(self)
                if self.path != "/v1/chat/completions":
                    return outer.send(self, 404, "application/json", b'{"error": "not found"}')
                outer.answer(self, payload)

            def log_message(self, *_args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def authorised(self, header: str | None) -> bool:
        """Tell whether a request carries the expected bearer token (if one is expected)."""
        return self.api_key is None or header == f"Bearer {self.api_key}"

    def refuse(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer 401 and echo the key sent, as some hosted services do."""
        sent = (handler.headers.get("authorization") or "").removeprefix("Bearer ")
        error = {"error": {"message": f"Incorrect API key provided: {sent}", "code": 401}}
        self.send(handler, 401, "application/json", json.dumps(error).encode())

    def answer(self, handler: BaseHTTPRequestHandler, payload: dict[str, Any]) -> None:
        """Send the scripted reply: streamed events, one JSON body, an error or raw bytes."""
        result = self.reply(payload["messages"])
        if isinstance(result, int):
            error = {"error": {"message": "model failed", "type": "server_error"}}
            return self.send(handler, result, "application/json", json.dumps(error).encode())
        if isinstance(result, Raw):
            return self.send(handler, 200, result.content_type, result.body)
        if not payload.get("stream"):
            return self.send(handler, 200, "application/json", completion_body("".join(result)))
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.end_headers()  # no length: the body ends when the connection closes
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for event in sse_body(result).split(b"\n\n"):
                if event:
                    handler.wfile.write(event + b"\n\n")
                    handler.wfile.flush()

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, status: int, kind: str, body: bytes) -> None:
        """Send one whole response."""
        handler.send_response(status)
        handler.send_header("content-type", kind)
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)

    def __enter__(self) -> LoopbackOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
