"""Named users by OpenID Connect: sign-in, the callback and sign-out.

Authlib's Starlette client runs the authorization code flow with PKCE (S256): it keeps
state, nonce and code verifier in the session while the user is at the provider, checks
the state on the way back, exchanges the code and verifies the ID token's signature
against the provider's JWKS, its issuer, audience, expiry and nonce. What is kept after
sign-in is the subject, the name, the roles mapped from the roles claim and the groups
from the groups claim that some document is restricted to; the tokens are dropped.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from joserfc.errors import JoseError
from starlette.middleware.sessions import SessionMiddleware

from assistant import audit
from assistant.access import normalize_groups
from assistant.config import Settings
from web.auth import (
    CASEWORKER,
    KNOWN_ROLES,
    LOGIN_PATH,
    ROUTINE_GROUP,
    SESSION_USER,
    TOKEN_COOKIE,
    clear_login_cookie,
    safe_next,
    session_user,
)
from web.identity import actor_for, oidc_actor

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
CALLBACK_PATH = "/auth/callback"
SESSION_COOKIE = "rutinstod_session"
NEXT_KEY = "next"
PROVIDER = "idp"
# What went wrong, for the login page (LOGIN_ERRORS in web/routes/pages.py).
FAILED, UNREACHABLE = "oidc", "oidc-natverk"


def discovery_url(settings: Settings) -> str:
    """Return the provider's discovery document address."""
    if settings.oidc_discovery_url:
        return settings.oidc_discovery_url
    return f"{(settings.oidc_issuer or '').rstrip('/')}/.well-known/openid-configuration"


def build_oauth(settings: Settings) -> OAuth:
    """Register the provider with Authlib: PKCE always, a secret for a confidential client."""
    oauth = OAuth()
    client_kwargs: dict[str, Any] = {"scope": settings.oidc_scopes, "code_challenge_method": "S256"}
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    if secret is None:
        client_kwargs["token_endpoint_auth_method"] = "none"
    oauth.register(
        PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        server_metadata_url=discovery_url(settings),
        client_kwargs=client_kwargs,
    )
    return oauth


def install_oidc(app: FastAPI, settings: Settings) -> None:
    """Add the signed session cookie and the sign-in routes when OIDC is configured."""
    if not settings.oidc_enabled or settings.session_secret is None:
        return
    app.state.oauth = build_oauth(settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_minutes * 60,
        same_site="lax",  # the provider's redirect back is a top-level GET from its site
        https_only=(settings.oidc_redirect_base_url or "").startswith("https://"),
    )
    app.include_router(router)


def claim(claims: dict[str, Any], path: str) -> list[str]:
    """Return a claim's values as strings; a dotted path reaches into nested objects."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def roles_from_claims(claims: dict[str, Any], settings: Settings) -> list[str]:
    """Map the roles claim's values to roles; the routine group may also use the chat."""
    mapping = {key.casefold(): str(role) for key, role in settings.oidc_roles.items()}
    values = {v.casefold() for v in claim(claims, settings.oidc_roles_claim)}
    roles = {mapping[v] for v in values if v in mapping} & KNOWN_ROLES
    if settings.oidc_default_role:
        roles.add(settings.oidc_default_role)
    if ROUTINE_GROUP in roles:
        roles.add(CASEWORKER)
    return sorted(roles)


