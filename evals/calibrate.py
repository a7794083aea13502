"""Calibrate the answerability gate: rerun the real pipeline over a grid of thresholds.

`python -m evals.calibrate [--dataset F ...] [--corpus DIR] [--max-false-refusals 0.05]
[--min-correct-refusals 0.90]`

Each grid point answers every item through the same AnswerPipeline the API uses;
query and sentence embeddings are cached after the first pass, so a point costs
retrieval and scoring only. Among the points that meet both refusal targets the one with
the best answer accuracy is chosen (see choose) and printed as RUTINSTOD_* settings;
every point is kept in the output file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.components import Components
from assistant.config import Settings
from evals.datasets import EvalItem, load_datasets
from evals.scoring import score_item, summarise_metrics
from ingest.pipeline import ingest

DEFAULT_DATASETS = [
    Path("evals/datasets/sample_a.jsonl"),
    Path("evals/datasets/sample_b.jsonl"),
    Path("evals/datasets/heldout_dev.jsonl"),
]
GRID = {
    "min_dense_score": [0.80, 0.82, 0.84, 0.86],
    "min_sentence_score": [0.35, 0.40, 0.45, 0.50, 0.55, 0.60],
    "min_term_coverage": [0.0, 0.2, 0.3, 0.4, 0.5],
}

HEADLINE = ("answer_accuracy", "correct_refusal_rate", "false_refusal_rate", "crag_score")


@dataclass
class Point:
    """One combination of thresholds and what it scored."""

    thresholds: dict[str, float]
    metrics: dict[str, float | None]


def apply(components: Components, thresholds: dict[str, float]) -> None:
    """Set the gate's thresholds on a built pipeline."""
    components.pipeline.thresholds.min_dense_score = thresholds["min_dense_score"]
    generator: Any = getattr(components.generator, "fallback", components.generator)
    generator.min_sentence_score = thresholds["min_sentence_score"]
    generator.min_term_coverage = thresholds["min_term_coverage"]


def evaluate(components: Components, items: list[EvalItem]) -> dict[str, float | None]:
    """Answer every item and summarise the metrics."""
    rows = [score_item(item, components.pipeline.ask(item.question)) for item in items]
    return summarise_metrics(rows)


def choose(
    points: list[Point], max_false_refusals: float, min_correct_refusals: float = 0.0
) -> Point:
    """Pick the point that meets both refusal targets and answers best.

    Among points within both limits the best answer accuracy wins, then CRAG, then
    the stricter gate (it refuses rather than guesses). When none meets both, the best
    CRAG score within the false-refusal limit wins, ties again to the stricter gate;
    when none meets that either, the best CRAG score of all.
    """

    def rate(point: Point, name: str) -> float:
        return point.metrics.get(name) or 0.0

    within = [p for p in points if rate(p, "false_refusal_rate") <= max_false_refusals]
    both = [p for p in within if rate(p, "correct_refusal_rate") >= min_correct_refusals]
    if both:
        return max(
            both,
            key=lambda p: (
                rate(p, "answer_accuracy"),
                rate(p, "crag_score"),
                sum(p.thresholds.values()),
            ),
        )
    return max(
        within or points,
        key=lambda p: (
            rate(p, "crag_score"),
            rate(p, "correct_refusal_rate"),
            sum(p.thresholds.values()),
        ),
    )


def calibrate(
    settings: Settings,
    items: list[EvalItem],
    max_false_refusals: float,
    min_correct_refusals: float = 0.0,
) -> tuple[Point, list[Point]]:
    """Evaluate every grid point and return the chosen one with all of them."""
    components = Components.build(settings)
    points = []
    try:
        for values in itertools.product(*GRID.values()):
            thresholds = dict(zip(GRID, values, strict=True))
            apply(components, thresholds)
            points.append(Point(thresholds, evaluate(components, items)))
    finally:
        components.close()
    return choose(points, max_false_refusals, min_correct_refusals), points


def print_point(label: str, point: Point) -> None:
    """Print one grid point's thresholds and headline metrics."""
    m = point.metrics
    figures = " ".join(
        f"{name}={m.get(name):.3f}" if m.get(name) is not None else f"{name}=–" for name in HEADLINE
    )
    print(f"{label}: {json.dumps(point.thresholds)} {figures}")


def main() -> None:
    """Run calibration from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, action="append")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--max-false-refusals", type=float, default=0.05)
    parser.add_argument("--min-correct-refusals", type=float, default=0.90)
    parser.add_argument("--out", type=Path, default=Path("evals/calibration.json"))
    args = parser.parse_args()
    items = load_datasets(args.dataset or DEFAULT_DATASETS)
    data_dir = Path(tempfile.mkdtemp(prefix="rutinstod-calibrate-"))
    try:
        settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
        ingest(settings, [args.corpus], progress=False)
        best, points = calibrate(
            settings, items, args.max_false_refusals, args.min_correct_refusals
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    frontier = sorted(points, key=lambda p: p.metrics.get("crag_score") or -1, reverse=True)
    for index, point in enumerate(frontier[:8], start=1):
        print_point(f"#{index}", point)
    print_point("chosen", best)
    for name, value in best.thresholds.items():
        print(f"RUTINSTOD_{name.upper()}={value}")
    args.out.write_text(
        json.dumps(
            {
                "chosen": best.__dict__,
                "items": len(items),
                "grid": GRID,
                "points": [
                    {**p.thresholds, **{name: p.metrics.get(name) for name in HEADLINE}}
                    for p in points
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
