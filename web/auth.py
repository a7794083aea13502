"""Roles and groups from bearer tokens, a trusted reverse-proxy header or a signed-in session.

A signed-in user (OIDC, web/oidc.py) is kept in the signed session cookie under
SESSION_USER: subject, name, roles, groups and the time of sign-in; never a token.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from assistant.access import Reader, reader_groups
from assistant.config import Settings

CASEWORKER = "handlaggare"
ROUTINE_GROUP = "rutingrupp"
ADMIN = "admin"  # reads the audit log; named users only (a claim or the proxy header)
ALL_ROLES = frozenset({CASEWORKER, ROUTINE_GROUP})
KNOWN_ROLES = ALL_ROLES | {ADMIN}
TOKEN_COOKIE = "rutinstod_token"
PROXY_SECRET_HEADER = "X-Rutinstod-Proxy-Secret"
SESSION_USER = "user"


def auth_configured(settings: Settings) -> bool:
    """Tell whether any way of authenticating is configured."""
    return bool(
        settings.caseworker_tokens
        or settings.routine_group_tokens
        or settings.auth_header
        or settings.oidc_enabled
    )


def session_user(request: Request, settings: Settings) -> dict[str, Any] | None:
    """Return the signed-in user of the session, unless the sign-in is older than allowed."""
    session = request.scope.get("session")
    user = session.get(SESSION_USER) if isinstance(session, dict) else None
    if not isinstance(user, dict):
        return None
    age = time.time() - float(user.get("at", 0))
    if not 0 <= age <= settings.session_max_age_minutes * 60:
        return None
    app = request.scope.get("app")
    services = getattr(app.state, "services", None) if app is not None else None
    if services is not None and services.ended_sessions.ended(str(user.get("sid", ""))):
        return None  # signed out: a copy of the cookie no longer signs in
    return user


def _matches(token: str, allowed: list[str]) -> bool:
    return any(hmac.compare_digest(token.encode(), candidate.encode()) for candidate in allowed)


def roles_for_token(token: str, settings: Settings) -> frozenset[str]:
    """Return the roles a bearer token grants; the routine group may also use the chat."""
    if token and _matches(token, settings.routine_group_tokens):
        return ALL_ROLES
    if token and _matches(token, settings.caseworker_tokens):
        return frozenset({CASEWORKER})
    return frozenset()


def request_token(request: Request) -> str:
    """Return the bearer token from the Authorization header or the login cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(TOKEN_COOKIE, "")


def resolve_roles(request: Request, settings: Settings) -> frozenset[str]:
    """Return the caller's roles; with no auth configured, everyone has every role."""
    if not auth_configured(settings):
        return ALL_ROLES
    roles = set(roles_for_token(request_token(request), settings))
    if settings.auth_header and header_trusted(request, settings):
        value = request.headers.get(settings.auth_header, "")
        roles |= {r.strip().lower() for r in value.split(",")} & KNOWN_ROLES
    user = session_user(request, settings)
    if user is not None:
        roles |= set(user.get("roles", ())) & KNOWN_ROLES
    if ROUTINE_GROUP in roles:
        roles |= {CASEWORKER}
    return frozenset(roles)


def resolve_groups(request: Request, settings: Settings) -> Reader:
    """Return the caller's groups for documents restricted to groups; None sees them all.

    Without login everyone sees every document; with login the groups come from the
    token's entry in RUTINSTOD_TOKEN_GROUPS, the proxy's groups header and the session.
    """
    if not auth_configured(settings):
        return None
    groups: list[str] = []
    token = request_token(request)
    if token and roles_for_token(token, settings):
        for candidate, listed in settings.token_groups.items():
            if hmac.compare_digest(token.encode(), candidate.encode()):
                groups += listed
    if settings.auth_groups_header and header_trusted(request, settings):
        groups += request.headers.get(settings.auth_groups_header, "").split(",")
    user = session_user(request, settings)
    if user is not None:
        groups += list(user.get("groups", ()))
    return reader_groups(groups)


