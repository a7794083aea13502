"""Hybrid retrieval: dense (chroma) and Swedish BM25, fused by reciprocal rank fusion.

A reader restricted to groups (assistant/access.py) is searched over the passages they
may see only: BM25 through its weight mask, chroma through a metadata filter (or an
over-fetch that covers every hidden passage), so k visible passages come back whenever
k exist, never k passages of which some are then dropped.

Fusion is written here rather than with llama-index's QueryFusionRetriever because the
answerability gate and the evaluation need each passage's rank and score in each
retriever, which QueryFusionRetriever folds away.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.access import Reader, can_see
from assistant.catalog import Catalog, ChunkView
from assistant.embeddings import EMBEDDING_DIM
from assistant.lexical import LexicalIndex, SwedishAnalyzer
from assistant.schemas import Passage
from assistant.store import VectorIndexError

log = logging.getLogger(__name__)
MODES = ("hybrid", "dense", "lexical")
# Up to this many stored chunks outside the live set (retired documents, leftovers of an
# interrupted ingest), dense search over-fetches and filters instead of asking chroma to.
OVERFETCH_LIMIT = 1000
# Past-period snapshots kept at once; each holds a live set, the BM25 index is shared.
PAST_SNAPSHOTS = 8
# Readers' views kept per snapshot (one per combination of groups that matters).
VIEWS_KEPT = 256


@dataclass(frozen=True)
class View:
    """What one reader may search in a snapshot: the BM25 mask and the live chunks hidden.

    `groups` is the reader's groups among those documents are restricted to, for the
    vector store's filter; None when the reader may see every live chunk.
    """

    mask: np.ndarray
    hidden: frozenset[str]
    groups: frozenset[str] | None


@dataclass
class Snapshot:
    """The lexical index and the live chunk set of one index generation on one day."""

    generation: int
    day: dt.date
    lexical: LexicalIndex
    live: set[str]
    mask: np.ndarray
    stored: int  # chunks in the vector store when the snapshot was taken
    missing: int = 0  # live chunks the vector store does not hold (0 when consistent)
    # live chunks of documents restricted to groups, with those groups
    restricted: dict[str, frozenset[str]] = field(default_factory=dict)
    views: dict[frozenset[str], View] = field(default_factory=dict)

    def view(self, reader: Reader) -> View:
        """Return what a reader may search: everything, or the live chunks of their groups."""
        if reader is None or not self.restricted:
            return View(self.mask, frozenset(), None)
        known = frozenset().union(*self.restricted.values())
        key = reader & known
        cached = self.views.get(key)
        if cached is not None:
            return cached
        hidden = frozenset(c for c, groups in self.restricted.items() if key.isdisjoint(groups))
        mask = self.mask
        if hidden:
            visible = np.array([c not in hidden for c in self.lexical.chunk_ids], dtype=np.float32)
            mask = self.mask * visible
        view = View(mask, hidden, key if hidden else None)
        if len(self.views) >= VIEWS_KEPT:
            self.views.clear()
        self.views[key] = view
        return view


@dataclass
class RetrievalResult:
    """Ranked passages plus the query embedding and timings, for the answer pipeline."""

    passages: list[Passage]
    query_embedding: np.ndarray | None
    timings: dict[str, float] = field(default_factory=dict)


def decode_vectors(blob: bytes | None) -> np.ndarray | None:
    """Turn stored float16 sentence embeddings back into a float32 matrix."""
    if not blob:
        return None
    return np.frombuffer(blob, dtype=np.float16).reshape(-1, EMBEDDING_DIM).astype(np.float32)


def reciprocal_rank_fusion(
    rankings: dict[str, list[str]], k: int
) -> list[tuple[str, float, dict[str, int]]]:
    """Fuse ranked id lists: score = sum of 1 / (k + rank) over the lists an id is in."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, ids in rankings.items():
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            ranks.setdefault(item, {})[name] = rank
    ordered = sorted(scores.items(), key=lambda pair: pair[1], reverse=True)
    return [(item, score, ranks[item]) for item, score in ordered]


def in_force(view: ChunkView | None, period: tuple[dt.date, dt.date]) -> bool:
    """Tell whether a chunk's document was in force at some time during the period."""
    if view is None:
        return False
    start, end = period
    doc = view.document
    began = doc.valid_from is None or doc.valid_from <= end
    return began and (doc.valid_to is None or doc.valid_to >= start)


