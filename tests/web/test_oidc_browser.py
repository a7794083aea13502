"""Sign-in through the loopback OIDC provider in a real Chromium, a question, the audit log.

axe-core checks the login page with the provider's button against WCAG 2.1 AA.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.oidc_provider import OIDCProvider
from tests.web.test_audit_page import axe_violations
from tests.web.test_browser import COVERED, ask, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def as_rut(oidc_provider: OIDCProvider) -> Iterator[OIDCProvider]:
    """Let the provider sign in Rut (routine group) when the browser arrives."""
    oidc_provider.default_user = "rut"
    yield oidc_provider
    oidc_provider.default_user = None


def test_signs_in_asks_and_the_audit_log_shows_it(
    page: Any, oidc_server: LiveServer, as_rut: OIDCProvider
) -> None:
    page.goto(f"{oidc_server.url}/")
    page.wait_for_url(f"{oidc_server.url}/")  # /login, the provider, the callback, back
    header = page.locator(".site-header")
    assert "Rut Rutingrupp" in header.inner_text(), "the header should name the user"
    assert header.get_by_role("button", name="Logga ut").is_visible(), "logout is offered"
    answer = ask(page, COVERED)
    answer_id = answer.get_attribute("data-answer-id") or ""
    screenshot(page, "oidc-chat.png")

    who = page.request.get(f"{oidc_server.url}/api/me").json()
    assert who["kind"] == "oidc", f"the browser is signed in by OIDC: {who}"
    asked = page.request.get(
        f"{oidc_server.url}/api/audit", params={"actor": who["actor"], "action": "chat.ask"}
    ).json()["events"]
    assert asked, "the question should be in the audit log"
    assert asked[0]["actor_name"] == "Rut Rutingrupp", asked[0]
    if answer_id:
        assert asked[0]["target"] == answer_id, "the event names the stored answer"

    page.goto(f"{oidc_server.url}/rutingrupp/logg")
    body = page.locator("#audit-body")
    row = body.locator("tr", has_text="Ställde en fråga").first
    row.wait_for()
    assert "Rut Rutingrupp" in row.inner_text(), f"the row should name the user: {row.inner_text()}"

    header.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in?utloggad=1*")
    assert page.get_by_text("Du är utloggad").is_visible(), "the login page says so"
    assert as_rut.logouts, "the provider's end-session endpoint was visited"
    count, report = axe_violations(page)
    assert count == 0, f"WCAG 2.1 AA violations on the login page:\n{report}"
    screenshot(page, "oidc-login.png")
