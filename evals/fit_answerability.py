"""Fit the answerability model on labelled items and choose its threshold.

`python -m evals.fit_answerability [--group CORPUS:DATASET[,DATASET...] ...]
[--out assistant/answerability.json] [--l2 1.0] [--min-correct-refusals 0.85]
[--max-false-refusals 0.08] [--data-root DIR]`

Each group is a corpus and the datasets asked of it. The corpus is ingested (into a
data directory under --data-root that later runs reuse), every item is answered
through the real pipeline with the gate open, and the best candidate answer's signals
(assistant/answerability.py) are recorded with a label: 1 when the answer it would give
is right (the expected facts from an expected source), 0 when it is wrong or the
question is unanswerable. Each group also gets near misses made from its answerable
items (evals/near_misses.py, FIT_OBJECTS). A logistic model is fitted on all of them;
the threshold is the one that meets both refusal targets with the best answer accuracy
(else the best sum of answer accuracy and correct refusals within the false-refusal
limit). Five-fold cross-validation figures are printed beside the in-sample ones.

Only the fitting sets belong here: the held-out test halves (`heldout_test`,
`real_test`) are never fitted on, only scored with `rutinstod eval`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answerability import FEATURES, AnswerabilityModel, fit_logistic, model_from_fit
from assistant.config import Settings
from evals.datasets import EvalItem, load_datasets
from evals.near_misses import FIT_OBJECTS, make_near_misses
from evals.runner import ask_item, git_state, ingest_corpus
from evals.scoring import score_item
from services import Services

DEFAULT_GROUPS = (
    "corpus:evals/datasets/sample_a.jsonl,evals/datasets/sample_b.jsonl,"
    "evals/datasets/heldout_dev.jsonl,evals/datasets/conversations_dev.jsonl",
    "../shared/seeds:evals/datasets/seeds.jsonl,evals/datasets/real_dev.jsonl",
    "evals/realdocs/corpus:evals/datasets/real_docs_dev.jsonl",
)
GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)


@dataclass
class Example:
    """One answered item: its signals (None when a hard check refused it) and its label."""

    item: EvalItem
    group: str
    features: np.ndarray | None
    correct: bool  # the ungated answer is right (always False for unanswerable items)


def parse_group(spec: str) -> tuple[Path, list[Path]]:
    """Read CORPUS:DATASET[,DATASET...]; missing dataset files are left out."""
    corpus, sep, datasets = spec.partition(":")
    if not sep:
        raise SystemExit(f"--group {spec!r}: expected CORPUS:DATASET[,DATASET...]")
    paths = [Path(p) for p in datasets.split(",") if p]
    return Path(corpus), [p for p in paths if p.is_file()]


def collect(spec: str, data_root: Path) -> list[Example]:
    """Answer a group's items (and their near misses) with the gate open."""
    corpus, paths = parse_group(spec)
    if not corpus.is_dir() or not paths:
        print(f"skipped {spec}: no corpus or no dataset there")
        return []
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:10]
    data_dir = data_root / key
    data_dir.mkdir(parents=True, exist_ok=True)
    open_gate = data_dir / "open-gate.json"
    AnswerabilityModel.open_gate().save(open_gate)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, answerability_model=open_gate
    )
    with Services(settings) as services:
        ingest_corpus(services, corpus)
        items = load_datasets(paths)
        lexical = services.retriever.snapshot().lexical
        swapped = make_near_misses(
            items, services.retriever.analyzer, lexical.term_weight, FIT_OBJECTS
        )
        examples = []
        for item in [*items, *swapped]:
            response = ask_item(services.pipeline, item)
            row = score_item(item, response)
            reached = response.answered and "answerability" in response.diagnostics
            features = (
                np.array([response.diagnostics[name] for name in FEATURES]) if reached else None
            )
            correct = bool(item.answerable and row["answer_correct"])
            examples.append(Example(item, str(corpus), features, correct))
    print(f"{corpus}: {len(items)} items and {len(swapped)} near misses")
    return examples


def decide(probabilities: np.ndarray, reached: np.ndarray, threshold: float) -> np.ndarray:
    """Return which examples are answered at a threshold."""
    return reached & (probabilities >= threshold)


def rates(examples: Sequence[Example], answered: np.ndarray) -> dict[str, float]:
    """Return answer accuracy and refusal rates of a set of decisions."""
    answerable = np.array([e.item.answerable for e in examples])
    correct = np.array([e.correct for e in examples])
    return {
        "answer_accuracy": float((answered & correct)[answerable].mean()),
        "correct_refusal_rate": float((~answered)[~answerable].mean()),
        "false_refusal_rate": float((~answered)[answerable].mean()),
    }


def choose_threshold(
    examples: Sequence[Example],
    probabilities: np.ndarray,
    reached: np.ndarray,
    min_correct_refusals: float,
    max_false_refusals: float,
) -> tuple[float, dict[str, float]]:
    """Pick the threshold: both targets met with the best accuracy, else the best sum."""
    scored = [(t, rates(examples, decide(probabilities, reached, t))) for t in GRID]
    meeting = [
        (t, r)
        for t, r in scored
        if r["correct_refusal_rate"] >= min_correct_refusals
        and r["false_refusal_rate"] <= max_false_refusals
    ]
    if meeting:
        return max(meeting, key=lambda tr: (tr[1]["answer_accuracy"], tr[0]))
    within = [(t, r) for t, r in scored if r["false_refusal_rate"] <= max_false_refusals] or scored
    return max(
        within,
        key=lambda tr: (tr[1]["answer_accuracy"] + tr[1]["correct_refusal_rate"], tr[0]),
    )