class HybridRetriever:
    """Find the passages that best match a question, from documents valid today."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: Any,
        embed_query: Callable[[str], np.ndarray],
        lexical_dir: Path,
        candidates: int = 40,
        rrf_k: int = 60,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embed_query = embed_query
        self.lexical_dir = lexical_dir
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.today = today
        self.overfetch_limit = OVERFETCH_LIMIT
        self._analyzer: SwedishAnalyzer | None = None
        self._snapshot: Snapshot | None = None
        # Snapshots for questions about a past period, by (generation, first day).
        self._past: dict[tuple[int, dt.date], Snapshot] = {}
        self._lock = threading.Lock()

    @property
    def analyzer(self) -> SwedishAnalyzer:
        """Return the Swedish analyzer, loading its word lists on first use."""
        if self._analyzer is None:
            self._analyzer = SwedishAnalyzer()
        return self._analyzer

    def snapshot(self) -> Snapshot:
        """Return the current snapshot, reloading it when ingest committed a new generation."""
        generation, day = self.catalog.generation(), self.today()
        current = self._snapshot
        if current and current.generation == generation and current.day == day:
            return current
        with self._lock:
            current = self._snapshot
            if current is None or current.generation != generation or current.day != day:
                if current is not None and current.generation != generation:
                    try:
                        self.vectors.reopen(self.catalog.vector_collection())
                    except VectorIndexError as exc:  # each query retries, then uses BM25
                        log.error("Could not reopen the vector store: %s", exc)
                current = self._load(generation, day)
                self._snapshot = current
        return current

    def snapshot_since(self, since: dt.date) -> Snapshot:
        """Return a snapshot that also holds the documents in force on or after a past day.

        "Enligt rutinen som gällde 2022" must be answerable from the routine retired
        since; today's documents stay in, so that the gate chooses by period.
        """
        current = self.snapshot()
        if since >= current.day:
            return current
        key = (current.generation, since)
        with self._lock:
            past = self._past.get(key)
            if past is None:
                if len(self._past) >= PAST_SNAPSHOTS:
                    self._past.clear()
                past = self._load(current.generation, since, current.lexical)
                self._past[key] = past
        return past

    def _dense(self, embedding: np.ndarray, snap: Snapshot, view: View) -> list[tuple[str, float]]:
        """Return the best live chunks by cosine similarity, reopening the store on failure."""
        try:
            return self._live_hits(embedding, snap, view)
        except VectorIndexError as exc:
            log.warning("Dense retrieval failed (%s); reopening the vector store", exc)
        # The index writer may have switched to a new collection and dropped this one.
        self.vectors.reopen(self.catalog.vector_collection())
        return self._live_hits(embedding, snap, view)

    def _live_hits(
        self, embedding: np.ndarray, snap: Snapshot, view: View
    ) -> list[tuple[str, float]]:
        excluded = snap.stored - len(snap.live)
        dropped = excluded + len(view.hidden)
        if excluded < 0 or dropped > self.overfetch_limit:
            return self.vectors.query(embedding, self.candidates, snap.day, view.groups)
        # Search unfiltered for enough hits that the live, visible ones fill the list even
        # if every chunk to drop comes first: chroma's own metadata filter costs more than
        # the search itself (see VectorIndex.query).
        hits = self.vectors.query(embedding, self.candidates + dropped)
        kept = [hit for hit in hits if hit[0] in snap.live and hit[0] not in view.hidden]
        return kept[: self.candidates]

    def _load(self, generation: int, day: dt.date, lexical: LexicalIndex | None = None) -> Snapshot:
        if lexical is None:
            lexical = self._load_lexical(generation)
        _, live = self.catalog.live_chunk_ids(day)
        mask = np.array([cid in live for cid in lexical.chunk_ids], dtype=np.float32)
        try:
            stored = self.vectors.count()
            missing = len(live) - len(self.vectors.existing_ids(sorted(live)))
        except Exception as exc:  # noqa: BLE001 - a broken store is handled per query
            log.error("Vector store check failed: %s", exc)
            stored, missing = len(live), len(live)
        if missing:
            log.error("The vector store lacks %d of %d passages in use", missing, len(live))
        log.info("Index generation %s loaded: %d passages in use", generation, len(live))
        restricted = {c: g for c, g in self.catalog.restricted_chunks().items() if c in live}
        return Snapshot(generation, day, lexical, live, mask, stored, missing, restricted)

    def _load_lexical(self, generation: int) -> LexicalIndex:
        directory = self.lexical_dir / f"gen-{generation}"
        if generation and directory.exists():
            return LexicalIndex.load(directory, self.analyzer)
        if not generation:
            return LexicalIndex.build([], [], self.analyzer)
        # Another machine ran the ingest (shared database and chroma server): build this
        # generation's BM25 index from the manifest and keep it locally.
        log.warning("BM25 generation %s missing here; building it from the database", generation)
        entries = self.catalog.texts_for_index()
        ids, texts = [e[0] for e in entries], [e[1] for e in entries]
        lexical = LexicalIndex.build(ids, texts, self.analyzer)
        lexical.save(directory)
        return lexical

    def retrieve(
        self,
        question: str,
        k: int,
        mode: str = "hybrid",
        period: tuple[dt.date, dt.date] | None = None,
        reader: Reader = None,
    ) -> RetrievalResult:
        """Return the top k passages for a question, by hybrid, dense or lexical ranking.

        A question about a past period (first day, last day) is also searched in the
        documents retired since, and passages of documents in force then come first.
        A reader with groups gets only passages they may see; None sees every passage.
        """
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        timings: dict[str, float] = {}
        snap = self.snapshot() if period is None else self.snapshot_since(period[0])
        view = snap.view(reader)
        rankings: dict[str, list[str]] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        embedding = None
        if mode in {"hybrid", "dense"}:
            started = time.perf_counter()
            embedding = self.embed_query(question)
            timings["embed"] = time.perf_counter() - started
            started = time.perf_counter()
            try:
                hits = self._dense(embedding, snap, view)
            except VectorIndexError as exc:
                # Keep answering from BM25; the next ingest rebuilds the vector store.
                log.error("Dense retrieval failed, using BM25 alone: %s", exc)
                hits, timings["dense_failed"] = [], 1.0
            dense = {c: s for c, s in hits if c in snap.live and c not in view.hidden}
            rankings["dense"] = list(dense)
            timings["dense"] = time.perf_counter() - started
        if mode in {"hybrid", "lexical"}:
            started = time.perf_counter()
            hits = snap.lexical.search(question, self.candidates, view.mask)
            lexical = {c: s for c, s in hits if c in snap.live and c not in view.hidden}
            rankings["lexical"] = list(lexical)
            timings["lexical"] = time.perf_counter() - started
        started = time.perf_counter()
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        # A past period reorders every candidate, so all are fetched; otherwise the top k.
        views = self.catalog.chunks([cid for cid, _, _ in (fused if period else fused[:k])])
        if period is not None:
            # Passages of documents in force during the period first, keeping order.
            fused.sort(key=lambda item: not in_force(views.get(item[0]), period))
        # The index and the manifest agree on groups; checking again costs nothing.
        views = {c: v for c, v in views.items() if can_see(v.document.groups, reader)}
        passages = self._passages(fused[:k], views, dense, lexical)
        timings["fuse"] = time.perf_counter() - started
        return RetrievalResult(passages, embedding, timings)

    @staticmethod
    def _passages(
        fused: list[tuple[str, float, dict[str, int]]],
        views: dict[str, ChunkView],
        dense: dict[str, float],
        lexical: dict[str, float],
    ) -> list[Passage]:
        passages = []
        for cid, score, ranks in fused:
            view = views.get(cid)
            if view is None:
                continue
            doc = view.document
            passages.append(
                Passage(
                    chunk_id=cid,
                    document_id=doc.id,
                    document=doc.file_name,
                    title=doc.title,
                    doc_type=doc.doc_type,
                    section=view.chunk.section,
                    page=view.chunk.page,
                    valid_from=doc.valid_from.isoformat() if doc.valid_from else None,
                    text=view.chunk.text,
                    score=score,
                    dense_score=dense.get(cid),
                    lexical_score=lexical.get(cid),
                    ranks=ranks,
                    sentence_vectors=decode_vectors(view.chunk.sentence_vectors),
                    ocr_confidence=view.chunk.ocr_confidence,
                    version=doc.version,
                    content_hash=doc.content_hash,
                    valid_to=doc.valid_to.isoformat() if doc.valid_to else None,
                    groups=tuple(doc.groups or ()),
                )
            )
        return passages
