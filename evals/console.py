"""Plain-text tables for the terminal: the run summary, its deltas and the benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.metrics import LOWER_IS_BETTER
from evals.scoring import METRICS


def format_value(name: str, value: float | None) -> str:
    """Format a metric: seconds for timings, a signed score for CRAG, else a share."""
    if value is None:
        return "–"
    if name.startswith(("latency", "first_token")):
        return f"{value:.3f} s"
    if name == "crag_score":
        return f"{value:+.3f}"
    return f"{value:.3f}"


def format_delta(name: str, delta: dict[str, Any] | None) -> str:
    """Format a change with a word saying whether it is better or worse."""
    if not delta:
        return ""
    sign = format_value(name, delta["delta"])
    if not sign.startswith(("+", "-")):
        sign = ("+" if delta["delta"] >= 0 else "") + sign
    word = {True: "bättre", False: "sämre", None: "oförändrad"}[delta["better"]]
    return f"{sign} ({word})"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Lay out a table with columns padded to their widest cell."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def threshold_text(name: str, minimums: dict[str, float]) -> str:
    """Show a metric's threshold as a bound, or nothing."""
    if name not in minimums:
        return ""
    return f"{'<=' if name in LOWER_IS_BETTER else '>='} {minimums[name]:g}"


def summary_table(summary: dict[str, Any]) -> str:
    """Render the summary's metrics, thresholds and deltas as a text table."""
    deltas = summary.get("compare", {}).get("deltas", {})
    minimums = summary.get("minimums", {})
    headers = ["Metric", "Värde", "Tröskel"]
    if "compare" in summary:
        headers += ["Förra körningen", "Förändring"]
    rows = []
    for name in METRICS:
        row = [
            name,
            format_value(name, summary["metrics"].get(name)),
            threshold_text(name, minimums),
        ]
        if "compare" in summary:
            previous = deltas.get(name, {}).get("previous")
            row += [format_value(name, previous), format_delta(name, deltas.get(name))]
        rows.append(row)
    c = summary["counts"]
    head = (
        f"Frågor: {c['items']} ({c['answerable']} besvarbara, {c['unanswerable']} obesvarbara), "
        f"besvarade: {c['answered']}, godkända: {c['passed']}, underkända: {c['failed']}"
    )
    return head + "\n" + format_table(headers, rows)


def failures_text(summary: dict[str, Any], labels: dict[str, str]) -> str:
    """List the failure reasons with their counts."""
    lines = [
        f"  {count:>3}  {labels.get(code, code)}" for code, count in summary["failures"].items()
    ]
    return "Underkända per orsak:\n" + "\n".join(lines) if lines else "Inga underkända frågor."
