"""Real outside servers on loopback: a `chroma run` server and a throwaway PostgreSQL.

Used by the scale-out tests and by `python -m evals.load --scale-out`. Each server runs
on a free loopback port in a throwaway directory; callers stop it when done.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

POSTGRES_BINARIES = Path("/usr/lib/postgresql")
START_TIMEOUT = 60.0


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_chroma() -> str | None:
    """Return the `chroma` executable beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.is_file() else shutil.which("chroma")


def find_postgres_bindir() -> Path | None:
    """Return the newest Debian PostgreSQL bin directory that has initdb and pg_ctl."""
    candidates = [
        d / "bin"
        for d in POSTGRES_BINARIES.glob("*")
        if d.name.isdigit()
        and (d / "bin" / "initdb").is_file()
        and (d / "bin" / "pg_ctl").is_file()
    ]
    return max(candidates, key=lambda p: int(p.parent.name), default=None)


def serve_process(
    data_dir: Path,
    port: int | None = None,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `rutinstod serve` on loopback for a data directory; return it once ready."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "RUTINSTOD_DATA_DIR": str(data_dir), **(extra_env or {})}
    port = port or free_port()
    command = [sys.executable, "-m", "rutinstod", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the server on port {port} did not become ready")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> int:
    """Ask a process to stop with SIGTERM, kill it if it does not, and return its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    return int(process.returncode)


class ChromaServer:
    """A `chroma run` server on a free loopback port, storing into a given directory."""

    def __init__(self, executable: str, path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = path.parent / "chroma.log"
        self._command = [
            executable,
            "run",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until its heartbeat answers."""
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        log_text = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"chroma run did not start on {self.url}:\n{log_text}")

    def stop(self) -> None:
        """Stop the server."""
        if self._process is not None:
            stop_process(self._process)
            self._process = None

    def client(self) -> Any:
        """Return a fresh chromadb HttpClient to this server."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.HttpClient(
            host="127.0.0.1",
            port=self.port,
            settings=ChromaSettings(anonymized_telemetry=False),
        )


class PostgresCluster:
    """A throwaway PostgreSQL cluster made with Debian's initdb and pg_ctl.

    PostgreSQL refuses to run as root, so as root every command runs as the `postgres`
    user in a directory that user owns; the unix socket lives in that directory too.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="rutinstod-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> None:
        """Create the cluster and start the server on loopback TCP and a private socket."""
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w",
            "-t", str(int(START_TIMEOUT)), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server and delete the cluster."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of one database in the cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Create a fresh empty database and return its URL."""
        name = f"rutinstod_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)
