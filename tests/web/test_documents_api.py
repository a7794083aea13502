"""The documents API over a real index: upload preview and confirmed metadata, Avveckla,
Återaktivera, Ta bort, dismissing a failed file, and Swedish error messages.

One app over a corpus of its own (real model, chroma and SQLite), shared by the module;
every test uploads documents of its own, so none depends on another's order.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from services import Services
from tests.conftest import ingest, make_settings
from tests.documents import make_docx
from tests.web.conftest import grouped_client

CYCLE_ROUTINE = """---
title: Rutin för cykelbidrag
type: rutin
---
# Rutin för cykelbidrag

## 1 Belopp

Cykelbidraget är 1 250 kr per år och betalas ut i mars.
"""
GROUPS_TOKEN = "rutingrupp-barn-testkod-5e1d"
EKONOMI_TOKEN = "rutingrupp-ekonomi-kod-77aa"


def plain_word_file(heading: str, body: str) -> bytes:
    """Return a DOCX as python-docx writes it: no title, author "python-docx", dated 2013."""
    document = docx.Document()
    document.add_heading(heading, level=1)
    document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-corpus")
    (folder / "rutiner").mkdir()
    (folder / "rutiner" / "cykelbidrag.md").write_text(CYCLE_ROUTINE, encoding="utf-8")
    (folder / "rutiner" / "trasig.docx").write_bytes(b"PK\x03\x04 inte en riktig docx")
    ekonomi = folder / "ekonomi"
    ekonomi.mkdir()
    (ekonomi / "_groups.yaml").write_text("groups: [ekonomi]\n", encoding="utf-8")
    (ekonomi / "budgetrutin.md").write_text(
        "# Rutin för budget\n\n## Budget\n\nBudgeten för hushållet lämnas in senast den 5:e.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("docs-data"), corpus_dir=corpus)
    ingest(settings, [corpus])
    return settings


@pytest.fixture(scope="module")
def group_client(settings: Settings, services: Services) -> Iterator[TestClient]:
    """The same index behind login: one routine-group token in `barn`, one in `ekonomi`."""
    tokens = {GROUPS_TOKEN: ["barn"], EKONOMI_TOKEN: ["ekonomi"]}
    with grouped_client(settings, services, tokens, caseworker_tokens=[GROUPS_TOKEN]) as client:
        yield client


def documents(client: TestClient) -> dict[str, dict[str, Any]]:
    """Return the listed documents by file name."""
    return {d["file_name"]: d for d in client.get("/api/documents").json()}


def files_of(settings: Settings) -> list[str]:
    """Return every file among the uploaded originals, hidden ones included."""
    folder = settings.files_dir
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def upload(client: TestClient, name: str, data: bytes, **fields: str) -> Any:
    """Upload a file with the upload form's fields."""
    return client.post("/api/documents", files={"file": (name, data)}, data=fields)


FORM = {
    "title": "Rutin för hemresor",
    "type": "rutin",
    "owner": "",
    "version": "1.0",
    "valid_from": "2026-01-01",
    "valid_to": "",
}


def test_preview_suggests_metadata_without_tool_names_and_stores_nothing(
    client: TestClient, settings: Settings
) -> None:
    before = documents(client)
    data = plain_word_file("Rutin för hemresor", "En hemresa beviljas en gång per år.")
    response = client.post("/api/documents/preview", files={"file": ("hemresor_v2.docx", data)})
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["title"] == "Rutin för hemresor", f"the title is the first heading: {shown}"
    assert shown["type"] == "rutin", "the type is read from the title's first word"
    assert shown["owner"] is None, "python-docx is a program, not an owner"
    assert shown["valid_from"] is None, "the 2013 template date is not a valid-from"
    assert shown["version"] == "2", "the version is read from the file name"
    assert any("python-docx" in note for note in shown["notes"]), shown["notes"]
    assert shown["replaces"] is None and shown["file_name"] == "hemresor_v2.docx"
    assert documents(client) == before, "a preview stores no document"
    assert files_of(settings) == [], "a preview leaves no file behind"


