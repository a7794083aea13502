"""The citation panel in a real Chromium: a side panel on wide screens, a dialog on narrow ones."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.axe import assert_accessible
from tests.web.test_browser import COVERED, ask

pytestmark = pytest.mark.browser

IN_PANEL = "document.getElementById('source-panel').contains(document.activeElement)"


def open_citation(page: Any, server: LiveServer, width: int, height: int) -> Any:
    """Ask a covered question at a size and open its first citation."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server.url}/")
    answer = ask(page, COVERED)
    marker = answer.locator("button.cite").first
    marker.click()
    page.locator("#source-panel").wait_for()
    return marker


def test_narrow_screen_shows_the_citation_as_a_modal_dialog(
    page: Any, live_server: LiveServer
) -> None:
    marker = open_citation(page, live_server, 390, 844)
    title = page.locator("#source-title").inner_text()
    dialog = page.get_by_role("dialog", name=title)
    assert dialog.is_visible(), "below 1024 px the citation should be a dialog named by its title"
    assert dialog.get_attribute("aria-modal") == "true", "the dialog should be modal"
    assert page.evaluate("document.activeElement.id") == "source-title", "focus on the title"
    inert = page.evaluate(
        "['.site-header', 'section.chat', '.site-footer', '.skip-link']"
        ".map((s) => document.querySelector(s).closest('[inert]') !== null)"
    )
    assert all(inert), f"the page behind the dialog should be inert: {inert}"
    passage = page.locator("#source-passage").bounding_box()
    facts = page.locator("#source-facts").bounding_box()
    assert passage["y"] < facts["y"], "the highlighted passage should come before the facts"
    mark = page.locator("#source-passage mark").first.bounding_box()
    assert mark["y"] < 844, "the highlighted sentence should be in view when the dialog opens"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dialog scrolls sideways ({width}px)"
    assert_accessible(page, "citation dialog at 390px")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "source-close", "Stäng after the title"
    for step in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate(IN_PANEL), f"Tab {step + 2} left the dialog"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(IN_PANEL), "Shift+Tab left the dialog"
    page.mouse.click(5, 5)  # on the dimmed page: focus leaves the dialog
    page.keyboard.press("Escape")
    assert not page.locator("#source-panel").is_visible(), "Escape should close it from anywhere"
    assert page.evaluate("document.activeElement.classList.contains('cite')"), "focus not returned"
    assert marker.get_attribute("aria-expanded") == "false", "the marker should say it is closed"
    assert page.locator("[inert]").count() == 0, "closing should make the page usable again"


def test_wide_screen_keeps_the_citation_as_a_side_panel(page: Any, live_server: LiveServer) -> None:
    open_citation(page, live_server, 1366, 900)
    panel = page.locator("#source-panel")
    assert panel.get_attribute("role") == "complementary", "a side panel, not a dialog"
    assert page.get_by_role("dialog").count() == 0, "no dialog on a wide screen"
    assert page.locator("[inert]").count() == 0, "the page stays usable beside the panel"
    chat = page.locator("section.chat").bounding_box()
    side = panel.bounding_box()
    assert side["x"] >= chat["x"] + chat["width"], "the panel should sit beside the chat"
    assert_accessible(page, "citation side panel at 1366px")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "source-close", "Stäng after the title"
    page.keyboard.press("Escape")
    assert not panel.is_visible(), "Escape should close the panel"
    assert page.evaluate("document.activeElement.classList.contains('cite')"), "focus not returned"
