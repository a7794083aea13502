"""Sign-in by OpenID Connect over HTTP, against the real provider in tests/oidc_provider.py."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from assistant.config import Settings
from services import Services
from tests.conftest import LiveServer
from tests.oidc_provider import OIDCProvider
from tests.web.conftest import CASEWORKER_TOKEN, oidc_settings, sign_in
from web.app import create_app
from web.oidc import SESSION_COOKIE


@pytest.fixture
def client(oidc_server: LiveServer) -> Iterator[httpx.Client]:
    """Return a fresh browser-like client (own cookie jar) for the app with OIDC."""
    with httpx.Client(base_url=oidc_server.url, follow_redirects=False, timeout=60) as http:
        yield http


@pytest.fixture
def provider(oidc_provider: OIDCProvider) -> Iterator[OIDCProvider]:
    """Return the provider, behaving again after each test."""
    yield oidc_provider
    oidc_provider.faults.clear()
    oidc_provider.end_session = True


def me(client: httpx.Client) -> dict[str, object]:
    """Return who the app thinks the client is."""
    response = client.get("/api/me")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def session_payload(client: httpx.Client) -> dict[str, object]:
    """Decode the signed session cookie's payload (readable, not encrypted)."""
    raw = client.cookies[SESSION_COOKIE].strip('"')
    payload = raw.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_pages_send_the_browser_to_the_provider(client: httpx.Client) -> None:
    page = client.get("/rutingrupp")
    assert page.status_code == 303, f"a page should redirect without a session: {page.status_code}"
    assert page.headers["location"] == "/login?next=%2Frutingrupp", "should go to /login"
    api = client.get("/api/gaps/topics")
    assert api.status_code == 401, "the API should answer 401, not redirect"
    start = client.get("/login", params={"next": "/rutingrupp"})
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"], f"PKCE must be used: {query}"
    assert query["state"][0] and query["nonce"][0], "state and nonce must be sent"
    assert "openid" in query["scope"][0].split(), "the openid scope must be asked for"


def test_sign_in_maps_roles_from_claims(client: httpx.Client, provider: OIDCProvider) -> None:
    landed = sign_in(client, provider, "alva")
    assert landed.status_code == 200, f"sign-in should end on the chat: {landed.status_code}"
    assert str(landed.url).endswith("/"), (
        f"sign-in should return to the page asked for: {landed.url}"
    )
    assert "Alva Handläggare" in landed.text, "the header should show the user's name"
    assert "Logga ut" in landed.text, "a signed-in page should offer logout"
    who = me(client)
    assert who["kind"] == "oidc" and who["name"] == "Alva Handläggare", who
    assert who["roles"] == ["handlaggare"], f"socialsekreterare maps to handlaggare: {who}"
    assert client.get("/rutingrupp").status_code == 303, "a caseworker must not see the review"
    stored = session_payload(client)
    assert set(stored) == {"user"}, f"only the user outlives the flow: {stored}"
    assert set(stored["user"]) == {"sub", "name", "roles", "groups", "at", "sid"}, stored  # type: ignore[arg-type]
    assert "token" not in json.dumps(stored), "no token may be kept in the cookie"


def test_routine_group_and_admin_roles(provider: OIDCProvider, oidc_server: LiveServer) -> None:
    with httpx.Client(base_url=oidc_server.url, timeout=60) as rut:
        sign_in(rut, provider, "rut")
        assert me(rut)["roles"] == ["handlaggare", "rutingrupp"], "the routine group also chats"
        assert rut.get("/rutingrupp").status_code == 200, "the routine group opens the review"
    with httpx.Client(base_url=oidc_server.url, timeout=60) as ada:
        sign_in(ada, provider, "ada")
        assert me(ada)["roles"] == ["admin"], "it-admin maps to admin"
        assert ada.get("/api/audit").status_code == 200, "an admin reads the audit log"
        assert ada.get("/api/gaps").status_code == 403, "an admin is not the routine group"


def test_user_without_a_role_is_told_so(client: httpx.Client, provider: OIDCProvider) -> None:
    landed = sign_in(client, provider, "nils")
    assert "fel=behorighet" in str(landed.url), f"no role: the login page says so: {landed.url}"
    assert "ger inte tillgång" in landed.text, "the page should explain the missing access"
    assert me(client)["kind"] == "oidc", "the user is signed in, just without a role"


def test_cookie_is_httponly_lax(client: httpx.Client, provider: OIDCProvider) -> None:
    start = client.get("/login")
    back = client.get(f"{start.headers['location']}&login_hint=alva")
    done = client.get(back.headers["location"])
    assert done.status_code == 303, f"the callback should redirect: {done.status_code} {done.text}"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}="), cookie
    for flag in ("httponly", "samesite=lax", "path=/", "max-age="):
        assert flag in cookie.lower(), f"the session cookie lacks {flag}: {cookie}"


def test_wrong_state_is_refused(client: httpx.Client, provider: OIDCProvider) -> None:
    start = client.get("/login")
    back = client.get(f"{start.headers['location']}&login_hint=alva")
    parts = urlsplit(back.headers["location"])
    code = parse_qs(parts.query)["code"][0]
    forged = client.get(f"{parts.path}?code={code}&state=forged-state")
    assert forged.status_code == 303, forged.text
    assert forged.headers["location"] == "/logga-in?fel=oidc", "a wrong state must fail"
    assert me(client)["kind"] == "anonymous", "nobody may be signed in after a wrong state"
    page = client.get("/logga-in?fel=oidc")
    assert "Inloggningen misslyckades" in page.text, "the login page should say it failed"


