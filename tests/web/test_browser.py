"""The pages in a real Chromium against the real app on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.prompts import NOTICE_REDACTED
from tests.conftest import CORPUS, ROOT, LiveServer
from tests.web.conftest import TIMEOUT, AuthServer

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "test-output" / "screenshots"
COVERED = "Vilka kontoutdrag ska begäras in vid nyansökan?"
UNCOVERED = "Hur söker man bygglov för en altan?"
SCRIPT = "<script>window.__pwned=1</script>"


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def ask(page: Any, question: str) -> Any:
    """Type a question, send it with Enter and return the finished answer."""
    before = page.locator("article.answer").count()
    page.fill("#question", question)
    with page.expect_response(lambda r: r.url.endswith("/api/chat/stream")) as streamed:
        page.press("#question", "Enter")
    content_type = streamed.value.headers["content-type"]
    assert content_type.startswith("text/event-stream"), f"the answer should stream: {content_type}"
    answer = page.locator("article.answer").nth(before)
    answer.locator(".feedback").wait_for()
    return answer


def assert_not_run(page: Any) -> None:
    """Check that no injected script has run."""
    pwned = page.evaluate("typeof window.__pwned")
    assert pwned == "undefined", "injected script ran in the page"


def test_chat_streams_an_answer_with_citations(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    assert page.get_by_text("Skriv inga personuppgifter").is_visible(), "privacy notice missing"
    answer = ask(page, COVERED)
    assert answer.locator("button.cite").count() >= 1, "the answer should cite a routine"
    assert "kontoutdrag" in answer.locator(".answer-body").inner_text().lower(), "off-topic"
    focused = page.evaluate("document.activeElement.classList.contains('answer')")
    assert focused, "focus should move to the finished answer"
    assert page.locator(".question-text").last.inner_text() == COVERED, "question not shown"
    assert answer.get_by_role("button", name="Hjälpsamt", exact=False).count() == 2, "no thumbs"
    screenshot(page, "chat.png")


def test_citation_opens_the_passage_highlighted(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    answer = ask(page, COVERED)
    marker = answer.locator("button.cite").first
    marker.click()
    panel = page.locator("#source-panel")
    assert panel.is_visible(), "the source panel should open"
    mark = panel.locator("#source-passage mark").first
    assert mark.inner_text().strip(), "the quoted sentence should be highlighted"
    assert "Typ" in panel.locator("#source-facts").inner_text(), "the type should be listed"
    href = panel.locator("#source-link").get_attribute("href") or ""
    assert href.startswith("/api/documents/"), f"the original file link is wrong: {href}"
    assert marker.get_attribute("aria-expanded") == "true", "the marker should say it is open"
    screenshot(page, "citation.png")
    page.keyboard.press("Escape")
    assert not panel.is_visible(), "Escape should close the panel"
    assert page.evaluate("document.activeElement.classList.contains('cite')"), "focus lost"


def test_uncovered_question_is_sent_to_the_routine_group(
    page: Any, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/")
    answer = ask(page, UNCOVERED)
    assert "refusal" in (answer.get_attribute("class") or ""), "the answer should be a refusal"
    heading = answer.locator("h2")
    assert heading.locator(".answer-kind").inner_text().lower() == "ingen rutin täcker frågan"
    assert heading.locator(".question-text").inner_text() == UNCOVERED, "heading names the question"
    notice = answer.locator(".gap-notice").inner_text()
    ref = answer.locator(".gap-ref").inner_text()
    assert notice == f"Frågan har skickats till rutingruppen, referens {ref}", notice
    gaps = httpx.get(f"{live_server.url}/api/gaps", params={"ref": ref}, timeout=30).json()
    assert [g["question"] for g in gaps] == [UNCOVERED], f"gap {ref} should be in the gap log"
    nearest = answer.locator(".nearest button.source-button")
    assert nearest.count() >= 1, "nearest documents should open at their passage"
    assert answer.locator("button.cite").count() == 0, "a refusal must not cite"


def test_feedback_is_stored(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    answer = ask(page, COVERED)
    answer.get_by_role("button", name="Inte hjälpsamt").click()
    answer.get_by_text("Ofullständigt", exact=True).click()
    answer.get_by_label("Kommentar").fill("Saknar vad som gäller för barnens konton.")
    answer.get_by_role("button", name="Skicka omdöme").click()
    result = answer.locator(".feedback-result")
    result.filter(has_text="Tack").wait_for()
    gaps = httpx.get(f"{live_server.url}/api/gaps", timeout=30).json()
    kinds = {g["kind"] for g in gaps if g["question"] == COVERED}
    assert "feedback" in kinds, f"unhelpful feedback should reach the gap log: {kinds}"


def test_keyboard_new_line_and_new_question(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    page.locator("#question").focus()
    page.keyboard.type("rad ett")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("rad två")
    assert page.input_value("#question") == "rad ett\nrad två", "Shift+Enter should add a line"
    assert page.locator(".turn").count() == 0, "Shift+Enter must not send"
    page.fill("#question", "")
    ask(page, COVERED)
    page.get_by_role("button", name="Ny fråga").click()
    page.get_by_role("button", name="Ja, börja om").click()
    assert page.locator(".turn").count() == 0, "Ny fråga should clear the conversation"
    assert page.evaluate("document.activeElement.id") == "question", "focus should go to the box"


def test_script_in_a_question_is_shown_as_text(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    question = f'{SCRIPT}<img src=x onerror="window.__pwned=2"> Vad gäller för hembesök?'
    ask(page, question)
    shown = page.locator(".question-text").last.inner_text()
    assert SCRIPT in shown, f"the question should be shown literally: {shown}"
    assert page.locator(".conversation img, .conversation script").count() == 0, "markup parsed"
    assert_not_run(page)


def test_redacted_question_and_notice_are_shown(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    answer = ask(page, "Vilka kontoutdrag ska begäras in vid nyansökan för 811218-9876?")
    shown = page.locator(".question-text").last.inner_text()
    assert "811218-9876" not in shown, f"the history should show the redacted question: {shown}"
    assert "[PERSONNUMMER]" in shown, f"the placeholder should be visible: {shown}"
    assert NOTICE_REDACTED in answer.locator(".notices").inner_text(), "the notice is missing"


def test_stream_error_is_shown_and_the_question_kept(page: Any, live_server: LiveServer) -> None:
    body = (
        'event: token\ndata: {"text": "Del av svar"}\n\n'
        'event: error\ndata: {"detail": "Ett fel uppstod när svaret skulle tas fram."}\n\n'
    )
    page.route(
        "**/api/chat/stream",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    page.goto(f"{live_server.url}/")
    page.fill("#question", COVERED)
    page.press("#question", "Enter")
    failed = page.locator("article.answer.failed")
    failed.wait_for()
    assert "Ett fel uppstod" in failed.inner_text(), "the stream's error should be shown"
    assert "Del av svar" not in failed.inner_text(), "a failed answer must not keep partial text"
    assert page.input_value("#question") == COVERED, "the question should be kept for a retry"


def test_narrow_screen_has_no_sideways_scroll(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(locale="sv-SE", viewport={"width": 640, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    for path in ("/", "/rutingrupp", "/rutingrupp/dokument"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 640, f"{path} scrolls sideways at 200 % zoom ({width}px)"
    context.close()


def log_in(page: Any, server: AuthServer, token: str, path: str) -> None:
    """Open a page, get sent to the login form, and log in with a token."""
    page.goto(f"{server.url}{path}")
    assert "/logga-in" in page.url, f"{path} should ask for login first"
    page.get_by_label("Inloggningskod").fill(token)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("networkidle")


def test_caseworker_cannot_open_the_review(page: Any, auth_server: AuthServer) -> None:
    log_in(page, auth_server, auth_server.caseworker_token, "/")
    assert page.get_by_role("heading", name="Fråga rutinerna").is_visible(), "chat not reached"
    assert page.get_by_role("link", name="Luckor i rutinerna").count() == 0, "menu shows review"
    page.goto(f"{auth_server.url}/rutingrupp")
    assert "/logga-in" in page.url and "fel=behorighet" in page.url, f"got {page.url}"
    assert page.get_by_text("ger inte tillgång").is_visible(), "the reason should be shown"


def resolve_topic(card: Any) -> None:
    """Mark a topic as resolved by a routine, checking that a document is required."""
    card.get_by_label("Status").select_option("åtgärdad")
    card.get_by_role("button", name="Spara").click()
    assert "Välj det dokument" in card.locator(".save-result").inner_text(), "doc not required"
    card.get_by_label("Dokument som nu täcker ämnet").select_option(
        "nyansokan_och_kontrollhandlingar.pdf"
    )
    card.get_by_label("Ansvarig").fill("Enhetschef ekonomiskt bistånd")
    card.get_by_label("Anteckning").fill("Hänvisas till kommunens bokningssystem.")
    card.get_by_role("button", name="Spara").click()
    card.locator(".save-result").filter(has_text="Sparat").wait_for()


def test_routine_group_resolves_a_topic_and_exports_csv(page: Any, auth_server: AuthServer) -> None:
    question = "Hur bokar man konferensrum i stadshuset?"
    headers = {"Authorization": f"Bearer {auth_server.routine_group_token}"}
    asked = httpx.post(
        f"{auth_server.url}/api/chat", json={"question": question}, headers=headers, timeout=60
    ).json()
    assert not asked["answered"], "the test question should be one no routine covers"
    log_in(page, auth_server, auth_server.routine_group_token, "/rutingrupp")
    # by its heading: every card also lists the other topics as merge targets
    card = page.locator("article.topic", has=page.locator("h2", has_text=question))
    resolve_topic(card)
    assert card.locator(".badge").inner_text() == "Åtgärdad", "the badge should update"
    screenshot(page, "gaps.png")
    topics = httpx.get(f"{auth_server.url}/api/gaps/topics", headers=headers, timeout=30).json()
    topic = next(t for t in topics if question in t["examples"])
    assert topic["status"] == "åtgärdad", f"the status was not stored: {topic}"
    assert topic["resolving_document"] == "nyansokan_och_kontrollhandlingar.pdf", topic
    page.locator("#filter-status").select_option("åtgärdad")
    page.get_by_role("button", name="Visa").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exportera till CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("id;tid;typ;fråga"), f"unexpected CSV header: {csv_text[:80]}"
    assert question in csv_text and "åtgärdad" in csv_text, "the resolved gap should be exported"
    statuses = {line.split(";")[5] for line in csv_text.splitlines()[1:] if line}
    assert statuses == {"åtgärdad"}, f"the status filter should apply to the export: {statuses}"


def make_docx(path: Path) -> Path:
    """Write a small routine about a made-up topic, with markup that must stay text."""
    from docx import Document

    document = Document()
    document.add_heading("Rutin för cykelbidrag", level=1)
    document.add_heading("1 Bidragets storlek", level=2)
    document.add_paragraph(
        "Cykelbidraget är 1 250 kr per år och betalas ut till medarbetare som cyklar till "
        f"arbetet. Blanketten heter {SCRIPT} i personalsystemet."
    )
    document.add_heading("2 Ansökan", level=2)
    document.add_paragraph("Ansökan om cykelbidrag lämnas till närmaste chef senast 31 mars.")
    document.save(str(path))
    return path


@pytest.fixture
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Serve a fresh index holding one small document, so uploads leave the sample alone."""
    from services import Services
    from tests.conftest import ingest, make_settings
    from web.app import create_app

    settings = make_settings(tmp_path_factory.mktemp("upload-data"))
    ingest(settings, [CORPUS / "ovrigt" / "telefontider_och_kontaktvagar.html"], progress=False)
    components = Services(settings)
    try:
        with LiveServer(create_app(settings, components)) as server:
            yield server
    finally:
        components.close()


