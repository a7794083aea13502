"""The AI notice, the statements and a decision request in a real Chromium, with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.axe import assert_accessible
from tests.web.conftest import TIMEOUT
from tests.web.test_browser import ask

pytestmark = pytest.mark.browser

# Desktop, a phone, and 400 % zoom of a 1280 px window (320 CSS pixels wide).
VIEWPORTS = {
    "desktop": ({"width": 1366, "height": 900}, 1),
    "phone": ({"width": 390, "height": 844}, 3),
    "zoom400": ({"width": 320, "height": 720}, 4),
}
PAGES = ["/", "/om-tjansten", "/tillganglighet"]


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """Open a Swedish page at one of the viewports; fail on script errors or CSP reports."""
    viewport, scale = VIEWPORTS[request.param]
    context = browser.new_context(locale="sv-SE", viewport=viewport, device_scale_factor=scale)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.viewport_name = request.param
    yield page
    context.close()
    assert not problems, f"script errors or CSP violations: {problems}"


def assert_no_horizontal_overflow(page: Any, state: str) -> None:
    """Fail when the page is wider than the viewport, so that it scrolls sideways."""
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{state}: content {widths[0]} px in a {widths[1]} px viewport"


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_accessible_and_fit(sized_page: Any, live_server: LiveServer, path: str) -> None:
    page = sized_page
    state = f"{path} at {page.viewport_name}"
    page.goto(f"{live_server.url}{path}")
    footer = page.locator("footer.site-footer")
    assert footer.get_by_role("link", name="Om tjänsten och AI").is_visible(), state
    assert footer.get_by_role("link", name="Tillgänglighetsredogörelse").is_visible(), state
    if path == "/":
        notice = page.locator("#ai-notice")
        assert notice.is_visible(), f"{state}: the AI notice should be visible"
        assert "AI-system" in notice.inner_text(), state
        assert notice.get_by_role("link").get_attribute("href") == "/om-tjansten", state
    else:
        assert page.locator("h1").is_visible(), f"{state}: the page should render its heading"
    assert_no_horizontal_overflow(page, state)
    assert_accessible(page, state)


def test_a_decision_request_in_the_chat(sized_page: Any, live_server: LiveServer) -> None:
    page = sized_page
    state = f"decision request at {page.viewport_name}"
    page.goto(f"{live_server.url}/")
    answer = ask(page, "Ska jag bevilja hans ansökan om försörjningsstöd?")
    heading = " ".join((answer.locator(".answer-heading").text_content() or "").split())
    # The heading says what kind of reply it is, then what was asked.
    assert heading.startswith("Rutinstöd fattar inte beslut i enskilda ärenden"), heading
    assert "bevilja hans ansökan" in heading, f"{state}: {heading}"
    assert "fattar inga beslut" in answer.locator(".answer-body").inner_text(), state
    pointers = answer.locator(".nearest")
    assert pointers.get_by_role("heading", name="Rutiner som rör frågan").is_visible(), state
    assert pointers.locator("li button.source-button").count() >= 1, f"{state}: none to read"
    assert answer.locator(".gap-notice").count() == 0, f"{state}: no gap should be logged"
    assert page.locator("#ai-notice").is_visible(), f"{state}: the notice stays in the chat"
    assert_no_horizontal_overflow(page, state)
    assert_accessible(page, state)
