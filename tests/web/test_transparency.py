"""The AI notice, the about page, the accessibility statement and decision requests over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from assistant.config import Settings
from assistant.prompts import DECISION_REQUEST_TEXT
from services import Services
from tests.conftest import LiveServer, make_settings
from tests.web.conftest import AuthServer
from web.app import create_app

DECISION = "Har Anna rätt till försörjningsstöd?"
ROUTINE_QUESTION = "Har en person med sjukersättning rätt till försörjningsstöd?"
CONTACT = "rutinstod@kommun.example"


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def contact_api(sample_settings: Settings, sample_components: Services) -> Iterator[httpx.Client]:
    """Serve the sample index with a contact address and other retention periods."""
    settings = make_settings(
        sample_settings.data_dir,
        contact_email=CONTACT,
        retention_answers_days=90,
        retention_feedback_days=0,
    )
    app = create_app(settings, sample_components)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def test_the_chat_shows_the_ai_notice_linking_to_the_about_page(api: httpx.Client) -> None:
    page = api.get("/").text
    assert 'id="ai-notice"' in page and "Svaren kommer från ett AI-system" in page, page
    assert 'href="/om-tjansten"' in page, "the notice should link to the about page"


@pytest.mark.parametrize("path", ["/", "/om-tjansten", "/tillganglighet", "/rutingrupp"])
def test_every_page_links_both_statements_in_its_footer(api: httpx.Client, path: str) -> None:
    page = api.get(path).text
    footer = page.split('<footer class="site-footer">', 1)[-1]
    assert 'href="/om-tjansten"' in footer, f"{path}: footer lacks the about link"
    assert 'href="/tillganglighet"' in footer, f"{path}: footer lacks the accessibility link"


def test_the_about_page_describes_the_configured_generator_and_retention(
    api: httpx.Client,
) -> None:
    response = api.get("/om-tjansten")
    assert response.status_code == 200, response.text
    page = response.text
    assert "Inbyggd extraktiv generator" in page, "the configured generator should be named"
    assert "Det fattar inga beslut." in page, "the page should say it does not decide cases"
    assert "365 dagar" in page and "730 dagar" in page, "retention periods should be listed"
    assert "händelselogg" in page.lower(), "the audit log should be described"
    assert "mailto:" not in page, "no contact address is configured"


def test_the_about_page_follows_the_settings(contact_api: httpx.Client) -> None:
    page = contact_api.get("/om-tjansten").text
    assert f'href="mailto:{CONTACT}"' in page, "the contact address should be a mailto link"
    assert "90 dagar" in page, "the answers' retention setting should show"
    assert "sparas tills vidare" in page, "0 days should read as kept until further notice"


def test_the_accessibility_statement_offers_a_way_to_report(contact_api: httpx.Client) -> None:
    response = contact_api.get("/tillganglighet")
    assert response.status_code == 200, response.text
    page = response.text
    assert "WCAG 2.1" in page and "Kända brister" in page, "conformance and gaps missing"
    assert f"mailto:{CONTACT}?subject=Tillg%C3%A4nglighetsproblem" in page, "no report link"
    assert "Digg" in page and "digg.se" in page, "the supervision pointer is missing"


def test_the_statements_are_public_when_login_is_required(auth_server: AuthServer) -> None:
    for path in ("/om-tjansten", "/tillganglighet"):
        response = httpx.get(f"{auth_server.url}{path}", follow_redirects=False)
        assert response.status_code == 200, f"{path} should be public: {response.status_code}"
    chat = httpx.get(f"{auth_server.url}/", follow_redirects=False)
    assert chat.status_code in {302, 303, 307}, "the chat itself still needs a login"


def test_a_decision_request_is_declined_with_pointers_and_no_gap(api: httpx.Client) -> None:
    gaps_before = len(api.get("/api/gaps").json())
    body = api.post("/api/chat", json={"question": DECISION}).json()
    assert body["kind"] == "decision_request", body
    assert body["answer"] == DECISION_REQUEST_TEXT and not body["answered"], body
    assert body["gap_id"] is None and body["gap_ref"] is None, "no gap for a decision request"
    assert body["nearest"], "the nearest routines should be given as pointers"
    assert all(n["type"] != "avvikelseanalys" for n in body["nearest"]), body["nearest"]
    assert any("ekonomiskt bistånd" in n["title"].lower() for n in body["nearest"]), body
    assert len(api.get("/api/gaps").json()) == gaps_before, "a gap was logged"
    verdict = {"answer_id": body["answer_id"], "helpful": False, "reason": "fel källa"}
    assert api.post("/api/feedback", json=verdict).status_code == 200, "feedback should work"


def test_a_decision_request_streams_its_final_kind(api: httpx.Client) -> None:
    question = "Ska jag bevilja hans ansökan?"
    with api.stream("POST", "/api/chat/stream", json={"question": question}) as response:
        blocks = [b for b in response.read().decode().split("\n\n") if b.startswith("event: final")]
    final = json.loads(blocks[0].split("\n", 1)[1].removeprefix("data: "))
    assert final["kind"] == "decision_request" and final["gap_id"] is None, final


def test_a_routine_question_about_eligibility_is_not_declined(api: httpx.Client) -> None:
    body = api.post("/api/chat", json={"question": ROUTINE_QUESTION}).json()
    assert body["kind"] != "decision_request", body


def test_the_schema_lists_the_decision_request_kind(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    kinds = schema["components"]["schemas"]["ChatResponseOut"]["properties"]["kind"]["enum"]
    assert "decision_request" in kinds, kinds
