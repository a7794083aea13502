"""Settings for every part of Rutinstöd, read from RUTINSTOD_* variables and .env."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MIN_TOKEN_CHARS = 16
# The roles a claim value can map to; web/auth.py names them (a test keeps the two equal).
RoleName = Literal["handlaggare", "rutingrupp", "admin"]


def _is_loopback(address: str) -> bool:
    """Tell whether an address or network lies wholly on loopback."""
    import ipaddress

    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_network(address.strip(), strict=False).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept before the purge removes it; 0 keeps it for ever."""

    answers: int
    conversations: int
    gaps: int
    feedback: int
    exports: int
    audit: int


class Settings(BaseSettings):
    """All configuration in one place; the CLI and create_app build everything from it."""

    model_config = SettingsConfigDict(
        env_prefix="RUTINSTOD_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    data_dir: Path = Field(
        Path("data"), description="Directory for everything the program writes (index, database)."
    )
    corpus_dir: Path = Field(
        Path("corpus"), description="Folder that `rutinstod run` ingests before serving."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL for the gap log, feedback and index manifest; "
        "default SQLite in the data directory.",
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a chroma server (`chroma run`); the embedded client in the "
        "data directory is used when unset.",
    )
    collection: str = Field("rutinstod-chunks", description="Chroma collection name.")

    # Embedding
    embed_threads: int = Field(
        2, ge=1, le=64, description="OpenMP threads for query embedding in the server process."
    )
    answer_threads: int = Field(
        2,
        ge=1,
        le=64,
        description="Answers computed at once per server process (one per core); further "
        "requests wait their turn without competing for the interpreter.",
    )
    ingest_workers: int = Field(
        2, ge=1, le=64, description="Embedding worker processes during ingest (one per core)."
    )
    embed_batch_size: int = Field(16, ge=1, le=512, description="Chunks per embedding batch.")

    # Chunking
    chunk_tokens: int = Field(
        320, ge=50, le=480, description="Target chunk size in tokens (the model reads 512)."
    )
    chunk_overlap: int = Field(40, ge=0, le=200, description="Token overlap between chunks.")
    max_file_mb: float = Field(
        25.0, gt=0, description="Files larger than this are refused by ingest and upload."
    )

    # Limits on what one file may cost to read (ingest/limits.py); a file past one fails
    # with a Swedish message, the rest of the run goes on.
    max_pages: int = Field(2000, ge=1, description="Pages one PDF may have.")
    max_text_chars: int = Field(
        5_000_000, ge=1000, description="Characters of text one file may yield."
    )
    max_chunks: int = Field(10_000, ge=1, description="Chunks one file may yield.")
    max_unpacked_mb: float = Field(
        100.0, gt=0, description="Size a DOCX (a zip archive) may unpack to."
    )
    upload_timeout_seconds: float = Field(
        120.0, gt=0, description="Time an uploaded file may take to read, in its own process."
    )
    upload_memory_mb: int = Field(
        2048, ge=256, description="Memory (address space) the process reading an upload may use."
    )

    # Retrieval
    top_k: int = Field(6, ge=1, le=50, description="Passages handed to the generator.")
    candidates: int = Field(
        40, ge=5, le=500, description="Candidates fetched from each retriever before fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")

    # Answerability (assistant/answerability.py): the fitted model decides; these bound it.
    min_dense_score: float = Field(
        0.80,
        description="Passages below this cosine similarity to the question are not used.",
    )
    answerability_model: Path | None = Field(
        None,
        description="A fitted answerability model (JSON); default the one shipped in "
        "assistant/answerability.json.",
    )
    answerability_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Refuse when the answerability model's probability that the best "
        "answer is right is below this; default the threshold fitted with the model "
        "(assistant/answerability.json, `python -m evals.fit_answerability`).",
    )
    min_sentence_score: float = Field(
        0.40,
        description='A further kind of fact asked for ("vem … och hur länge …") needs a '
        "sentence scoring at least this (extractive generator).",
    )

    # Generation
    generator: Literal["extractive", "ollama", "openai"] = Field(
        "extractive",
        description="Answer generator: extractive (embedded), ollama or openai "
        "(an OpenAI-compatible server).",
    )
    ollama_host: str = Field(
        "http://127.0.0.1:11434",
        validation_alias=AliasChoices("RUTINSTOD_OLLAMA_HOST", "OLLAMA_HOST"),
        description="Ollama server address (OLLAMA_HOST also works).",
    )
    ollama_model: str = Field("llama3.1:8b", description="Ollama model name.")
    ollama_timeout: float = Field(60.0, gt=0, description="Seconds before an Ollama call fails.")
    ollama_retries: int = Field(1, ge=0, le=5, description="Retries of a failed Ollama call.")
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1",
        description="Base URL of an OpenAI-compatible server, up to and including /v1 "
        "(vLLM, llama.cpp's llama-server, a hosted service).",
    )
    openai_model: str = Field(
        "", description="Model name sent to the OpenAI-compatible server; required for openai."
    )
    openai_api_key: SecretStr | None = Field(
        None, description="Bearer token for the OpenAI-compatible server; never logged."
    )
    openai_timeout: float = Field(
        60.0, gt=0, description="Seconds before a call to the OpenAI-compatible server fails."
    )
    openai_retries: int = Field(
        1, ge=0, le=5, description="Retries of a failed call to the OpenAI-compatible server."
    )
    openai_stream: bool = Field(
        True, description="Ask the OpenAI-compatible server to stream (false: one JSON reply)."
    )
    max_answer_sentences: int = Field(
        4, ge=1, le=12, description="Sentences in an extractive answer."
    )

    # Conversation and web
    history_turns: int = Field(4, ge=0, le=20, description="Turns kept per conversation.")
    max_question_chars: int = Field(2000, ge=10, description="Longest accepted question.")
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    caseworker_tokens: list[str] = Field(
        default_factory=list, description="Bearer tokens that grant the caseworker role."
    )
    routine_group_tokens: list[str] = Field(
        default_factory=list, description="Bearer tokens that grant the routine-group role."
    )
    auth_header: str | None = Field(
        None,
        description="Trusted reverse-proxy header carrying the role "
        "(`handlaggare` or `rutingrupp`), e.g. X-Rutinstod-Role.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="Addresses or networks (JSON list) of the reverse proxies whose role "
        "header is believed; from any other client the header is ignored.",
    )
    auth_header_secret: str | None = Field(
        None,
        description="Shared secret the proxy sends in X-Rutinstod-Proxy-Secret; when set, the "
        "role header is believed only with it, from any address.",
    )

    auth_user_header: str | None = Field(
        None,
        description="Trusted reverse-proxy header carrying the user's name (e.g. X-Remote-User); "
        "the audit log keeps only its keyed hash.",
    )
    auth_groups_header: str | None = Field(
        None,
        description="Trusted reverse-proxy header carrying the user's groups, comma-separated "
        "(e.g. X-Rutinstod-Groups), for documents restricted to groups.",
    )
    token_groups: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Groups per bearer token (JSON object, token to list of groups), for "
        "documents restricted to groups; a token not listed sees only open documents.",
    )

    # Named users by OpenID Connect (authorization code flow with PKCE)
    oidc_issuer: str | None = Field(
        None,
        description="The identity provider's issuer URL; setting it (with the client id) turns "
        "on sign-in at /login. Discovery is read from ISSUER/.well-known/openid-configuration.",
    )
    oidc_discovery_url: str | None = Field(
        None,
        description="The provider's discovery document, when it is not at the issuer's "
        "/.well-known/openid-configuration.",
    )
    oidc_client_id: str | None = Field(None, description="The client id registered for Rutinstöd.")
    oidc_client_secret: SecretStr | None = Field(
        None,
        description="The client secret (confidential client); unset for a public client, "
        "which proves itself with PKCE alone.",
    )
    oidc_redirect_base_url: str | None = Field(
        None,
        description="The address users reach Rutinstöd at (e.g. https://rutinstod.kommun.se); "
        "the provider redirects to BASE/auth/callback. Default: the address of the request.",
    )
    oidc_scopes: str = Field(
        "openid profile email", description="Scopes asked for, separated by spaces."
    )
    oidc_roles_claim: str = Field(
        "groups",
        description="The ID token claim whose values map to roles (a dotted path reaches into "
        "objects, e.g. realm_access.roles for Keycloak).",
    )
    oidc_groups_claim: str = Field(
        "groups",
        description="The ID token claim holding the user's groups, for documents restricted "
        "to groups (dotted path as for the roles claim).",
    )
    oidc_roles: dict[str, RoleName] = Field(
        default_factory=dict,
        description="Claim values to roles (JSON object), e.g. "
        '{"rutinstod-handlaggare": "handlaggare", "rutinstod-rutingrupp": "rutingrupp"}.',
    )
    oidc_default_role: RoleName | None = Field(
        None,
        description="A role every signed-in user gets, whatever the claims say (e.g. "
        "handlaggare when the provider only lets assigned users sign in).",
    )
    oidc_name_claim: str = Field(
        "name", description="The claim shown as the user's name (else preferred_username)."
    )
    session_secret: SecretStr | None = Field(
        None,
        description="Key that signs the session cookie of signed-in users; required with "
        "OIDC, the same on every replica, at least 32 characters.",
    )
    session_max_age_minutes: int = Field(
        480, ge=5, le=43_200, description="Minutes a sign-in lasts before the user signs in again."
    )

    # Audit log and retention (gallring): days each kind of record is kept, 0 for ever.
    audit_key: str | None = Field(
        None,
        description="Secret for the keyed hash (HMAC-SHA-256) that names a token or proxy user "
        "in the audit log; default a random key created once and kept in the database.",
    )
    retention_answers_days: int = Field(
        365, ge=0, description="Days questions (redacted) and answers are kept; 0 keeps them."
    )
    retention_conversations_days: int = Field(
        30,
        ge=0,
        description="Days after its last question that a conversation's questions stay linked "
        "to each other (follow-ups); then each answer stands alone. 0 keeps the links.",
    )
    retention_gaps_days: int = Field(
        730,
        ge=0,
        description="Days gaps are kept, except in topics marked to keep; a topic left "
        "without gaps goes too. 0 keeps them.",
    )
    retention_feedback_days: int = Field(
        365, ge=0, description="Days feedback on answers is kept; 0 keeps it."
    )
    retention_exports_days: int = Field(
        730,
        ge=0,
        description="Days the audit log's records of exports (who exported what) are kept; "
        "0 keeps them.",
    )
    retention_audit_days: int = Field(
        730, ge=0, description="Days the other audit log events are kept; 0 keeps them."
    )
    retention_purge_hours: float = Field(
        24.0,
        ge=0,
        description="Hours between the server's purges (the first runs at start); 0 turns "
        "the server's purge off, `rutinstod purge` still works.",
    )

    # Transparency (EU AI Act art. 50) and the accessibility statement
    contact_email: str | None = Field(
        None,
        description="Address for questions about the service and reports of accessibility "
        "problems, shown on /om-tjansten and /tillganglighet.",
    )

    @field_validator("caseworker_tokens", "routine_group_tokens")
    @classmethod
    def _long_tokens(cls, tokens: list[str]) -> list[str]:
        """Refuse tokens short enough to guess."""
        short = [t for t in tokens if len(t.strip()) < MIN_TOKEN_CHARS]
        if short:
            raise ValueError(f"every token needs at least {MIN_TOKEN_CHARS} characters")
        return [t.strip() for t in tokens]

    @field_validator("auth_header_secret")
    @classmethod
    def _long_secret(cls, secret: str | None) -> str | None:
        """Refuse a proxy secret short enough to guess."""
        if secret is not None and len(secret) < MIN_TOKEN_CHARS:
            raise ValueError(f"the proxy secret needs at least {MIN_TOKEN_CHARS} characters")
        return secret

    @model_validator(mode="after")
    def _header_alone_stays_local(self) -> Settings:
        """Refuse a non-loopback bind whose only login is a header that anyone could send."""
        tokens = self.caseworker_tokens or self.routine_group_tokens
        if self.host in LOOPBACK_HOSTS or not self.auth_header or tokens:
            return self
        loopback_only = all(_is_loopback(p) for p in self.trusted_proxies)
        if loopback_only and not self.auth_header_secret:
            raise ValueError(
                f"host {self.host} with only RUTINSTOD_AUTH_HEADER needs RUTINSTOD_TRUSTED_PROXIES "
                "(the proxy's address) or RUTINSTOD_AUTH_HEADER_SECRET"
            )
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        """Refuse half an OIDC configuration and a session key short enough to guess."""
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise ValueError("RUTINSTOD_OIDC_ISSUER and RUTINSTOD_OIDC_CLIENT_ID go together")
        secret = self.session_secret.get_secret_value() if self.session_secret else ""
        if self.oidc_issuer and len(secret) < 32:
            raise ValueError("OIDC needs RUTINSTOD_SESSION_SECRET of at least 32 characters")
        return self

    @property
    def oidc_enabled(self) -> bool:
        """Tell whether sign-in through an identity provider is configured."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    @model_validator(mode="after")
    def _openai_needs_model(self) -> Settings:
        """Refuse the openai generator without a model name to ask for."""
        if self.generator == "openai" and not self.openai_model.strip():
            raise ValueError("RUTINSTOD_GENERATOR=openai needs RUTINSTOD_OPENAI_MODEL")
        return self

    @property
    def retention(self) -> Retention:
        """Return the retention periods as one group."""
        return Retention(
            answers=self.retention_answers_days,
            conversations=self.retention_conversations_days,
            gaps=self.retention_gaps_days,
            feedback=self.retention_feedback_days,
            exports=self.retention_exports_days,
            audit=self.retention_audit_days,
        )

    @field_validator("audit_key")
    @classmethod
    def _long_audit_key(cls, key: str | None) -> str | None:
        """Refuse an audit key short enough to guess."""
        if key is not None and len(key) < MIN_TOKEN_CHARS:
            raise ValueError(f"the audit key needs at least {MIN_TOKEN_CHARS} characters")
        return key

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rutinstod.sqlite3').resolve()}"

    @property
    def chroma_path(self) -> Path:
        """Return the embedded chroma directory."""
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        """Return the directory that holds BM25 index generations."""
        return self.data_dir / "lexical"

    @property
    def files_dir(self) -> Path:
        """Return the directory that keeps copies of uploaded originals."""
        return self.data_dir / "files"


def load_settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    """Read settings from the environment and .env, with the given values (not None) on top.

    A composition root (the command line, `python -m evals.…`, `web.server`) calls this
    once per process and hands the result down; nothing else reads the environment.
    """
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]
