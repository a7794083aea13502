"""Answer receipts over HTTP: a stored answer keeps the document version it rested on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import yaml

from services import Services
from tests.conftest import CORPUS, LiveServer, make_settings
from tests.web.conftest import AuthServer
from web.app import create_app

COVERED = "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
QUESTION = "Hur mycket är cykelbidraget per år?"


def routine(version: str, amount: str) -> bytes:
    """Return one version of a small routine as Markdown with front matter."""
    return (
        f"---\ntitle: Rutin för cykelbidrag\ntype: rutin\nversion: '{version}'\n---\n"
        "# Rutin för cykelbidrag\n\n## 1 Belopp\n\n"
        f"Cykelbidraget är {amount} kr per år och betalas ut i mars.\n"
    ).encode()


def upload(url: str, data: bytes) -> None:
    """Upload the routine and check that it was ingested."""
    files = {"file": ("cykelbidrag.md", data, "text/markdown")}
    response = httpx.post(f"{url}/api/documents", files=files, timeout=120)
    assert response.status_code == 200, response.text


def ask(url: str) -> dict[str, object]:
    """Ask the question over HTTP and return the answer's id and first citation."""
    body = httpx.post(f"{url}/api/chat", json={"question": QUESTION}, timeout=60).json()
    assert body["answered"], body
    return body


def test_receipt_keeps_the_version_in_force_when_the_answer_was_given(tmp_path: Path) -> None:
    first_text, second_text = routine("1.0", "1 250"), routine("2.0", "1 400")
    settings = make_settings(tmp_path / "data")
    components = Services(settings)
    try:
        with LiveServer(create_app(settings, components)) as server:
            upload(server.url, first_text)
            first = ask(server.url)
            upload(server.url, second_text)
            second = ask(server.url)
            old = httpx.get(f"{server.url}/api/answers/{first['answer_id']}", timeout=10)
            new = httpx.get(f"{server.url}/api/answers/{second['answer_id']}", timeout=10)
    finally:
        components.close()
    assert old.status_code == 200 and new.status_code == 200, (old.text, new.text)
    kept, current = old.json()["citations"][0], new.json()["citations"][0]
    assert kept["version"] == "1.0", f"the receipt must keep the version then in force: {kept}"
    assert kept["content_hash"] == hashlib.sha256(first_text).hexdigest(), kept
    assert "1 250 kr" in kept["quote"], "the quote is the one the answer rested on"
    assert current["version"] == "2.0" and "1 400 kr" in current["quote"], current
    assert current["content_hash"] == hashlib.sha256(second_text).hexdigest(), current
    shown = first["citations"][0]  # type: ignore[index]
    for key in ("document", "document_id", "section", "page", "quote"):
        assert kept[key] == shown[key], f"{key} differs from the answer as given"
    assert old.json()["answer"] == first["answer"] and old.json()["question"] == QUESTION


def test_unknown_answer_is_404_in_swedish(auth_server: AuthServer) -> None:
    caseworker = {"Authorization": f"Bearer {auth_server.caseworker_token}"}
    missing = httpx.get(f"{auth_server.url}/api/answers/{'0' * 32}", headers=caseworker)
    assert missing.status_code == 404 and missing.json()["detail"] == "Svaret finns inte."


def test_stored_answers_need_the_caseworker_role(auth_server: AuthServer) -> None:
    caseworker = {"Authorization": f"Bearer {auth_server.caseworker_token}"}
    chat = httpx.post(
        f"{auth_server.url}/api/chat", json={"question": COVERED}, headers=caseworker, timeout=60
    ).json()
    url = f"{auth_server.url}/api/answers/{chat['answer_id']}"
    assert httpx.get(url).status_code == 401, "no token, no answer"
    stored = httpx.get(url, headers=caseworker)
    assert stored.status_code == 200, stored.text
    citation = stored.json()["citations"][0]
    assert citation["document"] == "nyansokan_och_kontrollhandlingar.pdf", citation
    folder = CORPUS / "rutiner"
    pdf, sidecar = (
        folder / citation["document"],
        folder / "nyansokan_och_kontrollhandlingar.meta.yaml",
    )
    expected = hashlib.sha256(pdf.read_bytes() + sidecar.read_bytes()).hexdigest()
    assert citation["content_hash"] == expected, "the hash is the file's and its sidecar's"
    assert citation["version"] == yaml.safe_load(sidecar.read_text())["version"], citation
    assert citation["page"] == chat["citations"][0]["page"], citation
