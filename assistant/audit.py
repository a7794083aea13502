"""The audit log: who did what and when, append-only, with filters and exports.

An actor is named by how it proved itself and a stable identifier that cannot be turned
back into the credential: a keyed hash (HMAC-SHA-256) of a bearer token or of a
proxy-supplied user name, or, for named users, the identity provider's subject. Events
carry ids, counts and flags, never question text or other free text.

Nothing here updates or deletes an event; only the retention purge
(assistant/retention.py) removes old ones, with a bulk delete.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.database import AuditEventRow, Database, IndexStateRow
from assistant.gap_csv import SafeCsvWriter

# The key of the generated HMAC key in the index_state table; this module owns it.
KEY_STATE = "audit_key"

ASKED = "chat.ask"
GAPS_READ = "gaps.read"
GAPS_EXPORTED = "gaps.export"
GAP_CHANGED = "gap.update"
TOPIC_CHANGED = "topic.update"
DOCUMENT_UPLOADED = "document.upload"
DOCUMENT_RETIRED = "document.withdraw"  # Avveckla: out of force, kept
DOCUMENT_REACTIVATED = "document.reinstate"  # Återaktivera
DOCUMENT_DELETED = "document.delete"  # Ta bort: the document and its passages
FAILURE_DISMISSED = "document.failure.dismiss"  # a failed file taken off the list
# Written before retirement kept documents: a document taken out of the index.
DOCUMENT_REMOVED_EARLIER = "document.retire"
SIGNED_IN = "login.success"
SIGN_IN_FAILED = "login.failure"
SIGNED_OUT = "logout"
AUDIT_READ = "audit.read"
AUDIT_EXPORTED = "audit.export"
PURGED = "retention.purge"

# Swedish labels for the page and the CSV export, in the order the page lists them.
ACTION_LABELS = {
    ASKED: "Ställde en fråga",
    GAPS_READ: "Läste luckloggen",
    GAPS_EXPORTED: "Exporterade luckloggen",
    GAP_CHANGED: "Ändrade en lucka",
    TOPIC_CHANGED: "Ändrade ett ämne",
    DOCUMENT_UPLOADED: "Laddade upp ett dokument",
    DOCUMENT_RETIRED: "Avvecklade ett dokument",
    DOCUMENT_REACTIVATED: "Återaktiverade ett dokument",
    DOCUMENT_DELETED: "Tog bort ett dokument",
    DOCUMENT_REMOVED_EARLIER: "Tog bort ett dokument ur indexet (äldre händelse)",
    FAILURE_DISMISSED: "Tog bort ett inläsningsfel från listan",
    SIGNED_IN: "Loggade in",
    SIGN_IN_FAILED: "Misslyckad inloggning",
    SIGNED_OUT: "Loggade ut",
    AUDIT_READ: "Läste händelseloggen",
    AUDIT_EXPORTED: "Exporterade händelseloggen",
    PURGED: "Gallring",
}
# Exports are kept for their own period (RUTINSTOD_RETENTION_EXPORTS_DAYS).
EXPORT_ACTIONS = frozenset({GAPS_EXPORTED, AUDIT_EXPORTED})
CSV_HEADER = ["id", "tid", "aktör", "typ av aktör", "namn", "roll"] + [
    "händelse",
    "kod",
    "gäller",
    "detaljer",
]


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete an audit event through the ORM."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse any update or delete of an audit event; events are only added."""
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, AuditEventRow):
            raise AppendOnlyError("audit events are append-only")


@dataclass(frozen=True)
class Actor:
    """Who did something: how they proved it, a stable id, their role and a display name.

    kind is `token`, `proxy`, `open` (no login configured), `anonymous` (not signed in),
    `system` (the purge) or, with named users, the identity provider's kind (`oidc`).
    """

    kind: str
    id: str
    role: str | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        """Return the one string the log filters by: kind and id."""
        return f"{self.kind}:{self.id}"


SERVER = Actor("system", "server")
COMMAND_LINE = Actor("system", "cli")


@dataclass(frozen=True)
class AuditFilter:
    """Which events to return: by actor key, action and a half-open time range."""

    actor: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Add this filter's conditions to a query over audit events."""
        if self.actor:
            query = query.where(AuditEventRow.actor == self.actor)
        if self.action:
            query = query.where(AuditEventRow.action == self.action)
        if self.since:
            query = query.where(AuditEventRow.occurred_at >= self.since)
        if self.until:
            query = query.where(AuditEventRow.occurred_at < self.until)
        return query


def changed_fields(values: Mapping[str, object]) -> dict[str, object]:
    """Describe an update by the names of the fields set, with only non-free-text values."""
    names = sorted(k for k, v in values.items() if v is not None)
    shown = {k: values[k] for k in ("status", "keep") if values.get(k) is not None}
    return {"fields": names} | shown


