"""The HTTP contract: request and response bodies of the JSON API."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from assistant.database import GapTopicRow

HEX_OR_UUID = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
Status = Literal["ny", "under behandling", "åtgärdad", "avvisad"]
Reason = Literal["fel svar", "ofullständigt", "fel källa", "föråldrat"]


class ChatRequest(BaseModel):
    """A caseworker's question, optionally continuing a conversation."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000, description="Frågan, 1–2000 tecken.")
    conversation_id: str | None = Field(
        None,
        max_length=64,
        description="Samtalets id (32 hexadecimala tecken eller ett UUID); ett annat värde "
        "ger ett nytt samtal.",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        """Refuse a question of only whitespace."""
        if not question.strip():
            raise PydanticCustomError("blank_question", "Skriv en fråga.")
        return question

    @field_validator("conversation_id")
    @classmethod
    def _server_style_id(cls, value: str | None) -> str | None:
        """Keep an id only in the server's own form; anything else starts a new conversation.

        A free-form id would be stored as typed, personal data included.
        """
        if value is None or not HEX_OR_UUID.fullmatch(value):
            return None
        return uuid.UUID(value).hex


class CitationOut(BaseModel):
    """One source an answer rests on."""

    id: int
    document: str
    document_id: str
    title: str
    type: str
    section: str | None
    page: int | None
    valid_from: str | None
    quote: str
    passage: str
    url: str
    ocr_confidence: float | None = Field(
        None, description="Mean OCR word confidence (0–1) when the passage was read from a scan."
    )
    version: str | None = Field(None, description="The cited document's version.")
    valid_to: str | None = Field(None, description="Last day the cited document is in force.")
    retired: bool = Field(False, description="The cited document is no longer in force.")
    replaced_by: dict[str, str | None] | None = Field(
        None, description="The document in force now with the same title (id, title, version)."
    )


class ReceiptCitationOut(CitationOut):
    """A stored answer's citation, with the document version it rested on."""

    version: str | None = Field(
        None, description="Dokumentets version när svaret gavs (saknas för äldre svar)."
    )
    content_hash: str | None = Field(
        None,
        description="SHA-256 av dokumentets fil och metadatafil när svaret gavs "
        "(saknas för äldre svar).",
    )


class MeOut(BaseModel):
    """The caller: how they proved themselves, their roles and their groups."""

    kind: str = Field(description="token, oidc, proxy, open eller anonymous.")
    actor: str = Field(description="Aktören som händelseloggen visar den (typ:id).")
    name: str | None = Field(description="Namnet från identitetsleverantören, om inloggad.")
    roles: list[str]
    groups: list[str] | None = Field(
        description="Grupperna som styr vilka begränsade dokument som syns; null: alla."
    )


class AnswerOut(BaseModel):
    """A stored answer with its citations' receipts."""

    id: str
    conversation_id: str
    question: str
    answer: str
    answered: bool
    generator: str
    created_at: str
    citations: list[ReceiptCitationOut]


class NearestOut(BaseModel):
    """A document close to an unanswered question."""

    document: str
    document_id: str
    title: str
    type: str | None = None
    section: str | None = None
    page: int | None = None
    score: float | None = None
    url: str | None = None
    groups: list[str] = Field(
        default_factory=list, description="Grupper som dokumentet är begränsat till."
    )
    passage: str | None = Field(
        None, description="Avsnittet som ligger närmast frågan (visas i källpanelen)."
    )
    version: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class ChatResponseOut(BaseModel):
    """An answer with validated citations, or a refusal with the gap it was logged as."""

    answer: str
    answered: bool
    kind: Literal["answer", "refusal", "not_a_question", "clarify", "decision_request"] = Field(
        description="answer; refusal (logged as a gap); not_a_question or clarify "
        "(the input needs to be a whole question; nothing is logged); decision_request "
        "(a decision about a specific person, which the assistant does not make: the "
        "nearest routines are listed in `nearest`; nothing is logged)."
    )
    question: str
    citations: list[CitationOut]
    lessons: list[CitationOut]
    nearest: list[NearestOut]
    gap_id: str | None
    gap_ref: str | None = Field(
        None, description="Six-character reference of the logged gap, for the caseworker to quote."
    )
    conversation_id: str
    answer_id: str
    redacted: bool
    generator: str
    notices: list[str]


class FeedbackRequest(BaseModel):
    """A caseworker's verdict on an answer."""

    model_config = ConfigDict(extra="forbid")
    answer_id: str = Field(min_length=1, max_length=64)
    helpful: bool
    reason: Reason | None = None
    comment: str | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    """The stored feedback, with the gap it opened when the answer did not help."""

    stored: bool
    gap_id: str | None
    gap_ref: str | None = Field(None, description="The reference of the gap it opened.")


class GivenCitationOut(BaseModel):
    """A source the judged answer cited."""

    id: int | None
    document: str | None
    document_id: str | None
    title: str | None
    type: str | None = None
    section: str | None = None
    page: int | None = None
    quote: str | None = None
    url: str
    retired: bool = Field(False, description="Its document is no longer in force today.")
    version: str | None = None


class GivenAnswerOut(BaseModel):
    """The answer a caseworker marked as not helpful, with its citations."""

    model_config = ConfigDict(from_attributes=True)
    text: str
    citations: list[GivenCitationOut]


class GapFeedbackOut(BaseModel):
    """A caseworker's reason and (redacted) comment on the answer."""

    model_config = ConfigDict(from_attributes=True)
    reason: str | None
    comment: str | None


class RecheckOut(BaseModel):
    """The gap's question asked again after it was marked åtgärdad, and what came of it."""

    state: Literal["pending", "answered", "refused", "failed"] = Field(
        description="pending (being asked), answered (answered now), refused (still "
        "refused) or failed (could not be asked; ask again)."
    )
    state_label: str = Field(description="The state in Swedish.")
    requested_at: str
    checked_at: str | None
    answer: str | None = Field(None, description="The answer it gets now, when answered.")
    citations: list[GivenCitationOut] = Field(default_factory=list)


class RecheckSummaryOut(BaseModel):
    """How a topic's re-checked questions came out, counted over its gaps."""

    answered: int
    refused: int
    pending: int
    failed: int
    checked_at: str | None = Field(None, description="When the latest question was asked.")


class GapOut(BaseModel):
    """One entry of the gap log."""

    id: str
    ref: str | None = Field(None, description="The reference the caseworker was shown.")
    kind: str
    kind_label: str = Field("", description="The type in Swedish: obesvarad or inte hjälpsamt.")
    question: str
    topic_id: str | None
    topic_label: str | None = None
    status: str
    owner: str | None
    note: str | None
    resolving_document: str | None
    nearest: list[NearestOut]
    top_score: float | None
    created_at: str
    feedback: GapFeedbackOut | None = None
    answer: GivenAnswerOut | None = Field(None, description="The answer given (feedback only).")
    recheck: RecheckOut | None = Field(None, description="Asked again after åtgärdad.")


class TopicGapOut(BaseModel):
    """One gap as listed under its topic."""

    id: str
    ref: str | None
    kind: str
    kind_label: str
    question: str
    status: str
    created_at: str
    feedback: GapFeedbackOut | None
    answer: GivenAnswerOut | None
    recheck: RecheckOut | None = None


class GapPatch(BaseModel):
    """Fields the routine group may change; omitted ones stay."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    owner: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=4000)
    resolving_document: str | None = Field(None, max_length=500)


class TopicPatch(GapPatch):
    """A gap's fields, and whether the retention purge keeps the topic."""

    keep: bool | None = Field(None, description="Spara ämnet och dess luckor vid gallring.")


class TopicOut(BaseModel):
    """A group of similar gaps with its workflow state."""

    id: str
    label: str
    status: str
    owner: str | None
    note: str | None
    resolving_document: str | None
    count: int
    first_seen: str
    last_seen: str
    examples: list[str]
    nearest: list[NearestOut]
    gap_ids: list[str]
    keep: bool = False
    kinds: dict[str, int] = Field(
        default_factory=dict, description="How many gaps of each type (obesvarad, inte hjälpsamt)."
    )
    gaps: list[TopicGapOut] = Field(default_factory=list, description="The gaps, oldest first.")
    recheck: RecheckSummaryOut | None = Field(
        None, description="The topic's questions asked again after it was marked åtgärdad."
    )


class TopicMerge(BaseModel):
    """Which topic to merge this one into."""

    model_config = ConfigDict(extra="forbid")
    into: str = Field(min_length=1, max_length=64, description="The id of the topic that stays.")


class GapMove(BaseModel):
    """Where to move a gap: another topic, or a new one when topic_id is null."""

    model_config = ConfigDict(extra="forbid")
    topic_id: str | None = Field(
        None, max_length=64, description="The topic to move to; null opens a new topic."
    )


class TopicStatusOut(BaseModel):
    """A topic after an update."""

    id: str
    status: str
    owner: str | None
    note: str | None
    resolving_document: str | None
    keep: bool = False
    rechecking: int = Field(
        0, description="Questions being asked again now (marked åtgärdad, or asked to)."
    )

    @classmethod
    def of(cls, topic: GapTopicRow, rechecking: int) -> TopicStatusOut:
        """Describe a stored topic and how many of its questions are being asked again."""
        return cls(
            id=topic.id,
            status=topic.status,
            owner=topic.owner,
            note=topic.note,
            resolving_document=topic.resolving_document,
            keep=bool(topic.keep),
            rechecking=rechecking,
        )


class DocumentOut(BaseModel):
    """An ingested document."""

    id: str
    file_name: str
    title: str
    type: str
    owner: str | None
    version: str | None
    valid_from: str | None
    valid_to: str | None
    retired: bool = Field(
        description="No longer in force: valid_to has passed (avvecklad by hand or by its dates)."
    )
    pages: int | None
    chunk_count: int
    ingested_at: str
    groups: list[str] = Field(
        default_factory=list,
        description="Grupper som dokumentet är begränsat till; tomt: synligt för alla.",
    )
    retired_at: str | None = Field(
        None,
        description="When it was retired with Avveckla (POST …/retire); such a document can "
        "be reactivated (POST …/reactivate). Null: not retired by hand.",
    )


class IngestFailureOut(BaseModel):
    """A file whose last ingest failed."""

    id: str = Field(description="Used to dismiss it: DELETE /api/documents/failures/{id}.")
    file_name: str
    message: str = Field(description="Why, in Swedish; technical detail is in the server log.")
    failed_at: str


class ReplacedOut(BaseModel):
    """The indexed document an upload of the same name would replace."""

    id: str
    title: str
    version: str | None


class UploadPreviewOut(BaseModel):
    """Metadata suggested for an upload, read from the file; nothing is stored."""

    file_name: str = Field(description="The name the file would be stored under.")
    title: str
    type: str
    owner: str | None
    version: str | None
    valid_from: str | None
    valid_to: str | None
    groups: list[str] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="What was left out of the file's metadata, and why."
    )
    replaces: ReplacedOut | None = None
    pages: int | None = None


class UploadOut(BaseModel):
    """The outcome of ingesting an uploaded file."""

    file_name: str
    status: str
    message: str
    chunks: int
    document_id: str | None


class ReadyOut(BaseModel):
    """Whether the index is loaded and how answer generation is doing."""

    status: Literal["ready", "degraded", "not_ready"]
    generation: int
    documents: int
    # Passages in use that the vector store does not hold: not ready unless 0.
    vectors_missing: int = 0
    generator: str
    generator_state: str
    generator_detail: str


class AuditEventOut(BaseModel):
    """One audit log event: who (kind:id, role, name for named users), what, when."""

    id: int
    occurred_at: str
    actor: str
    actor_kind: str
    actor_name: str | None
    role: str | None
    action: str
    action_label: str
    target: str | None
    detail: dict[str, object]


class AuditPageOut(BaseModel):
    """One page of audit events, newest first, and how many match in all."""

    total: int
    limit: int
    offset: int
    events: list[AuditEventOut]
