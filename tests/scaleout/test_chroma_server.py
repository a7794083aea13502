"""The index on a real `chroma run` server: ingest and answering go over HTTP to it."""

from __future__ import annotations

from assistant.config import Settings
from evals.servers import ChromaServer
from services import Services

COVERED = "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
SOURCE = "nyansokan_och_kontrollhandlingar.pdf"


def test_ingest_and_answer_through_the_chroma_server(
    shared_settings: Settings, chroma_server: ChromaServer
) -> None:
    assert shared_settings.chroma_url == chroma_server.url, "the settings must point at the server"
    components = Services(shared_settings)
    try:
        response = components.pipeline.ask(COVERED)
        stored = components.vectors.count()
    finally:
        components.close()
    cited = [c.passage.document for c in response.citations]
    assert response.answered and SOURCE in cited, f"expected a citation to {SOURCE}, got {cited}"

    other = chroma_server.client().get_collection(shared_settings.collection)
    assert stored > 0, "the ingested chunks should be in the collection"
    assert other.count() == stored, "a second client of the server should see the same chunks"
    assert not shared_settings.chroma_path.exists(), (
        "nothing should be written to the embedded chroma directory when a server is set"
    )
