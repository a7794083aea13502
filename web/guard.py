"""The outermost guard of every HTTP request, as pure ASGI middleware.

In this order, before any route or body parser runs:
1. Cross-site check: a state-changing request (POST, PUT, PATCH, DELETE) that does not carry
   its own bearer token (so it relies on the login cookie, a proxy's header or no login at all)
   must come from the app's own origin, judged by Sec-Fetch-Site or else Origin.
2. Authentication from headers alone: a state-changing API request without a role is refused
   with 401 (an upload without the routine-group role with 403) before its body is read.
3. Body size: Content-Length over the route's limit gets 413 at once, and the bytes of a body
   without one (chunked) are counted as they arrive: past the limit reading stops with 413.
4. Security headers on every response.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import Settings
from web.auth import ROUTINE_GROUP, auth_configured, resolve_roles

# JSON bodies and the login form are small; only document uploads may be large.
MAX_JSON_BYTES = 64 * 1024
UPLOAD_PATH = "/api/documents"
# Both take a whole file: the upload and its preview (which prefills the upload form).
UPLOAD_PATHS = frozenset({UPLOAD_PATH, f"{UPLOAD_PATH}/preview"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_LARGE = "Begäran är för stor."
CROSS_SITE = "Begäran kom från en annan webbplats och har stoppats."
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
}


class BodyTooLargeError(HTTPException):
    """The request body grew past its route's limit while it was read."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


def body_limit(scope: Scope, settings: Settings) -> int:
    """Return the largest body the request's route accepts."""
    if scope["path"] in UPLOAD_PATHS and scope["method"] == "POST":
        return int(settings.max_file_mb * 1024 * 1024) + 64 * 1024  # the multipart framing
    return MAX_JSON_BYTES


def same_origin(request: Request) -> bool:
    """Tell whether a browser sent the request from the app's own origin.

    Sec-Fetch-Site (every current browser) is decisive; "same-site" is refused, since another
    port on the same host is same-site. Without it, Origin must name this host and port. A
    request with neither comes from a program, not a browser, and passes.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return False  # "null" from a sandboxed frame or a privacy-restricted context
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = parts.hostname if parts.port in (None, default) else f"{parts.hostname}:{parts.port}"
    host = request.headers.get("host", "").lower()
    for suffix in (":80", ":443"):
        host = host.removesuffix(suffix)
    return netloc.lower() == host


class GuardMiddleware:
    """Check origin and login from the headers, bound the body, add security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        request = Request(scope)
        refusal = self._refusal(scope, request)
        if refusal is not None:
            await _json(send, *refusal)
            return
        limit = body_limit(scope, self.settings)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _json(send, 413, {"detail": TOO_LARGE})
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLargeError:
            if started:
                raise
            await _json(send, 413, {"detail": TOO_LARGE})

    def _refusal(
        self, scope: Scope, request: Request
    ) -> tuple[int, dict[str, str], dict[str, str]] | None:
        """Return (status, body, headers) when the request must stop before its body is read."""
        if scope["method"] not in UNSAFE_METHODS:
            return None
        bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
        if not bearer and not same_origin(request):
            return 403, {"detail": CROSS_SITE}, {}
        if not scope["path"].startswith("/api/") or not auth_configured(self.settings):
            return None
        roles = resolve_roles(request, self.settings)
        if not roles:
            return 401, {"detail": "Inloggning krävs."}, {"WWW-Authenticate": "Bearer"}
        if scope["path"] in UPLOAD_PATHS and ROUTINE_GROUP not in roles:
            return 403, {"detail": "Din roll får inte göra detta."}, {}
        return None

    @staticmethod
    def _with_headers(send: Send) -> Send:
        """Wrap send so that every response carries the security headers it does not set."""

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers


async def _json(
    send: Send, status: int, body: dict[str, str], headers: dict[str, str] | None = None
) -> None:
    """Send a small JSON response."""
    payload = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
