"""The `rutinstod` command: ingest, search, ask, serve, eval and the gap log.

This is a composition root: it builds settings and components and calls into the
packages; nothing imports it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (RUTINSTOD_DATA_DIR).")
]


def load_settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    """Read settings from the environment, with command-line overrides on top."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


def print_ingest_summary(summary: object) -> None:
    """Print what an ingest run did, file by file, then the totals."""
    from ingest.pipeline import IngestSummary

    assert isinstance(summary, IngestSummary)
    labels = {"added": "ny", "updated": "uppdaterad", "failed": "FEL", "removed": "borttagen"}
    for outcome in summary.outcomes:
        if outcome.status in labels:
            detail = outcome.message or f"{outcome.chunks} avsnitt"
            typer.echo(f"  {labels[outcome.status]:<10} {outcome.path}: {detail}")
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(summary.timings.items()))
    typer.echo(
        f"Filer: {summary.count('added')} nya, {summary.count('updated')} uppdaterade, "
        f"{summary.count('unchanged')} oförändrade, {summary.count('removed')} borttagna, "
        f"{summary.count('failed')} misslyckade. Avsnitt: {summary.chunks}. "
        f"Tid: {summary.seconds:.1f} s" + (f" ({timings})" if timings else "")
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    prune: Annotated[bool, typer.Option(help="Remove documents whose file is gone.")] = False,
    data_dir: DataDirOption = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Read documents into the index; unchanged files are skipped."""
    from ingest.lock import IngestLockedError
    from ingest.pipeline import ingest as run_ingest

    settings = load_settings(data_dir)
    try:
        summary = run_ingest(settings, paths, prune=prune, progress=not quiet)
    except IngestLockedError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    print_ingest_summary(summary)
    raise typer.Exit(summary.exit_code)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="The question, in Swedish.")],
    k: Annotated[int, typer.Option("-k", help="Number of passages.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical.")] = "hybrid",
    data_dir: DataDirOption = None,
) -> None:
    """Print the passages that best match a question, with their sources."""
    from assistant.components import Components

    components = Components.build(load_settings(data_dir))
    result = components.retriever.retrieve(question, k, mode=mode)
    if as_json:
        payload = [p.as_dict() for p in result.passages]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not result.passages:
        typer.echo("Inga avsnitt hittades. Är dokumenten inlästa (rutinstod ingest)?")
    for rank, p in enumerate(result.passages, start=1):
        where = ", ".join(x for x in (p.section, f"s. {p.page}" if p.page else None) if x)
        typer.echo(f"{rank}. [{p.score:.4f}] {p.title} ({p.doc_type}) — {p.document}")
        if where:
            typer.echo(f"   {where}")
        typer.echo("   " + " ".join(p.text.split())[:300])


def main() -> None:
    """Run the command-line interface."""
    app(prog_name="rutinstod")


if __name__ == "__main__":
    sys.exit(main())
