"""Who the caller is: the name, kind and roles the audit log records, and their groups."""

from __future__ import annotations

from fastapi import APIRouter, Request

from web.auth import resolve_roles
from web.deps import AuditLogDep, ReaderDep, SettingsDep
from web.identity import actor_for
from web.schemas import MeOut

router = APIRouter(prefix="/api", tags=["me"])


@router.get("/me", response_model=MeOut)
def me(request: Request, settings: SettingsDep, audit: AuditLogDep, reader: ReaderDep) -> MeOut:
    """Return the caller as the app sees them; anyone may ask, the answer may be anonymous."""
    actor = actor_for(request, settings, audit)
    return MeOut(
        kind=actor.kind,
        actor=actor.key,
        name=actor.name,
        roles=sorted(resolve_roles(request, settings)),
        groups=None if reader is None else sorted(reader),
    )
