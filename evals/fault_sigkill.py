"""Kill ingest with SIGKILL at random moments, while a server answers, and check nothing breaks.

`python -m evals.fault_sigkill [--trials 21] [--seed 1]`

Two servers share one data directory, as two replicas would: one takes uploads, the
other is asked a known question every quarter second for the whole run. The trials
take turns:
- *ingest*: two routines are edited and `rutinstod ingest` is killed after a random
  delay (from 0 to a little past the time a full run takes);
- *rebuild*: right after such a kill, the next ingest (which builds a new vector
  collection, since the killed one may have damaged the one in use) is killed too;
- *upload*: an edited routine is uploaded to the first server, which is killed while
  it ingests the upload and then started again.
After each trial the manifest and the collection in use must agree on every committed
chunk; at the end one ingest completes and chroma must hold exactly the committed
chunks. The figure that matters: the known question answered, with a citation, on
every poll.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from assistant.config import Settings
from evals.servers import free_port, serve_process, stop_process
from services import Services

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Vem beslutar om nödprövning?"
EDITED = ("lex_sarah_och_avvikelsehantering.md", "samverkan_med_arbetsmarknadsenheten.md")
UPLOADED = "rutin_for_uppladdning.md"
KINDS = ("ingest", "rebuild", "upload")
POLL_SECONDS = 0.25


def settings_for(data_dir: Path) -> Settings:
    """Return settings for the trial data directory."""
    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


def ingest_command(data_dir: Path, corpus: Path) -> list[str]:
    """Return the command line of one ingest run."""
    command = [sys.executable, "-m", "rutinstod", "ingest", str(corpus), "--quiet"]
    return [*command, "--data-dir", str(data_dir)]


def run_ingest(data_dir: Path, corpus: Path) -> float:
    """Run an ingest to completion and return its duration."""
    started = time.perf_counter()
    subprocess.run(
        ingest_command(data_dir, corpus), check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def edit(corpus: Path, trial: int) -> None:
    """Change two documents so the next ingest has real work to do."""
    for name in EDITED:
        path = corpus / name
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n\nÄndring nummer {trial}.\n", encoding="utf-8"
        )


def upload_text(trial: int) -> bytes:
    """Return a routine to upload, different in every trial."""
    body = (
        "# Rutin för uppladdning\n\n## 1 Syfte\n\n"
        f"Den här rutinen laddades upp i försök {trial}. Handläggaren dokumenterar "
        "varje kontakt i journalen samma dag.\n\n## 2 Ansvar\n\n"
        "Enhetschefen ansvarar för att rutinen följs och revideras varje år.\n"
    )
    return body.encode()


@dataclass
class Polls:
    """The answers to the known question, asked again and again while trials run."""

    asked: int = 0
    answered: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, problem: str | None) -> None:
        """Count one poll, keeping the first problems seen."""
        with self.lock:
            self.asked += 1
            if problem is None:
                self.answered += 1
            elif len(self.failures) < 10:
                self.failures.append(problem)


def poll(url: str, stop: threading.Event, polls: Polls) -> None:
    """Ask the known question until stopped; a poll counts only with a cited answer."""
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.wait(POLL_SECONDS):
            try:
                response = client.post("/api/chat", json={"question": QUESTION})
                body = response.json()
                ok = response.status_code == 200 and body["answered"] and body["citations"]
                polls.record(None if ok else f"{response.status_code}: {str(body)[:120]}")
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                polls.record(f"{type(exc).__name__}: {exc}")


def check_consistent(data_dir: Path) -> str | None:
    """Return a problem unless the collection in use holds every committed chunk."""
    services = Services(settings_for(data_dir))
    try:
        ids = [
            row.id
            for document in services.catalog.documents()
            for row in services.catalog.document_chunks(document.id)
        ]
        present = services.vectors.existing_ids(ids)
        if len(present) < len(ids):
            return f"the collection in use holds {len(present)} of {len(ids)} committed chunks"
        return None
    finally:
        services.close()


def check_clean(data_dir: Path) -> str | None:
    """Return a problem unless chroma holds exactly the committed chunks."""
    services = Services(settings_for(data_dir))
    try:
        committed = sum(d.chunk_count for d in services.catalog.documents())
        stored = services.vectors.count()
        return None if stored == committed else f"chroma {stored} ≠ manifest {committed}"
    finally:
        services.close()


def guarded(check: Callable[[Path], str | None], data_dir: Path) -> str | None:
    """Run a check, turning any exception into a reported problem."""
    try:
        return check(data_dir)
    except Exception as exc:  # noqa: BLE001 - every failure is a finding here
        return f"{type(exc).__name__}: {exc}"


def kill_after(process: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL a process after a delay; return False when it had finished by then."""
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return True


