"""The report's plots, drawn with matplotlib's Agg canvas and returned as PNG data URIs.

Figures are built without pyplot, so no global state or display is involved. Without
matplotlib installed every plot is None and the report says so.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

GREEN, RED, BLUE, GREY = "#2e7d32", "#c62828", "#1565c0", "#9e9e9e"


def new_figure(width: float, height: float) -> Any:
    """Return a matplotlib Figure on the Agg canvas, or None without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    figure = Figure(figsize=(width, height), dpi=100, layout="tight")
    FigureCanvasAgg(figure)
    return figure


def to_data_uri(figure: Any) -> str:
    """Render a figure as an embedded PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def latency_plot(rows: Sequence[dict[str, Any]]) -> str | None:
    """Plot the distribution of total latency and time to first token."""
    total = [r["latency"] for r in rows if r.get("latency") is not None]
    first = [r["first_token"] for r in rows if r.get("first_token") is not None]
    figure = new_figure(7, 3.2)
    if figure is None or not total:
        return None
    axes = figure.subplots()
    bins = min(30, max(5, len(total) // 2))
    axes.hist(total, bins=bins, color=BLUE, alpha=0.7, label="total")
    if first:
        axes.hist(first, bins=bins, color=GREEN, alpha=0.6, label="first token")
    axes.set_xlabel("sekunder")
    axes.set_ylabel("frågor")
    axes.set_title("Svarstid (latency)")
    axes.legend()
    return to_data_uri(figure)


def tag_plot(per_tag: dict[str, dict[str, Any]]) -> str | None:
    """Plot accuracy per tag as horizontal bars, with each tag's item count."""
    figure = new_figure(7, max(2.2, 0.8 + 0.3 * len(per_tag)))
    if figure is None or not per_tag:
        return None
    axes = figure.subplots()
    tags = sorted(per_tag, key=lambda t: (per_tag[t]["accuracy"], t), reverse=True)
    values = [per_tag[t]["accuracy"] for t in tags]
    colours = [GREEN if v >= 0.8 else RED if v < 0.5 else GREY for v in values]
    bars = axes.barh([f"{t} ({per_tag[t]['items']})" for t in tags], values, color=colours)
    axes.bar_label(bars, fmt="%.2f", padding=2, fontsize=8)
    axes.set_xlim(0, 1.1)
    axes.set_xlabel("accuracy")
    axes.set_title("Träffsäkerhet per tagg")
    return to_data_uri(figure)


def rank_plot(histogram: dict[str, int]) -> str | None:
    """Plot how many answerable items first found an expected source at each rank."""
    figure = new_figure(6, 3)
    if figure is None or not histogram:
        return None
    axes = figure.subplots()
    labels = list(histogram)
    colours = [RED if label == "miss" else BLUE for label in labels]
    axes.bar(labels, [histogram[label] for label in labels], color=colours)
    axes.set_xlabel("rang för första förväntade källa")
    axes.set_ylabel("frågor")
    axes.set_title("Retrieval rank")
    return to_data_uri(figure)
