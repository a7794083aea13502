"""Roles from configured bearer tokens or a trusted reverse-proxy header."""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from fastapi import HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from assistant.config import Settings

CASEWORKER = "handlaggare"
ROUTINE_GROUP = "rutingrupp"
ALL_ROLES = frozenset({CASEWORKER, ROUTINE_GROUP})
TOKEN_COOKIE = "rutinstod_token"


def auth_configured(settings: Settings) -> bool:
    """Tell whether any way of authenticating is configured."""
    return bool(settings.caseworker_tokens or settings.routine_group_tokens or settings.auth_header)


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
    roles = roles_for_token(request_token(request), settings)
    if settings.auth_header:
        value = request.headers.get(settings.auth_header, "")
        roles |= {r.strip().lower() for r in value.split(",")} & ALL_ROLES
        if ROUTINE_GROUP in roles:
            roles |= {CASEWORKER}
    return frozenset(roles)


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


# Pages: a browser without the role is sent to the login form instead of getting JSON.
LOGIN_PATH = "/logga-in"


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
    raise LoginRequiredError(request.url.path, forbidden=bool(roles))


def safe_next(value: str | None) -> str:
    """Return a local path to go to after login; anything else becomes the chat page."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ch in value for ch in "\\\r\n\t") or value.startswith(LOGIN_PATH):
        return "/"
    return value


def login_url(next_path: str, forbidden: bool = False) -> str:
    """Return the login page's address, remembering where to go afterwards."""
    query = {"next": safe_next(next_path)}
    if forbidden:
        query["fel"] = "behorighet"
    return f"{LOGIN_PATH}?{urlencode(query)}"


async def redirect_to_login(_request: Request, exc: Exception) -> RedirectResponse:
    """Answer a page request that lacks its role with a redirect to the login form."""
    assert isinstance(exc, LoginRequiredError)
    return RedirectResponse(login_url(exc.next_path, exc.forbidden), status_code=303)


def set_login_cookie(response: Response, token: str, secure: bool) -> None:
    """Keep the token in an HttpOnly, SameSite=Strict session cookie."""
    response.set_cookie(
        TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )


def clear_login_cookie(response: Response) -> None:
    """Remove the login cookie."""
    response.delete_cookie(TOKEN_COOKIE, httponly=True, samesite="strict", path="/")
