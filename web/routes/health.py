"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from web.deps import ComponentsDep
from web.schemas import ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Answer at once while the process is alive (async: never waits for a worker thread)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
def readyz(components: ComponentsDep) -> JSONResponse:
    """Report whether the index is loaded and whether generation runs as configured."""
    generation = components.catalog.generation()
    documents = len(components.catalog.documents())
    health = components.generator_health()
    if not generation or not documents:
        status = "not_ready"
    elif health.state != "ok":
        status = "degraded"
    else:
        status = "ready"
    body = ReadyOut(
        status=status,
        generation=generation,
        documents=documents,
        generator=health.configured,
        generator_state=health.state,
        generator_detail=health.detail,
    )
    return JSONResponse(body.model_dump(), status_code=503 if status == "not_ready" else 200)
