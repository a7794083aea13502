"""Build every long-lived piece of one process from settings, in this one place.

The command line (rutinstod.py), the web app (web/app.py) and the evaluations (evals/)
take their pieces from one `Services`; none builds a database, vector store, model,
ingestor, log or purge of its own. Each piece is built (and its module imported) on first
use, so a command that answers nothing (purge, gaps export-tests, ingest) never loads the
query model; the server builds them all at start (`warm_up`), before requests reach them
in threads.

Imports run one way: this module stands above the core (assistant/) and ingest/, and
below web/, evals/ and the command line. The core does not know it exists.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

import anyio

from assistant.audit import AuditLog
from assistant.catalog import Catalog
from assistant.config import Settings
from assistant.database import Database
from assistant.gaps import GapLog
from assistant.retention import RetentionPurge
from assistant.sessions import EndedSessions
from assistant.store import VectorIndex, open_vector_index

if TYPE_CHECKING:  # imported where they are built: `rutinstod purge` needs none of them
    import httpx

    from assistant.answer import AnswerPipeline
    from assistant.embeddings import E5Embedder
    from assistant.generation import ChatBackend, Generator, GeneratorHealth
    from assistant.overview_rows import OverviewRows
    from assistant.rechecks import Rechecker
    from assistant.retrieval import HybridRetriever
    from ingest.pipeline import Ingestor


def build_chat_backend(
    settings: Settings, transport: httpx.BaseTransport | None = None
) -> ChatBackend:
    """Return the configured LLM backend (ollama or openai)."""
    from assistant.generation import OllamaGenerator, OpenAIGenerator

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
    from assistant.answerability import MODEL_FILE, AnswerabilityModel
    from assistant.extractive import ExtractiveGenerator
    from assistant.generation import FallbackGenerator

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


class Services:
    """The database, index, models, logs, ingestor and purge of one process.

    ollama_transport, for tests, replaces the HTTP transport of the LLM backend (Ollama
    or OpenAI-compatible).
    """

    # Every piece, in an order in which each one's parts come first.
    PIECES = (
        "database",
        "catalog",
        "embedder",
        "vectors",
        "retriever",
        "gaps",
        "generator",
        "pipeline",
        "recheck_pipeline",
        "rechecks",
        "overview",
        "audit",
        "ingestor",
        "ended_sessions",
        "purge",
    )

    def __init__(
        self, settings: Settings, ollama_transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._chat_transport = ollama_transport

    @cached_property
    def database(self) -> Database:
        """The SQL database: manifest, answers, gap log, audit log."""
        return Database(self.settings.resolved_database_url)

    @cached_property
    def catalog(self) -> Catalog:
        """The index manifest: documents, chunks, the generation in use."""
        return Catalog(self.database)

    @cached_property
    def embedder(self) -> E5Embedder:
        """The embedding model for questions and answer candidates (loaded here)."""
        from assistant.embeddings import E5Embedder

        return E5Embedder(threads=self.settings.embed_threads)

    @cached_property
    def vectors(self) -> VectorIndex:
        """The vector collection in use; the ingestor and the retriever share it."""
        return open_vector_index(self.settings, self.catalog.vector_collection())

    @cached_property
    def retriever(self) -> HybridRetriever:
        """Hybrid (dense and BM25) retrieval over the index in use."""
        from assistant.retrieval import HybridRetriever

        return HybridRetriever(
            self.catalog,
            self.vectors,
            self.embedder.embed_query,
            self.settings.lexical_dir,
            candidates=self.settings.candidates,
            rrf_k=self.settings.rrf_k,
        )

    @cached_property
    def gaps(self) -> GapLog:
        """Answers, feedback and gaps; the model is loaded only when a gap needs embedding."""
        return GapLog(self.database, embed=lambda text: self.embedder.embed_query(text))

    @cached_property
    def generator(self) -> Generator:
        """The configured answer generator."""
        return build_generator(self.settings, self.retriever, self.embedder, self._chat_transport)

    @cached_property
    def pipeline(self) -> AnswerPipeline:
        """The answer pipeline the API, the terminal and the evaluation ask."""
        return self._answer_pipeline(self.gaps)

    @cached_property
    def recheck_pipeline(self) -> AnswerPipeline:
        """The same pipeline over a gap log that records nothing, to ask resolved gaps again."""
        from assistant.rechecks import UnloggedGapLog

        return self._answer_pipeline(UnloggedGapLog(self.database))

    def _answer_pipeline(self, gaps: GapLog) -> AnswerPipeline:
        """Build an answer pipeline over the shared retriever and generator."""
        from assistant.answer import AnswerPipeline, Thresholds

        s = self.settings
        thresholds = Thresholds(s.min_dense_score, s.top_k, s.history_turns)
        return AnswerPipeline(
            self.retriever, self.generator, gaps, thresholds, self.retriever.analyzer
        )

    @cached_property
    def rechecks(self) -> Rechecker:
        """Resolved gaps' questions asked again, and their outcomes (the model on first use)."""
        from assistant.rechecks import Rechecker

        return Rechecker(self.database, lambda: self.recheck_pipeline)

    @cached_property
    def overview(self) -> OverviewRows:
        """The routine group's overview, counted from the database."""
        from assistant.overview_rows import OverviewRows

        return OverviewRows(self.database)

    @cached_property
    def audit(self) -> AuditLog:
        """The append-only audit log."""
        return AuditLog(self.database, self.settings.audit_key)

    @cached_property
    def ingestor(self) -> Ingestor:
        """The single writer of the index (CLI ingest, uploads, retirements)."""
        from ingest.pipeline import Ingestor

        return Ingestor(self.settings, self.database, vectors=lambda: self.vectors)

    @cached_property
    def ended_sessions(self) -> EndedSessions:
        """Sign-ins ended by logout, refused even with a valid cookie."""
        max_age = dt.timedelta(minutes=self.settings.session_max_age_minutes)
        return EndedSessions(self.database, max_age)

    @cached_property
    def purge(self) -> RetentionPurge:
        """The retention purge (gallring) with the configured periods."""
        return RetentionPurge(self.database, self.settings.retention, self.audit)

    def answer_limiter(self) -> anyio.CapacityLimiter:
        """Return a new bound on answers computed at once, for one server's event loop."""
        return anyio.CapacityLimiter(self.settings.answer_threads)

    def warm_up(self) -> None:
        """Build every piece, then load word lists, the index snapshot and the model."""
        for name in self.PIECES:
            getattr(self, name)
        self.retriever.retrieve("ekonomiskt bistånd", 1)
        self.embedder.embed_sentences(["Uppvärmning."])

    def generator_health(self) -> GeneratorHealth:
        """Report the generator's state for /readyz."""
        from assistant.generation import GeneratorHealth

        health = getattr(self.generator, "health", None)
        return health() if health else GeneratorHealth(self.generator.name, "ok", "inbyggd")

    def close(self) -> None:
        """Release database connections (when the database was opened)."""
        if "database" in self.__dict__:
            self.database.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
