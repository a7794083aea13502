"""Uploads, red-team findings 3-6 and 8: bounded reading, rollback, names, replacing, links."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from ingest.lock import IngestLock
from ingest.uploads import upload_name
from services import Services
from tests.conftest import ingest, make_settings
from tests.documents import make_docx, make_pdf
from web.app import create_app

ROUTINE = (
    "---\ntitle: Rutin för cykelbidrag\ntype: rutin\n---\n# Rutin för cykelbidrag\n\n"
    "## 1 Belopp\n\nCykelbidraget är {amount} kr per år och betalas ut i mars.\n"
)
SWEDISH_WORDS = [
    "handläggaren",
    "beslut",
    "ansökan",
    "bistånd",
    "hushållet",
    "inkomst",
    "kontoutdrag",
    "hyra",
    "barn",
    "utredning",
    "socialnämnden",
    "försörjningsstöd",
    "riktlinje",
    "rutin",
    "uppföljning",
]


def note(text: str) -> bytes:
    """Return a small Markdown routine stating one fact."""
    return f"# Rutin\n\n## Regel\n\n{text}\n".encode()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "korpus"
    folder.mkdir()
    (folder / "cykelbidrag.md").write_text(ROUTINE.format(amount="1 250"), encoding="utf-8")
    return folder


def client_for(settings: Settings) -> Iterator[TestClient]:
    """Serve an app on its own index for one test."""
    components = Services(settings)
    try:
        with TestClient(create_app(settings, components)) as client:
            yield client
    finally:
        components.close()


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return make_settings(tmp_path / "data", corpus_dir=corpus, max_pages=3, max_unpacked_mb=1.0)


@pytest.fixture
def client(settings: Settings, corpus: Path) -> Iterator[TestClient]:
    ingest(settings, [corpus], progress=False)
    yield from client_for(settings)


def post(client: TestClient, name: str, data: bytes) -> tuple[int, dict[str, object]]:
    response = client.post("/api/documents", files={"file": (name, data, "text/plain")})
    return response.status_code, response.json()


def stored_files(settings: Settings) -> list[str]:
    """Return every file among the uploaded originals, hidden ones included."""
    folder = settings.files_dir
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_documents_past_a_limit_fail_alone_and_before_the_lock(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    pages = [[(f"{n} Avsnitt", f"Text på sida {n}.")] for n in range(1, 6)]
    pdf = make_pdf(tmp_path / "lang.pdf", "Lång rutin", pages).read_bytes()
    rng = random.Random(1)
    # About 1.5 MB of words: unpacks past the 1 MB limit, compresses far less than a bomb.
    body = " ".join(rng.choice(SWEDISH_WORDS) + str(rng.randrange(999)) for _ in range(150_000))
    docx = make_docx(tmp_path / "stor.docx", "Stor rutin", [("1 Text", body)]).read_bytes()
    with IngestLock(settings.data_dir):  # another ingest holds the lock meanwhile
        status, refused = post(client, "lang.pdf", pdf)
        assert status == 422 and "5 sidor; gränsen är 3" in str(refused["detail"]), refused
        status, refused = post(client, "stor.docx", docx)
        assert status == 422 and "gränsen är 1 MB" in str(refused["detail"]), refused
    assert stored_files(settings) == [], "a refused upload leaves no file"
    assert post(client, "ny.md", note("Nyckeln hämtas i receptionen."))[0] == 200


def big_routine(sections: int = 2000) -> bytes:
    """Return a Markdown routine of about 3.6 MB of words under many headings."""
    rng = random.Random(1)
    parts = [
        f"## {n} Avsnitt\n\n" + " ".join(rng.choice(SWEDISH_WORDS) for _ in range(200)) + "."
        for n in range(sections)
    ]
    return ("# Stor rutin\n\n" + "\n\n".join(parts)).encode()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"upload_timeout_seconds": 0.05}, ("tog längre än 0.05 sekunder",)),
        # Python's MemoryError, or a library that fails another way, past the cap.
        ({"upload_memory_mb": 256}, ("minne", "256 MB")),
    ],
)
def test_reading_is_bounded_in_time_and_memory(
    tmp_path: Path, corpus: Path, overrides: dict[str, float], expected: tuple[str, ...]
) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir=corpus, **overrides)
    for client in client_for(settings):
        status, refused = post(client, "stor.md", big_routine())
        assert status == 422 and all(e in str(refused["detail"]) for e in expected), refused
        assert stored_files(settings) == []
        assert client.get("/api/documents").json() == []


def test_upload_refused_by_the_lock_keeps_the_original(
    client: TestClient, settings: Settings, corpus: Path
) -> None:
    document = client.get("/api/documents").json()[0]
    revised = ROUTINE.format(amount="1 600").encode()
    with IngestLock(settings.data_dir):
        status, refused = post(client, "cykelbidrag.md", revised)
    assert status == 409, refused
    original = client.get(f"/api/documents/{document['id']}/file")
    assert "1 250 kr" in original.text and "1 600" not in original.text, original.text
    assert (corpus / "cykelbidrag.md").read_text(encoding="utf-8") == ROUTINE.format(amount="1 250")
    assert stored_files(settings) == []


def test_revised_document_replaces_the_one_in_force(
    client: TestClient, settings: Settings, corpus: Path
) -> None:
    before = client.get("/api/documents").json()
    status, body = post(client, "cykelbidrag.md", ROUTINE.format(amount="1 600").encode())
    assert status == 200 and body["status"] == "updated", body
    after = client.get("/api/documents").json()
    assert [d["id"] for d in after] == [d["id"] for d in before], "replaced, not added"
    assert "1 600 kr" in (corpus / "cykelbidrag.md").read_text(encoding="utf-8")
    answer = client.post("/api/chat", json={"question": "Hur mycket är cykelbidraget per år?"})
    assert "1 600 kr" in answer.json()["answer"], answer.json()
    assert stored_files(settings) == [], "the corpus file was replaced where it lies"


NAMES = [
    "(2024) Rutin bostad.md",
    "README.md",
    "_utkast.md",
    "«Rutin».md",
    "規" * 100 + ".md",
    "..\\..\\etc\\passwd.md",
]


def test_ordinary_file_names_are_accepted_and_leave_no_orphans(
    client: TestClient, settings: Settings
) -> None:
    for number, name in enumerate(NAMES):
        status, body = post(client, name, note(f"Regel nummer {number} gäller alla."))
        assert status == 200 and body["status"] == "added", (name, body)
        assert body["file_name"] == upload_name(name)
    listed = {d["file_name"] for d in client.get("/api/documents").json()}
    assert listed == {upload_name(n) for n in NAMES} | {"cykelbidrag.md"}, listed
    assert stored_files(settings) == sorted(upload_name(n) for n in NAMES)


def test_upload_name_is_safe_and_kept_readable() -> None:
    assert upload_name("(2024) Rutin bostad.md") == "(2024) Rutin bostad.md"
    assert upload_name("README.md") == "dokument README.md"
    assert upload_name("_utkast.md") == "utkast.md"
    assert upload_name("«Rutin».md") == "Rutin.md"
    assert upload_name("..\\..\\etc\\passwd.md") == "passwd.md"
    assert upload_name(".md") == "dokument.md"
    long = upload_name("規" * 100 + ".md")
    assert len(long.encode()) <= 200 and long.endswith(".md"), long
    assert upload_name("Ｒｕｔｉｎ.md") == "Rutin.md", "fullwidth letters are normalised"


def test_links_out_of_the_corpus_are_neither_read_nor_served(tmp_path: Path, corpus: Path) -> None:
    secret = tmp_path / "hemligt.md"
    secret.write_text("# Hemligt\n\n## Lösenord\n\nLösenordet till servern är hemligt.\n")
    (corpus / "lank.md").symlink_to(secret)
    settings = make_settings(tmp_path / "data", corpus_dir=corpus)
    summary = ingest(settings, [corpus], progress=False)
    assert [o.path.name for o in summary.outcomes] == ["cykelbidrag.md"], summary.outcomes
    for client in client_for(settings):
        document = client.get("/api/documents").json()[0]
        assert client.get(f"/api/documents/{document['id']}/file").status_code == 200
        # Swapped for a link after ingest: the original is no longer served.
        (corpus / "cykelbidrag.md").unlink()
        (corpus / "cykelbidrag.md").symlink_to(secret)
        swapped = client.get(f"/api/documents/{document['id']}/file")
        assert swapped.status_code == 404 and "Lösenordet" not in swapped.text, swapped.text
