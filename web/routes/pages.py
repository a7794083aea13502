"""HTML pages: the caseworkers' chat, the routine group's review, login and logout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from assistant import audit
from assistant.config import Settings
from web.auth import (
    ROUTINE_GROUP,
    TOKEN_COOKIE,
    LoginThrottle,
    auth_configured,
    clear_login_cookie,
    resolve_roles,
    roles_for_token,
    safe_next,
    session_user,
    set_login_cookie,
)
from web.deps import (
    AUDIT_ROLES,
    AuditLogDep,
    AuditorDep,
    AuditReaderPageDep,
    CaseworkerPageDep,
    CatalogDep,
    ReaderDep,
    RoutineGroupPageDep,
    SettingsDep,
)
from web.identity import actor_for, token_actor
from web.originals import docx_nodes, markdown_html, readable_kind
from web.routes.documents import shown, visible_document

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
LOGIN_ERRORS = {
    "behorighet": "Din inloggning ger inte tillgång till den sidan. Logga in med en annan kod.",
    "kod": "Koden gäller inte. Kontrollera den och försök igen.",
    "spärr": "För många felaktiga koder. Vänta en minut och försök igen.",
    "oidc": "Inloggningen misslyckades. Försök igen.",
    "oidc-natverk": "Inloggningstjänsten svarar inte just nu. Försök igen om en stund.",
}


def render(
    request: Request, template: str, roles: frozenset[str], settings: Settings, **context: object
) -> HTMLResponse:
    """Render a page with the caller's roles, whether login is in use and who is signed in."""
    user = session_user(request, settings)
    base = {
        "roles": roles,
        "is_routine_group": ROUTINE_GROUP in roles,
        "can_read_audit": bool(roles & AUDIT_ROLES),
        "auth_on": auth_configured(settings),
        "token_login": bool(settings.caseworker_tokens or settings.routine_group_tokens),
        "oidc_login": settings.oidc_enabled,
        "user_name": user["name"] if user else None,
        "logged_in": bool(request.cookies.get(TOKEN_COOKIE)) or user is not None,
        "logout_action": "/logout" if settings.oidc_enabled else "/logga-ut",
    }
    return templates.TemplateResponse(request, template, base | context)


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, roles: CaseworkerPageDep, settings: SettingsDep) -> HTMLResponse:
    """Serve the caseworkers' chat."""
    return render(
        request, "chat.html", roles, settings, page="chat", max_chars=settings.max_question_chars
    )


@router.get("/rutingrupp", response_class=HTMLResponse)
def gaps_page(request: Request, roles: RoutineGroupPageDep, settings: SettingsDep) -> HTMLResponse:
    """Serve the routine group's review of unanswered questions."""
    return render(request, "gaps.html", roles, settings, page="gaps")


@router.get("/rutingrupp/dokument", response_class=HTMLResponse)
def documents_page(
    request: Request, roles: RoutineGroupPageDep, settings: SettingsDep
) -> HTMLResponse:
    """Serve the routine group's document list, upload and retirement."""
    return render(request, "documents.html", roles, settings, page="documents")


@router.get("/rutingrupp/logg", response_class=HTMLResponse)
def audit_page(request: Request, roles: AuditReaderPageDep, settings: SettingsDep) -> HTMLResponse:
    """Serve the audit log: who did what and when, with filters and exports."""
    actions = list(audit.ACTION_LABELS.items())
    return render(request, "audit.html", roles, settings, page="audit", actions=actions)


TYPE_NAMES = {"rutin": "Rutin", "riktlinje": "Riktlinje", "avvikelseanalys": "Avvikelseanalys"}


@router.get("/dokument/{document_id}", response_class=HTMLResponse, response_model=None)
def original_page(
    request: Request,
    document_id: str,
    roles: CaseworkerPageDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    reader: ReaderDep,
    avsnitt: str | None = None,
) -> Response:
    """Show a DOCX or Markdown original as a readable page; other files open as they are.

    With `avsnitt` the heading of that name gets the anchor #avsnitt.
    """
    row = visible_document(catalog, document_id, reader)
    file_url = f"/api/documents/{row.id}/file"
    path = Path(row.source_path)
    kind = readable_kind(path)
    if kind is None:
        return RedirectResponse(file_url, status_code=303)
    # The path was resolved at ingest: a file swapped for a link since then is not read.
    if not path.is_file() or path.resolve() != path:
        raise HTTPException(404, "Originalfilen finns inte längre på sin plats.")
    data = path.read_bytes()
    section = (avsnitt or "").split(" › ")[-1][:300] or None
    markdown = markdown_html(data) if kind == "markdown" else None
    nodes = docx_nodes(data, section, row.title) if kind == "docx" else []
    return render(
        request,
        "original.html",
        roles,
        settings,
        page="original",
        title=row.title,
        type_label=TYPE_NAMES.get(row.doc_type, "Övrigt"),
        version=row.version,
        valid_from=row.valid_from.isoformat() if row.valid_from else None,
        valid_to=row.valid_to.isoformat() if row.valid_to else None,
        file_name=shown(row.file_name),
        file_url=file_url,
        markdown=markdown,
        nodes=nodes,
    )


@router.get("/logga-in", response_class=HTMLResponse)
def login_page(
    request: Request,
    settings: SettingsDep,
    next: str = "/",
    fel: str | None = None,
    utloggad: str | None = None,
) -> HTMLResponse:
    """Serve the login form (with OIDC, a button to the identity provider)."""
    roles = resolve_roles(request, settings)
    error = LOGIN_ERRORS.get(fel or "")
    if fel == "behorighet" and not settings.caseworker_tokens + settings.routine_group_tokens:
        error = (
            "Ditt konto ger inte tillgång till den sidan. Kontakta rutingruppen om du behöver det."
        )
    notice = "Du är utloggad." if utloggad else None
    return render(
        request,
        "login.html",
        roles,
        settings,
        page="login",
        next=safe_next(next),
        error=error,
        notice=notice,
    )


@router.post("/logga-in", response_class=HTMLResponse, response_model=None)
def login(
    request: Request,
    settings: SettingsDep,
    audit_log: AuditLogDep,
    token: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> HTMLResponse | RedirectResponse:
    """Check the token, keep it in the login cookie and go on to the requested page."""
    token = token.strip()
    throttle: LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else ""

    def refused(error: str, status: int) -> HTMLResponse:
        page = render(
            request,
            "login.html",
            frozenset(),
            settings,
            page="login",
            next=safe_next(next),
            error=LOGIN_ERRORS[error],
        )
        page.status_code = status
        return page

    anonymous = actor_for(request, settings, audit_log)
    if throttle.blocked(client):
        audit_log.record(anonymous, audit.SIGN_IN_FAILED, None, throttled=True)
        page = refused("spärr", 429)
        page.headers["Retry-After"] = str(int(throttle.window))
        return page
    if not roles_for_token(token, settings):
        throttle.failed(client)
        audit_log.record(anonymous, audit.SIGN_IN_FAILED, None, throttled=False)
        return refused("kod", 401)
    audit_log.record(token_actor(token, settings, audit_log), audit.SIGNED_IN)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_login_cookie(response, token, secure=request.url.scheme == "https")
    return response


@router.post("/logga-ut")
def logout(request: Request, auditor: AuditorDep) -> RedirectResponse:
    """Forget the login cookie (and a signed-in session) and show the login form."""
    auditor.record(audit.SIGNED_OUT)
    if "session" in request.scope:
        request.session.clear()
    response = RedirectResponse("/logga-in", status_code=303)
    clear_login_cookie(response)
    return response
