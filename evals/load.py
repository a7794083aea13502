"""Load test: concurrent chat users against a real server on loopback.

`python -m evals.load [--users 20] [--seconds 60] [--max-requests 5000] [--url URL]
                      [--workers 1] [--stream] [--scale-out]`

Without --url it ingests the sample corpus into a temporary data directory and starts
`rutinstod serve` (or uvicorn with --workers) on a free loopback port; with
--scale-out the server stores into a `chroma run` server and a PostgreSQL cluster
started on loopback for the run, as in a several-machine deployment. Only loopback
addresses are accepted. Every user sends questions from the sample sets one after the
other until the time or the request budget runs out; a separate prober asks /healthz
twice a second. It prints throughput, latency percentiles, errors by kind, requests
sent versus answered, and the health-check latency while the load ran.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import numpy as np

from evals.servers import (
    ChromaServer,
    PostgresCluster,
    find_chroma,
    find_postgres_bindir,
    serve_process,
)

ROOT = Path(__file__).resolve().parent.parent
DATASETS = [ROOT / "evals/datasets/sample_a.jsonl", ROOT / "evals/datasets/sample_b.jsonl"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Tally:
    """What the users and the prober saw, shared between threads."""

    latencies: list[float] = field(default_factory=list)
    first_tokens: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    answered: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def questions() -> list[str]:
    """Return the sample questions."""
    return [
        json.loads(line)["question"]
        for path in DATASETS
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def user(
    url: str, path: str, deadline: float, budget: threading.Semaphore, tally: Tally, offset: int
) -> None:
    """Ask questions one after another until the deadline or the budget ends."""
    pool = questions()
    with httpx.Client(base_url=url, timeout=120) as client:
        index = offset
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            question = pool[index % len(pool)]
            index += 1
            with tally.lock:
                tally.sent += 1
            started = time.perf_counter()
            first: float | None = None
            try:
                with client.stream("POST", path, json={"question": question}) as response:
                    for chunk in response.iter_bytes():
                        if first is None and (b"event: token" in chunk or b"event: final" in chunk):
                            first = time.perf_counter() - started
                    kind = None if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                kind = type(exc).__name__
            elapsed = time.perf_counter() - started
            with tally.lock:
                if kind:
                    tally.errors[kind] += 1
                else:
                    tally.answered += 1
                    tally.latencies.append(elapsed)
                    if first is not None:  # streamed answers only
                        tally.first_tokens.append(first)


def prober(url: str, stop: threading.Event, tally: Tally) -> None:
    """Ask /healthz twice a second and record how long it took."""
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.wait(0.5):
            started = time.perf_counter()
            try:
                client.get("/healthz").raise_for_status()
                tally.health.append(time.perf_counter() - started)
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors[f"healthz {type(exc).__name__}"] += 1


def start_server(
    data_dir: Path, workers: int, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Ingest the sample corpus and start the server; return the process and its URL."""
    env = {**os.environ, "RUTINSTOD_DATA_DIR": str(data_dir), **(extra_env or {})}
    subprocess.run(
        [sys.executable, "-m", "rutinstod", "ingest", str(ROOT / "corpus"), "--quiet"],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return serve_process(data_dir, workers=workers, extra_env=extra_env)


def run(url: str, users: int, seconds: float, max_requests: int, path: str) -> Tally:
    """Run the users and the prober against a server and return the tally."""
    if urlparse(url).hostname not in LOOPBACK:
        raise SystemExit("Lasttest körs bara mot loopback (127.0.0.1/localhost).")
    tally, stop = Tally(), threading.Event()
    budget = threading.Semaphore(max_requests)
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=user, args=(url, path, deadline, budget, tally, i * 7))
        for i in range(users)
    ]
    probe = threading.Thread(target=prober, args=(url, stop, tally))
    started = time.perf_counter()
    probe.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    probe.join()
    tally.elapsed = time.perf_counter() - started
    return tally


def report(tally: Tally, users: int) -> None:
    """Print the load figures."""
    elapsed = tally.elapsed
    lat = np.array(tally.latencies) * 1000
    health = np.array(tally.health) * 1000
    print(f"users {users}, elapsed {elapsed:.1f} s")
    print(
        f"requests sent {tally.sent}, answered {tally.answered}, "
        f"errors {sum(tally.errors.values())} {dict(tally.errors)}, "
        f"lost {tally.sent - tally.answered - sum(tally.errors.values())}"
    )
    print(f"throughput {tally.answered / elapsed:.2f} answers/s")
    if lat.size:
        print(
            "latency ms: p50 {:.0f}, p95 {:.0f}, p99 {:.0f}, max {:.0f}".format(
                *np.percentile(lat, [50, 95, 99]), lat.max()
            )
        )
    first = np.array(tally.first_tokens) * 1000
    if first.size:
        print("first token ms: p50 {:.0f}, p95 {:.0f}".format(*np.percentile(first, [50, 95])))
    if health.size:
        print(
            "healthz during load ms: p50 {:.1f}, p95 {:.1f}, max {:.1f} ({} probes)".format(
                *np.percentile(health, [50, 95]), health.max(), health.size
            )
        )


def main() -> None:
    """Run the load test from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--url")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--stream", action="store_true", help="use /api/chat/stream")
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="serve from a `chroma run` server and a throwaway PostgreSQL on loopback",
    )
    args = parser.parse_args()
    path = "/api/chat/stream" if args.stream else "/api/chat"
    if args.url:
        report(run(args.url, args.users, args.seconds, args.max_requests, path), args.users)
        return
    with tempfile.TemporaryDirectory(prefix="rutinstod-load-") as tmp, ExitStack() as servers:
        extra_env = start_outside_servers(Path(tmp), servers) if args.scale_out else {}
        process, url = start_server(Path(tmp) / "data", args.workers, extra_env)
        try:
            report(run(url, args.users, args.seconds, args.max_requests, path), args.users)
        finally:
            process.terminate()
            process.wait(timeout=30)


def start_outside_servers(folder: Path, stack: ExitStack) -> dict[str, str]:
    """Start a chroma server and a PostgreSQL cluster; return the settings that use them."""
    executable, bindir = find_chroma(), find_postgres_bindir()
    if executable is None or bindir is None:
        raise SystemExit("--scale-out needs the chroma executable and PostgreSQL's initdb.")
    chroma = ChromaServer(executable, folder / "chroma")
    chroma.start()
    stack.callback(chroma.stop)
    cluster = PostgresCluster(bindir)
    stack.callback(cluster.stop)
    cluster.start()
    print(f"chroma server {chroma.url}, PostgreSQL on port {cluster.port}", flush=True)
    return {"RUTINSTOD_CHROMA_URL": chroma.url, "RUTINSTOD_DATABASE_URL": cluster.create_database()}


if __name__ == "__main__":
    main()
