"""Incremental ingest: files -> documents with metadata -> chunks -> embeddings -> the index.

A run changes what retrieval sees in one database transaction at its end. Until then
new embeddings sit in chroma under ids no committed chunk refers to, and the BM25
generation being built is not current, so a run killed at any moment leaves the
previous index in use; the next run removes what the killed one left behind.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, select

from assistant.catalog import DIRTY_KEY, GENERATION_KEY, Catalog, read_state, write_state
from assistant.config import Settings
from assistant.database import ChunkRow, Database, DocumentRow, IngestFailureRow, utcnow
from assistant.schemas import Chunk, DocumentMeta
from ingest.errors import UnreadableFileError
from ingest.lock import IngestLock
from ingest.metadata import SIDECAR_SUFFIX, sidecar_path

log = logging.getLogger(__name__)
SKIPPED_NAMES = {"readme.md", "readme.txt", "readme"}


@dataclass
class FileOutcome:
    """What happened to one file in a run."""

    path: Path
    status: str  # added, updated, unchanged, failed, removed
    message: str = ""
    chunks: int = 0
    pages: int | None = None


@dataclass
class Prepared:
    """A parsed, chunked document waiting for its embeddings."""

    meta: DocumentMeta
    chunks: list[Chunk]
    pages: int | None
    size: int
    outcome: FileOutcome


@dataclass
class IngestSummary:
    """The outcome of a run: per file, totals and where the time went."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

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


def discover(paths: Iterable[Path]) -> list[Path]:
    """List the ingestible files under the given files and folders, sorted."""
    found: list[Path] = []
    for root in paths:
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            relative = path.relative_to(root) if path != root else Path(path.name)
            hidden = any(part.startswith((".", "_")) for part in relative.parts)
            if hidden or path.name.lower() in SKIPPED_NAMES or path.name.endswith(SIDECAR_SUFFIX):
                continue
            found.append(path)
    return found


def content_hash(path: Path, data: bytes) -> str:
    """Hash a file together with its sidecar, so a metadata edit counts as a change."""
    digest = hashlib.sha256(data)
    sidecar = sidecar_path(path)
    if sidecar is not None:
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


