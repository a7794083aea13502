"""A small OpenID Connect provider for the tests, served over HTTP on loopback.

It speaks the protocol for real: a discovery document, a JWKS with an RSA key made at
start, an authorization endpoint that requires PKCE (S256) and signs in a chosen test
user without a form, a token endpoint that checks the client, the code, the redirect
URI and the code verifier and returns an ID token signed RS256 with joserfc (the JOSE
library Authlib itself uses), and an end-session endpoint. Tests can make it misbehave
(`faults`) to check that the client refuses what it must: a tampered signature, an
expired token, a wrong audience, issuer or nonce.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

FAULTS = frozenset({"tamper", "expired", "audience", "issuer", "nonce"})


@dataclass
class Grant:
    """An authorization code waiting to be exchanged."""

    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    user: str
    scope: str


@dataclass
class OIDCProvider:
    """The provider's state: clients, users, codes issued and what it was asked."""

    client_id: str = "rutinstod"
    client_secret: str | None = "provider-test-secret-3b9d"
    url: str = ""  # set when served
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_user: str | None = None
    faults: set[str] = field(default_factory=set)
    end_session: bool = True
    grants: dict[str, Grant] = field(default_factory=dict)
    logouts: list[dict[str, str]] = field(default_factory=list)
    token_requests: int = 0

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})

    def add_user(self, login: str, **claims: Any) -> None:
        """Register a user whose ID token carries these claims (sub defaults to the login)."""
        self.users[login] = {"sub": login} | claims

    def app(self) -> Starlette:
        """Return the provider as an ASGI app."""
        return Starlette(
            routes=[
                Route("/healthz", lambda _r: PlainTextResponse("ok")),
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/logout", self.logout),
            ]
        )

    async def discovery(self, _request: Request) -> Response:
        """Serve the discovery document."""
        document = {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "scopes_supported": ["openid", "profile", "email"],
        }
        if self.end_session:
            document["end_session_endpoint"] = f"{self.url}/logout"
        return JSONResponse(document)

    async def jwks(self, _request: Request) -> Response:
        """Serve the public signing key."""
        return JSONResponse({"keys": [self.key.as_dict(private=False) | {"alg": "RS256"}]})

    async def authorize(self, request: Request) -> Response:
        """Sign in the user named by login_hint (or the default user) and send a code back."""
        query = request.query_params
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri.startswith("http"):
            return PlainTextResponse("unknown client or redirect_uri", status_code=400)
        state = query.get("state", "")

        def error(code: str) -> Response:
            params = urlencode({"error": code, "state": state})
            return RedirectResponse(f"{redirect_uri}?{params}", status_code=302)

        if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
            return error("unsupported_response_type")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return error("invalid_request")  # PKCE is required
        user = query.get("login_hint") or self.default_user
        if user not in self.users:
            return error("access_denied")
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            self.client_id,
            redirect_uri,
            query["code_challenge"],
            query.get("nonce"),
            user,
            query.get("scope", ""),
        )
        params = urlencode({"code": code, "state": state})
        return RedirectResponse(f"{redirect_uri}?{params}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            raw = base64.b64decode(header[6:]).decode()
            client_id, _, secret = raw.partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if client_id != self.client_id:
            return False
        return self.client_secret is None or secrets.compare_digest(secret, self.client_secret)

    async def token(self, request: Request) -> Response:
        """Exchange a code for tokens, checking client, redirect URI and code verifier."""
        self.token_requests += 1
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if digest.decode() != grant.challenge:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": grant.scope,
                "id_token": self.id_token(grant),
            }
        )

    def id_token(self, grant: Grant) -> str:
        """Sign an ID token for a grant, with any faults the test asked for."""
        now = int(time.time())
        claims = {
            "iss": "https://elsewhere.example" if "issuer" in self.faults else self.url,
            "aud": "another-client" if "audience" in self.faults else grant.client_id,
            "iat": now - 3600 if "expired" in self.faults else now,
            "exp": now - 1800 if "expired" in self.faults else now + 300,
            "nonce": "not-the-nonce" if "nonce" in self.faults else grant.nonce,
            "auth_time": now,
        } | self.users[grant.user]
        token = jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, self.key)
        if "tamper" in self.faults:  # another subject in the payload, the old signature
            head, _payload, signature = token.split(".")
            forged = json.dumps(claims | {"sub": "mallory"}).encode()
            payload = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
            token = f"{head}.{payload}.{signature}"
        return token

    async def logout(self, request: Request) -> Response:
        """Record an RP-initiated logout and send the browser where the client asked."""
        self.logouts.append(dict(request.query_params))
        target = request.query_params.get("post_logout_redirect_uri")
        if target:
            state = request.query_params.get("state")
            joiner = "&" if "?" in target else "?"
            suffix = f"{joiner}{urlencode({'state': state})}" if state else ""
            return RedirectResponse(f"{target}{suffix}", status_code=302)
        return PlainTextResponse("Du är utloggad från identitetsleverantören.")