# What the model learns to predict: whether the routines cover the question (the
# decision the gate makes; which sentence answers it is the ranking's job), or whether
# the answer it would give is right.
LABELS = ("answerable", "correct")


def matrix(
    examples: Sequence[Example], label: str = "answerable"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return features (zeros where not reached), labels and the reached mask."""
    reached = np.array([e.features is not None for e in examples])
    x = np.array(
        [e.features if e.features is not None else np.zeros(len(FEATURES)) for e in examples]
    )
    positive = (e.item.answerable if label == "answerable" else e.correct for e in examples)
    y = np.array([1.0 if p else 0.0 for p in positive])
    return x, y, reached


def cross_validate(
    examples: Sequence[Example],
    l2: float,
    targets: tuple[float, float],
    label: str = "answerable",
    folds: int = 5,
    by_corpus: bool = False,
) -> dict[str, float]:
    """Fit on the other folds, choose the threshold there, score the fold; pool the decisions.

    With by_corpus each fold is one corpus: the figures then say what a corpus the model
    was not fitted on gets, which is what a new organisation sees.
    """
    x, y, reached = matrix(examples, label)
    answered = np.zeros(len(examples), dtype=bool)
    order = np.arange(len(examples))
    groups = sorted({e.group for e in examples})
    fold_of = np.array([groups.index(e.group) for e in examples]) if by_corpus else order % folds
    for fold in range(len(groups) if by_corpus else folds):
        test = fold_of == fold
        train = ~test & reached
        fitted = model_from_fit(*fit_logistic(x[train], y[train], l2), 0.5)
        train_all = [e for e, keep in zip(examples, ~test, strict=True) if keep]
        threshold, _ = choose_threshold(
            train_all, fitted.probabilities(x[~test]), reached[~test], *targets
        )
        answered[test] = decide(fitted.probabilities(x[test]), reached[test], threshold)
    return rates(examples, answered)


def write_examples(path: Path, examples: Sequence[Example]) -> None:
    """Write each example's item, signals and label, to read what the model sees."""
    with path.open("w", encoding="utf-8") as out:
        for e in examples:
            signals = (
                None
                if e.features is None
                else dict(zip(FEATURES, e.features.tolist(), strict=True))
            )
            line = {
                "id": e.item.id,
                "group": e.group,
                "question": e.item.question,
                "answerable": e.item.answerable,
                "tags": e.item.tags,
                "correct": e.correct,
                "signals": signals,
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def main() -> None:
    """Fit the model from the command line and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", help="CORPUS:DATASET[,DATASET...]")
    parser.add_argument("--out", type=Path, default=Path("assistant/answerability.json"))
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--label", choices=LABELS, default="correct")
    parser.add_argument("--min-correct-refusals", type=float, default=0.85)
    parser.add_argument("--max-false-refusals", type=float, default=0.08)
    parser.add_argument("--data-root", type=Path, default=Path("evals/runs/fit-data"))
    parser.add_argument("--examples", type=Path, help="write every example as JSON Lines")
    args = parser.parse_args()
    examples = [e for spec in args.group or DEFAULT_GROUPS for e in collect(spec, args.data_root)]
    if args.examples:
        write_examples(args.examples, examples)
    x, y, reached = matrix(examples, args.label)
    weights, bias, mean, scale = fit_logistic(x[reached], y[reached], args.l2)
    targets = (args.min_correct_refusals, args.max_false_refusals)
    model = model_from_fit(weights, bias, mean, scale, 0.5)
    threshold, fitted_rates = choose_threshold(examples, model.probabilities(x), reached, *targets)
    model = model_from_fit(weights, bias, mean, scale, float(threshold))
    cv = cross_validate(examples, args.l2, targets, args.label)
    unseen = cross_validate(examples, args.l2, targets, args.label, by_corpus=True)
    counts = {
        "items": len(examples),
        "answerable": sum(e.item.answerable for e in examples),
        "unanswerable": sum(not e.item.answerable for e in examples),
        "swapped": sum("swapped" in e.item.tags for e in examples),
        "reached_the_gate": int(reached.sum()),
        "right_answers_at_the_gate": sum(
            e.correct for e, r in zip(examples, reached, strict=True) if r
        ),
    }
    document = {
        "about": "Logistic answerability model (assistant/answerability.py), fitted by "
        "python -m evals.fit_answerability; features are standardised with mean and scale.",
        "l2": args.l2,
        "label": args.label,
        "targets": {"min_correct_refusals": targets[0], "max_false_refusals": targets[1]},
        "fitted_on": {"groups": list(args.group or DEFAULT_GROUPS), **counts},
        "in_sample": fitted_rates,
        "cross_validated": cv,
        "leave_one_corpus_out": unseen,
        "fitted": dt.date.today().isoformat(),
        "git": git_state(),
    }
    model.save(args.out, **document)
    document.update(weights=model.weights, bias=model.bias, threshold=model.threshold)
    print(json.dumps({k: document[k] for k in ("weights", "bias", "threshold")}, indent=2))
    print("counts", json.dumps(counts))
    print("in-sample", json.dumps({k: round(v, 3) for k, v in fitted_rates.items()}))
    print("5-fold CV", json.dumps({k: round(v, 3) for k, v in cv.items()}))
    print("leave one corpus out", json.dumps({k: round(v, 3) for k, v in unseen.items()}))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
