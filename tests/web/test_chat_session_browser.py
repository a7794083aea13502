"""The caseworker's conversation in a real Chromium: kept per tab, cleared only when confirmed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.web.axe import assert_accessible
from tests.web.test_browser import COVERED, UNCOVERED, ask

pytestmark = pytest.mark.browser

SIZES = [(1366, 900), (390, 844)]


def test_conversation_survives_a_reload_and_the_menu(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    ask(page, COVERED)
    ask(page, UNCOVERED)
    before = page.locator("article.answer").all_inner_texts()
    page.reload()
    page.locator("article.answer").nth(1).wait_for()
    assert page.locator("article.answer").all_inner_texts() == before, "lost on reload"
    assert page.locator("#empty").is_hidden(), "the empty hint should stay hidden"
    page.get_by_role("link", name="Fråga rutinerna").click()
    page.locator("article.answer").nth(1).wait_for()
    assert page.locator("article.answer").count() == 2, "lost after a click in the menu"
    page.locator("article.answer button.cite").first.click()
    assert page.locator("#source-panel").is_visible(), "a restored citation should open"


def test_conversation_is_kept_per_tab(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    ask(page, COVERED)
    other = page.context.new_page()
    other.goto(f"{live_server.url}/")
    other.locator("#empty").wait_for()
    assert other.locator("article.answer").count() == 0, "another tab must start empty"
    other.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_new_question_asks_before_it_clears(
    page: Any, live_server: LiveServer, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    ask(page, COVERED)
    assert_accessible(page, f"answered at {width}px")
    page.get_by_role("button", name="Ny fråga").click()
    dialog = page.get_by_role("dialog", name="Börja ett nytt samtal?")
    assert dialog.is_visible(), "Ny fråga should ask first"
    assert page.evaluate("document.activeElement.textContent") == "Avbryt", "safe default focus"
    assert_accessible(page, f"confirmation at {width}px")
    page.keyboard.press("Escape")
    assert not dialog.is_visible(), "Escape should cancel"
    assert page.locator("article.answer").count() == 1, "cancelling must keep the conversation"
    assert page.evaluate("document.activeElement.id") == "new-question", "focus back on the button"
    page.get_by_role("button", name="Ny fråga").click()
    page.get_by_role("button", name="Ja, börja om").click()
    assert page.locator("article.answer").count() == 0, "confirming should clear"
    page.reload()
    page.locator("#empty").wait_for()
    assert page.locator("article.answer").count() == 0, "a cleared conversation stays cleared"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_each_answer_heading_names_its_question(
    page: Any, live_server: LiveServer, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    ask(page, COVERED)
    ask(page, "Vilka kontoutdrag ska begäras in vid nyansökan för 811218-9876?")
    headings = page.get_by_role("heading", level=2).filter(has=page.locator(".question-text"))
    names = [" ".join(text.split()) for text in headings.all_inner_texts()]
    assert names[0].endswith(COVERED), f"the heading should name the question: {names}"
    assert "[PERSONNUMMER]" in names[1] and "811218" not in names[1], f"not redacted: {names}"
    labelled = page.locator("article.answer").first.get_attribute("aria-labelledby")
    accessible = page.locator(f"#{labelled}").text_content() or ""
    assert COVERED in accessible and accessible.startswith("Svar på"), accessible
    assert_accessible(page, f"two answers at {width}px")


PAST = (
    "Om kontoutdragen inte kom in vid ett stickprov 2023, inom hur många dagar skulle "
    "handläggaren skicka en påminnelse?"
)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_retired_version_is_flagged_with_its_successor(
    page: Any, live_server: LiveServer, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    answer = ask(page, PAST)
    sources = answer.locator(".sources").first.inner_text()
    assert "version 1.2" in sources, f"every citation should show its version: {sources}"
    retired = answer.locator(".source-retired").first.inner_text()
    assert "gällde till 31 december 2024" in retired, retired
    assert "Rutin för stickprovskontroller, version 2.0" in retired, retired
    assert_accessible(page, f"retired source at {width}px")
    answer.locator("button.cite").first.click()
    facts = page.locator("#source-facts").inner_text()
    assert "Gäller till" in facts and "version 2.0" in facts, facts
