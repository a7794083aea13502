"""The audit log for the routine group (and admins): filtered pages and exports.

Every read and export is itself recorded first, so it shows in what it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from assistant.audit import (
    ACTION_LABELS,
    AUDIT_EXPORTED,
    AUDIT_READ,
    AuditFilter,
    event_dict,
    export_csv,
    export_jsonl,
)
from web.deps import AuditLogDep, AuditorDep, RequireAuditReader
from web.schemas import AuditEventOut, AuditPageOut

router = APIRouter(prefix="/api/audit", tags=["audit"], dependencies=[RequireAuditReader])
Moment = dt.datetime | dt.date
Actor = Annotated[
    str | None, Query(max_length=160, description="Aktören, som den visas (t.ex. token:3f…).")
]
Action = Annotated[str | None, Query(max_length=48, description="Händelsens kod.")]
Since = Annotated[
    Moment | None, Query(description="Från och med (ÅÅÅÅ-MM-DD eller tidpunkt i ISO 8601).")
]
Until = Annotated[
    Moment | None,
    Query(description="Till och med datum (ÅÅÅÅ-MM-DD), eller före tidpunkt (ISO 8601)."),
]


def moment(value: Moment | None, end: bool) -> dt.datetime | None:
    """Turn a date or time into a UTC time; an end date includes its whole day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if end:
        if value >= dt.date.max:
            return None
        value += dt.timedelta(days=1)
    return dt.datetime.combine(value, dt.time(), dt.UTC)


def audit_filter(
    actor: str | None, action: str | None, since: Moment | None, until: Moment | None
) -> AuditFilter:
    """Check the query's filters and build the core's filter from them."""
    if action and action not in ACTION_LABELS:
        raise HTTPException(422, f"Okänd händelse; tillåtna: {', '.join(ACTION_LABELS)}.")
    return AuditFilter(actor or None, action or None, moment(since, False), moment(until, True))


def filter_detail(where: AuditFilter) -> dict[str, object]:
    """Describe a filter for the event that records its use."""
    return {
        "actor": where.actor,
        "action": where.action,
        "since": where.since.isoformat() if where.since else None,
        "until": where.until.isoformat() if where.until else None,
    }


@router.get("", response_model=AuditPageOut)
def list_events(
    audit: AuditLogDep,
    auditor: AuditorDep,
    actor: Actor = None,
    action: Action = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> AuditPageOut:
    """Return audit events, newest first, filtered by actor, action and time."""
    where = audit_filter(actor, action, since, until)
    auditor.record(AUDIT_READ, None, offset=offset, **filter_detail(where))
    events = [AuditEventOut(**event_dict(row)) for row in audit.events(where, limit, offset)]
    return AuditPageOut(total=audit.count(where), limit=limit, offset=offset, events=events)


def export(
    audit: AuditLogDep,
    auditor: AuditorDep,
    where: AuditFilter,
    fmt: str,
) -> StreamingResponse:
    """Record the export, then stream every matching event in the format asked for."""
    auditor.record(AUDIT_EXPORTED, None, format=fmt, **filter_detail(where))
    rows = audit.iter_events(where)
    body: Iterator[str]
    if fmt == "csv":
        body = ("\ufeff" + chunk if i == 0 else chunk for i, chunk in enumerate(export_csv(rows)))
        media, name = "text/csv; charset=utf-8", "handelselogg.csv"
    else:
        body, media, name = export_jsonl(rows), "application/x-ndjson", "handelselogg.jsonl"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body, media_type=media, headers=headers)


@router.get("/export.csv", response_class=StreamingResponse)
def export_audit_csv(
    audit: AuditLogDep,
    auditor: AuditorDep,
    actor: Actor = None,
    action: Action = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """Export the matching events as CSV (semicolon-separated, UTF-8 with BOM for Excel)."""
    return export(audit, auditor, audit_filter(actor, action, since, until), "csv")


@router.get("/export.jsonl", response_class=StreamingResponse)
def export_audit_jsonl(
    audit: AuditLogDep,
    auditor: AuditorDep,
    actor: Actor = None,
    action: Action = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """Export the matching events as JSON Lines, one event a line."""
    return export(audit, auditor, audit_filter(actor, action, since, until), "jsonl")
