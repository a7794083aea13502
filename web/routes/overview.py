"""The routine group's overview: GET /api/overview and the page /rutingrupp/oversikt.

Both count the same thing (assistant/overview_rows.py) for the caller's groups. The page
draws its plots on the server as inline SVG (web/charts.py) beside a table or list that
says the same in text, so it needs no script.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from assistant import audit
from assistant.overview import DEFAULT_WEEKS, EXPIRY_DAYS, GROWTH_DAYS, DocumentRef, Overview
from web.charts import bar_length, percent, share_line, week_bars
from web.deps import (
    AuditorDep,
    OverviewDep,
    ReaderDep,
    RequireRoutineGroup,
    RoutineGroupPageDep,
    SettingsDep,
)
from web.overview_schemas import (
    CitedDocumentOut,
    ExpiringDocumentOut,
    FeedbackSummaryOut,
    GrowingTopicOut,
    OverviewDocumentOut,
    OverviewOut,
    TotalsOut,
    WeekOut,
)
from web.routes.pages import render
from web.serialise import document_url

router = APIRouter(tags=["overview"])
# The periods the page offers, in weeks; the API takes any number from 4 to 104.
PERIODS = {8: "8 veckor", 13: "ett kvartal (13 veckor)", 26: "ett halvår (26 veckor)"}
PERIODS |= {52: "ett år (52 veckor)"}
Weeks = Annotated[int, Query(ge=4, le=104, description="Antal veckor bakåt, 4–104.")]


def document_out(ref: DocumentRef) -> dict[str, str]:
    """Return a document's fields as the overview shows them."""
    return {
        "id": ref.document_id,
        "title": ref.title,
        "file_name": ref.file_name,
        "type": ref.doc_type,
        "url": document_url(ref.document_id, ref.file_name),
    }


def overview_out(figures: Overview) -> OverviewOut:
    """Render the counted overview as the API's JSON."""
    answered = sum(w.answered for w in figures.weeks)
    refused = sum(w.refused for w in figures.weeks)
    total = answered + refused
    return OverviewOut(
        today=figures.today.isoformat(),
        since=figures.since.isoformat(),
        growth_days=GROWTH_DAYS,
        expiry_days=EXPIRY_DAYS,
        totals=TotalsOut(
            answered=answered,
            refused=refused,
            total=total,
            answered_share=answered / total if total else None,
        ),
        weeks=[
            WeekOut(
                week=w.start.isoformat(),
                label=f"v. {w.start.isocalendar().week}",
                answered=w.answered,
                refused=w.refused,
                total=w.total,
                answered_share=w.answered_share,
            )
            for w in figures.weeks
        ],
        feedback=FeedbackSummaryOut(
            helpful=figures.feedback.helpful,
            unhelpful=figures.feedback.unhelpful,
            reasons=figures.feedback.reasons,
        ),
        growing=[
            GrowingTopicOut(
                id=g.topic_id,
                label=g.label,
                status=g.status,
                recent=g.recent,
                previous=g.previous,
                change=g.change,
                url=f"/rutingrupp?ref={g.latest_ref}" if g.latest_ref else None,
            )
            for g in figures.growing
        ],
        most_cited=[
            CitedDocumentOut(**document_out(c.document), answers=c.answers)
            for c in figures.most_cited
        ],
        never_cited=[OverviewDocumentOut(**document_out(d)) for d in figures.never_cited],
        expiring=[
            ExpiringDocumentOut(
                **document_out(e.document), valid_to=e.valid_to.isoformat(), days_left=e.days_left
            )
            for e in figures.expiring
        ],
    )


@router.get("/api/overview", response_model=OverviewOut, dependencies=[RequireRoutineGroup])
def overview_api(
    overview: OverviewDep, reader: ReaderDep, auditor: AuditorDep, weeks: Weeks = DEFAULT_WEEKS
) -> OverviewOut:
    """Count the last `weeks` weeks: questions per week, answered and refused, feedback, the
    topics growing fastest, documents cited most and never, and those expiring soon.

    Only what the caller's groups may see is counted, as in the gap log.
    """
    auditor.record(audit.GAPS_READ, None, view="overview", weeks=weeks)
    return overview_out(overview.load(reader, weeks=weeks))


@router.get("/rutingrupp/oversikt", response_class=HTMLResponse, include_in_schema=False)
def overview_page(
    request: Request,
    roles: RoutineGroupPageDep,
    settings: SettingsDep,
    overview: OverviewDep,
    reader: ReaderDep,
    auditor: AuditorDep,
    veckor: str | None = None,
) -> HTMLResponse:
    """Serve the overview with its plots and their tables."""
    weeks = int(veckor) if veckor and veckor.isdigit() and int(veckor) in PERIODS else DEFAULT_WEEKS
    auditor.record(audit.GAPS_READ, None, view="overview", weeks=weeks)
    figures = overview.load(reader, weeks=weeks)
    shown = overview_out(figures)
    largest_reason = max(shown.feedback.reasons.values(), default=0)
    return render(
        request,
        "overview.html",
        roles,
        settings,
        page="overview",
        periods=PERIODS,
        weeks=weeks,
        data=shown,
        bars=week_bars(figures.weeks),
        line=share_line(figures.weeks),
        percent=percent,
        bar_length=bar_length,
        largest_reason=largest_reason,
        largest_cited=max((c.answers for c in shown.most_cited), default=0),
        largest_growth=max((g.recent for g in shown.growing), default=0),
    )
