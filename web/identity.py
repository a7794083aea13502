"""Who the caller is, as the audit log names them.

A bearer token is named by a keyed hash of the token; a trusted proxy's user by a
keyed hash of the user name the proxy sends in RUTINSTOD_AUTH_USER_HEADER (else shared
by everyone the proxy lets in); a user signed in by OIDC by a keyed hash of the
provider's subject, with their display name: `Actor("oidc", hash, role, name)`.
"""

from __future__ import annotations

from fastapi import Request

from assistant.audit import Actor, AuditLog
from assistant.config import Settings
from web.auth import (
    ADMIN,
    CASEWORKER,
    ROUTINE_GROUP,
    auth_configured,
    header_trusted,
    request_token,
    resolve_roles,
    roles_for_token,
    session_user,
)

# Without login everyone shares every role; with a proxy and no user header, everyone
# the proxy lets in shares one identity.
OPEN_ID = "alla"
SHARED_PROXY_ID = "delad"


def main_role(roles: frozenset[str]) -> str | None:
    """Return the strongest role held, the one the log shows."""
    for role in (ROUTINE_GROUP, ADMIN, CASEWORKER):
        if role in roles:
            return role
    return None


def token_actor(token: str, settings: Settings, audit: AuditLog) -> Actor:
    """Name the holder of a bearer token by its keyed hash."""
    return Actor("token", audit.credential_id(token), main_role(roles_for_token(token, settings)))


def oidc_actor(user: dict[str, object], audit: AuditLog) -> Actor:
    """Name a signed-in user by the keyed hash of their subject, with their name."""
    roles = frozenset(str(r) for r in user.get("roles", ()) or ())  # type: ignore[attr-defined]
    if ROUTINE_GROUP in roles:
        roles |= {CASEWORKER}
    name = str(user.get("name") or "") or None
    return Actor("oidc", audit.credential_id(str(user["sub"])), main_role(roles), name)


def actor_for(request: Request, settings: Settings, audit: AuditLog) -> Actor:
    """Return the actor behind a request: token, signed-in user, proxy user, open or anonymous."""
    roles = resolve_roles(request, settings)
    if not auth_configured(settings):
        return Actor("open", OPEN_ID, main_role(roles))
    token = request_token(request)
    if token and roles_for_token(token, settings):
        return token_actor(token, settings, audit)
    user = session_user(request, settings)
    if user is not None:
        return oidc_actor(user, audit)
    if roles and settings.auth_header and header_trusted(request, settings):
        name = request.headers.get(settings.auth_user_header or "", "").strip()
        subject = audit.credential_id(name) if name else SHARED_PROXY_ID
        return Actor("proxy", subject, main_role(roles))
    return Actor("anonymous", request.client.host if request.client else "-", None)
