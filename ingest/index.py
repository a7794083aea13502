"""The index writer: the one owner of index generations.

A generation is what retrieval reads at one time:
- the manifest in SQL: documents and chunks, each chunk with its own embedding and
  its sentences' embeddings;
- a BM25 directory, `lexical/gen-N`;
- the chroma collection that the state names (COLLECTION_KEY).

Only this module writes any of them, in this order:
1. mark a run as started (DIRTY_KEY);
2. embed what is new, reusing the stored vectors of texts that have not changed;
3. write the new vectors to chroma under new ids: into the collection in use, or,
   when the previous run did not finish (its writes may have damaged the
   collection), the collection lacks committed vectors or the model changed, into a
   new collection filled from the manifest's stored vectors;
4. write the BM25 generation `gen-N`;
5. commit the manifest rows, generation N and the collection's name in one
   transaction: this is the switch;
6. clean up: stale ids, other collections, older BM25 directories; clear the mark.

A run killed before 5 leaves generation N-1 in use, complete; the next run sees the
mark and builds a new collection without touching the one in use. A run killed in 6
leaves only leftovers that the next run drops.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select

from assistant.catalog import (
    COLLECTION_KEY,
    DIRTY_KEY,
    GENERATION_KEY,
    MODEL_KEY,
    Catalog,
    meta_from_row,
    read_state,
    write_state,
)
from assistant.config import Settings
from assistant.database import ChunkRow, Database, DocumentRow, utcnow
from assistant.embeddings import EMBEDDING_DIM, model_id
from assistant.schemas import Chunk, DocumentMeta, indexed_text
from assistant.sentences import split_sentences
from assistant.store import VectorIndex

log = logging.getLogger(__name__)
REBUILD_SUFFIX = "-g"


@dataclass
class NewDocument:
    """A parsed, chunked document to put in the index, replacing any older version."""

    meta: DocumentMeta
    chunks: list[Chunk]
    pages: int | None
    size: int
    # Chunk embeddings when the caller has them already (benchmarks); else embedded here.
    # Such a document carries no sentence vectors (the extractive answer embeds them).
    vectors: np.ndarray | None = None


@dataclass
class WriteStats:
    """What a commit did: texts embedded and reused, and whether it built a new collection."""

    embedded: int = 0
    reused: int = 0
    rebuilt: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, phase: str, started: float) -> None:
        """Add the time since started to a phase."""
        self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - started


def encode_vector(vector: np.ndarray) -> bytes:
    """Store a chunk embedding as float32 bytes, exactly as chroma holds it."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def decode_vector(blob: bytes) -> np.ndarray:
    """Read a chunk embedding stored by encode_vector."""
    return np.frombuffer(blob, dtype=np.float32)


class VectorCache:
    """Embeddings already computed, by the exact text they were computed from.

    Filled from the stored rows of the documents a run replaces (and of documents with
    the same content), so that a revised routine re-embeds only its changed passages
    and sentences, and a text repeated within a run (the overlap between chunks) is
    embedded once.
    """

    def __init__(self) -> None:
        self.passages: dict[str, np.ndarray] = {}
        self.sentences: dict[str, np.ndarray] = {}

    def learn(self, title: str, row: ChunkRow) -> None:
        """Remember the stored vectors of one chunk row."""
        if row.vector:
            self.passages[indexed_text(title, row.section, row.text)] = decode_vector(row.vector)
        if row.sentence_vectors:
            vectors = np.frombuffer(row.sentence_vectors, dtype=np.float16)
            sentences = split_sentences(row.text)
            if vectors.size == len(sentences) * EMBEDDING_DIM:  # split the same way
                for sentence, vector in zip(
                    sentences, vectors.reshape(-1, EMBEDDING_DIM), strict=True
                ):
                    self.sentences[sentence] = vector


