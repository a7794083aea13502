"""Compare dense, BM25 and hybrid retrieval on a dataset's answerable questions.

Run: python -m evals.bench_retrieval [--dataset FILE ...] [--corpus corpus]

The corpus is ingested into a throwaway data directory. Retrieval time per mode is
dense + lexical + fusion; the query embedding is reported on its own, measured in
the dense run, which comes first (the embedder caches queries, so hybrid reuses it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from evals import metrics as m
from evals.console import format_table
from evals.datasets import EvalItem, load_datasets
from evals.runner import ingest_corpus
from services import Services

DATASETS = Path(__file__).resolve().parent / "datasets"
MODES = {"dense": "dense", "lexical": "BM25", "hybrid": "hybrid"}
K = 10
TARGETS = {"hit@5": 0.95, "mrr@10": 0.85}
QUALITY = ("hit@1", "hit@5", "mrr@10", "ndcg@10")
WARM_UP = "Uppvärmning av index och modell."


@dataclass
class ModeResult:
    """One retrieval mode's per-question relevance, top document and timings."""

    relevance: list[list[bool]] = field(default_factory=list)
    tops: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    embed: list[float] = field(default_factory=list)

    def score(self, name: str) -> float:
        """Return the mean of one quality metric over the questions."""
        k = int(name.split("@")[1])
        measure = {"hit": m.hit_at, "mrr": m.mrr_at, "ndcg": m.ndcg_at}[name.split("@")[0]]
        return statistics.fmean(measure(rel, k) for rel in self.relevance)


def run_mode(services: Services, items: Sequence[EvalItem], mode: str) -> ModeResult:
    """Retrieve every item's question in one mode and record relevance and time."""
    result = ModeResult()
    services.retriever.retrieve(WARM_UP, K, mode=mode)  # load the lazily built parts
    for item in items:
        retrieval = services.retriever.retrieve(item.question, K, mode=mode)
        result.relevance.append(m.relevance(retrieval.passages, item.expected_sources))
        result.tops.append(retrieval.passages[0].document if retrieval.passages else "–")
        result.seconds.append(sum(v for k, v in retrieval.timings.items() if k != "embed"))
        if "embed" in retrieval.timings:
            result.embed.append(retrieval.timings["embed"])
    return result


def misses_text(results: dict[str, ModeResult], items: Sequence[EvalItem]) -> list[str]:
    """List the items hybrid misses in its top 5, with the modes that find them."""
    lines = []
    for index, item in enumerate(items):
        if any(results["hybrid"].relevance[index][:5]):
            continue
        found = [
            MODES[mode] for mode in ("dense", "lexical") if any(results[mode].relevance[index][:5])
        ]
        found_text = f" (hittas av {', '.join(found)})" if found else ""
        top = results["hybrid"].tops[index]
        lines.append(f"  {item.id}: {item.question[:60]} → {top}{found_text}")
    if lines:
        lines.insert(0, f"Hybrid utan förväntad källa bland topp 5 ({len(lines)}):")
    return lines


def milliseconds(values: Sequence[float], q: float) -> str:
    """Format a percentile of durations in milliseconds."""
    value = m.percentile(values, q)
    return "–" if value is None else f"{value * 1000:.1f} ms"


def target_text(name: str, results: dict[str, ModeResult]) -> str:
    """Say whether hybrid meets its target and beats each mode alone on a metric."""
    hybrid = results["hybrid"].score(name)
    notes = []
    if name in TARGETS:
        ok = hybrid >= TARGETS[name]
        notes.append(f"mål hybrid >= {TARGETS[name]:.2f}: {'OK' if ok else 'MISSAR'}")
    best_alone = max(results["dense"].score(name), results["lexical"].score(name))
    notes.append(f"hybrid >= var för sig: {'ja' if hybrid >= best_alone else 'NEJ'}")
    return "; ".join(notes)


def render(results: dict[str, ModeResult], items: Sequence[EvalItem]) -> str:
    """Return the side-by-side table and the hybrid misses."""
    headers = ["Metric", *MODES.values(), "Mål"]
    rows = [
        [name, *(f"{results[mode].score(name):.3f}" for mode in MODES), target_text(name, results)]
        for name in QUALITY
    ]
    rows.append(["retrieval p50", *(milliseconds(results[mode].seconds, 50) for mode in MODES), ""])
    rows.append(["retrieval p95", *(milliseconds(results[mode].seconds, 95) for mode in MODES), ""])
    embed = results["dense"].embed  # dense runs first; later modes hit the query cache
    lines = [
        f"Besvarbara frågor: {len(items)}, k = {K}",
        format_table(headers, rows),
        f"Frågeinbäddning (embed): median {milliseconds(embed, 50)}, p95 {milliseconds(embed, 95)}",
        *misses_text(results, items),
    ]
    return "\n".join(lines)


def benchmark(datasets: Sequence[Path], corpus: Path, settings: Settings) -> str:
    """Ingest the corpus, run every mode and return the rendered result."""
    items = [item for item in load_datasets(datasets) if item.answerable]
    if not items:
        raise SystemExit("no answerable items in the dataset")
    with Services(settings) as services:
        ingest_corpus(services, corpus)
        results = {mode: run_mode(services, items, mode) for mode in MODES}
    return render(results, items)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and print the retrieval benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset",
        type=Path,
        action="append",
        help="Dataset file; repeatable (default evals/datasets/sample_*.jsonl).",
    )
    parser.add_argument("--corpus", type=Path, default=Path("corpus"), help="Folder to ingest.")
    args = parser.parse_args(argv)
    datasets = args.dataset or sorted(DATASETS.glob("sample_*.jsonl"))
    with tempfile.TemporaryDirectory(prefix="rutinstod-bench-", ignore_cleanup_errors=True) as tmp:
        settings = Settings(data_dir=Path(tmp))  # type: ignore[call-arg]
        print(benchmark(datasets, args.corpus, settings))


if __name__ == "__main__":
    main()
