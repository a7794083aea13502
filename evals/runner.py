"""Run a dataset through the answer pipeline and write results, summary and report.

Every item goes through `AnswerPipeline.stream`, the same call the API makes, each
in a fresh conversation (after its `history` turns, for a follow-up). Refusals are
recorded as gaps in the data directory's database, as they would be in use, so run
against a throwaway data directory.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.answer import AnswerPipeline, ChatResponse
from assistant.config import Settings
from evals.datasets import EvalItem, load_datasets
from evals.metrics import LOWER_IS_BETTER, below_threshold, metric_deltas
from evals.report import write_report
from evals.scoring import (
    METRICS,
    counts,
    failure_counts,
    per_tag_accuracy,
    rank_histogram,
    score_item,
    summarise_metrics,
)
from services import Services

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_FIELDS = (
    "generator",
    "ollama_model",
    "min_dense_score",
    "answerability_threshold",
    "min_sentence_score",
    "top_k",
    "candidates",
    "rrf_k",
    "chunk_tokens",
    "chunk_overlap",
    "max_answer_sentences",
    "history_turns",
)


class EvalSetupError(RuntimeError):
    """The evaluation cannot start: bad threshold, missing previous run, empty index."""


def parse_minimums(specs: Iterable[str]) -> dict[str, float]:
    """Parse `METRIC=VALUE` thresholds, rejecting unknown metrics and bad numbers."""
    minimums: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip()
        if not sep or name not in METRICS:
            known = ", ".join(METRICS)
            raise EvalSetupError(f"--min {spec!r}: expected METRIC=VALUE with METRIC in {known}")
        try:
            minimums[name] = float(value)
        except ValueError as exc:
            raise EvalSetupError(f"--min {spec!r}: {value!r} is not a number") from exc
    return minimums


def check_minimums(metrics: Mapping[str, float | None], minimums: Mapping[str, float]) -> list[str]:
    """Return one message per metric that misses its threshold."""
    failures = []
    for name, threshold in minimums.items():
        value = metrics.get(name)
        if below_threshold(name, value, threshold):
            relation = "<=" if name in LOWER_IS_BETTER else ">="
            shown = "saknas" if value is None else f"{value:.4f}"
            failures.append(f"{name} = {shown}, krävs {relation} {threshold:g}")
    return failures


def git_state() -> dict[str, Any]:
    """Return the checked-out commit and whether the tree has changes, if git is there."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """Return the settings that decide retrieval and the answerability gate."""
    return {name: getattr(settings, name) for name in SNAPSHOT_FIELDS}


def ask_item(pipeline: AnswerPipeline, item: EvalItem) -> ChatResponse:
    """Ask the item's earlier turns, then stream its question; return the final response."""
    conversation = f"eval-{uuid.uuid4().hex}"
    for earlier in item.history:
        pipeline.ask(earlier, conversation)
    response = None
    for event in pipeline.stream(item.question, conversation):
        if event.kind == "final":
            response = event.response
    if response is None:
        raise RuntimeError(f"{item.id}: the answer stream ended without a response")
    return response


def ask_all(services: Services, items: Sequence[EvalItem]) -> list[dict[str, Any]]:
    """Ask every item with a progress bar and return the scored rows."""
    services.warm_up()
    bar = tqdm(items, desc="Utvärderar", unit="fråga", file=sys.stderr, dynamic_ncols=True)
    return [score_item(item, ask_item(services.pipeline, item)) for item in bar]


def ingest_corpus(services: Services, corpus: Path) -> None:
    """Ingest a corpus into the services' data directory, failing if any file fails."""
    summary = services.ingestor.run([corpus], progress=sys.stderr.isatty())
    failed = [f"{o.path.name}: {o.message}" for o in summary.outcomes if o.status == "failed"]
    if failed:
        raise EvalSetupError("ingest failed for " + "; ".join(failed))


def load_previous(compare: Path | None) -> dict[str, Any] | None:
    """Read a previous run's summary.json (from its directory or the file itself)."""
    if compare is None:
        return None
    path = compare / "summary.json" if compare.is_dir() else compare
    if not path.is_file():
        raise EvalSetupError(f"--compare {compare}: no summary.json there")
    previous: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    previous["path"] = str(compare)
    return previous


def build_summary(
    rows: list[dict[str, Any]],
    datasets: Sequence[Path],
    settings: Settings,
    previous: dict[str, Any] | None,
    minimums: dict[str, float],
) -> dict[str, Any]:
    """Aggregate the rows into summary.json's content."""
    metrics = summarise_metrics(rows)
    summary: dict[str, Any] = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": git_state(),
        "datasets": [str(p) for p in datasets],
        "counts": counts(rows),
        "metrics": metrics,
        "per_tag": per_tag_accuracy(rows),
        "failures": failure_counts(rows),
        "rank_histogram": rank_histogram(rows),
        "settings": settings_snapshot(settings),
        "minimums": minimums,
        "threshold_failures": check_minimums(metrics, minimums),
    }
    if previous is not None:
        deltas = metric_deltas(metrics, previous.get("metrics", {}))
        summary["compare"] = {"run": previous["path"], "deltas": deltas}
    return summary


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows as JSON Lines."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_eval(
    dataset_paths: Sequence[Path],
    settings: Settings,
    out_dir: Path,
    corpus: Path | None = None,
    compare: Path | None = None,
    minimums: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Evaluate the datasets against the index in settings.data_dir and write the run."""
    minimums = dict(minimums or {})
    items = load_datasets(dataset_paths)  # raises on a bad line before anything is asked
    unknown = sorted(set(minimums) - set(METRICS))
    if unknown:
        raise EvalSetupError(f"unknown metric(s) in minimums: {', '.join(unknown)}")
    previous = load_previous(compare)
    with Services(settings) as services:
        if corpus is not None:
            ingest_corpus(services, corpus)
        if not services.catalog.documents():
            raise EvalSetupError(f"the index in {settings.data_dir} is empty; pass a corpus")
        rows = ask_all(services, items)
    summary = build_summary(rows, dataset_paths, settings, previous, minimums)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_rows(out_dir / "results.jsonl", rows)
    text = json.dumps(summary, ensure_ascii=False, indent=2, default=str)
    (out_dir / "summary.json").write_text(text + "\n", encoding="utf-8")
    write_report(out_dir / "report.html", summary, rows)
    return summary
