"""The routine group's gap log endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from assistant import audit
from assistant.database import GapRow
from assistant.gaps import GapUpdate, UnknownGapError
from web.deps import AuditorDep, GapLogDep, RoutineGroupDep
from web.schemas import GapOut, GapPatch, Status, TopicOut, TopicPatch, TopicStatusOut

router = APIRouter(prefix="/api/gaps", tags=["gaps"])
Since = Annotated[dt.date | None, Query(description="Från och med datum (ÅÅÅÅ-MM-DD).")]
Until = Annotated[dt.date | None, Query(description="Till och med datum (ÅÅÅÅ-MM-DD).")]


def period(since: dt.date | None, until: dt.date | None) -> tuple[Any, Any]:
    """Turn inclusive dates into a UTC datetime range."""
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since else None
    # The last day has no day after it: a period to 9999-12-31 is open-ended.
    end = (
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        if until and until < dt.date.max
        else None
    )
    return start, end


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Return a stored time as aware UTC; SQLite gives it back without its time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def gap_out(row: GapRow) -> GapOut:
    """Render a gap row."""
    return GapOut(
        id=row.id,
        kind=row.kind,
        question=row.question,
        topic_id=row.topic_id,
        status=row.status,
        owner=row.owner,
        note=row.note,
        resolving_document=row.resolving_document,
        nearest=row.nearest or [],
        top_score=row.top_score,
        created_at=row.created_at.isoformat(timespec="seconds"),
    )


@router.get("", response_model=list[GapOut])
def list_gaps(
    gaps: GapLogDep,
    auditor: AuditorDep,
    _roles: RoutineGroupDep,
    status: Status | None = None,
    since: Since = None,
    until: Until = None,
) -> list[GapOut]:
    """List gaps, newest first, filtered by status and period."""
    start, end = period(since, until)
    auditor.record(audit.GAPS_READ, None, view="gaps", status=status)
    return [gap_out(r) for r in gaps.gaps(status, start, end)]


@router.get("/export.csv", response_class=Response)
def export_csv(
    gaps: GapLogDep,
    auditor: AuditorDep,
    _roles: RoutineGroupDep,
    status: Status | None = None,
    since: Since = None,
    until: Until = None,
) -> Response:
    """Export the gap log as CSV (semicolon-separated, UTF-8 with BOM for Excel)."""
    start, end = period(since, until)
    auditor.record(audit.GAPS_EXPORTED, None, format="csv", status=status)
    body = "\ufeff" + gaps.export_csv(gaps.gaps(status, start, end))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="luckor.csv"'},
    )


@router.get("/topics", response_model=list[TopicOut])
def list_topics(
    gaps: GapLogDep,
    auditor: AuditorDep,
    _roles: RoutineGroupDep,
    status: Status | None = None,
    since: Since = None,
    until: Until = None,
) -> list[TopicOut]:
    """List gap topics, grouped by similarity, largest first."""
    start, end = period(since, until)
    auditor.record(audit.GAPS_READ, None, view="topics", status=status)
    result = []
    for topic, rows in gaps.topics():
        rows = [
            r
            for r in rows
            if (not start or as_utc(r.created_at) >= start)
            and (not end or as_utc(r.created_at) < end)
        ]
        if not rows or (status and topic.status != status):
            continue
        nearest = {n["document_id"]: n for r in rows for n in (r.nearest or [])}
        result.append(
            TopicOut(
                id=topic.id,
                label=topic.label,
                status=topic.status,
                owner=topic.owner,
                note=topic.note,
                resolving_document=topic.resolving_document,
                count=len(rows),
                first_seen=rows[0].created_at.isoformat(timespec="seconds"),
                last_seen=rows[-1].created_at.isoformat(timespec="seconds"),
                examples=list(dict.fromkeys(r.question for r in reversed(rows)))[:5],
                nearest=list(nearest.values())[:3],
                gap_ids=[r.id for r in rows],
                keep=bool(topic.keep),
            )
        )
    return result


@router.patch("/topics/{topic_id}", response_model=TopicStatusOut)
def patch_topic(
    topic_id: str, body: TopicPatch, gaps: GapLogDep, auditor: AuditorDep, _roles: RoutineGroupDep
) -> TopicStatusOut:
    """Change a topic's status, owner, note or resolving document, and its gaps'."""
    try:
        topic = gaps.update_topic(topic_id, GapUpdate(**body.model_dump()))
    except UnknownGapError:
        raise HTTPException(404, "Ämnet finns inte.") from None
    auditor.record(audit.TOPIC_CHANGED, topic_id, **audit.changed_fields(body.model_dump()))
    return TopicStatusOut(
        id=topic.id,
        status=topic.status,
        owner=topic.owner,
        note=topic.note,
        resolving_document=topic.resolving_document,
        keep=bool(topic.keep),
    )


@router.patch("/{gap_id}", response_model=GapOut)
def patch_gap(
    gap_id: str, body: GapPatch, gaps: GapLogDep, auditor: AuditorDep, _roles: RoutineGroupDep
) -> GapOut:
    """Change one gap's status, owner, note or resolving document."""
    try:
        row = gaps.update_gap(gap_id, GapUpdate(**body.model_dump()))
    except UnknownGapError:
        raise HTTPException(404, "Luckan finns inte.") from None
    auditor.record(audit.GAP_CHANGED, gap_id, **audit.changed_fields(body.model_dump()))
    return gap_out(row)
