"""The caseworker's chat in a real Chromium: citation panel, notices, feedback and originals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.web.axe import assert_accessible
from tests.web.test_browser import COVERED, SCREENSHOTS, UNCOVERED, ask, screenshot

pytestmark = pytest.mark.browser


def screenshot_path(name: str) -> Any:
    """Return where a viewport screenshot goes, beside the full-page ones."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


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
    page.screenshot(path=str(screenshot_path("citation-dialog-390.png")))
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


def relative_luminance(rgb: str) -> float:
    """Return the WCAG relative luminance of a computed 'rgb(r, g, b)' colour."""
    values = [int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the contrast ratio of two computed colours."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_privacy_notice_is_a_warning_and_feedback_has_svg_icons(
    page: Any, live_server: LiveServer, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    notice = page.get_by_role("note", name="Varning: Skriv inga personuppgifter")
    assert notice.is_visible(), "the privacy notice should be a named, visible warning"
    icon = notice.locator("svg.notice-icon")
    assert icon.get_attribute("aria-hidden") == "true", "the warning icon is decoration"
    assert icon.bounding_box()["width"] >= 20, "the warning icon should be visible"
    style = notice.evaluate(
        "(n) => { const s = getComputedStyle(n); const t = n.querySelector('.privacy-title');"
        " return { bg: s.backgroundColor, border: s.borderLeftColor, width: s.borderLeftWidth,"
        " title: getComputedStyle(t).color, text: s.color,"
        " icon: getComputedStyle(n.querySelector('svg')).color }; }"
    )
    assert style["bg"] != "rgba(0, 0, 0, 0)", "the warning should have its own background"
    assert float(style["width"].rstrip("px")) >= 4, "the warning should have a strong edge"
    assert contrast(style["title"], style["bg"]) >= 7, f"the title is too faint: {style}"
    assert contrast(style["text"], style["bg"]) >= 7, f"the text is too faint: {style}"
    assert contrast(style["icon"], style["bg"]) >= 3, f"the icon is too faint: {style}"
    assert contrast(style["border"], style["bg"]) >= 3, f"the edge is too faint: {style}"
    answer = ask(page, COVERED)
    for name in ("Hjälpsamt", "Inte hjälpsamt"):
        button = answer.get_by_role("button", name=name, exact=True)
        assert button.count() == 1, f"no button named {name!r}"
        svg = button.locator("svg")
        assert svg.count() == 1 and svg.get_attribute("aria-hidden") == "true", "no SVG icon"
        assert svg.bounding_box()["width"] >= 16, "the icon should be visible"
        assert button.inner_text().strip() == name, "the label should be text, without emoji"
    answer.get_by_role("button", name="Inte hjälpsamt", exact=True).click()
    assert_accessible(page, f"privacy warning and feedback at {width}px")
    screenshot(page, f"chat-warning-feedback-{width}.png")


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_nearest_documents_open_at_their_passage(
    page: Any, live_server: LiveServer, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    answer = ask(page, UNCOVERED)
    nearest = answer.locator(".nearest button.source-button")
    assert nearest.count() >= 1, "the nearest documents should be buttons that open the panel"
    assert answer.locator(".nearest a").count() == 0, "not links to the whole file"
    title = nearest.first.locator(".source-title").inner_text()
    nearest.first.click()
    panel = page.locator("#source-panel")
    panel.wait_for()
    assert panel.locator("#source-title").inner_text() == title, "the wrong document opened"
    assert len(panel.locator("#source-passage").inner_text()) > 40, "the passage should be shown"
    assert panel.locator("#source-passage mark").count() == 0, "nothing is quoted in a refusal"
    assert "närmast frågan" in panel.locator("#source-hint").inner_text(), "misleading hint"
    facts = panel.locator("#source-facts").inner_text()
    assert "Avsnitt" in facts or "Sida" in facts, f"the passage's place should be named: {facts}"
    href = panel.locator("#source-link").get_attribute("href") or ""
    if "Sida" in facts and ".pdf" in facts:
        assert "#page=" in href, f"a PDF should open at the passage's page: {href}"
    assert nearest.first.get_attribute("aria-expanded") == "true", "the button should say open"
    assert_accessible(page, f"nearest passage open at {width}px")
    page.keyboard.press("Escape")
    assert not panel.is_visible(), "Escape should close the panel"
    assert page.evaluate("document.activeElement.classList.contains('source-button')")
    ref = answer.locator(".gap-ref").inner_text()
    gaps = httpx.get(f"{live_server.url}/api/gaps", params={"ref": ref}, timeout=30).json()
    stored = [n for g in gaps for n in g["nearest"]]
    assert stored and all(n.get("passage") is None for n in stored), "the gap log keeps no text"


DOCX_QUESTION = "Hur mycket får en ensamstående vuxen i akuta matpengar per dag?"
MD_QUESTION = "Hur snabbt måste jag rapportera ett missförhållande enligt lex Sarah?"


def open_original(page: Any, server: LiveServer, question: str, suffix: str) -> Any:
    """Ask, open the citation from a file with the suffix, and follow "Öppna originalet"."""
    answer = ask(page, question)
    source = answer.locator(".sources button.source-button", has_text="")
    for index in range(source.count()):
        source.nth(index).click()
        facts = page.locator("#source-facts").inner_text()
        if suffix in facts:
            break
        page.keyboard.press("Escape")
    else:
        raise AssertionError(f"no citation from a {suffix} file")
    link = page.locator("#source-link")
    href = link.get_attribute("href") or ""
    assert href.startswith("/dokument/"), f"a {suffix} should open as a readable page: {href}"
    with page.context.expect_page() as opened:
        link.click()
    original = opened.value
    original.wait_for_load_state()
    return original


def test_docx_original_opens_as_a_readable_page(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    original = open_original(page, live_server, DOCX_QUESTION, ".docx")
    assert original.locator("h1").count() == 1, "the document's title is the page's one h1"
    body = original.locator(".original-body")
    assert body.locator("h2").count() >= 3, "the document's headings should be headings"
    assert body.locator("p").count() >= 5, "the paragraphs should be paragraphs"
    assert body.locator("li").count() >= 3, "the lists should be lists"
    table = body.locator("table").first
    assert table.locator("th").count() >= 2, "a table should have its column headers"
    assert "100 kr" in body.locator("table").all_inner_texts().__str__(), "the amounts table"
    current = original.locator("#avsnitt")
    assert current.count() == 1, "the cited section's heading should be the anchor"
    assert current.is_visible() and current.bounding_box()["y"] < 900, "opened at the section"
    download = original.get_by_role("link", name="Ladda ner originalfilen")
    assert (download.get_attribute("href") or "").endswith("/file"), "download the original"
    with original.expect_download() as got:
        download.click()
    assert got.value.suggested_filename.endswith(".docx"), got.value.suggested_filename
    assert_accessible(original, "DOCX original as a page")
    screenshot(original, "original-docx.png")
    original.close()


def test_markdown_original_renders_without_front_matter(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    original = open_original(page, live_server, MD_QUESTION, ".md")
    body = original.locator(".original-body")
    text = body.inner_text()
    assert "valid_from:" not in text and "owner:" not in text, "the front matter should go"
    assert not text.lstrip().startswith("---"), "the front matter's fence should go"
    assert "#" not in (body.locator("h2").first.inner_text()), "headings should be rendered"
    assert body.locator("h2, h3").count() >= 3, "Markdown headings should be headings"
    assert original.locator("#avsnitt").count() <= 1
    assert_accessible(original, "Markdown original as a page")
    original.close()


def test_markdown_markup_stays_text() -> None:
    from web.originals import markdown_html

    source = (
        "---\ntitle: Prov\nowner: Någon\n---\n# Rubrik\n\n<script>alert(1)</script>\n\n"
        "[länk](javascript:alert(1)) och **fet**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    html = str(markdown_html(source.encode()))
    assert "<script>" not in html and "&lt;script&gt;" in html, html
    assert "javascript:" not in html.replace("[länk](javascript:alert(1))", ""), html
    assert "<h2>Rubrik</h2>" in html and "<strong>fet</strong>" in html, html
    assert "<table>" in html and "title: Prov" not in html, html


def test_original_page_redirects_other_files_and_hides_unknown_ones(
    live_server: LiveServer, auth_server: Any
) -> None:
    documents = httpx.get(f"{live_server.url}/api/documents", timeout=30).json()
    pdf = next(d for d in documents if d["file_name"].endswith(".pdf"))
    got = httpx.get(f"{live_server.url}/dokument/{pdf['id']}", timeout=30)
    assert got.status_code == 303, got.status_code
    assert got.headers["location"] == f"/api/documents/{pdf['id']}/file", got.headers
    assert httpx.get(f"{live_server.url}/dokument/0123456789abcdef", timeout=30).status_code == 404
    docx = next(d for d in documents if d["file_name"].endswith(".docx"))
    anonymous = httpx.get(f"{auth_server.url}/dokument/{docx['id']}", timeout=30)
    assert anonymous.status_code in {302, 303, 307}, "the page should ask for login first"
    assert "/logga-in" in anonymous.headers["location"], anonymous.headers


# 1366×900 at 400 % zoom is 341.5×225 CSS pixels (WCAG 1.4.10 reflow).
ZOOMED = {"width": 342, "height": 225}
OVERFLOWING = """(root) => [...root.querySelectorAll('*')].filter((n) => {
  if (n.closest('.visually-hidden, [hidden], svg')) return false;
  const box = n.getBoundingClientRect();
  return box.width > 0 && (box.left < -1 || box.right > innerWidth + 1);
}).map((n) => n.tagName + '.' + n.className).slice(0, 5)"""


def assert_reflows(page: Any, root: str, state: str) -> None:
    """Fail if the page scrolls sideways or anything under root sticks out of the view."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= ZOOMED["width"], f"{state}: the page scrolls sideways ({width}px)"
    outside = page.locator(root).evaluate(OVERFLOWING)
    assert not outside, f"{state}: content is cut off at the sides: {outside}"


def test_chat_reflows_at_400_percent_zoom(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(locale="sv-SE", viewport=ZOOMED, device_scale_factor=4)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        answer = ask(page, COVERED)
        assert_reflows(page, "body", "answer at 400 %")
        assert_accessible(page, "answer at 400 %")
        answer.locator("button.cite").first.click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        assert_reflows(page, "#source-panel", "citation dialog at 400 %")
        panel = page.locator("#source-panel")
        box = panel.bounding_box()
        assert box["width"] <= ZOOMED["width"] and box["height"] <= ZOOMED["height"] + 1, box
        close = page.locator("#source-close")
        assert close.bounding_box()["y"] < ZOOMED["height"], "Stäng should be in view at once"
        inner = panel.evaluate("(n) => [n.scrollWidth, n.clientWidth, n.scrollHeight]")
        assert inner[0] <= inner[1], f"the dialog scrolls sideways: {inner}"
        link = page.locator("#source-link")
        link.scroll_into_view_if_needed()
        assert link.is_visible(), "the end of the dialog should be reachable by scrolling"
        assert link.bounding_box()["y"] + 10 <= ZOOMED["height"], "the link is cut off"
        assert_accessible(page, "citation dialog at 400 %")
        page.screenshot(path=str(screenshot_path("citation-dialog-400-percent.png")))
        page.keyboard.press("Escape")
        assert not panel.is_visible(), "Escape should close the dialog"
    finally:
        context.close()
