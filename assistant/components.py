"""Build the long-lived pieces of the assistant from settings, once per process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.catalog import Catalog
from assistant.config import Settings
from assistant.database import Database
from assistant.embeddings import E5Embedder
from assistant.retrieval import HybridRetriever


@dataclass
class Components:
    """The database, embedding model, vector index and retriever of one process."""

    settings: Settings
    database: Database
    catalog: Catalog
    embedder: E5Embedder
    vectors: Any
    retriever: HybridRetriever

    @classmethod
    def build(cls, settings: Settings) -> Components:
        """Open the database and vector store and load the embedding model."""
        from assistant.store import VectorIndex, make_chroma_client

        database = Database(settings.resolved_database_url)
        catalog = Catalog(database)
        embedder = E5Embedder(threads=settings.embed_threads)
        vectors = VectorIndex(make_chroma_client(settings), settings.collection)
        retriever = HybridRetriever(
            catalog,
            vectors,
            embedder.embed_query,
            settings.lexical_dir,
            candidates=settings.candidates,
            rrf_k=settings.rrf_k,
        )
        return cls(settings, database, catalog, embedder, vectors, retriever)

    def close(self) -> None:
        """Release database connections."""
        self.database.dispose()
