"""Closing the loop: a resolved topic's questions asked again (assistant/rechecks.py).

Marking a topic or a gap åtgärdad (web/routes/gaps.py) starts a check; this router
lets the routine group ask again. The questions are asked after the response is sent,
in the server's worker threads, so no request waits for them; the gaps page polls the
topic until none is pending.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, HTTPException

from assistant import audit
from assistant.rechecks import Rechecker
from web.deps import AuditorDep, GapLogDep, ReaderDep, RechecksDep, RequireRoutineGroup
from web.schemas import TopicStatusOut

router = APIRouter(prefix="/api/gaps", tags=["gaps"], dependencies=[RequireRoutineGroup])
RESOLVED = "åtgärdad"


def start_rechecks(rechecks: Rechecker, background: BackgroundTasks, gap_ids: list[str]) -> int:
    """Mark gaps as being checked and ask their questions again after the response."""
    pending = rechecks.request(gap_ids)
    if pending:
        background.add_task(rechecks.run, pending)
    return len(pending)


@router.post("/topics/{topic_id}/recheck", response_model=TopicStatusOut, status_code=202)
def recheck_topic(
    topic_id: str,
    gaps: GapLogDep,
    rechecks: RechecksDep,
    background: BackgroundTasks,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> TopicStatusOut:
    """Ask the topic's questions again against the current index, after the response."""
    topic = next((t for t, _ in gaps.topics(reader) if t.id == topic_id), None)
    if topic is None:
        raise HTTPException(404, "Ämnet finns inte.")
    count = start_rechecks(rechecks, background, rechecks.gaps_of_topic(topic_id))
    auditor.record(audit.TOPIC_CHANGED, topic_id, rechecked=count)
    return TopicStatusOut.of(topic, count)
