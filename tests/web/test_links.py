"""Links to original files are the API's: the core stores document ids, web/ adds the url."""

from __future__ import annotations

import uuid

import httpx

from assistant.database import AnswerRow
from services import Services
from tests.conftest import LiveServer
from web.serialise import document_url, nearest_json

UNCOVERED = "Hur söker man bygglov för ett garage?"


def test_a_pdf_opens_at_its_page_and_other_files_at_their_start() -> None:
    assert document_url("d1", "rutin.pdf", 4) == "/api/documents/d1/file#page=4"
    assert document_url("d1", "RUTIN.PDF", 4) == "/api/documents/d1/file#page=4"
    assert document_url("d1", "rutin.md", 4) == "/api/documents/d1/file", "no page in text"
    assert document_url("d1", "rutin.pdf", None) == "/api/documents/d1/file"
    assert document_url("d1") == "/api/documents/d1/file"


def test_a_stored_url_is_ignored_and_groups_stay_last() -> None:
    stored = {"document": "a.md", "document_id": "d1", "title": "A", "url": "/old", "groups": ["x"]}
    shown = nearest_json(stored)
    assert shown["url"] == "/api/documents/d1/file", f"the link is made anew: {shown}"
    assert list(shown) == ["document", "document_id", "title", "url", "groups"], list(shown)


def test_the_gap_log_keeps_ids_and_the_api_adds_the_links(
    live_server: LiveServer, sample_components: Services
) -> None:
    refused = httpx.post(
        f"{live_server.url}/api/chat", json={"question": UNCOVERED}, timeout=120
    ).json()
    assert refused["gap_id"] and refused["nearest"], refused
    for entry in refused["nearest"]:
        expected = f"/api/documents/{entry['document_id']}/file"
        if entry["document"].endswith(".pdf") and entry["page"]:
            expected += f"#page={entry['page']}"  # a PDF opens at the nearest passage's page
        assert entry["url"] == expected, entry
    stored = next(g for g in sample_components.gaps.gaps() if g.id == refused["gap_id"])
    assert stored.nearest and all("url" not in n for n in stored.nearest), (
        f"the core should store no API address in a gap row: {stored.nearest}"
    )
    listed = httpx.get(
        f"{live_server.url}/api/gaps", params={"ref": refused["gap_ref"]}, timeout=30
    ).json()
    assert [n["url"] for n in listed[0]["nearest"]] == [n["url"] for n in refused["nearest"]]


def test_rows_stored_with_a_url_still_render_their_links(
    live_server: LiveServer, sample_components: Services
) -> None:
    document = sample_components.catalog.documents()[0]
    legacy = {"document": document.file_name, "document_id": document.id, "title": "T"}
    gap = sample_components.gaps.record_gap(
        "unanswered",
        "Gäller en gammal fråga om parkering?",
        "",
        None,
        [legacy | {"type": "rutin", "score": 0.5, "url": f"/api/documents/{document.id}/file"}],
    )
    answer_id = uuid.uuid4().hex
    cited = legacy | {"id": 1, "type": "rutin", "section": None, "page": 2, "quote": "q"}
    cited |= {"valid_from": None, "passage": "p", "url": "/api/documents/stale/file"}
    sample_components.gaps.record_answer(
        AnswerRow(
            id=answer_id,
            conversation_id=uuid.uuid4().hex,
            question="Gammal fråga?",
            answer="Gammalt svar [1].",
            answered=True,
            generator="extractive",
            citations=[cited],
        )
    )
    listed = httpx.get(f"{live_server.url}/api/gaps", params={"ref": gap.ref}, timeout=30).json()
    assert listed[0]["nearest"][0]["url"] == f"/api/documents/{document.id}/file", listed
    receipt = httpx.get(f"{live_server.url}/api/answers/{answer_id}", timeout=30).json()
    expected = document_url(document.id, document.file_name, 2)
    assert receipt["citations"][0]["url"] == expected, receipt["citations"][0]
