"""Incremental ingest: prepare the files that changed, then commit them as one generation.

Preparing (ingest/prepare.py) reads files into chunks; the index writer
(ingest/index.py) embeds, writes and switches. The switch is one database transaction
at the end of a run, so a run killed at any moment leaves the previous index in use.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from assistant.catalog import READER_KEY, read_state, write_state
from assistant.config import Settings
from assistant.database import Database, DocumentRow, IngestFailureRow, utcnow
from assistant.schemas import document_id
from assistant.store import VectorIndex
from ingest.errors import log_failure, swedish_message
from ingest.index import IndexWriter, NewDocument, WriteStats
from ingest.lock import IngestLock
from ingest.prepare import READER_VERSION, FileOutcome, Preparer, discover
from ingest.retirement import (
    begin_retirement,
    forget_retirements,
    keep_retired,
    reinstated_document,
)

__all__ = ["FileOutcome", "IngestSummary", "Ingestor", "discover"]
log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    """The outcome of a run: per file, totals and where the time went."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    written: WriteStats | None = None

    def count(self, status: str) -> int:
        """Count the files that ended in a status."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def chunks(self) -> int:
        """Return the number of chunks written in this run."""
        return sum(o.chunks for o in self.outcomes if o.status in {"added", "updated"})

    @property
    def pages(self) -> int:
        """Return the number of pages (PDF) or documents read in this run."""
        return sum(o.pages or 1 for o in self.outcomes if o.status in {"added", "updated"})

    @property
    def exit_code(self) -> int:
        """Return 1 when any file failed, else 0."""
        return 1 if self.count("failed") else 0


class Ingestor:
    """Runs ingest against one data directory under its single-writer lock."""

    def __init__(
        self, settings: Settings, database: Database, vectors: Callable[[], VectorIndex]
    ) -> None:
        """vectors opens the collection in use, the one the process's retriever shares."""
        self.settings = settings
        self.database = database
        self.writer = IndexWriter(settings, database, vectors)

    def run(self, paths: list[Path], prune: bool = False, progress: bool = True) -> IngestSummary:
        """Ingest the files under paths; with prune, drop documents whose file is gone."""
        started = time.perf_counter()
        with IngestLock(self.settings.data_dir):
            summary = self._run_locked(paths, prune, progress)
        summary.seconds = time.perf_counter() - started
        return summary

    def reader(self) -> str:
        """Name what turns files into passages: the reader's version and the chunking.

        When it changes (a new release, another chunk size), every file is read again.
        """
        chunking = f"chunks {self.settings.chunk_tokens}/{self.settings.chunk_overlap}"
        return f"{READER_VERSION}; {chunking}"

    def known_hash(self, path: Path) -> str | None:
        """Return the content hash the index holds for a file, if it holds the file."""
        with self.database.session() as session:
            return session.scalar(
                select(DocumentRow.content_hash).where(
                    DocumentRow.source_path == str(path.resolve())
                )
            )

    def put(
        self,
        target: Path,
        data: bytes,
        document: NewDocument | None,
        sidecar: tuple[Path, bytes] | None = None,
    ) -> None:
        """Write a file (and its sidecar) into place and commit its document, under the lock.

        Nothing is written unless the lock is taken (IngestLockedError otherwise), and
        on any failure the files are put back as they were: the original on disk is
        always the version the answers quote.
        """
        writes = [(target, data)] + ([sidecar] if sidecar is not None else [])
        with IngestLock(self.settings.data_dir):
            previous = [(path, path.read_bytes() if path.exists() else None) for path, _ in writes]
            try:
                for path, content in writes:
                    partial = path.with_name(f".{path.name}.partial")
                    partial.write_bytes(content)
                    partial.replace(path)
                if document is not None:
                    self.writer.commit([document])
                    # a new version uploaded over a retired one is in force by its own dates
                    forget_retirements(self.database, [document.meta.id])
            except BaseException:
                for path, before in previous:
                    path.with_name(f".{path.name}.partial").unlink(missing_ok=True)
                    if before is None:
                        path.unlink(missing_ok=True)
                    else:
                        path.write_bytes(before)
                raise
            outcome = FileOutcome(target, "added", chunks=len(document.chunks) if document else 0)
            self._record_failures(IngestSummary([outcome]))

    def remove(self, document_ids: list[str]) -> None:
        """Take documents and their passages out of the index, as one committed change."""
        with IngestLock(self.settings.data_dir):
            self.writer.commit([], document_ids)
            forget_retirements(self.database, document_ids)

    def retire(self, document_id: str, today: dt.date) -> None:
        """Retire a document by hand: out of force from today, kept (ingest/retirement.py).

        Raises RetirementError (Swedish) for an unknown or already retired document.
        """
        with IngestLock(self.settings.data_dir):
            document = begin_retirement(self.database, document_id, today)
            try:
                self.writer.commit([document])
            except BaseException:
                forget_retirements(self.database, [document_id])
                raise

    def reinstate(self, document_id: str) -> None:
        """Undo a retirement by hand: the valid_to of the document's own metadata applies."""
        with IngestLock(self.settings.data_dir):
            self.writer.commit([reinstated_document(self.database, document_id)])
            forget_retirements(self.database, [document_id])

    def dismiss_failure(self, failure_id: str) -> bool:
        """Take a failed file off the failures list (it comes back if it fails again).

        `failure_id` is the id a document at the file's path would have. Returns whether
        such a failure was listed.
        """
        with self.database.session() as session:
            for row in session.scalars(select(IngestFailureRow)).all():
                if document_id(row.source_path) == failure_id:
                    session.delete(row)
                    return True
        return False

    def _known(self) -> dict[str, tuple[str, str]]:
        with self.database.session() as session:
            rows = session.execute(
                select(DocumentRow.source_path, DocumentRow.id, DocumentRow.content_hash)
            ).all()
        return {path: (doc_id, digest) for path, doc_id, digest in rows}

    def _run_locked(self, paths: list[Path], prune: bool, progress: bool) -> IngestSummary:
        summary = IngestSummary()
        for path in (p for p in paths if not p.exists()):
            summary.outcomes.append(FileOutcome(path, "failed", "Sökvägen finns inte."))
        known = self._known()
        files = discover(p for p in paths if p.exists())
        preparer = Preparer(self.settings)
        with self.database.session() as session:
            reread = known and read_state(session, READER_KEY) != self.reader()
        # A new reader reads every known file again: no stored hash counts as current.
        current = {p: (i, "reread") for p, (i, _) in known.items()} if reread else known
        documents = self._prepare_all(preparer, files, current, summary, progress)
        documents, moved = self._same_content(documents, known, summary)
        removed = sorted(set(self._removed(paths, files, known) if prune else []) | set(moved))
        summary.outcomes += [FileOutcome(Path(path), "removed") for path in removed]
        documents = keep_retired(self.database, documents)
        if documents or removed or self.writer.needs_repair():
            removed_ids = [known[p][0] for p in removed]
            written = self.writer.commit(documents, removed_ids, progress)
            forget_retirements(self.database, removed_ids)
            summary.written = written
            summary.timings.update(written.timings)
        for phase, seconds in preparer.timings.items():
            summary.timings[phase] = summary.timings.get(phase, 0.0) + seconds
        if not any(o.status == "failed" for o in summary.outcomes):
            # Kept unset while a file fails, so that it is read again by the new reader.
            with self.database.session() as session:
                write_state(session, READER_KEY, self.reader())
        self._record_failures(summary)
        return summary

    @staticmethod
    def _prepare_all(
        preparer: Preparer,
        files: list[Path],
        known: dict[str, tuple[str, str]],
        summary: IngestSummary,
        progress: bool,
    ) -> list[NewDocument]:
        from tqdm import tqdm

        documents: list[NewDocument] = []
        bar = tqdm(files, desc="Läser filer", unit="fil", disable=not progress, file=sys.stderr)
        for path in bar:
            previous = known.get(str(path.resolve()))
            try:
                document, status = preparer.prepare(path, previous[1] if previous else None)
            except Exception as exc:  # one file's failure, whatever raised it, fails it alone
                log_failure(log, path.name, exc)
                summary.outcomes.append(FileOutcome(path, "failed", swedish_message(exc)))
                continue
            if document is None:
                summary.outcomes.append(FileOutcome(path, status))
                continue
            summary.outcomes.append(
                FileOutcome(path, status, chunks=len(document.chunks), pages=document.pages)
            )
            documents.append(document)
        return documents

    @staticmethod
    def _same_content(
        documents: list[NewDocument],
        known: dict[str, tuple[str, str]],
        summary: IngestSummary,
    ) -> tuple[list[NewDocument], list[str]]:
        """Index a file's content once, whatever path it is found at.

        A new file with the content of an indexed one is either that file moved (the old
        path is gone: the old entry is replaced, returned among the paths to remove) or
        a copy (both exist: the copy is left out with a message). Two copies in one
        run are indexed once too. Without this, each copy's passages would crowd the
        others out of the top results with the same text.
        """
        at: dict[str, str] = {digest: path for path, (_, digest) in known.items()}
        outcomes = {str(o.path.resolve()): o for o in summary.outcomes}
        kept: list[NewDocument] = []
        moved: list[str] = []
        for document in documents:
            path = document.meta.source_path
            other = at.get(document.meta.content_hash)
            outcome = outcomes[path]
            if other is None or other == path or outcome.status != "added":
                at.setdefault(document.meta.content_hash, path)
                kept.append(document)
            elif Path(other).exists():
                outcome.status, outcome.chunks, outcome.pages = "duplicate", 0, None
                outcome.message = (
                    f"Samma innehåll som {other}, som redan är indexerad; kopian läses inte in."
                )
            else:
                outcome.message = f"Flyttad från {other}."
                moved.append(other)
                at[document.meta.content_hash] = path
                kept.append(document)
        return kept, moved

    @staticmethod
    def _removed(
        roots: Iterable[Path], files: list[Path], known: dict[str, tuple[str, str]]
    ) -> list[str]:
        present = {str(p.resolve()) for p in files}
        resolved_roots = [r.resolve() for r in roots]
        return sorted(
            path
            for path in known
            if path not in present
            and any(Path(path).is_relative_to(root) for root in resolved_roots)
        )

    def _record_failures(self, summary: IngestSummary) -> None:
        """Keep the last error of each failed file; forget it once it ingests or is gone."""
        with self.database.session() as session:
            for stale in session.scalars(select(IngestFailureRow)).all():
                if not Path(stale.source_path).exists():
                    session.delete(stale)
            for outcome in summary.outcomes:
                key = str(outcome.path.resolve())
                row = session.get(IngestFailureRow, key)
                if outcome.status in {"added", "updated", "removed"} and row is not None:
                    session.delete(row)
                elif outcome.status == "failed" and outcome.path.exists():
                    row = row or IngestFailureRow(source_path=key)
                    row.file_name, row.message, row.failed_at = (
                        outcome.path.name,
                        outcome.message,
                        utcnow(),
                    )
                    session.merge(row)