class AuditLog:
    """Records events and answers queries over them."""

    def __init__(self, database: Database, key: str | None = None) -> None:
        self.database = database
        self._key = key.encode() if key else None

    @property
    def key(self) -> bytes:
        """Return the HMAC key: the configured one, else the one kept in the database."""
        if self._key is None:
            self._key = self._stored_key()
        return self._key

    def _stored_key(self) -> bytes:
        """Read the generated key, creating it once; replicas that race read the winner's."""
        for _attempt in range(2):
            try:
                with self.database.session() as session:
                    row = session.get(IndexStateRow, KEY_STATE)
                    if row is not None:
                        return bytes.fromhex(row.value)
                    value = secrets.token_hex(32)
                    session.add(IndexStateRow(key=KEY_STATE, value=value))
                return bytes.fromhex(value)
            except IntegrityError:
                continue
        raise RuntimeError("could not create the audit key")

    def credential_id(self, secret: str) -> str:
        """Return a stable identifier for a token or user name that does not reveal it."""
        return hmac.new(self.key, secret.encode(), hashlib.sha256).hexdigest()[:20]

    def record(
        self, actor: Actor, action: str, target: str | None = None, /, **detail: object
    ) -> None:
        """Append one event; detail holds ids, counts and flags, never free text."""
        with self.database.session() as session:
            session.add(
                AuditEventRow(
                    actor=actor.key[:160],
                    actor_kind=actor.kind,
                    actor_name=actor.name,
                    role=actor.role,
                    action=action,
                    target=None if target is None else target[:160],
                    detail={k: v for k, v in detail.items() if v is not None},
                )
            )

    def bind(self, actor: Actor) -> Auditor:
        """Return a recorder for one actor."""
        return Auditor(self, actor)

    def count(self, where: AuditFilter) -> int:
        """Count the events that match a filter."""
        query = where.apply(select(func.count()).select_from(AuditEventRow))
        with self.database.session() as session:
            return int(session.scalar(query) or 0)

    def events(self, where: AuditFilter, limit: int = 50, offset: int = 0) -> list[AuditEventRow]:
        """Return one page of matching events, newest first."""
        query = where.apply(select(AuditEventRow)).order_by(AuditEventRow.id.desc())
        with self.database.session() as session:
            return list(session.scalars(query.limit(limit).offset(offset)).all())

    def iter_events(self, where: AuditFilter, batch: int = 500) -> Iterator[AuditEventRow]:
        """Yield every matching event, newest first, reading a batch at a time."""
        before: int | None = None
        while True:
            query = where.apply(select(AuditEventRow)).order_by(AuditEventRow.id.desc())
            if before is not None:
                query = query.where(AuditEventRow.id < before)
            with self.database.session() as session:
                rows = list(session.scalars(query.limit(batch)).all())
            yield from rows
            if len(rows) < batch:
                return
            before = rows[-1].id


@dataclass(frozen=True)
class Auditor:
    """An audit log bound to the actor of one request."""

    log: AuditLog
    actor: Actor

    def record(self, action: str, target: str | None = None, /, **detail: object) -> None:
        """Append one event by this actor."""
        self.log.record(self.actor, action, target, **detail)


def event_dict(row: AuditEventRow) -> dict[str, Any]:
    """Return an event as plain data, its time in UTC ISO form."""
    occurred = row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=dt.UTC)
    return {
        "id": row.id,
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "actor": row.actor,
        "actor_kind": row.actor_kind,
        "actor_name": row.actor_name,
        "role": row.role,
        "action": row.action,
        "action_label": ACTION_LABELS.get(row.action, row.action),
        "target": row.target,
        "detail": row.detail or {},
    }


def export_jsonl(rows: Iterable[AuditEventRow]) -> Iterator[str]:
    """Render events as JSON Lines, one event a line."""
    for row in rows:
        yield json.dumps(event_dict(row), ensure_ascii=False) + "\n"


def export_csv(rows: Iterable[AuditEventRow]) -> Iterator[str]:
    """Render events as semicolon-separated CSV; no cell can be read as a formula."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(csv.writer(buffer, delimiter=";"))
    writer.writerow(CSV_HEADER)
    for row in rows:
        item = event_dict(row)
        writer.writerow(
            [
                item["id"],
                item["occurred_at"],
                item["actor"],
                item["actor_kind"],
                item["actor_name"] or "",
                item["role"] or "",
                item["action_label"],
                item["action"],
                item["target"] or "",
                json.dumps(item["detail"], ensure_ascii=False, sort_keys=True),
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
