"""Kill ingest with SIGKILL at random moments and check that nothing breaks.

`python -m evals.fault_sigkill [--trials 20] [--seed 1]`

Each trial edits two routines, starts `rutinstod ingest` in a subprocess and kills it
with SIGKILL after a random delay (from 0 to a little past the time a full run
takes). Then it checks, with fresh processes' worth of state:
1. the assistant starts and answers from the last complete index: the database and
   chroma agree on every committed chunk, and a known question is answered with a
   citation;
2. a second ingest takes the lock (the killed holder's is stale), completes, and
   leaves chroma holding exactly the committed chunks.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assistant.components import Components
from assistant.config import Settings

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Vem beslutar om nödprövning?"
EDITED = ("lex_sarah_och_avvikelsehantering.md", "samverkan_med_arbetsmarknadsenheten.md")


def settings_for(data_dir: Path) -> Settings:
    """Return settings for the trial data directory."""
    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


def ingest_command(data_dir: Path, corpus: Path) -> list[str]:
    """Return the command line of one ingest run."""
    return [
        sys.executable,
        "-m",
        "rutinstod",
        "ingest",
        str(corpus),
        "--quiet",
        "--data-dir",
        str(data_dir),
    ]


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


def check_consistent(data_dir: Path) -> str | None:
    """Return a problem with the index, or None when it answers consistently."""
    components = Components.build(settings_for(data_dir))
    try:
        committed = sum(d.chunk_count for d in components.catalog.documents())
        stored = components.vectors.count()
        if stored < committed:
            return f"chroma has {stored} chunks, the manifest {committed}"
        response = components.pipeline.ask(QUESTION)
        if not response.answered or not response.citations:
            return f"no cited answer: {response.answer[:80]}"
        return None
    finally:
        components.close()


def check_clean(data_dir: Path) -> str | None:
    """Return a problem unless chroma holds exactly the committed chunks."""
    components = Components.build(settings_for(data_dir))
    try:
        committed = sum(d.chunk_count for d in components.catalog.documents())
        stored = components.vectors.count()
        return None if stored == committed else f"chroma {stored} ≠ manifest {committed}"
    finally:
        components.close()


def guarded(check: Callable[[Path], str | None], data_dir: Path) -> str | None:
    """Run a check, turning any exception into a reported problem."""
    try:
        return check(data_dir)
    except Exception as exc:  # noqa: BLE001 - every failure is a finding here
        return f"{type(exc).__name__}: {exc}"


def trial(number: int, data_dir: Path, corpus: Path, delay: float) -> list[str]:
    """Run one kill-and-recover trial and return the problems found."""
    edit(corpus, number)
    process = subprocess.Popen(
        ingest_command(data_dir, corpus),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    finished_before_kill = process.poll() is not None
    if not finished_before_kill:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    problems = []
    if problem := guarded(check_consistent, data_dir):
        problems.append(f"after kill: {problem}")
    try:
        run_ingest(data_dir, corpus)
    except subprocess.CalledProcessError as exc:
        problems.append(f"next ingest failed with exit code {exc.returncode}")
    if problem := guarded(check_clean, data_dir):
        problems.append(f"after next ingest: {problem}")
    state = "finished before the kill" if finished_before_kill else "killed"
    print(
        f"trial {number:2d}: {state} at {delay:5.2f} s — "
        f"{'OK' if not problems else '; '.join(problems)}",
        flush=True,
    )
    return problems


def main() -> None:
    """Run the trials and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="rutinstod-sigkill-") as tmp:
        corpus, data_dir = Path(tmp) / "rutiner", Path(tmp) / "data"
        shutil.copytree(ROOT / "corpus" / "rutiner", corpus)
        first = run_ingest(data_dir, corpus)
        edit(corpus, 0)
        changed = run_ingest(data_dir, corpus)
        print(f"first ingest {first:.1f} s, ingest of two changed files {changed:.1f} s")
        failures = sum(
            bool(trial(n, data_dir, corpus, rng.uniform(0.0, changed * 1.2)))
            for n in range(1, args.trials + 1)
        )
    print(f"{args.trials} trials, {args.trials - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
