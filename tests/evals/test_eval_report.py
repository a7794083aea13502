"""Tests for the HTML report, the terminal table and the --min threshold gate."""

from __future__ import annotations

import re

import pytest

from evals.console import summary_table
from evals.metrics import metric_deltas
from evals.report import render_report
from evals.runner import EvalSetupError, check_minimums, parse_minimums
from evals.scoring import METRICS, per_tag_accuracy, rank_histogram

ATTACK = "<script>alert('x')</script>"


def result_row(item_id: str, passed: bool, text: str = "") -> dict:
    """Build a results row as the runner writes it."""
    return {
        "id": item_id,
        "question": f"Fråga {text}",
        "answerable": True,
        "tags": [f"tagg {text}"],
        "answer": f"Svar {text} [1].",
        "answered": True,
        "citations": [
            {
                "id": 1,
                "document": f"doc{text}.pdf",
                "title": f"Titel {text}",
                "section": f"Avsnitt {text}",
                "page": 3,
                "quote": f"Citat {text}",
                "chunk_id": "c1",
            }
        ],
        "retrieved": [
            {
                "rank": 1,
                "document": f"doc{text}.pdf",
                "title": "t",
                "section": f"Avsnitt {text}",
                "page": 3,
                "score": 0.03,
                "dense_score": 0.9,
                "lexical_score": None,
                "ranks": {"dense": 1},
                "expected": False,
            }
        ],
        "expected_sources": [f"rätt{text}.pdf"],
        "must_contain": [[f"fakta {text}"]],
        "notes": f"Not {text}",
        "latency": 0.4 if passed else 1.2,
        "first_token": 0.3,
        "first_relevant_rank": 1 if passed else None,
        "correct": passed,
        "passed": passed,
        "failure": None if passed else "wrong_document",
    }


def summary_for(rows: list[dict], previous: dict | None = None) -> dict:
    """Build a summary the way the runner does, with made-up metric values."""
    metrics = {name: 0.5 for name in METRICS} | {"hit@5": 0.8, "latency_p95": 1.2}
    summary = {
        "timestamp": "2025-01-01T00:00:00+00:00",
        "git": {"commit": "abc123", "dirty": False},
        "datasets": [f"data{ATTACK}.jsonl"],
        "counts": {
            "items": 2,
            "answerable": 2,
            "unanswerable": 0,
            "answered": 2,
            "passed": 1,
            "failed": 1,
        },
        "metrics": metrics,
        "per_tag": per_tag_accuracy(rows),
        "failures": {"wrong_document": 1},
        "rank_histogram": rank_histogram(rows),
        "settings": {"min_dense_score": 0.82},
        "minimums": {"hit@5": 0.9},
        "threshold_failures": check_minimums(metrics, {"hit@5": 0.9}),
    }
    if previous:
        summary["compare"] = {"run": "runs/förra", "deltas": metric_deltas(metrics, previous)}
    return summary


def test_report_escapes_everything_from_datasets_and_answers():
    rows = [result_row("ok", True), result_row(f"bad{ATTACK}", False, ATTACK)]
    html = render_report(summary_for(rows), rows)
    assert "<script" not in html.lower(), "a <script> from the data reached the HTML unescaped"
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html, "escaped text is shown"
    assert html.count("<article") == 1, "exactly the one failed item is listed"


def test_report_is_self_contained_with_embedded_plots():
    rows = [result_row("ok", True), result_row("bad", False)]
    html = render_report(summary_for(rows), rows)
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources), (
        f"every asset must be an embedded PNG, found {[s[:40] for s in sources]}"
    )
    assert len(sources) == 3, f"latency, per-tag and rank plots expected, got {len(sources)}"
    assert "hit@5 = 0.8000, krävs &gt;= 0.9" in html, "the missed threshold is listed"


def test_report_and_terminal_colour_deltas_by_direction():
    rows = [result_row("ok", True)]
    previous = {"hit@5": 0.9, "latency_p95": 2.0, "mrr@10": 0.5}
    summary = summary_for(rows, previous)
    html = render_report(summary, rows)
    hit_row = re.search(r"<td>hit@5</td>.*?</tr>", html).group(0)
    latency_row = re.search(r"<td>latency_p95</td>.*?</tr>", html).group(0)
    assert 'class="num worse"' in hit_row, f"a lower hit@5 must be red: {hit_row}"
    assert 'class="num better"' in latency_row, f"a lower latency must be green: {latency_row}"
    text = summary_table(summary)
    assert "-0.100 (sämre)" in text, f"terminal shows the hit@5 drop as worse:\n{text}"
    assert "-0.800 s (bättre)" in text, f"terminal shows faster p95 as better:\n{text}"


def test_min_gate_fails_below_and_passes_at_threshold():
    metrics = {"answer_accuracy": 0.7, "false_refusal_rate": 0.2, "latency_p95": 1.0}
    failing = check_minimums(
        metrics, parse_minimums(["answer_accuracy=0.8", "false_refusal_rate=0.1"])
    )
    assert failing == [
        "answer_accuracy = 0.7000, krävs >= 0.8",
        "false_refusal_rate = 0.2000, krävs <= 0.1",
    ], f"both misses are reported, got {failing}"
    passing = parse_minimums(["answer_accuracy=0.7", "latency_p95=1.5"])
    assert check_minimums(metrics, passing) == [], "values at or within thresholds pass"


@pytest.mark.parametrize("spec", ["accuracy", "nosuch=0.5", "hit@5=hög"])
def test_min_gate_rejects_bad_specs(spec):
    with pytest.raises(EvalSetupError, match="--min"):
        parse_minimums([spec])