def test_preview_of_a_replacement_is_prefilled_from_the_indexed_document(
    client: TestClient,
) -> None:
    data = CYCLE_ROUTINE.replace("1 250", "1 400").encode()
    response = client.post("/api/documents/preview", files={"file": ("cykelbidrag.md", data)})
    assert response.status_code == 200, response.text
    shown = response.json()
    listed = documents(client)["cykelbidrag.md"]
    assert shown["replaces"] == {"id": listed["id"], "title": listed["title"], "version": None}
    assert shown["title"] == "Rutin för cykelbidrag" and shown["type"] == "rutin", shown
    assert "ersätter" in shown["notes"][0], shown["notes"]


def test_bad_input_to_preview_and_upload_is_refused_in_swedish(
    client: TestClient, settings: Settings
) -> None:
    unsupported = client.post("/api/documents/preview", files={"file": ("a.exe", b"MZ")})
    assert unsupported.status_code == 415, unsupported.text
    assert "Filtypen stöds inte" in unsupported.json()["detail"], unsupported.json()
    missing = client.post("/api/documents/preview")
    assert missing.status_code == 422 and missing.json()["detail"][0]["msg"] == "Fältet saknas."
    data = plain_word_file("Rutin för färdtjänst", "Färdtjänst beviljas av kommunen.")
    wrong = FORM | {"title": " ", "type": "memo", "valid_from": "2026-05-01"}
    wrong |= {"valid_to": "2026-04-01", "version": "x" * 51}
    refused = upload(client, "fardtjanst.docx", data, **wrong)
    assert refused.status_code == 422, refused.text
    messages = {e["loc"][-1]: e["msg"] for e in refused.json()["detail"]}
    assert messages == {
        "title": "Skriv dokumentets titel.",
        "type": "Välj en av typerna rutin, riktlinje, avvikelseanalys eller övrigt.",
        "valid_to": "”Gäller till” kan inte vara före ”Gäller från”.",
        "version": "Versionen får vara högst 50 tecken.",
    }, messages
    dated = upload(client, "fardtjanst.docx", data, **(FORM | {"valid_from": "1.5.2026"}))
    assert dated.json()["detail"][0]["msg"].startswith("Skriv datumet som ÅÅÅÅ-MM-DD"), dated.text
    assert "fardtjanst.docx" not in documents(client), "a refused upload stores no document"
    assert files_of(settings) == [], "a refused upload leaves no file behind"


def test_upload_stores_the_confirmed_metadata(client: TestClient, settings: Settings) -> None:
    data = plain_word_file("Rutin för hemresor", "En hemresa beviljas en gång per år.")
    response = upload(client, "hemresor.docx", data, **FORM)
    assert response.status_code == 200, response.text
    listed = documents(client)["hemresor.docx"]
    assert listed["title"] == "Rutin för hemresor" and listed["type"] == "rutin", listed
    assert listed["owner"] is None, "an owner left empty stays empty (not python-docx)"
    assert listed["version"] == "1.0" and listed["valid_from"] == "2026-01-01", listed
    assert listed["valid_to"] is None and listed["retired"] is False, listed
    assert "hemresor.docx.meta.yaml" in files_of(settings), "the metadata is kept beside it"


