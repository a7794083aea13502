"""Build the long-lived pieces of the assistant from settings, once per process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from assistant.answer import AnswerPipeline, Thresholds
from assistant.answerability import MODEL_FILE, AnswerabilityModel
from assistant.audit import AuditLog
from assistant.catalog import Catalog
from assistant.config import Settings
from assistant.database import Database
from assistant.embeddings import E5Embedder
from assistant.extractive import ExtractiveGenerator
from assistant.gaps import GapLog
from assistant.generation import (
    ChatBackend,
    FallbackGenerator,
    Generator,
    GeneratorHealth,
    OllamaGenerator,
    OpenAIGenerator,
)
from assistant.retrieval import HybridRetriever


def build_chat_backend(
    settings: Settings, transport: httpx.BaseTransport | None = None
) -> ChatBackend:
    """Return the configured LLM backend (ollama or openai)."""
    if settings.generator == "openai":
        return OpenAIGenerator(
            settings.openai_base_url,
            settings.openai_model,
            settings.openai_api_key,
            timeout=settings.openai_timeout,
            retries=settings.openai_retries,
            stream=settings.openai_stream,
            transport=transport,
        )
    return OllamaGenerator(
        settings.ollama_host,
        settings.ollama_model,
        timeout=settings.ollama_timeout,
        retries=settings.ollama_retries,
        transport=transport,
    )


def build_generator(
    settings: Settings,
    retriever: HybridRetriever,
    embedder: E5Embedder,
    transport: httpx.BaseTransport | None = None,
) -> Generator:
    """Return the configured generator; an LLM always falls back to the extractive one."""
    extractive = ExtractiveGenerator(
        retriever.analyzer,
        embedder.embed_sentences,
        AnswerabilityModel.load(
            settings.answerability_model or MODEL_FILE, settings.answerability_threshold
        ),
        min_sentence_score=settings.min_sentence_score,
        max_sentences=settings.max_answer_sentences,
    )
    if settings.generator == "extractive":
        return extractive
    return FallbackGenerator(build_chat_backend(settings, transport), extractive)


@dataclass
class Components:
    """The database, embedding model, index, retriever and answer pipeline of one process."""

    settings: Settings
    database: Database
    catalog: Catalog
    embedder: E5Embedder
    vectors: Any
    retriever: HybridRetriever
    gaps: GapLog
    generator: Generator
    pipeline: AnswerPipeline
    audit: AuditLog

    @classmethod
    def build(
        cls, settings: Settings, ollama_transport: httpx.BaseTransport | None = None
    ) -> Components:
        """Open the database and vector store, load the model, assemble the pipeline.

        ollama_transport, for tests, replaces the HTTP transport of the LLM backend
        (Ollama or OpenAI-compatible).
        """
        from assistant.store import open_vector_index

        database = Database(settings.resolved_database_url)
        catalog = Catalog(database)
        embedder = E5Embedder(threads=settings.embed_threads)
        vectors = open_vector_index(settings, catalog.vector_collection())
        retriever = HybridRetriever(
            catalog,
            vectors,
            embedder.embed_query,
            settings.lexical_dir,
            candidates=settings.candidates,
            rrf_k=settings.rrf_k,
        )
        gaps = GapLog(database, embed=embedder.embed_query)
        generator = build_generator(settings, retriever, embedder, ollama_transport)
        thresholds = Thresholds(settings.min_dense_score, settings.top_k, settings.history_turns)
        pipeline = AnswerPipeline(retriever, generator, gaps, thresholds, retriever.analyzer)
        return cls(
            settings,
            database,
            catalog,
            embedder,
            vectors,
            retriever,
            gaps,
            generator,
            pipeline,
            audit=AuditLog(database, settings.audit_key),
        )

    def warm_up(self) -> None:
        """Load word lists, the index snapshot and the model before the first question."""
        self.retriever.retrieve("ekonomiskt bistånd", 1)
        self.embedder.embed_sentences(["Uppvärmning."])

    def generator_health(self) -> GeneratorHealth:
        """Report the generator's state for /readyz."""
        health = getattr(self.generator, "health", None)
        return health() if health else GeneratorHealth(self.generator.name, "ok", "inbyggd")

    def close(self) -> None:
        """Release database connections."""
        self.database.dispose()
