"""Shared fixtures: the real sample corpus ingested once, real services, a live server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from assistant.config import Settings
from evals.servers import free_port
from ingest.pipeline import IngestSummary
from services import Services

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "seeds"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Return settings for a test, ignoring any .env file and environment defaults."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


def ingest(
    settings: Settings, paths: list[Path], prune: bool = False, progress: bool = False
) -> IngestSummary:
    """Ingest files as `rutinstod ingest` does: through services of its own, then closed."""
    with Services(settings) as services:
        return services.ingestor.run(paths, prune=prune, progress=progress)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """Return the real deviation analyses beside the project, or skip without them."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present on this machine")
    return SEEDS


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Ingest the sample corpus once into a session data directory."""
    settings = make_settings(tmp_path_factory.mktemp("sample-data"))
    summary = ingest(settings, [CORPUS], progress=False)
    assert summary.count("failed") == 0, [
        (o.path.name, o.message) for o in summary.outcomes if o.status == "failed"
    ]
    return settings


@pytest.fixture(scope="session")
def sample_components(sample_settings: Settings) -> Iterator[Services]:
    """Build real components (model, chroma, database) over the sample index."""
    components = Services(sample_settings)
    yield components
    components.close()


class LiveServer:
    """A uvicorn server for an app, run in a thread on loopback."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the test server did not start")

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(sample_settings: Settings, sample_components: Services) -> Iterator[LiveServer]:
    """Serve the real app over the sample index on a loopback port."""
    from web.app import create_app

    with LiveServer(create_app(sample_settings, sample_components)) as server:
        yield server
