"""A replica that did not run the ingest builds the BM25 index from the shared manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.config import Settings
from services import Services
from tests.conftest import make_settings


def test_missing_lexical_generation_is_rebuilt(tmp_path: Path, sample_settings: Settings) -> None:
    data_dir = tmp_path / "replica"
    shutil.copytree(sample_settings.data_dir, data_dir)
    shutil.rmtree(data_dir / "lexical")
    components = Services(make_settings(data_dir))
    try:
        passages = components.retriever.retrieve(
            "kontroll av stickprov", 3, mode="lexical"
        ).passages
        assert passages, "BM25 must work on a replica without the lexical directory"
        generation = components.catalog.generation()
        assert (data_dir / "lexical" / f"gen-{generation}").is_dir(), "the rebuild is kept"
    finally:
        components.close()
