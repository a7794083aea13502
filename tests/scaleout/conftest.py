"""Real outside servers for the scale-out tests: a `chroma run` server and a PostgreSQL cluster.

Each server runs on a free loopback port in a throwaway directory and is stopped at the
end of the session; a test skips when the server's programs are not installed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest

from assistant.config import Settings
from evals.servers import ChromaServer, PostgresCluster, find_chroma, find_postgres_bindir
from tests.conftest import CORPUS, ingest, make_settings


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """Run a real `chroma run` server for the session, or skip when chroma is missing."""
    executable = find_chroma()
    if executable is None:
        pytest.skip("the chroma executable is not installed")
    server = ChromaServer(executable, tmp_path_factory.mktemp("chroma-server") / "store")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """Run a throwaway PostgreSQL cluster for the session, or skip when it cannot run here."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[postgres]')")
    bindir = find_postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres user")
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def shared_settings(
    tmp_path_factory: pytest.TempPathFactory,
    chroma_server: ChromaServer,
    request: pytest.FixtureRequest,
) -> Settings:
    """Ingest the sample corpus into the chroma server and PostgreSQL (else SQLite) once."""
    try:
        cluster = request.getfixturevalue("postgres_cluster")
        database_url: str | None = cluster.create_database()
    except pytest.skip.Exception:
        database_url = None
    settings = make_settings(
        tmp_path_factory.mktemp("shared-data"),
        chroma_url=chroma_server.url,
        database_url=database_url,
        collection=f"scaleout-{uuid.uuid4().hex[:8]}",
    )
    summary = ingest(settings, [CORPUS], progress=False)
    assert summary.count("failed") == 0, [
        (o.path.name, o.message) for o in summary.outcomes if o.status == "failed"
    ]
    return settings
