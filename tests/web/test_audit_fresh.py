"""A fresh data directory over HTTP: the server's purge at start, uploads and retirements.

Its database is seeded with records of different ages before the real app starts, so the
purge the lifespan starts has something to remove; uploads change only this index.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services import Services
from tests.conftest import CORPUS, LiveServer, ingest, make_settings
from tests.records import EXPECTED, seed_records
from web.app import create_app


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Serve one small document and seeded old records, with no login (everyone is open)."""
    settings = make_settings(tmp_path_factory.mktemp("audit-data"))
    ingest(settings, [CORPUS / "ovrigt" / "telefontider_och_kontaktvagar.html"], progress=False)
    components = Services(settings)
    seed_records(components.database)
    try:
        with LiveServer(create_app(settings, components)) as server:
            yield server
    finally:
        components.close()


def events(server: LiveServer, action: str) -> list[dict[str, Any]]:
    """Return the events of one action, newest first."""
    response = httpx.get(f"{server.url}/api/audit", params={"action": action}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["events"]  # type: ignore[no-any-return]


def test_server_purges_old_records_at_start(fresh_server: LiveServer) -> None:
    deadline = time.monotonic() + 30
    while not (purged := events(fresh_server, "retention.purge")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert purged, "the server should purge at start"
    assert purged[-1]["detail"] == EXPECTED, f"unexpected counts: {purged[-1]['detail']}"
    assert purged[-1]["actor"] == "system:server", purged[-1]
    topics = httpx.get(f"{fresh_server.url}/api/gaps/topics", timeout=30).json()
    assert {t["id"] for t in topics} == {"t-kept", "t-mixed"}, "the kept and fresh topics stay"
    assert next(t for t in topics if t["id"] == "t-kept")["keep"] is True, "keep is shown"


def test_upload_and_retirement_are_logged(fresh_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "rutin_for_nyckelkvittens.md"
    path.write_text(
        "# Rutin för nyckelkvittens\n\n## 1 Kvittens\n\nNycklar till arkivet kvitteras hos "
        "receptionen och lämnas tillbaka samma dag.\n",
        encoding="utf-8",
    )
    with path.open("rb") as handle:
        uploaded = httpx.post(
            f"{fresh_server.url}/api/documents",
            files={"file": (path.name, handle, "text/markdown")},
            timeout=120,
        )
    assert uploaded.status_code == 200, uploaded.text
    document_id = uploaded.json()["document_id"]
    logged = events(fresh_server, "document.upload")[0]
    assert logged["target"] == document_id and logged["actor"] == "open:alla", logged
    assert logged["detail"] == {"file_name": path.name, "status": "added"}, logged
    retired = httpx.delete(f"{fresh_server.url}/api/documents/{document_id}", timeout=60)
    assert retired.status_code == 204, retired.text
    deleted = events(fresh_server, "document.delete")[0]
    assert deleted["target"] == document_id, "the uploaded copy's deletion names the document"
