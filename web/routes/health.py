"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from web.deps import ServicesDep
from web.schemas import ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Answer at once while the process is alive (async: never waits for a worker thread)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
def readyz(services: ServicesDep) -> JSONResponse:
    """Report whether the index is loaded, complete, and whether generation runs as configured.

    Not ready while the vector store lacks passages the manifest has in use: questions
    would be refused and logged as gaps that are none.
    """
    generation = services.catalog.generation()
    documents = len(services.catalog.documents())
    health = services.generator_health()
    missing = services.retriever.snapshot().missing if generation else 0
    if not generation or not documents or missing:
        status = "not_ready"
    elif health.state != "ok":
        status = "degraded"
    else:
        status = "ready"
    body = ReadyOut(
        status=status,
        generation=generation,
        documents=documents,
        vectors_missing=missing,
        generator=health.configured,
        generator_state=health.state,
        generator_detail=health.detail,
    )
    return JSONResponse(body.model_dump(), status_code=503 if status == "not_ready" else 200)
