"""Pages over HTTP: login cookie, redirects by role, the API's JSON errors, CSP-safe HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from assistant.config import Settings
from services import Services
from tests.conftest import LiveServer, make_settings
from tests.web.conftest import AuthServer
from web.app import create_app
from web.auth import TOKEN_COOKIE, login_url, safe_next

PAGES = ["/", "/rutingrupp", "/rutingrupp/dokument", "/rutingrupp/oversikt", "/logga-in"]


@pytest.fixture
def client(auth_server: AuthServer) -> Iterator[httpx.Client]:
    """Return a client for the app with login, not following redirects."""
    with httpx.Client(base_url=auth_server.url, follow_redirects=False, timeout=30) as http:
        yield http


def log_in(client: httpx.Client, token: str, next_path: str = "/") -> httpx.Response:
    """Post the login form."""
    return client.post("/logga-in", data={"token": token, "next": next_path})


@pytest.mark.parametrize(
    ("path", "location"),
    [("/", "/logga-in?next=%2F"), ("/rutingrupp", "/logga-in?next=%2Frutingrupp")],
)
def test_pages_redirect_to_login_without_credentials(
    client: httpx.Client, path: str, location: str
) -> None:
    response = client.get(path)
    assert response.status_code == 303, f"{path} should redirect, got {response.status_code}"
    assert response.headers["location"] == location, "the login link should remember the page"


def test_api_keeps_answering_json_errors(client: httpx.Client, auth_server: AuthServer) -> None:
    anonymous = client.get("/api/gaps/topics")
    assert anonymous.status_code == 401, "the API should answer 401, not redirect"
    assert anonymous.json()["detail"] == "Inloggning krävs.", "the 401 should be Swedish JSON"
    caseworker = client.get(
        "/api/gaps/topics", headers={"Authorization": f"Bearer {auth_server.caseworker_token}"}
    )
    assert caseworker.status_code == 403, "a caseworker must not read the gap log"
    overview = client.get(
        "/api/overview", headers={"Authorization": f"Bearer {auth_server.caseworker_token}"}
    )
    assert overview.status_code == 403, "a caseworker must not read the overview"


def test_wrong_token_shows_the_form_again(client: httpx.Client) -> None:
    response = log_in(client, "fel-kod")
    assert response.status_code == 401, "a wrong token should not log in"
    assert "Koden gäller inte" in response.text, "the form should say the code is wrong"
    assert TOKEN_COOKIE not in response.headers.get("set-cookie", ""), "no cookie on failure"


def test_login_sets_a_strict_httponly_cookie(client: httpx.Client, auth_server: AuthServer) -> None:
    response = log_in(client, auth_server.caseworker_token)
    assert response.status_code == 303, "a good token should redirect"
    assert response.headers["location"] == "/", "the caseworker should land on the chat"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}="), f"the login cookie should be set: {cookie}"
    for flag in ("HttpOnly", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), f"the cookie lacks {flag}: {cookie}"
    chat = client.get("/")
    assert chat.status_code == 200, "the cookie should open the chat"
    assert "Fråga rutinerna" in chat.text, "the chat page should render"
    assert "Logga ut" in chat.text, "a logged-in page should offer logout"


def test_caseworker_cookie_cannot_open_routine_group_pages(
    client: httpx.Client, auth_server: AuthServer
) -> None:
    log_in(client, auth_server.caseworker_token)
    for path in ("/rutingrupp", "/rutingrupp/dokument", "/rutingrupp/oversikt"):
        response = client.get(path)
        assert response.status_code == 303, f"a caseworker must not open {path}"
        assert "fel=behorighet" in response.headers["location"], "the redirect should say why"
    login = client.get(login_url("/rutingrupp", forbidden=True))
    assert "ger inte tillgång" in login.text, "the login page should explain the missing role"
    assert client.get("/api/gaps/topics").status_code == 403, "the API should refuse the cookie"
    assert "/rutingrupp" not in client.get("/").text, "the menu should hide the review pages"


def test_routine_group_login_returns_to_the_review(
    client: httpx.Client, auth_server: AuthServer
) -> None:
    response = log_in(client, auth_server.routine_group_token, "/rutingrupp")
    assert response.headers["location"] == "/rutingrupp", "login should return to the page"
    review = client.get("/rutingrupp")
    assert review.status_code == 200, "the routine group should open the review"
    assert "Luckor i rutinerna" in review.text, "the review page should render"
    assert client.get("/api/gaps/topics").status_code == 200, "the cookie should work for the API"


@pytest.mark.parametrize(
    "next_path", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(
    client: httpx.Client, auth_server: AuthServer, next_path: str
) -> None:
    response = log_in(client, auth_server.caseworker_token, next_path)
    assert response.headers["location"] == "/", f"{next_path!r} should become the chat page"


def test_safe_next_keeps_local_paths() -> None:
    assert safe_next("/rutingrupp/dokument") == "/rutingrupp/dokument", "local paths stay"
    assert safe_next("/logga-in?next=/") == "/", "the login page never loops to itself"
    assert safe_next(None) == "/", "no target means the chat page"


def test_logout_clears_the_cookie(client: httpx.Client, auth_server: AuthServer) -> None:
    log_in(client, auth_server.routine_group_token)
    response = client.post("/logga-ut")
    assert response.status_code == 303, "logout should redirect"
    assert response.headers["location"] == "/logga-in", "logout should show the login form"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f'{TOKEN_COOKIE}=""') or "Max-Age=0" in cookie, cookie
    assert client.get("/").status_code == 303, "after logout the chat should need login again"


@pytest.mark.parametrize("path", PAGES)
def test_pages_work_under_the_strict_csp(live_server: LiveServer, path: str) -> None:
    response = httpx.get(f"{live_server.url}{path}", timeout=30)
    assert response.status_code == 200, f"{path} should open without auth configured"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp, "pages should carry the strict CSP"
    html = response.text
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), f"{path} has an inline script"
    assert not re.search(r"\sstyle=", html), f"{path} has an inline style attribute"
    assert "<style" not in html, f"{path} has an inline style block"
    assert 'lang="sv"' in html, f"{path} should declare Swedish"


def test_login_page_without_auth_says_none_is_needed(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/logga-in", timeout=30)
    assert "Ingen inloggning är konfigurerad" in response.text, "the page should explain"


def test_static_files_are_served(live_server: LiveServer) -> None:
    for name in ("app.css", "chat.js", "gaps.js", "documents.js", "dom.js", "favicon.svg"):
        response = httpx.get(f"{live_server.url}/static/{name}", timeout=30)
        assert response.status_code == 200, f"/static/{name} should be served"


@pytest.fixture(scope="module")
def proxy_server(sample_settings: Settings, sample_components: Services) -> Iterator[LiveServer]:
    """Serve the app with roles taken from a trusted reverse-proxy header."""
    settings = make_settings(sample_settings.data_dir, auth_header="X-Rutinstod-Role")
    with LiveServer(create_app(settings, sample_components)) as server:
        yield server


def test_proxy_header_roles_open_the_pages(proxy_server: LiveServer) -> None:
    def get(path: str, role: str) -> httpx.Response:
        headers = {"X-Rutinstod-Role": role}
        return httpx.get(f"{proxy_server.url}{path}", headers=headers, timeout=30)

    assert get("/rutingrupp", "rutingrupp").status_code == 200, "the header should grant review"
    assert get("/", "rutingrupp").status_code == 200, "the routine group may use the chat"
    assert get("/rutingrupp", "handlaggare").status_code == 303, "a caseworker is redirected"
    login = httpx.get(f"{proxy_server.url}/logga-in", timeout=30)
    assert "gemensamma inloggning" in login.text, "without tokens the form should not be offered"