def test_callback_without_a_flow_is_refused(client: httpx.Client) -> None:
    response = client.get("/auth/callback?code=anything&state=anything")
    assert response.headers["location"] == "/logga-in?fel=oidc", "no flow, no sign-in"


@pytest.mark.parametrize("fault", ["tamper", "expired", "audience", "issuer", "nonce"])
def test_bad_id_token_is_refused(client: httpx.Client, provider: OIDCProvider, fault: str) -> None:
    provider.faults.add(fault)
    before = provider.token_requests
    landed = sign_in(client, provider, "alva")
    assert provider.token_requests == before + 1, "the code should have been exchanged"
    assert "fel=oidc" in str(landed.url), f"a {fault} ID token must not sign in: {landed.url}"
    assert me(client)["kind"] == "anonymous", f"a {fault} ID token signed someone in"


def test_logout_ends_the_session_here_and_at_the_provider(
    client: httpx.Client, provider: OIDCProvider
) -> None:
    sign_in(client, provider, "alva")
    assert me(client)["kind"] == "oidc", "precondition: signed in"
    logouts = len(provider.logouts)
    page = client.post("/logout")
    assert page.status_code == 200, f"a page that moves on to the provider: {page.status_code}"
    assert client.get("/api/me").json()["kind"] == "anonymous", "over here before the provider"
    link = re.search(r'id="provider-logout" href="([^"]+)"', page.text)
    assert link and link.group(1).startswith(f"{provider.url}/logout?"), page.text
    assert f'content="0;url={link.group(1)}"' in page.text, "the page should move on by itself"
    out = client.get(html.unescape(link.group(1)), follow_redirects=True)
    assert len(provider.logouts) == logouts + 1, "the provider's end_session_endpoint is used"
    called = provider.logouts[-1]
    assert called["client_id"] == provider.client_id, called
    assert called["post_logout_redirect_uri"].endswith("/logga-in?utloggad=1"), called
    assert "Du är utloggad" in out.text, "the browser should land on the login page"
    assert me(client)["kind"] == "anonymous", "the session must be over"
    assert client.get("/").status_code == 303, "the chat must ask for sign-in again"


def test_a_copy_of_the_cookie_is_dead_after_logout(
    client: httpx.Client, provider: OIDCProvider, oidc_server: LiveServer
) -> None:
    sign_in(client, provider, "alva")
    copied = client.cookies[SESSION_COOKIE]
    with httpx.Client(base_url=oidc_server.url, timeout=60) as thief:
        thief.cookies.set(SESSION_COOKIE, copied)
        assert me(thief)["kind"] == "oidc", "precondition: the copy works while signed in"
        client.post("/logout")
        assert me(thief)["kind"] == "anonymous", "logout must end the copy too"
        assert thief.get("/").status_code == 303, "the copy must not open the chat"


def test_logout_without_end_session_stays_local(
    provider: OIDCProvider, sample_settings: Settings, sample_components: Services
) -> None:
    provider.end_session = False  # read by the new app's first look at the discovery
    settings = oidc_settings(sample_settings.data_dir, provider)
    with (
        LiveServer(create_app(settings, sample_components)) as server,
        httpx.Client(base_url=server.url, timeout=60) as fresh,
    ):
        sign_in(fresh, provider, "alva")
        logouts = len(provider.logouts)
        out = fresh.post("/logout")
        assert out.status_code == 303, out.text
        assert out.headers["location"] == "/logga-in?utloggad=1", "straight to the login page"
        assert len(provider.logouts) == logouts, "a provider without end_session is not called"
        assert me(fresh)["kind"] == "anonymous", "the session must be over"


def test_audit_log_shows_sign_in_and_sign_out(
    provider: OIDCProvider, oidc_server: LiveServer
) -> None:
    with httpx.Client(base_url=oidc_server.url, timeout=60) as rut:
        sign_in(rut, provider, "rut")
        actor = me(rut)["actor"]
        assert str(actor).startswith("oidc:") and "rut" not in str(actor), "a keyed hash"
        events = rut.get("/api/audit", params={"actor": actor, "action": "login.success"})
        assert events.status_code == 200, events.text
        found = events.json()["events"]
        assert found, "the sign-in should be in the audit log"
        assert found[0]["actor_kind"] == "oidc" and found[0]["actor_name"] == "Rut Rutingrupp"
        assert found[0]["role"] == "rutingrupp", found[0]
        rut.post("/logout")
    with httpx.Client(base_url=oidc_server.url, timeout=60) as rut:
        sign_in(rut, provider, "rut")
        out = rut.get("/api/audit", params={"actor": actor, "action": "logout"}).json()
        assert out["total"] >= 1, "the sign-out should be in the audit log"
        failed = rut.get("/api/audit", params={"action": "login.failure"}).json()
        assert all(e["actor_kind"] == "anonymous" for e in failed["events"]), failed


def test_tokens_keep_working_for_machine_clients(client: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {CASEWORKER_TOKEN}"}
    who = client.get("/api/me", headers=headers).json()
    assert who["kind"] == "token" and who["roles"] == ["handlaggare"], who
    listed = client.get("/api/documents", headers=headers)
    assert listed.status_code == 200, "a token still opens the API"
