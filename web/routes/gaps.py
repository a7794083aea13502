"""The routine group's gap log endpoints."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query
from fastapi.responses import Response

from assistant import audit
from assistant.access import Reader
from assistant.database import GapRow, GapTopicRow
from assistant.gap_details import GapDetail, as_utc
from assistant.gap_refs import normalise_ref
from assistant.gap_topics import SameTopicError
from assistant.gaps import GapLog, GapUpdate, UnknownGapError
from assistant.rechecks import RecheckResult
from web.deps import AuditorDep, GapLogDep, ReaderDep, RechecksDep, RequireRoutineGroup
from web.routes.rechecks import RESOLVED, start_rechecks
from web.schemas import (
    GapFeedbackOut,
    GapMove,
    GapOut,
    GapPatch,
    GivenAnswerOut,
    RecheckOut,
    Status,
    TopicGapOut,
    TopicMerge,
    TopicOut,
    TopicPatch,
    TopicStatusOut,
)
from web.serialise import nearest_json, recheck_json, recheck_summary_json, stored_citation_json

router = APIRouter(prefix="/api/gaps", tags=["gaps"], dependencies=[RequireRoutineGroup])
Since = Annotated[dt.date | None, Query(description="Från och med datum (ÅÅÅÅ-MM-DD).")]
Until = Annotated[dt.date | None, Query(description="Till och med datum (ÅÅÅÅ-MM-DD).")]
Ref = Annotated[
    str | None, Query(max_length=20, description="Luckans referens, sex tecken (t.ex. K7QM2X).")
]


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


def require_visible(
    gaps: GapLog, reader: Reader, gap_id: str | None = None, topic_id: str | None = None
) -> None:
    """Answer 404 for a gap or topic the caller may not see, as if it did not exist."""
    if not gaps.visible(reader, gap_id=gap_id, topic_id=topic_id):
        raise HTTPException(404, "Luckan eller ämnet finns inte.")


def parse_ref(ref: str | None) -> str | None:
    """Return a searched reference in canonical form; refuse one that cannot be a reference."""
    if not ref or not ref.strip():
        return None
    canonical = normalise_ref(ref)
    if canonical is None:
        raise HTTPException(422, "Referensen ska vara sex tecken, till exempel K7QM2X.")
    return canonical


def feedback_parts(detail: GapDetail) -> tuple[GapFeedbackOut | None, GivenAnswerOut | None]:
    """Render a gap's feedback and the answer that was given."""
    feedback = GapFeedbackOut.model_validate(detail.feedback) if detail.feedback else None
    answer = None
    if detail.answer:
        cited = [stored_citation_json(c) for c in detail.answer.citations]
        answer = GivenAnswerOut.model_validate({"text": detail.answer.text, "citations": cited})
    return feedback, answer


def gap_out(detail: GapDetail, recheck: RecheckResult | None = None) -> GapOut:
    """Render a gap with its type, topic, feedback, given answer and re-check."""
    row = detail.gap
    feedback, answer = feedback_parts(detail)
    return GapOut(
        id=row.id,
        ref=row.ref,
        kind=row.kind,
        kind_label=detail.kind_label,
        question=row.question,
        topic_id=row.topic_id,
        topic_label=detail.topic_label,
        status=row.status,
        owner=row.owner,
        note=row.note,
        resolving_document=row.resolving_document,
        nearest=[nearest_json(n) for n in row.nearest or []],
        top_score=row.top_score,
        created_at=row.created_at.isoformat(timespec="seconds"),
        feedback=feedback,
        answer=answer,
        recheck=None if recheck is None else RecheckOut.model_validate(recheck_json(recheck)),
    )


def topic_gap_out(detail: GapDetail, recheck: RecheckResult | None = None) -> TopicGapOut:
    """Render a gap as listed under its topic."""
    row = detail.gap
    feedback, answer = feedback_parts(detail)
    return TopicGapOut(
        id=row.id,
        ref=row.ref,
        kind=row.kind,
        kind_label=detail.kind_label,
        question=row.question,
        status=row.status,
        created_at=row.created_at.isoformat(timespec="seconds"),
        feedback=feedback,
        answer=answer,
        recheck=None if recheck is None else RecheckOut.model_validate(recheck_json(recheck)),
    )


@router.get("", response_model=list[GapOut])
def list_gaps(
    gaps: GapLogDep,
    rechecks: RechecksDep,
    auditor: AuditorDep,
    reader: ReaderDep,
    status: Status | None = None,
    since: Since = None,
    until: Until = None,
    ref: Ref = None,
) -> list[GapOut]:
    """List gaps, newest first, filtered by status, period and reference.

    Gaps whose nearest documents the caller may not all see are left out.
    """
    start, end = period(since, until)
    auditor.record(audit.GAPS_READ, None, view="gaps", status=status)
    rows = gaps.gaps(status, start, end, ref=parse_ref(ref), reader=reader)
    checked = rechecks.results([r.id for r in rows], reader)
    return [gap_out(d, checked.get(d.gap.id)) for d in gaps.details(rows)]


@router.get("/export.csv", response_class=Response)
def export_csv(
    gaps: GapLogDep,
    auditor: AuditorDep,
    reader: ReaderDep,
    status: Status | None = None,
    since: Since = None,
    until: Until = None,
    ref: Ref = None,
) -> Response:
    """Export the gap log as CSV (semicolon-separated, UTF-8 with BOM for Excel)."""
    start, end = period(since, until)
    auditor.record(audit.GAPS_EXPORTED, None, format="csv", status=status)
    rows = gaps.gaps(status, start, end, ref=parse_ref(ref), reader=reader)
    body = "\ufeff" + gaps.export_csv(rows)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="luckor.csv"'},
    )


