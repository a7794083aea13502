"""The `rutinstod` command: ingest, search, ask, serve, eval and the gap log.

This is a composition root: it reads the settings once, takes every piece from
services.Services and calls into the packages; nothing imports it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.config import Settings, load_settings
from evals.commands import eval_command, gaps_app

if TYPE_CHECKING:
    from services import Services

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Rutinstöd: answers from the organisation's routines, with citations, and a gap log.",
    pretty_exceptions_enable=False,
)

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (RUTINSTOD_DATA_DIR).")
]


def print_ingest_summary(summary: object) -> None:
    """Print what an ingest run did, file by file, then the totals."""
    from ingest.pipeline import IngestSummary

    assert isinstance(summary, IngestSummary)
    labels = {
        "added": "ny",
        "updated": "uppdaterad",
        "duplicate": "kopia",
        "failed": "FEL",
        "removed": "borttagen",
    }
    for outcome in summary.outcomes:
        if outcome.status in labels:
            detail = outcome.message or f"{outcome.chunks} avsnitt"
            typer.echo(f"  {labels[outcome.status]:<10} {outcome.path}: {detail}")
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(summary.timings.items()))
    typer.echo(
        f"Filer: {summary.count('added')} nya, {summary.count('updated')} uppdaterade, "
        f"{summary.count('unchanged')} oförändrade, {summary.count('duplicate')} kopior, "
        f"{summary.count('removed')} borttagna, "
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
    from services import Services

    try:
        with Services(load_settings(data_dir)) as services:
            summary = services.ingestor.run(paths, prune=prune, progress=not quiet)
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
    from services import Services

    with Services(load_settings(data_dir)) as services:
        result = services.retriever.retrieve(question, k, mode=mode)
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


def print_response(response: object) -> None:
    """Print an answer with its citations listed underneath."""
    from assistant.answer import ChatResponse

    assert isinstance(response, ChatResponse)
    for notice in response.notices:
        typer.echo(f"OBS: {notice}")
    typer.echo(response.answer)
    if response.citations:
        typer.echo("\nKällor:")
    for c in response.citations:
        p = c.passage
        where = ", ".join(x for x in (p.section, f"s. {p.page}" if p.page else None) if x)
        typer.echo(f"  [{c.id}] {p.title} ({p.doc_type}, {p.document}) {where}")
        typer.echo(f"      ”{c.quote}”")
    if response.lessons:
        typer.echo("\nTidigare avvikelser:")
        for c in response.lessons:
            typer.echo(f"  - {c.passage.title}, {c.passage.section or ''}")
    if response.gap_id:
        typer.echo(f"\nFrågan har skickats till rutingruppen, referens {response.gap_ref}.")
        for n in response.nearest:
            typer.echo(f"  Närmaste: {n['title']} ({n['document']})")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Swedish.")],
    conversation: Annotated[str | None, typer.Option(help="Conversation id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Answer a question in the terminal, with the citations listed under the answer."""
    from services import Services

    with Services(load_settings(data_dir)) as services:
        response = services.pipeline.ask(question, conversation)
    if as_json:
        from web.serialise import chat_response_json  # the same JSON as POST /api/chat

        typer.echo(json.dumps(chat_response_json(response), ensure_ascii=False, indent=2))
    else:
        print_response(response)


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (RUTINSTOD_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (RUTINSTOD_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the chat, the routine group's pages and the JSON API."""
    serve_app(load_settings(data_dir, host=host, port=port), workers)


def serve_app(settings: Settings, workers: int = 1, services: Services | None = None) -> None:
    """Serve the app built from these settings (over services when given).

    An open (no login) non-loopback address is refused.
    """
    import os

    import uvicorn

    from web.app import configure_logging, create_app
    from web.auth import auth_configured

    if settings.host not in LOOPBACK and not auth_configured(settings):
        typer.echo(
            f"Vägrar lyssna på {settings.host} utan inloggning; sätt RUTINSTOD_CASEWORKER_TOKENS "
            "och RUTINSTOD_ROUTINE_GROUP_TOKENS eller RUTINSTOD_AUTH_HEADER.",
            err=True,
        )
        raise typer.Exit(2)
    configure_logging()
    typer.echo(f"Rutinstöd svarar på http://{settings.host}:{settings.port}/")
    if workers > 1:
        os.environ["RUTINSTOD_DATA_DIR"] = str(settings.data_dir)
        uvicorn.run(
            "web.server:app",
            host=settings.host,
            port=settings.port,
            workers=workers,
            log_config=None,
        )
    else:
        app = create_app(settings, services)
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


@app.command()
def run(
    corpus: Annotated[Path | None, typer.Option(help="Folder to ingest first.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Ingest the corpus (unchanged files are skipped), then serve on localhost."""
    from services import Services

    settings = load_settings(data_dir)
    with Services(settings) as services:
        summary = services.ingestor.run([corpus or settings.corpus_dir], prune=True)
        print_ingest_summary(summary)
        serve_app(settings, services=services)


@app.command()
def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; remove nothing.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Remove records past their retention period (gallring), counted per kind."""
    from assistant.audit import COMMAND_LINE
    from assistant.retention import KIND_LABELS
    from services import Services

    settings = load_settings(data_dir)
    with Services(settings) as services:
        report = services.purge.run(COMMAND_LINE, dry_run=dry_run)
    periods = settings.retention
    typer.echo(
        "Bevarandetider i dagar (0 = bevaras): "
        f"frågor och svar {periods.answers}, samtal {periods.conversations}, "
        f"luckor {periods.gaps}, omdömen {periods.feedback}, exporter {periods.exports}, "
        f"händelselogg {periods.audit}."
    )
    typer.echo("Skulle gallras:" if dry_run else "Gallrat:")
    for kind, label in KIND_LABELS.items():
        typer.echo(f"  {label}: {report.counts[kind]}")
    typer.echo(
        f"Inget har raderats (--dry-run); {report.total} poster skulle gallras."
        if dry_run
        else f"Totalt {report.total} poster gallrade. Gallringen är loggad i händelseloggen."
    )


app.command("eval")(eval_command)
app.add_typer(gaps_app, name="gaps", help="The routine group's gap log.")


def main() -> None:
    """Run the command-line interface."""
    app(prog_name="rutinstod")


if __name__ == "__main__":
    main()