def ask(client: TestClient, question: str) -> dict[str, Any]:
    """Ask over the API and return the answer."""
    response = client.post("/api/chat", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def cited(answer: dict[str, Any]) -> set[str]:
    """Return the file names an answer cites."""
    return {c["document"] for c in answer["citations"]}


SKATE = "# Rutin för skridskobidrag\n\n## Belopp\n\nSkridskobidraget är 640 kr per säsong.\n"
SKATE_QUESTION = "Hur stort är skridskobidraget per säsong?"


def test_avveckla_keeps_the_document_out_of_force_and_reactivate_undoes_it(
    client: TestClient,
) -> None:
    assert upload(client, "skridsko.md", SKATE.encode()).status_code == 200
    doc_id = documents(client)["skridsko.md"]["id"]
    answer = ask(client, SKATE_QUESTION)
    assert "skridsko.md" in cited(answer), "answered from it before"
    verdict = {"answer_id": answer["answer_id"], "helpful": False, "reason": "föråldrat"}
    ref = client.post("/api/feedback", json=verdict).json()["gap_ref"]
    retired = client.post(f"/api/documents/{doc_id}/retire")
    assert retired.status_code == 200, retired.text
    shown = retired.json()
    assert shown["retired"] is True and shown["retired_at"], f"listed as retired: {shown}"
    assert shown["valid_to"] < shown["retired_at"][:10], "valid_to is yesterday"
    assert documents(client)["skridsko.md"]["retired"] is True, "kept in the list"
    assert "skridsko.md" not in cited(ask(client, SKATE_QUESTION)), "no longer used"
    (gap,) = client.get("/api/gaps", params={"ref": ref}).json()
    given = gap["answer"]["citations"]
    assert given and all(c["retired"] for c in given), f"the citation is not flagged: {given}"
    again = client.post(f"/api/documents/{doc_id}/retire")
    assert again.status_code == 409 and "avvecklat" in again.json()["detail"], again.text
    back = client.post(f"/api/documents/{doc_id}/reactivate")
    assert back.status_code == 200, back.text
    assert back.json()["retired"] is False and back.json()["valid_to"] is None, back.json()
    assert "skridsko.md" in cited(ask(client, SKATE_QUESTION)), "in force again"
    (gap,) = client.get("/api/gaps", params={"ref": ref}).json()
    assert not any(c["retired"] for c in gap["answer"]["citations"]), "flagged after reactivating"
    twice = client.post(f"/api/documents/{doc_id}/reactivate")
    assert twice.status_code == 409 and "inte avvecklat" in twice.json()["detail"], twice.text
    unknown = client.post("/api/documents/0123456789abcdef/retire")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Dokumentet finns inte."


def test_a_retirement_outlasts_a_changed_file(
    client: TestClient, settings: Settings, services: Services, corpus: Path
) -> None:
    doc_id = documents(client)["cykelbidrag.md"]["id"]
    assert client.post(f"/api/documents/{doc_id}/retire").status_code == 200
    path = corpus / "rutiner" / "cykelbidrag.md"
    path.write_text(CYCLE_ROUTINE.replace("1 250", "1 300"), encoding="utf-8")
    summary = services.ingestor.run([corpus], progress=False)
    outcome = next(o for o in summary.outcomes if o.path.name == "cykelbidrag.md")
    assert outcome.status == "updated", f"the changed file should be read again: {outcome}"
    listed = documents(client)["cykelbidrag.md"]
    assert listed["retired"] is True and listed["retired_at"], f"the retirement was lost: {listed}"
    assert client.post(f"/api/documents/{doc_id}/reactivate").status_code == 200
    assert documents(client)["cykelbidrag.md"]["retired"] is False


def test_ta_bort_deletes_the_document_its_passages_and_its_upload(
    client: TestClient, settings: Settings
) -> None:
    text = "# Rutin för pulkabidrag\n\n## Belopp\n\nPulkabidraget är 310 kr per vinter.\n"
    meta = FORM | {"title": "Rutin för pulkabidrag", "owner": "Enhetschef"}
    assert upload(client, "pulka.md", text.encode(), **meta).status_code == 200
    doc_id = documents(client)["pulka.md"]["id"]
    assert {"pulka.md", "pulka.md.meta.yaml"} <= set(files_of(settings))
    deleted = client.delete(f"/api/documents/{doc_id}")
    assert deleted.status_code == 204, deleted.text
    assert "pulka.md" not in documents(client), "the document is gone from the list"
    assert not {"pulka.md", "pulka.md.meta.yaml"} & set(files_of(settings)), files_of(settings)
    assert "pulka.md" not in cited(ask(client, "Hur stort är pulkabidraget per vinter?"))
    assert client.get(f"/api/documents/{doc_id}/file").status_code == 404
    assert client.delete(f"/api/documents/{doc_id}").status_code == 404, "deleted twice"


def test_a_failed_file_can_be_dismissed(client: TestClient) -> None:
    (failure,) = client.get("/api/documents/failures").json()
    assert failure["file_name"] == "trasig.docx", failure
    assert failure["message"] == "DOCX-filen är skadad (inte ett giltigt zip-arkiv).", failure
    dismissed = client.delete(f"/api/documents/failures/{failure['id']}")
    assert dismissed.status_code == 204, dismissed.text
    assert client.get("/api/documents/failures").json() == [], "the failure should be gone"
    again = client.delete(f"/api/documents/failures/{failure['id']}")
    assert again.status_code == 404 and again.json()["detail"] == "Felet finns inte i listan."


def broken_docx() -> bytes:
    """Return a zip archive that is no Word document (python-docx fails in English)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


ENGLISH = ("There is no", "while parsing", "expected", "item named", "KeyError", "Error")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("trasig.docx", broken_docx(), "DOCX-filen är skadad och kunde inte läsas."),
        ("trasig.pdf", b"%PDF-1.4 trasig", "PDF-filen är skadad och kunde inte läsas."),
        (
            "framsida.md",
            b"---\ntitle: [oavslutad\n---\n# Rubrik\n\nText.\n",
            "Front matter i Markdown-filen är inte giltig YAML (rad 2).",
        ),
    ],
)
def test_ingest_errors_are_swedish_without_a_library_s_text(
    client: TestClient, name: str, data: bytes, message: str
) -> None:
    for path in ("/api/documents/preview", "/api/documents"):
        response = client.post(path, files={"file": (name, data)})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail == f"Filen kunde inte läsas in: {message}", detail
        assert not any(word in detail for word in ENGLISH), f"English text shown: {detail}"


def test_a_document_outside_the_reader_s_groups_cannot_be_changed(
    group_client: TestClient,
) -> None:
    headers = {"Authorization": f"Bearer {EKONOMI_TOKEN}"}
    listed = group_client.get("/api/documents", headers=headers).json()
    budget = next(d for d in listed if d["file_name"] == "budgetrutin.md")
    outsider = {"Authorization": f"Bearer {GROUPS_TOKEN}"}
    for method, path in (
        ("POST", f"/api/documents/{budget['id']}/retire"),
        ("POST", f"/api/documents/{budget['id']}/reactivate"),
        ("DELETE", f"/api/documents/{budget['id']}"),
    ):
        response = group_client.request(method, path, headers=outsider)
        assert response.status_code == 404, f"{method} {path}: {response.text}"
    preview = group_client.post(
        "/api/documents/preview",
        files={"file": ("budgetrutin.md", b"# Budget\n\nText.\n")},
        headers=outsider,
    )
    assert preview.status_code == 409, "a hidden document's name is not revealed by a preview"
    still = {d["file_name"]: d for d in group_client.get("/api/documents", headers=headers).json()}
    assert still["budgetrutin.md"]["retired"] is False, "nothing changed"


def test_preview_keeps_a_real_title_property(client: TestClient, tmp_path: Path) -> None:
    path = make_docx(tmp_path / "x.docx", "Riktlinje för busskort", [("1 Regel", "Text om kort.")])
    response = client.post("/api/documents/preview", files={"file": ("x.docx", path.read_bytes())})
    shown = response.json()
    assert shown["title"] == "Riktlinje för busskort" and shown["type"] == "riktlinje", shown