class IndexWriter:
    """Builds and switches index generations for one data directory (see the module)."""

    def __init__(
        self, settings: Settings, database: Database, vectors: Callable[[], VectorIndex]
    ) -> None:
        """vectors opens the collection in use, the one the process's retriever shares."""
        self.settings = settings
        self.database = database
        self.catalog = Catalog(database)
        self._open_vectors = vectors
        self._vectors: VectorIndex | None = None

    @property
    def vectors(self) -> VectorIndex:
        """Open the collection in use on first use."""
        if self._vectors is None:
            self._vectors = self._open_vectors()
        return self._vectors

    def needs_repair(self) -> bool:
        """Tell whether the next commit must build a new collection even with no changes."""
        return self._repair_reason() is not None

    def _repair_reason(self) -> str | None:
        with self.database.session() as session:
            if read_state(session, DIRTY_KEY) is not None:
                return "the previous ingest did not finish"
            stored_model = read_state(session, MODEL_KEY)
            committed = session.scalar(select(func.count()).select_from(ChunkRow)) or 0
        if stored_model is not None and stored_model != model_id():
            return f"the embedding model changed from {stored_model}"
        try:
            self.vectors.reopen(self.catalog.vector_collection())
            stored = self.vectors.count()
        except Exception as exc:  # noqa: BLE001 - a store that fails is what a rebuild fixes
            return f"the vector store failed ({exc})"
        if stored < committed:
            return f"the vector store holds {stored} of {committed} committed passages"
        return None

    def commit(
        self, documents: list[NewDocument], removed: Iterable[str] = (), progress: bool = False
    ) -> WriteStats:
        """Put documents in the index and take others out, as one new generation."""
        stats = WriteStats()
        reason = self._repair_reason()
        with self.database.session() as session:
            write_state(session, DIRTY_KEY, utcnow().isoformat())
        replaced = {d.meta.id for d in documents} | set(removed)
        model_changed = reason is not None and reason.startswith("the embedding model")
        cache = VectorCache() if model_changed else self._cache_for(documents, replaced)
        vectors, sentence_vectors = self._embed(documents, cache, stats, progress)
        generation = self.catalog.generation() + 1
        in_use = self.vectors.name
        if reason is not None:
            log.warning("Building a new vector collection: %s", reason)
            target, refreshed = self._rebuild(generation, replaced, model_changed, stats)
        else:
            target, refreshed = self.vectors, {}
        started = time.perf_counter()
        for document in documents:
            target.add(document.meta, [c.id for c in document.chunks], vectors[document.meta.id])
        stats.timed("write", started)
        stale = self._chunk_ids_of(replaced)
        self._build_lexical(documents, set(stale), generation, stats)
        started = time.perf_counter()
        with self.database.session() as session:
            if replaced:
                session.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(replaced)))
                session.execute(delete(DocumentRow).where(DocumentRow.id.in_(replaced)))
            for document in documents:
                self._add_rows(session, document, vectors, sentence_vectors)
            for chunk_id, (vector, sentences) in refreshed.items():
                row = session.get(ChunkRow, chunk_id)
                if row is not None:
                    row.vector, row.sentence_vectors = vector, sentences
            write_state(session, GENERATION_KEY, str(generation))
            write_state(session, COLLECTION_KEY, target.name)
            write_state(session, MODEL_KEY, model_id())
        # The switch is done: what follows only removes what no generation in use needs.
        self.vectors.reopen(target.name)
        live = {c.id for d in documents for c in d.chunks}
        if target.name == in_use:
            self.vectors.delete([i for i in stale if i not in live])
        self._drop_other_collections(target.name)
        self._drop_old_generations(generation)
        with self.database.session() as session:
            write_state(session, DIRTY_KEY, None)
        stats.timed("write", started)
        return stats

    def _cache_for(self, documents: list[NewDocument], replaced: set[str]) -> VectorCache:
        """Learn the stored vectors of the documents replaced and of identical content."""
        cache = VectorCache()
        hashes = {d.meta.content_hash for d in documents}
        with self.database.session() as session:
            rows = session.execute(
                select(ChunkRow, DocumentRow.title)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(DocumentRow.id.in_(replaced) | DocumentRow.content_hash.in_(hashes))
            ).all()
        for row, title in rows:
            cache.learn(title, row)
        return cache

    def _embed(
        self,
        documents: list[NewDocument],
        cache: VectorCache,
        stats: WriteStats,
        progress: bool,
    ) -> tuple[dict[str, np.ndarray], dict[str, bytes | None]]:
        """Return each document's chunk vectors and each chunk's sentence vectors.

        Every text not in the cache is embedded once, chunks and sentences in one pass
        over one worker pool.
        """
        passage_texts = {
            c.id: c.embedding_text(d.meta.title)
            for d in documents
            if d.vectors is None
            for c in d.chunks
        }
        sentences = {
            c.id: split_sentences(c.text) for d in documents if d.vectors is None for c in d.chunks
        }
        wanted = [t for t in passage_texts.values() if t not in cache.passages]
        wanted += [s for group in sentences.values() for s in group if s not in cache.sentences]
        todo = list(dict.fromkeys(wanted))
        total = len(passage_texts) + sum(len(group) for group in sentences.values())
        stats.embedded, stats.reused = len(todo), total - len(todo)
        computed = dict(zip(todo, self._embed_texts(todo, stats, progress), strict=True))

        def passage(text: str) -> np.ndarray:
            return cache.passages[text] if text in cache.passages else computed[text]

        def sentence(text: str) -> np.ndarray:
            return cache.sentences[text] if text in cache.sentences else computed[text]

        vectors: dict[str, np.ndarray] = {}
        for document in documents:
            if document.vectors is not None:
                vectors[document.meta.id] = np.asarray(document.vectors, dtype=np.float32)
            else:
                rows = [passage(passage_texts[c.id]) for c in document.chunks]
                vectors[document.meta.id] = np.vstack(rows) if rows else np.zeros((0, 0))
        sentence_vectors: dict[str, bytes | None] = {
            cid: np.vstack([sentence(s) for s in group]).astype(np.float16).tobytes()
            if group
            else None
            for cid, group in sentences.items()
        }
        return vectors, sentence_vectors

    def _embed_texts(self, texts: list[str], stats: WriteStats, progress: bool) -> np.ndarray:
        from tqdm import tqdm

        from assistant import embeddings

        started = time.perf_counter()
        with tqdm(
            total=len(texts), desc="Bäddar in", unit="text", disable=not progress, file=sys.stderr
        ) as bar:
            result = embeddings.embed_passages_parallel(
                texts,
                None,
                self.settings.ingest_workers,
                self.settings.embed_batch_size,
                on_batch=bar.update,
            )
        stats.timed("embed", started)
        return result

    def _rebuild(
        self, generation: int, replaced: set[str], model_changed: bool, stats: WriteStats
    ) -> tuple[Any, dict[str, tuple[bytes, bytes | None]]]:
        """Fill a new collection with every kept chunk's stored vector.

        The collection in use is not touched: questions keep being answered from it
        until the commit switches to the new one. Chunks stored without a vector (an
        index written by an older version), or all of them when the model changed, are
        embedded again; their new vectors are returned to be stored in the commit.
        """
        name = f"{self.settings.collection}{REBUILD_SUFFIX}{generation}"
        if name == self.vectors.name:  # the generation count was reset under the store
            name += "-r"
        self.vectors.drop(name)  # a rebuild of this generation that was killed
        target = self.vectors.sibling(name)
        with self.database.session() as session:
            rows = session.execute(
                select(ChunkRow, DocumentRow)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(DocumentRow.id.not_in(replaced))
                .order_by(ChunkRow.document_id, ChunkRow.ordinal)
            ).all()
        stale = [row for row, _ in rows if model_changed or not row.vector]
        refreshed = self._refresh(stale, {row.id: doc.title for row, doc in rows}, stats)
        started = time.perf_counter()
        by_document: dict[str, tuple[DocumentRow, list[str], list[np.ndarray]]] = {}
        for row, document in rows:
            blob = refreshed[row.id][0] if row.id in refreshed else row.vector
            assert blob is not None
            entry = by_document.setdefault(document.id, (document, [], []))
            entry[1].append(row.id)
            entry[2].append(decode_vector(blob))
        for document, ids, vectors in by_document.values():
            target.add(meta_from_row(document), ids, np.vstack(vectors))
        stats.timed("write", started)
        stats.rebuilt = True
        return target, refreshed

    def _refresh(
        self, rows: list[ChunkRow], titles: dict[str, str], stats: WriteStats
    ) -> dict[str, tuple[bytes, bytes | None]]:
        """Embed stored chunks again: their passage text and their sentences."""
        if not rows:
            return {}
        log.warning("Embedding %d stored passages again", len(rows))
        passages = [indexed_text(titles[r.id], r.section, r.text) for r in rows]
        sentences = [split_sentences(r.text) for r in rows]
        todo = list(dict.fromkeys(passages + [s for group in sentences for s in group]))
        stats.embedded += len(todo)
        computed = dict(zip(todo, self._embed_texts(todo, stats, False), strict=True))
        return {
            row.id: (
                encode_vector(computed[text]),
                np.vstack([computed[s] for s in group]).astype(np.float16).tobytes()
                if group
                else None,
            )
            for row, text, group in zip(rows, passages, sentences, strict=True)
        }

    def _chunk_ids_of(self, document_ids: set[str]) -> list[str]:
        if not document_ids:
            return []
        with self.database.session() as session:
            rows = session.scalars(
                select(ChunkRow.id).where(ChunkRow.document_id.in_(document_ids))
            )
            return list(rows.all())

    def _build_lexical(
        self, documents: list[NewDocument], stale: set[str], generation: int, stats: WriteStats
    ) -> None:
        from assistant.lexical import LexicalIndex, SwedishAnalyzer

        kept = [(cid, text) for cid, text in self.catalog.texts_for_index() if cid not in stale]
        new = [(c.id, c.embedding_text(d.meta.title)) for d in documents for c in d.chunks]
        entries = kept + new
        started = time.perf_counter()
        index = LexicalIndex.build(
            [e[0] for e in entries], [e[1] for e in entries], SwedishAnalyzer()
        )
        index.save(self.settings.lexical_dir / f"gen-{generation}")
        stats.timed("lexical", started)

    @staticmethod
    def _add_rows(
        session: Any,
        document: NewDocument,
        vectors: dict[str, np.ndarray],
        sentence_vectors: dict[str, bytes | None],
    ) -> None:
        meta = document.meta
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
                size_bytes=document.size,
                pages=document.pages,
                chunk_count=len(document.chunks),
                groups=list(meta.groups) or None,
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
                vector=encode_vector(vector),
                sentence_vectors=sentence_vectors.get(c.id),
                ocr_confidence=c.ocr_confidence,
            )
            for c, vector in zip(document.chunks, vectors[meta.id], strict=True)
        )

    def _drop_other_collections(self, current: str) -> None:
        """Drop this store's collections other than the current one (old or half-built)."""
        base = self.settings.collection
        for name in self.vectors.collections():
            ours = name == base or name.startswith(base + REBUILD_SUFFIX)
            if ours and name != current:
                self.vectors.drop(name)

    def _drop_old_generations(self, current: int) -> None:
        for directory in self.settings.lexical_dir.glob("gen-*"):
            suffix = directory.name.removeprefix("gen-").removesuffix(".partial")
            if suffix.isdigit() and int(suffix) != current:
                shutil.rmtree(directory, ignore_errors=True)
