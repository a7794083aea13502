"""Ollama's HTTP protocol, played back for tests: /api/chat (NDJSON stream) and /api/tags."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

MODEL = "llama3.1:8b"
Reply = Callable[[list[dict[str, str]]], list[str] | int]


def chat_lines(pieces: list[str]) -> bytes:
    """Encode answer pieces as Ollama's streamed /api/chat NDJSON."""
    lines = [
        {
            "model": MODEL,
            "created_at": "2026-11-23T10:00:00Z",
            "message": {"role": "assistant", "content": piece},
            "done": False,
        }
        for piece in pieces
    ]
    lines.append(
        {
            "model": MODEL,
            "created_at": "2026-11-23T10:00:01Z",
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
        }
    )
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


TAGS = {
    "models": [
        {
            "name": MODEL,
            "model": MODEL,
            "modified_at": "2026-11-01T00:00:00Z",
            "size": 4_920_000_000,
            "digest": "0" * 64,
            "details": {"format": "gguf", "family": "llama"},
        }
    ]
}


class FakeOllama:
    """Answers like Ollama and records every chat request it was sent."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []

    def respond(self, method: str, path: str, body: bytes) -> tuple[int, bytes, str]:
        """Return status, body and content type for one request."""
        if method == "GET" and path == "/api/tags":
            return 200, json.dumps(TAGS).encode(), "application/json"
        if method == "POST" and path == "/api/chat":
            payload = json.loads(body)
            self.requests.append(payload)
            result = self.reply(payload["messages"])
            if isinstance(result, int):
                return result, json.dumps({"error": "model failed"}).encode(), "application/json"
            return 200, chat_lines(result), "application/x-ndjson"
        return 404, b'{"error": "not found"}', "application/json"

    def transport(self) -> httpx.MockTransport:
        """Return an httpx transport that answers in-process."""

        def handler(request: httpx.Request) -> httpx.Response:
            status, body, kind = self.respond(request.method, request.url.path, request.content)
            return httpx.Response(status, content=body, headers={"content-type": kind})

        return httpx.MockTransport(handler)


class LoopbackOllama:
    """A real HTTP server on 127.0.0.1 that speaks like Ollama, optionally slowly."""

    def __init__(self, fake: FakeOllama, delay: float = 0.0) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                time.sleep(outer.delay)
                status, data, kind = fake.respond(self.command, self.path, body)
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_POST = _send

            def log_message(self, *_args: object) -> None:
                return

        self.delay = delay
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackOllama:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