class Uploader:
    """The replica that takes uploads, killed and started again by the upload trials."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process, self.url = serve_process(data_dir, port=self.port)

    def upload(self, trial: int) -> None:
        """Send one upload; the server may die while it is being handled."""
        files = {"file": (UPLOADED, upload_text(trial), "text/markdown")}
        with contextlib.suppress(httpx.HTTPError):  # killed mid-request
            httpx.post(f"{self.url}/api/documents", files=files, timeout=120)

    def timed_upload(self, trial: int) -> float:
        """Upload to completion and return how long it took."""
        started = time.perf_counter()
        files = {"file": (UPLOADED, upload_text(trial), "text/markdown")}
        httpx.post(f"{self.url}/api/documents", files=files, timeout=120).raise_for_status()
        return time.perf_counter() - started

    def kill_during_upload(self, trial: int, delay: float) -> bool:
        """Upload in a thread and SIGKILL the server after a delay; then start it again."""
        sender = threading.Thread(target=self.upload, args=(trial,))
        sender.start()
        killed = kill_after(self.process, delay)
        sender.join()
        if not killed:
            stop_process(self.process)
        self.process, self.url = serve_process(self.data_dir, port=self.port)
        return killed

    def stop(self) -> None:
        """Stop the server."""
        stop_process(self.process)


def trial(
    kind: str, number: int, data_dir: Path, corpus: Path, delay: float, uploader: Uploader
) -> list[str]:
    """Run one kill-and-check trial and return the problems found."""
    if kind == "upload":
        killed = uploader.kill_during_upload(number, delay)
    else:
        if kind == "ingest":
            edit(corpus, number)
        process = subprocess.Popen(
            ingest_command(data_dir, corpus),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        killed = kill_after(process, delay)
    problems = []
    if problem := guarded(check_consistent, data_dir):
        problems.append(problem)
    state = "killed" if killed else "finished before the kill"
    print(
        f"trial {number:2d} {kind:>7}: {state} at {delay:5.2f} s — "
        f"{'OK' if not problems else '; '.join(problems)}",
        flush=True,
    )
    return problems


def main() -> None:
    """Run the trials while a server is polled, and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=21)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="rutinstod-sigkill-") as tmp:
        corpus, data_dir = Path(tmp) / "rutiner", Path(tmp) / "data"
        shutil.copytree(ROOT / "corpus" / "rutiner", corpus)
        first = run_ingest(data_dir, corpus)
        edit(corpus, 0)
        changed = run_ingest(data_dir, corpus)
        reader, url = serve_process(data_dir)
        uploader = Uploader(data_dir)
        upload = uploader.timed_upload(0)
        print(
            f"first ingest {first:.1f} s, ingest of two changed files {changed:.1f} s, "
            f"upload {upload:.1f} s"
        )
        polls, stop = Polls(), threading.Event()
        poller = threading.Thread(target=poll, args=(url, stop, polls))
        poller.start()
        failures = 0
        try:
            for number in range(1, args.trials + 1):
                kind = KINDS[(number - 1) % len(KINDS)]
                longest = upload if kind == "upload" else changed
                delay = rng.uniform(0.0, longest * 1.2)
                problems = trial(kind, number, data_dir, corpus, delay, uploader)
                failures += bool(problems)
            run_ingest(data_dir, corpus)
            if problem := guarded(check_clean, data_dir):
                print(f"after the last ingest: {problem}")
                failures += 1
        finally:
            stop.set()
            poller.join()
            uploader.stop()
            stop_process(reader)
    print(f"{args.trials} trials, {args.trials - failures} passed, {failures} failed")
    print(f"known question answered with a citation on {polls.answered} of {polls.asked} polls")
    for problem in polls.failures:
        print(f"  unanswered poll: {problem}")
    sys.exit(1 if failures or polls.answered < polls.asked else 0)


if __name__ == "__main__":
    main()
