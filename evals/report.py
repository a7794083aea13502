"""The HTML report of an evaluation run: one self-contained file, readable offline.

Everything that comes from a dataset, an answer or a document is HTML-escaped; the
plots are embedded PNGs, and there are no scripts or external assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from evals.console import format_delta, format_value, threshold_text
from evals.metrics import below_threshold, group_matched
from evals.plots import latency_plot, rank_plot, tag_plot
from evals.scoring import FAILURES, METRICS

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #212121; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.better { color: #2e7d32; font-weight: 600; }
.worse, .fail { color: #c62828; font-weight: 600; }
.ok { color: #2e7d32; }
.muted { color: #757575; }
article { border: 1px solid #ddd; border-left: 4px solid #c62828; border-radius: 4px;
          padding: 0.5rem 1rem; margin: 1rem 0; }
blockquote { margin: 0.25rem 0 0.25rem 1rem; color: #424242; }
img { max-width: 100%; }
"""


def esc(value: Any) -> str:
    """Escape any value for HTML text or attributes."""
    return escape("" if value is None else str(value), quote=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return an HTML table; cells must already be escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def td(text: str, css: str = "") -> str:
    """Return a table cell with escaped text and an optional class."""
    return f'<td class="{esc(css)}">{esc(text)}</td>' if css else f"<td>{esc(text)}</td>"


def delta_css(delta: dict[str, Any] | None) -> str:
    """Return the class that colours a change: green better, red worse."""
    if not delta or delta["better"] is None:
        return "num"
    return "num better" if delta["better"] else "num worse"


def summary_section(summary: dict[str, Any]) -> str:
    """Render the metrics with their thresholds and, when comparing, the deltas."""
    deltas = summary.get("compare", {}).get("deltas", {})
    minimums = summary.get("minimums", {})
    headers = ["Metric", "Värde", "Tröskel"]
    if "compare" in summary:
        headers += ["Förra körningen", "Förändring"]
    rows = []
    for name in METRICS:
        value = summary["metrics"].get(name)
        missed = name in minimums and below_threshold(name, value, minimums[name])
        row = [
            td(name),
            td(format_value(name, value), "num fail" if missed else "num"),
            td(threshold_text(name, minimums)),
        ]
        if "compare" in summary:
            delta = deltas.get(name)
            previous = delta["previous"] if delta else None
            row += [
                td(format_value(name, previous), "num"),
                td(format_delta(name, delta), delta_css(delta)),
            ]
        rows.append(row)
    c = summary["counts"]
    counts = (
        f"<p>{c['items']} frågor ({c['answerable']} besvarbara, {c['unanswerable']} obesvarbara); "
        f"{c['answered']} besvarade; <span class='ok'>{c['passed']} godkända</span>, "
        f"<span class='fail'>{c['failed']} underkända</span>.</p>"
    )
    gate = "".join(f"<li class='fail'>{esc(text)}</li>" for text in summary["threshold_failures"])
    gate_html = f"<h3>Under tröskel</h3><ul>{gate}</ul>" if gate else ""
    compared = ""
    if "compare" in summary:
        compared = f"<p class='muted'>Jämfört med {esc(summary['compare']['run'])}</p>"
    return f"<h2>Sammanfattning</h2>{counts}{compared}{table(headers, rows)}{gate_html}"


def run_section(summary: dict[str, Any]) -> str:
    """Render when and on what the run was made."""
    git = summary.get("git", {})
    commit = git.get("commit") or "okänd"
    if git.get("dirty"):
        commit += " (med ändringar som inte är incheckade)"
    rows = [
        [td("Tid"), td(summary["timestamp"])],
        [td("Commit"), td(commit)],
        [td("Dataset"), td(", ".join(summary["datasets"]))],
    ]
    rows += [[td(k), td(v)] for k, v in summary.get("settings", {}).items()]
    return "<h2>Körning</h2>" + table(["", ""], rows)


def plot_section(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    """Render the three plots, or say that they could not be drawn."""
    plots = [
        ("Svarstider", latency_plot(rows)),
        ("Träffsäkerhet per tagg", tag_plot(summary["per_tag"])),
        ("Rang för första förväntade källa", rank_plot(summary["rank_histogram"])),
    ]
    parts = ["<h2>Diagram</h2>"]
    for title, uri in plots:
        parts.append(f"<h3>{esc(title)}</h3>")
        if uri:
            parts.append(f'<img alt="{esc(title)}" src="{esc(uri)}">')
        else:
            parts.append("<p class='muted'>Inget diagram (inga data eller matplotlib saknas).</p>")
    tags = [
        [td(tag), td(str(v["items"]), "num"), td(f"{v['accuracy']:.3f}", "num")]
        for tag, v in summary["per_tag"].items()
    ]
    parts.append(table(["Tagg", "Frågor", "accuracy"], tags))
    return "".join(parts)


def expected_html(row: dict[str, Any]) -> str:
    """Render what the item expected, marking must_contain groups the answer missed."""
    answer = row["answer"] if row["answered"] else ""
    groups = []
    for group in row["must_contain"]:
        found = group_matched(answer, group)
        mark = "<span class='ok'>✓</span>" if found else "<span class='fail'>✗</span>"
        groups.append(f"<li>{mark} {esc(' | '.join(group))}</li>")
    sources = ", ".join(row["expected_sources"]) or "ingen (frågan ska inte besvaras)"
    notes = f"<p class='muted'>{esc(row['notes'])}</p>" if row.get("notes") else ""
    return f"<p>Förväntade källor: {esc(sources)}</p><ul>{''.join(groups)}</ul>{notes}"


def item_html(row: dict[str, Any]) -> str:
    """Render one failed item: question, answer, citations, expectations, retrieval."""
    reason = FAILURES.get(row["failure"], row["failure"])
    citations = "".join(
        f"<li>[{esc(c['id'])}] {esc(c['title'])} ({esc(c['document'])})"
        f"{', ' + esc(c['section']) if c['section'] else ''}"
        f"{', s. ' + esc(c['page']) if c['page'] else ''}"
        f"<blockquote>{esc(c['quote'])}</blockquote></li>"
        for c in row["citations"]
    )
    retrieved = [
        [
            td(str(p["rank"]), "num"),
            td(p["document"], "ok" if p["expected"] else ""),
            td(p["section"] or ""),
            td(f"{p['score']:.4f}", "num"),
            td("–" if p["dense_score"] is None else f"{p['dense_score']:.3f}", "num"),
            td("–" if p["lexical_score"] is None else f"{p['lexical_score']:.2f}", "num"),
        ]
        for p in row["retrieved"]
    ]
    tags = ", ".join(row["tags"])
    return (
        f"<article><h3>{esc(row['id'])} <span class='muted'>{esc(tags)}</span></h3>"
        f"<p class='fail'>{esc(reason)}</p>"
        f"<p><strong>Fråga:</strong> {esc(row['question'])}</p>"
        f"<p><strong>Svar:</strong> {esc(row['answer'])}</p>"
        f"{'<p><strong>Källor:</strong></p><ul>' + citations + '</ul>' if citations else ''}"
        f"{expected_html(row)}"
        f"{table(['Rang', 'Dokument', 'Avsnitt', 'RRF', 'Dense', 'BM25'], retrieved)}"
        "</article>"
    )


def failures_section(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    """Render the failure counts by reason and every failed item."""
    failed = [row for row in rows if not row["passed"]]
    if not failed:
        return "<h2>Underkända frågor</h2><p class='ok'>Inga.</p>"
    reasons = [
        [td(FAILURES.get(code, code)), td(str(count), "num")]
        for code, count in summary["failures"].items()
    ]
    items = "".join(item_html(row) for row in failed)
    return f"<h2>Underkända frågor ({len(failed)})</h2>{table(['Orsak', 'Antal'], reasons)}{items}"


def render_report(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    """Return the whole report as an HTML document."""
    body = (
        summary_section(summary)
        + plot_section(summary, rows)
        + failures_section(summary, rows)
        + run_section(summary)
    )
    return (
        '<!doctype html>\n<html lang="sv"><head><meta charset="utf-8">'
        "<title>Rutinstöd – utvärdering</title>"
        f"<style>{STYLE}</style></head><body><h1>Rutinstöd – utvärdering</h1>{body}</body></html>\n"
    )


def write_report(path: Path, summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> None:
    """Write report.html for a run."""
    path.write_text(render_report(summary, rows), encoding="utf-8")
