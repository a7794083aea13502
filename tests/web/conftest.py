"""Fixtures for the web tests: a live app with login tokens or OIDC sign-in, and Chromium."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from services import Services
from tests.conftest import LiveServer, make_settings
from tests.oidc_provider import OIDCProvider
from web.app import create_app

CASEWORKER_TOKEN = "handlaggare-testkod-7f3a"
ROUTINE_GROUP_TOKEN = "rutingrupp-testkod-91c2"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
TIMEOUT = 60_000


@dataclass(frozen=True)
class AuthServer:
    """A live app that requires login, with one token per role."""

    url: str
    caseworker_token: str
    routine_group_token: str


@pytest.fixture(scope="module")
def services(settings: Settings) -> Iterator[Services]:
    """Services over the index of a module that builds its own (its `settings` fixture)."""
    built = Services(settings)
    yield built
    built.close()


@pytest.fixture(scope="module")
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    """That module's app without login."""
    with TestClient(create_app(settings, services)) as client:
        yield client


@contextmanager
def grouped_client(
    settings: Settings,
    services: Services,
    token_groups: dict[str, list[str]],
    caseworker_tokens: Sequence[str] = (),
) -> Iterator[TestClient]:
    """The same index behind login: each token a routine-group member of its groups."""
    login = make_settings(
        settings.data_dir,
        corpus_dir=settings.corpus_dir,
        routine_group_tokens=list(token_groups),
        caseworker_tokens=list(caseworker_tokens),
        token_groups=token_groups,
    )
    with TestClient(create_app(login, services)) as client:
        yield client


@pytest.fixture(scope="session")
def auth_server(sample_settings: Settings, sample_components: Services) -> Iterator[AuthServer]:
    """Serve the sample index with bearer tokens configured, sharing the sample components."""
    settings = make_settings(
        sample_settings.data_dir,
        caseworker_tokens=[CASEWORKER_TOKEN],
        routine_group_tokens=[ROUTINE_GROUP_TOKEN],
    )
    with LiveServer(create_app(settings, sample_components)) as server:
        yield AuthServer(server.url, CASEWORKER_TOKEN, ROUTINE_GROUP_TOKEN)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Debian's Chromium through Playwright, or skip when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """Open a Swedish browser page; fail the test on script errors or CSP violations."""
    context = browser.new_context(
        locale="sv-SE", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    assert not problems, f"the page raised errors or broke the CSP: {problems}"


SESSION_SECRET = "sessionsnyckel-for-testerna-0123456789abcdef"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OIDCProvider]:
    """Serve the loopback OpenID Connect provider with the test users."""
    provider = OIDCProvider()
    provider.add_user("alva", name="Alva Handläggare", groups=["socialsekreterare"])
    provider.add_user("rut", name="Rut Rutingrupp", groups=["rutinstod-rutingrupp"])
    provider.add_user("ada", name="Ada Admin", groups=["it-admin"])
    provider.add_user("nils", name="Nils Utan Roll", groups=["annat"])
    provider.add_user("eva", name="Eva Ekonomi", groups=["socialsekreterare", "Ekonomi"])
    provider.add_user("bo", name="Bo Barn", groups=["socialsekreterare", "barn"])
    provider.add_user("rutek", name="Rut Ekonomi", groups=["rutinstod-rutingrupp", "ekonomi"])
    server = LiveServer(provider.app())
    provider.url = server.url
    with server:
        yield provider


def oidc_settings(data_dir: Path, provider: OIDCProvider, **overrides: object) -> Settings:
    """Return settings that sign users in at the loopback provider."""
    return make_settings(
        data_dir,
        oidc_issuer=provider.url,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        session_secret=SESSION_SECRET,
        oidc_roles={
            "socialsekreterare": "handlaggare",
            "rutinstod-rutingrupp": "rutingrupp",
            "it-admin": "admin",
        },
        **overrides,
    )


@pytest.fixture(scope="session")
def oidc_server(
    sample_settings: Settings, sample_components: Services, oidc_provider: OIDCProvider
) -> Iterator[LiveServer]:
    """Serve the sample index with sign-in at the loopback provider, and a caseworker token."""
    settings = oidc_settings(
        sample_settings.data_dir, oidc_provider, caseworker_tokens=[CASEWORKER_TOKEN]
    )
    with LiveServer(create_app(settings, sample_components)) as server:
        yield server


def sign_in(client: Any, provider: OIDCProvider, login: str, next_path: str = "/") -> Any:
    """Sign in through /login and the provider as a test user; return the last response."""
    start = client.get("/login", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 302, f"/login should redirect to the provider: {start.text}"
    location = start.headers["location"]
    assert location.startswith(provider.url), f"/login went elsewhere: {location}"
    return client.get(f"{location}&login_hint={login}", follow_redirects=True)
