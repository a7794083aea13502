"""The dense vector index: chroma (embedded or server) through llama-index's ChromaVectorStore."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.config import Settings
from assistant.schemas import Chunk, DocumentMeta

NO_END = 99991231
GET_PAGE = 5000


class VectorIndexError(RuntimeError):
    """The vector store failed to answer (for instance a collection left damaged)."""


def date_key(day: dt.date | None) -> int:
    """Encode a date as yyyymmdd so chroma can compare it; no date means 'never ends'."""
    return NO_END if day is None else day.year * 10000 + day.month * 100 + day.day


def make_chroma_client(settings: Settings) -> Any:
    """Connect to the chroma server at RUTINSTOD_CHROMA_URL, or open the embedded store."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def open_vector_index(settings: Settings) -> VectorIndex:
    """Open the configured vector index, able to reload itself from disk."""

    def reconnect() -> Any:
        if not settings.chroma_url:
            from chromadb.api.client import SharedSystemClient

            # Forget chroma's per-process cache so the next client reads the disk anew;
            # clients already open keep the system they hold.
            SharedSystemClient.clear_system_cache()
        return make_chroma_client(settings)

    return VectorIndex(reconnect(), settings.collection, reconnect)


class VectorIndex:
    """Chunk embeddings in one chroma collection with the metadata retrieval filters on."""

    def __init__(
        self, client: Any, collection: str, reconnect: Callable[[], Any] | None = None
    ) -> None:
        self._client = client
        self._name = collection
        self._reconnect = reconnect
        self._open()

    def reopen(self) -> None:
        """Reload the collection from disk after another process has written to it.

        An embedded chroma keeps the index it loaded for the life of the process, even
        across new client objects, and queries against it fail ("Error finding id")
        once another process (ingest, another worker) changed the data on disk.
        """
        try:
            if self._reconnect is not None:
                self._client = self._reconnect()
            self._open()
        except Exception as exc:
            raise VectorIndexError(f"chroma reopen failed: {exc}") from exc

    def _open(self) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        # Our own embeddings are passed in; chroma's default embedding function would
        # try to download a model, so none is set.
        self._collection = self._client.get_or_create_collection(
            self._name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._store = ChromaVectorStore(chroma_collection=self._collection)

    def reset(self) -> None:
        """Drop the collection and start an empty one, for a rebuild from the manifest."""
        # A missing or damaged collection is exactly what is being replaced.
        with contextlib.suppress(Exception):
            self._client.delete_collection(self._name)
        self._open()

    def add(self, meta: DocumentMeta, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Store the chunks of one document with their embeddings."""
        from llama_index.core.schema import BaseNode, TextNode

        nodes: list[BaseNode] = [
            TextNode(
                id_=chunk.id,
                text=chunk.text,
                embedding=vector.tolist(),
                metadata={
                    "document_id": meta.id,
                    "doc_type": meta.doc_type,
                    "valid_to": date_key(meta.valid_to),
                },
            )
            for chunk, vector in zip(chunks, embeddings, strict=True)
        ]
        # chroma refuses batches above its max_batch_size (5,461 here); GET_PAGE is below.
        for start in range(0, len(nodes), GET_PAGE):
            self._store.add(nodes[start : start + GET_PAGE])

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Return which of the given chunk ids are stored already."""
        found: set[str] = set()
        for start in range(0, len(ids), GET_PAGE):
            page = list(ids[start : start + GET_PAGE])
            found.update(self._collection.get(ids=page, include=[])["ids"])
        return found

    def all_ids(self) -> set[str]:
        """Return every stored chunk id."""
        ids: set[str] = set()
        offset = 0
        while True:
            page = self._collection.get(include=[], limit=GET_PAGE, offset=offset)["ids"]
            ids.update(page)
            if len(page) < GET_PAGE:
                return ids
            offset += GET_PAGE

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        for start in range(0, len(ids), GET_PAGE):
            self._store.delete_nodes(node_ids=list(ids[start : start + GET_PAGE]))

    def count(self) -> int:
        """Return the number of stored chunks."""
        return int(self._collection.count())

    def query(
        self, embedding: np.ndarray, k: int, today: dt.date | None = None
    ) -> list[tuple[str, float]]:
        """Return up to k (chunk id, cosine similarity) pairs, best first.

        With `today`, only chunks of documents still valid that day are searched.
        Chroma applies such a filter by listing every matching id from its metadata
        store before the vector search, which grows with the collection (at 10k chunks
        about 63 ms against 2 ms unfiltered), so callers that know which chunks are live
        search unfiltered and drop the rest themselves (see HybridRetriever).

        This asks the chroma collection directly rather than through
        ChromaVectorStore.query, which always fetches every hit's text and metadata to
        build nodes (about 6 ms against 1.7 ms at 10k); the passages' text comes from
        the SQL manifest anyway.
        """
        try:
            result = self._collection.query(
                query_embeddings=[embedding.tolist()],
                n_results=k,  # chroma returns fewer when fewer are stored
                where={"valid_to": {"$gte": date_key(today)}} if today else None,
                include=["distances"],
            )
        except Exception as exc:
            raise VectorIndexError(f"chroma query failed: {exc}") from exc
        # The collection uses cosine space: distance = 1 - cosine similarity.
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