def upload(page: Any, server: LiveServer, path: Path) -> None:
    """Upload a file on the documents page and wait for the result."""
    page.goto(f"{server.url}/rutingrupp/dokument")
    page.get_by_label("Fil (PDF, DOCX, Markdown eller HTML)").set_input_files(str(path))
    page.get_by_role("button", name="Läs uppgifter ur filen").click()
    page.locator("#meta-form").wait_for()  # the metadata read from the file, to confirm
    page.get_by_role("button", name="Ladda upp och läs in").click()
    result = page.locator("#upload-result")
    result.filter(has_text=re.compile("inläst|kunde inte")).wait_for()
    assert "är inläst" in result.inner_text(), f"upload failed: {result.inner_text()}"


def test_uploaded_docx_is_answered_from_and_retired(
    page: Any, upload_server: LiveServer, tmp_path: Path
) -> None:
    upload(page, upload_server, make_docx(tmp_path / "cykelbidrag.docx"))
    row = page.locator("#documents-body tr", has_text="cykelbidrag")
    row.first.wait_for()  # the list reloads after the result is shown
    assert row.count() == 1, "the uploaded document should be listed"
    page.goto(f"{upload_server.url}/")
    answer = ask(page, "Hur stort är cykelbidraget per år?")
    assert "1 250 kr" in answer.locator(".answer-body").inner_text(), "the unique fact is missing"
    answer.locator("button.cite").first.click()
    panel = page.locator("#source-panel")
    assert "Rutin för cykelbidrag" in panel.locator("#source-title").inner_text(), "wrong source"
    assert SCRIPT in panel.locator("#source-passage").inner_text(), "markup should be text"
    assert page.locator("#source-panel script").count() == 0, "the document's markup was parsed"
    assert_not_run(page)
    page.goto(f"{upload_server.url}/rutingrupp/dokument")
    row = page.locator("#documents-body tr", has_text="cykelbidrag")
    row.get_by_role("button", name=re.compile("Avveckla")).click()
    page.locator("#retire-confirm").click()
    page.locator("#documents-status").filter(has_text="avvecklat").wait_for()
    assert row.count() == 0, "the retired document should leave the documents in force"
    retired = page.locator("#retired-body tr", has_text="cykelbidrag")
    assert retired.count() == 1, "the retired document is kept, listed as retired"