def header_trusted(request: Request, settings: Settings) -> bool:
    """Tell whether the role header may be believed: it must come from the trusted proxy.

    With RUTINSTOD_AUTH_HEADER_SECRET set the proxy proves itself with that secret, from any
    address; otherwise the direct client must be one of RUTINSTOD_TRUSTED_PROXIES.
    """
    if settings.auth_header_secret:
        sent = request.headers.get(PROXY_SECRET_HEADER, "")
        return hmac.compare_digest(sent.encode(), settings.auth_header_secret.encode())
    client = request.client.host if request.client else ""
    return address_in(client, settings.trusted_proxies)


def address_in(address: str, networks: list[str]) -> bool:
    """Tell whether an IP address lies in one of the listed addresses or networks."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in networks:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            if entry.strip().lower() == "localhost" and ip.is_loopback:
                return True
    return False


class LoginThrottle:
    """Allow a few wrong login codes per client address per window, then refuse for a while."""

    def __init__(self, attempts: int = 5, window: float = 60.0) -> None:
        self.attempts = attempts
        self.window = window
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self.failures.setdefault(client, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        """Tell whether the client has used up its attempts."""
        with self.lock:
            return len(self._recent(client, time.monotonic())) >= self.attempts

    def failed(self, client: str) -> None:
        """Count a wrong code; forget clients that have gone quiet."""
        now = time.monotonic()
        with self.lock:
            self._recent(client, now).append(now)
            if len(self.failures) > 10_000:
                for key in [
                    k for k, v in self.failures.items() if not v or now - v[-1] > self.window
                ]:
                    del self.failures[key]


def require(request: Request, settings: Settings, role: str) -> frozenset[str]:
    """Raise 401 without credentials and 403 without the role; return the roles."""
    roles = resolve_roles(request, settings)
    if role in roles:
        return roles
    if not roles:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Inloggning krävs.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise HTTPException(status.HTTP_403_FORBIDDEN, "Din roll får inte göra detta.")


# Pages: a browser without the role is sent to the login form instead of getting JSON,
# or, with OIDC, straight to the identity provider (OIDC_LOGIN_PATH, web/oidc.py).
LOGIN_PATH = "/logga-in"
OIDC_LOGIN_PATH = "/login"


class LoginRequiredError(Exception):
    """Raised when a page's caller lacks its role; the app answers with a redirect."""

    def __init__(self, next_path: str, forbidden: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.forbidden = forbidden


def require_page(request: Request, settings: Settings, role: str) -> frozenset[str]:
    """Return the caller's roles, or raise LoginRequiredError when the page's role is missing."""
    roles = resolve_roles(request, settings)
    if role in roles:
        return roles
    signed_in = bool(roles) or session_user(request, settings) is not None
    raise LoginRequiredError(request.url.path, forbidden=signed_in)


def safe_next(value: str | None) -> str:
    """Return a local path to go to after login; anything else becomes the chat page."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ch in value for ch in "\\\r\n\t") or value.startswith(LOGIN_PATH):
        return "/"
    if value.split("?")[0] in {OIDC_LOGIN_PATH, "/logout", "/auth/callback"}:
        return "/"
    return value


def login_url(next_path: str, forbidden: bool = False) -> str:
    """Return the login page's address, remembering where to go afterwards."""
    query = {"next": safe_next(next_path)}
    if forbidden:
        query["fel"] = "behorighet"
    return f"{LOGIN_PATH}?{urlencode(query)}"


async def redirect_to_login(request: Request, exc: Exception) -> RedirectResponse:
    """Answer a page request that lacks its role with a redirect to the login form.

    With OIDC and nobody signed in, the redirect goes to the identity provider's sign-in.
    """
    assert isinstance(exc, LoginRequiredError)
    settings: Settings = request.app.state.settings
    if settings.oidc_enabled and not exc.forbidden:
        query = urlencode({"next": safe_next(exc.next_path)})
        return RedirectResponse(f"{OIDC_LOGIN_PATH}?{query}", status_code=303)
    return RedirectResponse(login_url(exc.next_path, exc.forbidden), status_code=303)


def set_login_cookie(response: Response, token: str, secure: bool) -> None:
    """Keep the token in an HttpOnly, SameSite=Strict session cookie."""
    response.set_cookie(
        TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )


def clear_login_cookie(response: Response) -> None:
    """Remove the login cookie."""
    response.delete_cookie(TOKEN_COOKIE, httponly=True, samesite="strict", path="/")