def display_name(claims: dict[str, Any], settings: Settings) -> str:
    """Return the name to show: the configured claim, else the user name or e-mail."""
    for key in (settings.oidc_name_claim, "name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:120]
    return "Inloggad användare"


def user_from_claims(
    claims: dict[str, Any], settings: Settings, known_groups: frozenset[str]
) -> dict[str, Any]:
    """Return what the session keeps of a signed-in user.

    Only groups that some document is restricted to are kept: they are all that access
    needs, and a provider may send hundreds, more than a cookie holds.
    """
    groups = normalize_groups(claim(claims, settings.oidc_groups_claim))
    return {
        "sub": str(claims["sub"]),
        "name": display_name(claims, settings),
        "roles": roles_from_claims(claims, settings),
        "groups": [g for g in groups if g in known_groups],
        "at": int(time.time()),
        "sid": secrets.token_hex(16),  # ended on logout (assistant/sessions.py)
    }


def base_url(request: Request, settings: Settings) -> str:
    """Return the public address of the app, without a trailing slash."""
    if settings.oidc_redirect_base_url:
        return settings.oidc_redirect_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def login_failed(error: str) -> RedirectResponse:
    """Send the browser to the login page with a message."""
    return RedirectResponse(f"{LOGIN_PATH}?{urlencode({'fel': error})}", status_code=303)


@router.get("/login")
async def login(request: Request, next: str = "/") -> Response:
    """Send the browser to the identity provider to sign in."""
    settings: Settings = request.app.state.settings
    request.session[NEXT_KEY] = safe_next(next)
    try:
        return await request.app.state.oauth.idp.authorize_redirect(  # type: ignore[no-any-return]
            request, f"{base_url(request, settings)}{CALLBACK_PATH}"
        )
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.error("The identity provider could not be reached: %s", exc)
        return login_failed(UNREACHABLE)


@router.get(CALLBACK_PATH)
async def callback(request: Request) -> Response:
    """Take the provider's answer: check state, exchange the code, verify the ID token."""
    settings: Settings = request.app.state.settings
    services = request.app.state.services
    try:
        token = await request.app.state.oauth.idp.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise OAuthError(description="no ID token with a subject")
    except (OAuthError, JoseError, httpx.HTTPError, ValueError, KeyError) as exc:
        log.warning("Sign-in failed: %s", exc)
        anonymous = actor_for(request, settings, services.audit)
        services.audit.record(anonymous, audit.SIGN_IN_FAILED, None, method="oidc")
        for key in [k for k in request.session if k.startswith("_state_")]:
            request.session.pop(key)
        return login_failed(FAILED)
    user = user_from_claims(claims, settings, services.catalog.known_groups())
    next_path = safe_next(request.session.get(NEXT_KEY))
    request.session.clear()  # nothing of the flow (verifier, nonce) outlives it
    request.session[SESSION_USER] = user
    services.audit.record(oidc_actor(user, services.audit), audit.SIGNED_IN, None, method="oidc")
    return RedirectResponse(next_path, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session here and, when the provider offers it, at the provider too."""
    settings: Settings = request.app.state.settings
    services = request.app.state.services
    user = session_user(request, settings)
    if user is not None or request.cookies.get(TOKEN_COOKIE):
        services.audit.record(actor_for(request, settings, services.audit), audit.SIGNED_OUT)
    if user is not None:
        services.ended_sessions.end(str(user["sid"]))
    request.session.clear()
    provider_url = await provider_logout(request, settings) if user is not None else None
    response: Response
    if provider_url is None:
        response = RedirectResponse(f"{LOGIN_PATH}?utloggad=1", status_code=303)
    else:
        # A page that moves on by itself, not a redirect: the form's CSP (form-action
        # 'self') would stop a redirect from the logout form to the provider.
        response = templates.TemplateResponse(
            request, "logout.html", {"roles": frozenset(), "provider_url": provider_url}
        )
    clear_login_cookie(response)
    return response


async def provider_logout(request: Request, settings: Settings) -> str | None:
    """Return the provider's end-session address (RP-initiated logout), if it has one."""
    client = request.app.state.oauth.idp
    try:
        metadata = await client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        result = await client.create_logout_url(
            post_logout_redirect_uri=f"{base_url(request, settings)}{LOGIN_PATH}?utloggad=1",
            client_id=settings.oidc_client_id,
        )
    except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("Signing out at the identity provider is not possible: %s", exc)
        return None
    return str(result["url"])
