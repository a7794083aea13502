"""The index writer: crash-safe switching, reuse of stored embeddings, repair of lost vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.catalog import Catalog
from assistant.config import Settings
from assistant.database import Database
from assistant.store import open_vector_index
from services import Services
from tests.conftest import ROOT, ingest, make_settings
from tests.ingest.test_pipeline import assert_index_answers, write_routine
from web.app import create_app

# Run an ingest in a child process that kills itself with SIGKILL when the named
# IndexWriter step starts: a real kill, at a chosen point rather than after a guessed delay.
KILLED_INGEST = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from assistant.config import Settings
from assistant.database import Database
from ingest import index
from services import Services

def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

setattr(index.IndexWriter, sys.argv[4], die)
settings = Settings(_env_file=None, data_dir=Path(sys.argv[2]))
Services(settings).ingestor.run([Path(sys.argv[3])], progress=False)
"""


def killed_ingest(settings: Settings, corpus: Path, step: str) -> int:
    """Run an ingest that is killed when `step` starts; return its exit status."""
    args = [sys.executable, "-c", KILLED_INGEST, str(ROOT), str(settings.data_dir), str(corpus)]
    return subprocess.run([*args, step], check=False, cwd=ROOT).returncode


def committed_chunks(settings: Settings) -> tuple[int, int, str]:
    """Return (chunks in the manifest, of them in the collection in use, its name)."""
    components = Services(settings)
    try:
        ids = [cid for d in components.catalog.documents() for cid in chunk_ids(components, d.id)]
        present = components.vectors.existing_ids(ids)
        return len(ids), len(present), components.vectors.name
    finally:
        components.close()


def chunk_ids(components: Services, document_id: str) -> list[str]:
    """Return one document's chunk ids."""
    return [row.id for row in components.catalog.document_chunks(document_id)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "korpus"
    folder.mkdir()
    write_routine(folder, "cykel.md", "Cykelbidraget är 1 250 kr per år och betalas i mars.")
    write_routine(folder, "glas.md", "Glasögon beviljas med högst 1 800 kr vart tredje år.")
    write_routine(folder, "flytt.md", "Flyttkostnad ersätts med högst 4 000 kr vid flytt.")
    return folder


@pytest.mark.slow
def test_kills_before_the_switch_and_during_the_rebuild_keep_the_index_in_use(
    tmp_path: Path, corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [corpus], progress=False)
    before = committed_chunks(settings)
    assert before[0] == before[1] > 0, before

    # 1. Killed after its new vectors went into chroma, before the commit.
    write_routine(corpus, "tand.md", "Akut tandvård beviljas efter kostnadsförslag.")
    assert killed_ingest(settings, corpus, "_build_lexical") == -9
    assert committed_chunks(settings) == before, "a killed run must not change the index"
    assert_index_answers(settings, "cykelbidrag", "1 250 kr")

    # 2. The next run rebuilds into a new collection; killed before it switches.
    assert killed_ingest(settings, corpus, "_build_lexical") == -9
    assert committed_chunks(settings) == before, "a killed rebuild must not touch the index"
    assert_index_answers(settings, "cykelbidrag", "1 250 kr")

    # 3. A run that completes switches to a new collection and re-embeds only the new file.
    summary = ingest(settings, [corpus], progress=False)
    assert summary.count("added") == 1 and summary.written is not None, summary.outcomes
    assert summary.written.rebuilt, "after a kill the vectors go into a new collection"
    new_texts = 2  # the new routine's one chunk and its one sentence
    assert summary.written.embedded == new_texts, summary.written
    total, present, name = committed_chunks(settings)
    assert total == present == before[0] + 1 and name != before[2], (total, present, name)
    vectors = open_vector_index(settings, name)
    assert vectors.collections() == [name], "the old and the half-built collection are dropped"
    assert vectors.count() == total
    assert_index_answers(settings, "tandvård", "kostnadsförslag")


def test_revised_document_reembeds_only_what_changed(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path / "data")
    long_routine = (
        "Bidraget söks på blankett B12. Handläggaren kontrollerar inkomsten. "
        "Beslut fattas inom fyra veckor. Avslag kan överklagas inom tre veckor."
    )
    write_routine(corpus, "bidrag.md", long_routine)
    first = ingest(settings, [corpus], progress=False)
    assert first.written is not None and first.written.reused == 0, first.written
    write_routine(corpus, "bidrag.md", long_routine.replace("fyra veckor", "två veckor"))
    second = ingest(settings, [corpus], progress=False)
    assert second.count("updated") == 1 and second.written is not None
    # One chunk: its passage text and the one changed sentence are new; three are reused.
    assert (second.written.embedded, second.written.reused) == (2, 3), second.written
    assert not second.written.rebuilt
    assert_index_answers(settings, "hur lång tid tar beslut om bidraget", "två veckor")


def test_lost_vectors_make_readyz_not_ready_until_an_ingest_repairs(
    tmp_path: Path, corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [corpus], progress=False)
    catalog = Catalog(Database(settings.resolved_database_url))
    lost = [row.id for row in catalog.document_chunks(catalog.documents()[0].id)]
    # The store lost vectors that the manifest has in use (a volume restored from an
    # older backup, a chroma server reset); then the server starts.
    open_vector_index(settings, catalog.vector_collection()).delete(lost)
    catalog.database.dispose()
    components = Services(settings)
    try:
        with TestClient(create_app(settings, components)) as client:
            response = client.get("/readyz")
            assert response.status_code == 503, response.text
            assert response.json()["vectors_missing"] == len(lost), response.json()
            summary = ingest(settings, [corpus], progress=False)
            assert summary.count("unchanged") == 3 and summary.written is not None
            assert summary.written.rebuilt and summary.written.embedded == 0, summary.written
            ready = client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["vectors_missing"] == 0, ready.json()
    finally:
        components.close()