class Ingestor:
    """Runs ingest against one data directory; heavy parts load only when there is work."""

    def __init__(self, settings: Settings, database: Database, vectors: Any = None) -> None:
        self.settings = settings
        self.database = database
        self.catalog = Catalog(database)
        self._vectors = vectors
        self.timings: dict[str, float] = {}

    @property
    def vectors(self) -> Any:
        """Open the vector index on first use."""
        if self._vectors is None:
            from assistant.store import open_vector_index

            self._vectors = open_vector_index(self.settings)
        return self._vectors

    def _timed(self, phase: str, started: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - started

    def run(self, paths: list[Path], prune: bool = False, progress: bool = True) -> IngestSummary:
        """Ingest the files under paths; with prune, drop documents whose file is gone."""
        started = time.perf_counter()
        self.timings = {}
        with IngestLock(self.settings.data_dir):
            summary = self._run_locked(paths, prune, progress)
        summary.timings = self.timings
        summary.seconds = time.perf_counter() - started
        return summary

    def remove(self, document_ids: list[str]) -> None:
        """Take documents out of the index, as one committed change."""
        with IngestLock(self.settings.data_dir):
            self._commit([], document_ids, crashed=False, progress=False)

    def _known(self) -> dict[str, tuple[str, str]]:
        with self.database.session() as session:
            rows = session.execute(
                select(DocumentRow.source_path, DocumentRow.id, DocumentRow.content_hash)
            ).all()
        return {path: (doc_id, digest) for path, doc_id, digest in rows}

    def _run_locked(self, paths: list[Path], prune: bool, progress: bool) -> IngestSummary:
        summary = IngestSummary()
        missing = [p for p in paths if not p.exists()]
        for path in missing:
            summary.outcomes.append(FileOutcome(path, "failed", "Sökvägen finns inte."))
        known = self._known()
        files = discover(p for p in paths if p.exists())
        prepared = self._prepare_all(files, known, summary, progress)
        removed = self._removed(paths, files, known) if prune else []
        for removed_path in removed:
            summary.outcomes.append(FileOutcome(Path(removed_path), "removed"))
        with self.database.session() as session:
            crashed = read_state(session, DIRTY_KEY) is not None
        if prepared or removed or crashed:
            self._commit(prepared, [known[p][0] for p in removed], crashed, progress)
        self._record_failures(summary)
        return summary

    def _prepare_all(
        self,
        files: list[Path],
        known: dict[str, tuple[str, str]],
        summary: IngestSummary,
        progress: bool,
    ) -> list[Prepared]:
        from tqdm import tqdm

        prepared: list[Prepared] = []
        chunker = None
        bar = tqdm(files, desc="Läser filer", unit="fil", disable=not progress, file=sys.stderr)
        for path in bar:
            try:
                item, chunker = self._prepare(path, known, chunker)
            except UnreadableFileError as exc:
                summary.outcomes.append(FileOutcome(path, "failed", str(exc)))
                continue
            if item is None:
                summary.outcomes.append(FileOutcome(path, "unchanged"))
            else:
                summary.outcomes.append(item.outcome)
                prepared.append(item)
        return prepared

    def _prepare(
        self, path: Path, known: dict[str, tuple[str, str]], chunker: Any
    ) -> tuple[Prepared | None, Any]:
        from ingest.loaders import load_file
        from ingest.metadata import resolve_meta

        size = path.stat().st_size
        if size > self.settings.max_file_mb * 1024 * 1024:
            limit = f"{self.settings.max_file_mb:g}"
            raise UnreadableFileError(f"Filen är större än gränsen {limit} MB.")
        started = time.perf_counter()
        data = path.read_bytes()
        digest = content_hash(path, data)
        previous = known.get(str(path.resolve()))
        if previous and previous[1] == digest:
            return None, chunker
        loaded = load_file(path, data)
        first_heading = next((b.headings[0] for b in loaded.blocks if b.headings), None)
        meta = resolve_meta(path, loaded.properties, first_heading, digest)
        self._timed("parse", started)
        started = time.perf_counter()
        if chunker is None:
            from ingest.chunking import Chunker

            chunker = Chunker(self.settings.chunk_tokens, self.settings.chunk_overlap)
        chunks = chunker.chunk(meta.id, digest, meta.title, loaded.blocks)
        self._timed("chunk", started)
        if not chunks:
            raise UnreadableFileError("Filen gav inga textavsnitt att indexera.")
        status = "updated" if previous else "added"
        outcome = FileOutcome(path, status, chunks=len(chunks), pages=loaded.pages)
        return Prepared(meta, chunks, loaded.pages, size, outcome), chunker

    def _removed(
        self, roots: list[Path], files: list[Path], known: dict[str, tuple[str, str]]
    ) -> list[str]:
        present = {str(p.resolve()) for p in files}
        resolved_roots = [r.resolve() for r in roots]
        return sorted(
            path
            for path in known
            if path not in present
            and any(Path(path).is_relative_to(root) for root in resolved_roots)
        )

    def _embed_new(self, prepared: list[Prepared], progress: bool) -> dict[str, bytes]:
        """Embed new chunks into chroma and every chunk's sentences; return the latter.

        One pass over one worker pool embeds both: the chunks that chroma does not hold
        yet (a killed run may have stored some), and the sentences that the extractive
        generator compares with questions, stored with the chunk rows as float16.
        """
        from tqdm import tqdm

        from assistant.embeddings import embed_passages_parallel
        from assistant.sentences import split_sentences

        wanted = [(item, chunk) for item in prepared for chunk in item.chunks]
        started = time.perf_counter()
        present = self.vectors.existing_ids([chunk.id for _, chunk in wanted])
        self._timed("write", started)
        todo = [(item, chunk) for item, chunk in wanted if chunk.id not in present]
        sentences = [split_sentences(chunk.text) for _, chunk in wanted]
        texts = [chunk.embedding_text(item.meta.title) for item, chunk in todo]
        texts += [sentence for group in sentences for sentence in group]
        started = time.perf_counter()
        with tqdm(
            total=len(texts), desc="Bäddar in", unit="text", disable=not progress, file=sys.stderr
        ) as bar:
            vectors = embed_passages_parallel(
                texts,
                None,
                self.settings.ingest_workers,
                self.settings.embed_batch_size,
                on_batch=bar.update,
            )
        self._timed("embed", started)
        started = time.perf_counter()
        self._add_vectors([(item.meta, chunk) for item, chunk in todo], vectors[: len(todo)])
        self._timed("write", started)
        result: dict[str, bytes] = {}
        offset = len(todo)
        for (_, chunk), group in zip(wanted, sentences, strict=True):
            result[chunk.id] = vectors[offset : offset + len(group)].astype(np.float16).tobytes()
            offset += len(group)
        return result

    def _add_vectors(self, entries: list[tuple[DocumentMeta, Chunk]], vectors: Any) -> None:
        """Add embedded chunks to chroma, document by document (entries[i] has vectors[i])."""
        by_doc: dict[str, list[int]] = {}
        for index, (meta, _chunk) in enumerate(entries):
            by_doc.setdefault(meta.id, []).append(index)
        for indexes in by_doc.values():
            meta = entries[indexes[0]][0]
            self.vectors.add(meta, [entries[i][1] for i in indexes], vectors[indexes])

    def _commit(
        self, prepared: list[Prepared], removed_ids: list[str], crashed: bool, progress: bool
    ) -> None:
        with self.database.session() as session:
            write_state(session, DIRTY_KEY, utcnow().isoformat())
        replaced = {item.meta.id for item in prepared} | set(removed_ids)
        self.vectors.reopen()  # another process may have written since we opened it
        if crashed:
            self._rebuild_vectors(replaced)
        sentence_vectors = self._embed_new(prepared, progress) if prepared else {}
        started = time.perf_counter()
        stale = set(self._chunk_ids_of(replaced))
        generation = self.catalog.generation() + 1
        self._build_lexical(prepared, stale, generation)
        with self.database.session() as session:
            if replaced:
                session.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(replaced)))
                session.execute(delete(DocumentRow).where(DocumentRow.id.in_(replaced)))
            for item in prepared:
                self._add_rows(session, item, sentence_vectors)
            write_state(session, GENERATION_KEY, str(generation))
            write_state(session, DIRTY_KEY, None)
        live = {c.id for item in prepared for c in item.chunks}
        if not crashed:  # after a rebuild the collection holds nothing stale
            self.vectors.delete([i for i in stale if i not in live])
        self._drop_old_generations(generation)
        self._timed("write", started)

    def _chunk_ids_of(self, document_ids: set[str]) -> list[str]:
        if not document_ids:
            return []
        with self.database.session() as session:
            rows = session.scalars(
                select(ChunkRow.id).where(ChunkRow.document_id.in_(document_ids))
            )
            return list(rows.all())

    def _rebuild_vectors(self, skip: set[str]) -> None:
        """Rebuild chroma from the committed manifest after an ingest was killed.

        A process killed while chroma writes can leave the collection damaged (seen:
        "Error finding id"), so it is not trusted: it is dropped, and every committed
        chunk outside the documents being replaced is embedded and added again.
        """
        from assistant.catalog import meta_from_row
        from assistant.embeddings import embed_passages_parallel

        log.warning("The previous ingest did not finish; rebuilding the vector store")
        self.vectors.reset()
        documents = [d for d in self.catalog.documents() if d.id not in skip]
        entries = [
            (meta_from_row(d), Chunk(r.id, d.id, r.ordinal, r.section, r.page, r.page_end, r.text))
            for d in documents
            for r in self.catalog.document_chunks(d.id)
        ]
        started = time.perf_counter()
        texts = [chunk.embedding_text(meta.title) for meta, chunk in entries]
        vectors = embed_passages_parallel(
            texts, None, self.settings.ingest_workers, self.settings.embed_batch_size
        )
        self._timed("embed", started)
        self._add_vectors(entries, vectors)

    def _build_lexical(self, prepared: list[Prepared], stale: set[str], generation: int) -> None:
        from assistant.lexical import LexicalIndex, SwedishAnalyzer

        kept = [(cid, text) for cid, text in self.catalog.texts_for_index() if cid not in stale]
        new = [(c.id, c.embedding_text(item.meta.title)) for item in prepared for c in item.chunks]
        entries = kept + new
        started = time.perf_counter()
        index = LexicalIndex.build(
            [e[0] for e in entries], [e[1] for e in entries], SwedishAnalyzer()
        )
        index.save(self.settings.lexical_dir / f"gen-{generation}")
        self._timed("lexical", started)

    def _add_rows(self, session: Any, item: Prepared, sentence_vectors: dict[str, bytes]) -> None:
        meta = item.meta
        session.add(
            DocumentRow(
                id=meta.id,
                source_path=meta.source_path,
                file_name=meta.file_name,
                title=meta.title,
                doc_type=meta.doc_type,
                owner=meta.owner,
                version=meta.version,
                valid_from=meta.valid_from,
                valid_to=meta.valid_to,
                content_hash=meta.content_hash,
                size_bytes=item.size,
                pages=item.pages,
                chunk_count=len(item.chunks),
                ingested_at=utcnow(),
            )
        )
        session.flush()
        session.add_all(
            ChunkRow(
                id=c.id,
                document_id=c.document_id,
                ordinal=c.ordinal,
                section=c.section,
                page=c.page,
                page_end=c.page_end,
                text=c.text,
                sentence_vectors=sentence_vectors.get(c.id),
                ocr_confidence=c.ocr_confidence,
            )
            for c in item.chunks
        )

    def _drop_old_generations(self, current: int) -> None:
        root = self.settings.lexical_dir
        for directory in root.glob("gen-*"):
            suffix = directory.name.removeprefix("gen-").removesuffix(".partial")
            if suffix.isdigit() and int(suffix) != current:
                shutil.rmtree(directory, ignore_errors=True)

    def _record_failures(self, summary: IngestSummary) -> None:
        """Keep the last error of each failed file; forget it once the file ingests."""
        with self.database.session() as session:
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


def ingest(
    settings: Settings,
    paths: list[Path],
    prune: bool = False,
    progress: bool = True,
    on_done: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """Run one ingest with its own database connection."""
    database = Database(settings.resolved_database_url)
    try:
        summary = Ingestor(settings, database).run(paths, prune=prune, progress=progress)
    finally:
        database.dispose()
    if on_done:
        on_done(summary)
    return summary
