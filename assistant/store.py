"""The dense vector index: chunk embeddings in a chroma collection (embedded or server).

Only ids, embeddings and the metadata retrieval filters on are stored in chroma; the
text lives in the SQL manifest. Writes go straight to the collection (upsert and
delete by id), which llama-index's ChromaVectorStore does not offer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.config import Settings
from assistant.schemas import DocumentMeta

NO_END = 99991231
GET_PAGE = 5000
# A chunk of a document restricted to groups carries RESTRICTED: True and one flag per
# group (group_key); other chunks carry neither, so an index written before groups
# existed needs no rewrite: "$ne": True also matches a chunk without the key.
RESTRICTED = "restricted"


class VectorIndexError(RuntimeError):
    """The vector store failed to answer (for instance a collection left damaged)."""


def date_key(day: dt.date | None) -> int:
    """Encode a date as yyyymmdd so chroma can compare it; no date means 'never ends'."""
    return NO_END if day is None else day.year * 10000 + day.month * 100 + day.day


def group_key(group: str) -> str:
    """Return the metadata key that flags a chunk as visible to one group."""
    return "grp_" + hashlib.sha256(group.encode("utf-8")).hexdigest()[:16]


def access_metadata(groups: Sequence[str]) -> dict[str, bool]:
    """Return the metadata that restricts a chunk to groups (none for an open document)."""
    if not groups:
        return {}
    return {RESTRICTED: True} | {group_key(g): True for g in groups}


def visible_where(groups: frozenset[str]) -> dict[str, Any]:
    """Return a chroma filter matching chunks that readers in these groups may see."""
    clauses: list[dict[str, Any]] = [{RESTRICTED: {"$ne": True}}]
    clauses += [{group_key(g): {"$eq": True}} for g in sorted(groups)]
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


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


def open_vector_index(settings: Settings, collection: str | None = None) -> VectorIndex:
    """Open a collection of the configured vector store (by default the base name).

    The index writer names the collection that is current in the manifest (see
    Catalog.vector_collection); readers open that one and follow it when it changes.
    """

    def reconnect() -> Any:
        if not settings.chroma_url:
            from chromadb.api.client import SharedSystemClient

            # Forget chroma's per-process cache so the next client reads the disk anew;
            # clients already open keep the system they hold.
            SharedSystemClient.clear_system_cache()
        return make_chroma_client(settings)

    return VectorIndex(reconnect(), collection or settings.collection, reconnect)


class VectorIndex:
    """Chunk embeddings in one chroma collection with the metadata retrieval filters on."""

    def __init__(
        self, client: Any, collection: str, reconnect: Callable[[], Any] | None = None
    ) -> None:
        self._client = client
        self._name = collection
        self._reconnect = reconnect
        self._open()

    @property
    def name(self) -> str:
        """Return the name of the collection in use."""
        return self._name

    def reopen(self, collection: str | None = None) -> None:
        """Reload the collection from disk, switching to another one when named.

        An embedded chroma keeps the index it loaded for the life of the process, even
        across new client objects, and queries against it fail ("Error finding id")
        once another process (ingest, another worker) changed the data on disk.
        """
        try:
            if self._reconnect is not None:
                self._client = self._reconnect()
            self._name = collection or self._name
            self._open()
        except Exception as exc:
            raise VectorIndexError(f"chroma reopen failed: {exc}") from exc

    def _open(self) -> None:
        # Our own embeddings are passed in; chroma's default embedding function would
        # try to download a model, so none is set.
        self._collection = self._client.get_or_create_collection(
            self._name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def collections(self) -> list[str]:
        """Return the names of every collection in the store."""
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]

    def sibling(self, collection: str) -> VectorIndex:
        """Open another collection of the same store, created empty if it does not exist."""
        return VectorIndex(self._client, collection, self._reconnect)

    def drop(self, collection: str) -> None:
        """Delete a collection other than the one in use; a missing one is no error."""
        if collection == self._name:
            raise ValueError("the collection in use cannot be dropped")
        with contextlib.suppress(Exception):
            self._client.delete_collection(collection)

    def add(self, meta: DocumentMeta, ids: Sequence[str], embeddings: np.ndarray) -> None:
        """Store (or overwrite) chunks of one document by id with their embeddings.

        Upsert rather than add: ids are derived from the document's content, so an id
        left in the collection by a run that was killed is simply written again.
        """
        metadata: dict[str, Any] = {
            "document_id": meta.id,
            "doc_type": meta.doc_type,
            "valid_to": date_key(meta.valid_to),
        } | access_metadata(meta.groups)
        # chroma refuses batches above its max_batch_size (5,461 here); GET_PAGE is below.
        for start in range(0, len(ids), GET_PAGE):
            page = list(ids[start : start + GET_PAGE])
            self._collection.upsert(
                ids=page,
                embeddings=np.asarray(embeddings[start : start + GET_PAGE], dtype=np.float32),
                metadatas=[metadata] * len(page),
            )

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
            self._collection.delete(ids=list(ids[start : start + GET_PAGE]))

    def count(self) -> int:
        """Return the number of stored chunks."""
        return int(self._collection.count())

    def query(
        self,
        embedding: np.ndarray,
        k: int,
        today: dt.date | None = None,
        groups: frozenset[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Return up to k (chunk id, cosine similarity) pairs, best first.

        With `today`, only chunks of documents still valid that day are searched; with
        `groups`, only chunks that readers in those groups may see (open documents and
        those restricted to one of the groups), filtered in the search itself so that
        k visible chunks come back when there are k.
        Chroma applies such a filter by listing every matching id from its metadata
        store before the vector search, which grows with the collection (at 10k chunks
        about 63 ms against 2 ms unfiltered), so callers that know which chunks are live
        search unfiltered and drop the rest themselves (see HybridRetriever).

        Only distances are fetched (asking for documents and metadata too, as
        llama-index's ChromaVectorStore.query does, costs about 6 ms against 1.7 ms at
        10k); the passages' text comes from the SQL manifest.
        """
        conditions: list[dict[str, Any]] = []
        if today:
            conditions.append({"valid_to": {"$gte": date_key(today)}})
        if groups is not None:
            conditions.append(visible_where(groups))
        where = conditions[0] if len(conditions) == 1 else {"$and": conditions}
        try:
            result = self._collection.query(
                query_embeddings=[embedding.tolist()],
                n_results=k,  # chroma returns fewer when fewer are stored
                where=where if conditions else None,
                include=["distances"],
            )
        except Exception as exc:
            raise VectorIndexError(f"chroma query failed: {exc}") from exc
        # The collection uses cosine space: distance = 1 - cosine similarity.
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
