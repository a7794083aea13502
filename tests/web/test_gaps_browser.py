"""The routine group's gaps page in a real Chromium: feedback shown, search by reference,
merging topics and moving a gap, each state checked with axe-core for WCAG 2.1 AA."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.web.axe import assert_accessible
from tests.web.test_browser import ask, screenshot

pytestmark = pytest.mark.browser
COVERED = "Vem beslutar om nödprövning?"
PNR = "19121212-1212"


def post(server: LiveServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST JSON to the app and return the JSON answer."""
    response = httpx.post(f"{server.url}{path}", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def refused(server: LiveServer, question: str) -> dict[str, Any]:
    """Ask a question no routine covers, over the API."""
    body = post(server, "/api/chat", {"question": question})
    assert body["kind"] == "refusal" and body["gap_ref"], f"{question} should be refused"
    return body


def search(page: Any, ref: str) -> Any:
    """Search the gaps page for a reference and return the matching gap entry."""
    page.get_by_label("Referens").fill(ref)
    page.get_by_role("button", name="Visa").click()
    page.locator("#gaps-status").filter(has_text="finns i ämnet").wait_for()
    return page.locator(".gap-entry.match")


def test_chat_shows_the_ref_and_the_gaps_page_finds_it(page: Any, live_server: LiveServer) -> None:
    question = "Hur söker man bygglov för en pergola?"
    page.goto(f"{live_server.url}/")
    answer = ask(page, question)
    notice = answer.locator(".gap-notice").inner_text()
    ref = answer.locator(".gap-ref").inner_text()
    assert notice == f"Frågan har skickats till rutingruppen, referens {ref}", notice
    assert_accessible(page, "chat with a refusal and its reference")
    page.goto(f"{live_server.url}/rutingrupp")
    page.locator("article.topic").first.wait_for()
    entry = search(page, f"{ref[:3].lower()} {ref[3:].lower()}")
    assert entry.count() == 1, "exactly the searched gap should be marked"
    assert ref in entry.inner_text() and question in entry.inner_text(), entry.inner_text()
    assert "Obesvarad" in entry.locator(".kind").inner_text(), "the type should be shown"
    assert page.locator("article.topic").count() == 1, "only the topic holding the ref"
    assert_accessible(page, "gaps page after a search by reference")
    page.get_by_label("Referens").fill("K7QM0X")
    page.get_by_role("button", name="Visa").click()
    page.locator("#gaps-status").filter(has_text="sex tecken").wait_for()
    assert page.get_by_label("Referens").get_attribute("aria-invalid") == "true", "not flagged"


def test_feedback_is_shown_with_the_answer_given(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    answer = ask(page, COVERED)
    given = answer.locator(".answer-body").inner_text()
    answer.get_by_role("button", name="Inte hjälpsamt").click()
    answer.get_by_text("Fel källa", exact=True).click()
    answer.get_by_label("Kommentar").fill(f"Klienten {PNR} fick fel besked om delegationen.")
    answer.get_by_role("button", name="Skicka omdöme").click()
    result = answer.locator(".feedback-result").filter(has_text="referens")
    result.wait_for()
    ref = result.inner_text().rsplit("referens ", 1)[1].rstrip(".")
    page.goto(f"{live_server.url}/rutingrupp?ref={ref}")
    entry = page.locator(".gap-entry.match")
    entry.wait_for()
    assert "Inte hjälpsamt" in entry.locator(".kind").inner_text(), "the type should be shown"
    facts = entry.locator(".feedback-facts").inner_text()
    assert "Fel källa" in facts and "fel besked om delegationen" in facts, facts
    assert PNR not in page.content() and "[PERSONNUMMER]" in facts, "the comment is not redacted"
    entry.get_by_text("Svaret som gavs").click()
    shown = entry.locator(".given-answer").inner_text()
    assert given.split("[")[0].strip()[:40] in shown, f"the answer given is missing: {shown}"
    assert entry.locator(".given-answer a").count() >= 1, "the answer's citations should link"
    assert_accessible(page, "gaps page with feedback and the answer given open")
    screenshot(page, "gap-feedback.png")


def topic_of(server: LiveServer, ref: str) -> dict[str, Any]:
    """Return the topic that holds a gap, over the API."""
    params = {"ref": ref}
    (topic,) = httpx.get(f"{server.url}/api/gaps/topics", params=params, timeout=30).json()
    return topic  # type: ignore[no-any-return]


def test_merge_topics_and_move_a_gap_on_the_page(page: Any, live_server: LiveServer) -> None:
    one = refused(live_server, "Vilken sorts kaffe ska köpas till fikarummet?")
    two = refused(live_server, "Hur ofta ska krukväxterna på kontoret vattnas?")
    first, second = topic_of(live_server, one["gap_ref"]), topic_of(live_server, two["gap_ref"])
    assert first["id"] != second["id"], "the test needs two topics"
    page.goto(f"{live_server.url}/rutingrupp")
    source = page.locator(f"article.topic[data-topic='{first['id']}']")
    source.get_by_label("Slå ihop med ämnet").select_option(second["id"])
    source.get_by_role("button", name="Slå ihop").click()
    page.locator("#gaps-status").filter(has_text="sammanslagna").wait_for()
    assert source.count() == 0, "the merged topic should leave the page"
    merged = page.locator(f"article.topic[data-topic='{second['id']}']")
    assert one["question"] in merged.inner_text(), "the gap should be in the kept topic"
    assert merged.locator("h2").inner_text() == second["label"], "the kept label should stay"
    focused = page.evaluate("document.activeElement.closest('article')?.dataset.topic")
    assert focused == second["id"], "focus should go to the kept topic"
    assert topic_of(live_server, one["gap_ref"])["count"] == first["count"] + second["count"]
    assert_accessible(page, "gaps page after merging two topics")
    entry = merged.locator(".gap-entry", has_text=one["question"])
    entry.get_by_text("Flytta till ett annat ämne").click()
    entry.get_by_label("Flytta frågan till").select_option(label="Ett nytt ämne")
    entry.get_by_role("button", name="Flytta").click()
    page.locator("#gaps-status").filter(has_text="är flyttad").wait_for()
    alone = topic_of(live_server, one["gap_ref"])
    assert alone["label"] == one["question"] and alone["count"] == 1, f"not moved: {alone}"
    card = page.locator(f"article.topic[data-topic='{alone['id']}']")
    assert card.locator("h2").inner_text() == one["question"], "the new topic is not shown"
    assert topic_of(live_server, two["gap_ref"])["count"] == second["count"], "sizes are off"
    assert_accessible(page, "gaps page after moving a gap to a new topic")