def topic_out(
    topic: GapTopicRow, details: list[GapDetail], checked: dict[str, RecheckResult]
) -> TopicOut:
    """Render a topic from its gaps, oldest first, with their re-checks."""
    rows = [d.gap for d in details]
    nearest = {n["document_id"]: n for r in rows for n in (r.nearest or [])}
    return TopicOut(
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
        nearest=[nearest_json(n) for n in list(nearest.values())[:3]],
        gap_ids=[r.id for r in rows],
        kinds=dict(Counter(d.kind_label for d in details)),
        gaps=[topic_gap_out(d, checked.get(d.gap.id)) for d in details],
        keep=bool(topic.keep),
        recheck=recheck_summary_json([checked[r.id] for r in rows if r.id in checked]),
    )


@router.get("/topics", response_model=list[TopicOut])
def list_topics(
    gaps: GapLogDep,
    rechecks: RechecksDep,
    auditor: AuditorDep,
    reader: ReaderDep,
    status: Status | None = None,
    since: Since = None,
    until: Until = None,
    ref: Ref = None,
) -> list[TopicOut]:
    """List gap topics, grouped by similarity, largest first; with ref, the one holding it.

    Only topics whose nearest documents the caller may all see are listed.
    """
    start, end = period(since, until)
    auditor.record(audit.GAPS_READ, None, view="topics", status=status)
    wanted = parse_ref(ref)
    chosen: list[tuple[GapTopicRow, list[GapRow]]] = []
    for topic, rows in gaps.topics(reader):
        rows = [
            r
            for r in rows
            if (not start or as_utc(r.created_at) >= start)
            and (not end or as_utc(r.created_at) < end)
        ]
        wanted_here = not wanted or wanted in {r.ref for r in rows}
        if rows and (not status or topic.status == status) and wanted_here:
            chosen.append((topic, rows))
    shown = [r for _, rows in chosen for r in rows]
    details = {d.gap.id: d for d in gaps.details(shown)}
    checked = rechecks.results([r.id for r in shown], reader)
    return [topic_out(topic, [details[r.id] for r in rows], checked) for topic, rows in chosen]


@router.patch("/topics/{topic_id}", response_model=TopicStatusOut)
def patch_topic(
    topic_id: str,
    body: TopicPatch,
    gaps: GapLogDep,
    rechecks: RechecksDep,
    background: BackgroundTasks,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> TopicStatusOut:
    """Change a topic's status, owner, note or resolving document, and its gaps'.

    Marked åtgärdad, the topic's questions are asked again against the current index
    after the response (`rechecking` says how many gaps); the results are shown per gap.
    """
    require_visible(gaps, reader, topic_id=topic_id)
    try:
        topic = gaps.update_topic(topic_id, GapUpdate(**body.model_dump()))
    except UnknownGapError:
        raise HTTPException(404, "Ämnet finns inte.") from None
    auditor.record(audit.TOPIC_CHANGED, topic_id, **audit.changed_fields(body.model_dump()))
    resolved = body.status == RESOLVED
    count = (
        start_rechecks(rechecks, background, rechecks.gaps_of_topic(topic_id)) if resolved else 0
    )
    return TopicStatusOut.of(topic, count)


@router.post("/topics/{topic_id}/merge", response_model=TopicStatusOut)
def merge_topic(
    topic_id: str,
    body: TopicMerge,
    gaps: GapLogDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> TopicStatusOut:
    """Move every gap of this topic into another and delete this one; return the other."""
    require_visible(gaps, reader, topic_id=topic_id)
    require_visible(gaps, reader, topic_id=body.into)
    try:
        topic = gaps.merge_topics(topic_id, body.into)
    except UnknownGapError:
        raise HTTPException(404, "Ämnet finns inte.") from None
    except SameTopicError:
        raise HTTPException(422, "Ett ämne kan inte slås ihop med sig självt.") from None
    auditor.record(audit.TOPIC_CHANGED, body.into, merged_from=topic_id)
    return TopicStatusOut(
        id=topic.id,
        status=topic.status,
        owner=topic.owner,
        note=topic.note,
        resolving_document=topic.resolving_document,
    )


@router.post("/{gap_id}/move", response_model=GapOut)
def move_gap(
    gap_id: str,
    body: GapMove,
    gaps: GapLogDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> GapOut:
    """Move a gap to another topic, or to a new topic of its own when topic_id is null."""
    require_visible(gaps, reader, gap_id=gap_id)
    if body.topic_id is not None:
        require_visible(gaps, reader, topic_id=body.topic_id)
    try:
        row = gaps.move_gap(gap_id, body.topic_id)
    except UnknownGapError:
        raise HTTPException(404, "Luckan eller ämnet finns inte.") from None
    auditor.record(audit.GAP_CHANGED, gap_id, moved_to=row.topic_id)
    return gap_out(gaps.details([row])[0])


@router.patch("/{gap_id}", response_model=GapOut)
def patch_gap(
    gap_id: str,
    body: GapPatch,
    gaps: GapLogDep,
    rechecks: RechecksDep,
    background: BackgroundTasks,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> GapOut:
    """Change one gap's status, owner, note or resolving document.

    Marked åtgärdad, its question is asked again after the response (`recheck` pending).
    """
    require_visible(gaps, reader, gap_id=gap_id)
    try:
        row = gaps.update_gap(gap_id, GapUpdate(**body.model_dump()))
    except UnknownGapError:
        raise HTTPException(404, "Luckan finns inte.") from None
    auditor.record(audit.GAP_CHANGED, gap_id, **audit.changed_fields(body.model_dump()))
    if body.status == RESOLVED:
        start_rechecks(rechecks, background, [gap_id])
    checked = rechecks.results([gap_id], reader).get(gap_id)
    return gap_out(gaps.details([row])[0], checked)
