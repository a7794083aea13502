"""The `rutinstod eval` and `rutinstod gaps export-tests` commands.

rutinstod.py registers them; `python -m evals.commands` runs them on their own.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.config import load_settings
from evals.datasets import DatasetError

DATABASE_FILE = "rutinstod.sqlite3"  # the default SQLite file in a data directory
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory to evaluate against; default a throwaway one with --corpus ingested.",
    ),
]


def default_out() -> Path:
    """Return a fresh run directory under evals/runs, named by the time."""
    return Path("evals/runs") / dt.datetime.now().strftime("%Y%m%d-%H%M%S")


DatasetArgument = Annotated[
    list[Path], typer.Argument(help="Dataset files (.jsonl or .csv); ids must be unique.")
]
CorpusOption = Annotated[
    Path | None,
    typer.Option(
        help="Folder to ingest first; default the corpus folder (RUTINSTOD_CORPUS_DIR) "
        "when no --data-dir is given."
    ),
]
OutOption = Annotated[Path | None, typer.Option(help="Run directory; default evals/runs/<time>.")]
CompareOption = Annotated[
    Path | None, typer.Option(help="A previous run directory to show changes against.")
]
MinOption = Annotated[
    list[str] | None,
    typer.Option(
        "--min",
        help="METRIC=VALUE; fail below it (above it for latency, first_token and "
        "false_refusal_rate). Repeatable.",
    ),
]


def evaluate(
    dataset: list[Path],
    data_dir: Path | None,
    corpus: Path | None,
    out: Path,
    compare: Path | None,
    minimum: list[str],
) -> dict[str, Any]:
    """Run the evaluation in the given or a throwaway data directory; exit 2 on bad input."""
    from evals.runner import EvalSetupError, parse_minimums, run_eval

    with ExitStack() as stack:
        scratch = None
        if data_dir is None:
            temporary = tempfile.TemporaryDirectory(
                prefix="rutinstod-eval-", ignore_cleanup_errors=True
            )
            scratch = Path(stack.enter_context(temporary))
        settings = load_settings(data_dir or scratch)
        if scratch is not None:
            corpus = corpus or settings.corpus_dir
        try:
            minimums = parse_minimums(minimum)
            return run_eval(dataset, settings, out, corpus, compare, minimums)
        except (DatasetError, EvalSetupError) as exc:
            typer.echo(f"Fel: {exc}", err=True)
            raise typer.Exit(2) from exc


def eval_command(
    dataset: DatasetArgument,
    data_dir: DataDirOption = None,
    corpus: CorpusOption = None,
    out: OutOption = None,
    compare: CompareOption = None,
    minimum: MinOption = None,
) -> None:
    """Ask every dataset question through the answer pipeline and report the metrics."""
    from evals.console import failures_text, summary_table
    from evals.scoring import FAILURES

    out = out or default_out()
    summary = evaluate(dataset, data_dir, corpus, out, compare, minimum or [])
    typer.echo(summary_table(summary))
    typer.echo(failures_text(summary, FAILURES))
    typer.echo(f"Resultat: {out / 'results.jsonl'}\nRapport: {out / 'report.html'}")
    if summary["threshold_failures"]:
        typer.echo("Under tröskel:", err=True)
        for text in summary["threshold_failures"]:
            typer.echo(f"  {text}", err=True)
        raise typer.Exit(1)


gaps_app = typer.Typer(no_args_is_help=True)


@gaps_app.callback()
def gaps() -> None:
    """The gap log: questions no routine answered."""


@gaps_app.command("export-tests")
def export_tests(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (RUTINSTOD_DATA_DIR).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="JSON Lines file to write; default standard output.")
    ] = None,
) -> None:
    """Write every resolved gap's questions as evaluation items (JSON Lines)."""
    from evals.gap_export import gap_test_items
    from services import Services

    settings = load_settings(data_dir)
    if settings.database_url is None and not (settings.data_dir / DATABASE_FILE).is_file():
        typer.echo(f"Fel: ingen gaplogg i {settings.data_dir} (fel --data-dir?)", err=True)
        raise typer.Exit(2)
    with Services(settings) as services:
        topics = services.gaps.topics()
        checked = services.rechecks.results(g.id for _, gaps in topics for g in gaps)
        items, warnings = gap_test_items(topics, services.catalog.documents(), checked)
    for warning in warnings:
        typer.echo(f"Varning: {warning}", err=True)
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    typer.echo(f"{len(items)} testfrågor från åtgärdade luckor.", err=True)


def main() -> None:
    """Run the eval and gaps commands without the rutinstod entry point."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
    app.command("eval")(eval_command)
    app.add_typer(gaps_app, name="gaps")
    app(prog_name="python -m evals.commands")


if __name__ == "__main__":
    main()
