"""FastAPI dependencies, declared once as Annotated aliases; tests override them."""

from __future__ import annotations

from typing import Annotated

from anyio import CapacityLimiter
from fastapi import Depends, Request

from assistant.access import Reader
from assistant.answer import AnswerPipeline
from assistant.audit import AuditLog, Auditor
from assistant.catalog import Catalog
from assistant.config import Settings
from assistant.gaps import GapLog
from assistant.overview_rows import OverviewRows
from assistant.rechecks import Rechecker
from ingest.pipeline import Ingestor
from services import Services
from web.auth import (
    ADMIN,
    CASEWORKER,
    ROUTINE_GROUP,
    require,
    require_page,
    resolve_groups,
    resolve_roles,
)
from web.identity import actor_for

# Roles that may read the audit log.
AUDIT_ROLES = frozenset({ROUTINE_GROUP, ADMIN})


def get_services(request: Request) -> Services:
    """Return the services the app was started with."""
    return request.app.state.services  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    """Return the app's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_pipeline(request: Request) -> AnswerPipeline:
    """Return the answer pipeline."""
    return get_services(request).pipeline


def get_answer_limiter(request: Request) -> CapacityLimiter:
    """Return the limiter that bounds how many answers are computed at once."""
    return request.app.state.answer_limiter  # type: ignore[no-any-return]


def get_gaps(request: Request) -> GapLog:
    """Return the gap log."""
    return get_services(request).gaps


def get_rechecks(request: Request) -> Rechecker:
    """Return what asks resolved gaps' questions again."""
    return get_services(request).rechecks


def get_overview(request: Request) -> OverviewRows:
    """Return the overview's counting."""
    return get_services(request).overview


def get_catalog(request: Request) -> Catalog:
    """Return the index catalog."""
    return get_services(request).catalog


def get_ingestor(request: Request) -> Ingestor:
    """Return the ingestor that uploads and retirements go through."""
    return get_services(request).ingestor


def get_audit(request: Request) -> AuditLog:
    """Return the audit log."""
    return get_services(request).audit


def get_auditor(request: Request) -> Auditor:
    """Return the audit log bound to the caller."""
    audit = get_audit(request)
    return audit.bind(actor_for(request, get_settings(request), audit))


def get_reader(request: Request) -> Reader:
    """Return the caller's groups for documents restricted to groups (None: all)."""
    return resolve_groups(request, get_settings(request))


def caseworker(request: Request) -> frozenset[str]:
    """Require the caseworker role."""
    return require(request, get_settings(request), CASEWORKER)


def routine_group(request: Request) -> frozenset[str]:
    """Require the routine-group role."""
    return require(request, get_settings(request), ROUTINE_GROUP)


def audit_reader(request: Request) -> frozenset[str]:
    """Require a role that may read the audit log."""
    roles = resolve_roles(request, get_settings(request))
    return roles if roles & AUDIT_ROLES else require(request, get_settings(request), ROUTINE_GROUP)


def audit_reader_page(request: Request) -> frozenset[str]:
    """Require a role that may read the audit log, for its page."""
    roles = resolve_roles(request, get_settings(request))
    return roles if roles & AUDIT_ROLES else routine_group_page(request)


def caseworker_page(request: Request) -> frozenset[str]:
    """Require the caseworker role for a page; a browser without it goes to the login form."""
    return require_page(request, get_settings(request), CASEWORKER)


def routine_group_page(request: Request) -> frozenset[str]:
    """Require the routine-group role for a page; a browser without it goes to the login form."""
    return require_page(request, get_settings(request), ROUTINE_GROUP)


# Role checks for a whole router (`APIRouter(dependencies=[RequireCaseworker])`) or one
# route's `dependencies=[...]`, where the route does not use the roles themselves.
RequireCaseworker = Depends(caseworker)
RequireRoutineGroup = Depends(routine_group)
RequireAuditReader = Depends(audit_reader)

ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PipelineDep = Annotated[AnswerPipeline, Depends(get_pipeline)]
AnswerLimiterDep = Annotated[CapacityLimiter, Depends(get_answer_limiter)]
GapLogDep = Annotated[GapLog, Depends(get_gaps)]
RechecksDep = Annotated[Rechecker, Depends(get_rechecks)]
OverviewDep = Annotated[OverviewRows, Depends(get_overview)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
CaseworkerDep = Annotated[frozenset[str], Depends(caseworker)]
RoutineGroupDep = Annotated[frozenset[str], Depends(routine_group)]
CaseworkerPageDep = Annotated[frozenset[str], Depends(caseworker_page)]
RoutineGroupPageDep = Annotated[frozenset[str], Depends(routine_group_page)]
AuditLogDep = Annotated[AuditLog, Depends(get_audit)]
AuditorDep = Annotated[Auditor, Depends(get_auditor)]
AuditReaderDep = Annotated[frozenset[str], Depends(audit_reader)]
AuditReaderPageDep = Annotated[frozenset[str], Depends(audit_reader_page)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
