"""`uvicorn web.server:app --workers 2` on the chroma server and the shared database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from evals.servers import free_port
from tests.conftest import ROOT

COVERED = "Hur många månader bakåt ska jag begära kontoutdrag vid nyansökan?"
FOLLOW_UP = "och om hen har ett ISK?"
SOURCE = "nyansokan_och_kontrollhandlingar.pdf"
WORKERS = 2
CONVERSATIONS = 20  # two requests each: 40 in all
THREADS = 8
START_TIMEOUT = 240.0
STARTED = re.compile(r"Started server process \[(\d+)\]")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Workers:
    """A running multi-worker server: its URL, master process and log."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Return the server's log so far."""
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """Return the pids of the worker processes that finished starting."""
        pids = [int(pid) for pid in STARTED.findall(self.log())]
        return [pid for pid in pids if pid != self.process.pid]


def cpu_seconds(pid: int) -> float:
    """Return the user plus system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def server_env(settings: Settings) -> dict[str, str]:
    """Return the environment for the server: this one without RUTINSTOD_*, plus the settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUTINSTOD_", "OLLAMA_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        RUTINSTOD_DATA_DIR=str(settings.data_dir),
        RUTINSTOD_DATABASE_URL=settings.resolved_database_url,
        RUTINSTOD_CHROMA_URL=settings.chroma_url or "",
        RUTINSTOD_COLLECTION=settings.collection,
        RUTINSTOD_EMBED_THREADS="1",
    )
    return env


def wait_for_workers(workers: Workers) -> None:
    """Wait until every worker has started and the server answers /readyz."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and workers.process.poll() is None:
        if (
            len(workers.worker_pids()) == WORKERS
            and workers.log().count("Application startup complete.") >= WORKERS
        ):
            try:
                if httpx.get(f"{workers.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    raise RuntimeError(f"the workers did not start:\n{workers.log()[-3000:]}")


@pytest.fixture
def workers(shared_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    """Run uvicorn with two workers as a subprocess, configured only through the environment."""
    port = free_port()
    log_path = tmp_path / "uvicorn.log"
    command = [
        sys.executable, "-m", "uvicorn", "web.server:app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        # The working directory holds no .env, so only the environment configures the app.
        process = subprocess.Popen(
            command, cwd=tmp_path, env=server_env(shared_settings), stdout=log, stderr=log
        )
    running = Workers(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_for_workers(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def converse(url: str) -> list[httpx.Response]:
    """Ask the covered question and then a follow-up, each on a new connection."""
    first = httpx.post(f"{url}/api/chat", json={"question": COVERED}, timeout=120)
    if first.status_code != 200:
        return [first]
    conversation = first.json()["conversation_id"]
    body = {"question": FOLLOW_UP, "conversation_id": conversation}
    return [first, httpx.post(f"{url}/api/chat", json=body, timeout=120)]


def test_two_workers_share_the_index_and_the_conversations(workers: Workers) -> None:
    pids = workers.worker_pids()
    before = {pid: cpu_seconds(pid) for pid in pids}
    with ThreadPoolExecutor(THREADS) as pool:
        conversations = list(pool.map(lambda _: converse(workers.url), range(CONVERSATIONS)))
    used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}

    statuses = [r.status_code for turns in conversations for r in turns]
    assert statuses == [200] * (2 * CONVERSATIONS), f"every request should succeed: {statuses}"
    for first, follow in conversations:
        cited = [c["document"] for c in follow.json()["citations"]]
        assert first.json()["answered"], f"the first question should be answered: {first.text}"
        assert follow.json()["answered"] and SOURCE in cited, (
            f"the follow-up should carry the previous turn, whichever worker served it: {cited}"
        )
    assert all(seconds > 0.2 for seconds in used.values()), (
        f"both workers should have served requests (CPU seconds per worker): {used}"
    )

    workers.process.send_signal(signal.SIGTERM)
    code = workers.process.wait(timeout=30)
    assert code == 0, f"the server should stop cleanly, exit code {code}:\n{workers.log()[-2000:]}"
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    assert not alive, f"worker processes outlived the server: {alive}"
