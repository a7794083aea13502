"""create_app(settings): the FastAPI application, its middleware and its routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from assistant.config import Settings
from assistant.privacy import RedactingFilter
from ingest.uploads import remove_staged
from services import Services
from web.auth import LoginRequiredError, LoginThrottle, auth_configured, redirect_to_login
from web.guard import MAX_JSON_BYTES, SECURITY_HEADERS, GuardMiddleware
from web.oidc import install_oidc
from web.purging import start_purging, stop_purging
from web.routes import (
    about,
    audit,
    chat,
    documents,
    gaps,
    health,
    me,
    overview,
    pages,
    rechecks,
    uploads,
)

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
__all__ = ["MAX_JSON_BYTES", "SECURITY_HEADERS", "create_app"]


MESSAGES = {
    "missing": "Fältet saknas.",
    "string_too_short": "Fältet får inte vara tomt.",
    "string_too_long": "Texten är för lång (högst {max_length} tecken).",
    "string_type": "Fältet måste vara text.",
    "bool_type": "Fältet måste vara true eller false.",
    "bool_parsing": "Fältet måste vara true eller false.",
    "json_invalid": "Begäran är inte giltig JSON.",
    "model_attributes_type": "Begäran måste vara ett JSON-objekt.",
    "dict_type": "Begäran måste vara ett JSON-objekt.",
    "extra_forbidden": "Okänt fält.",
    "literal_error": "Otillåtet värde; tillåtna: {expected}.",
    "string_pattern_mismatch": "Fältet innehåller otillåtna tecken.",
    "date_from_datetime_parsing": "Datum ska skrivas ÅÅÅÅ-MM-DD.",
    "date_parsing": "Datum ska skrivas ÅÅÅÅ-MM-DD.",
    "int_parsing": "Fältet måste vara ett heltal.",
    "greater_than_equal": "Värdet måste vara minst {ge}.",
    "less_than_equal": "Värdet får vara högst {le}.",
    "blank_question": "Skriv en fråga.",
}


def swedish_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Translate pydantic's validation errors into Swedish messages."""
    translated = []
    for error in errors:
        template = MESSAGES.get(error.get("type", ""), "Ogiltigt värde.")
        try:
            message = template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            message = template
        loc = [str(part) for part in error.get("loc", ())]
        if loc[-1:] == ["question"] and error.get("type") == "string_too_long":
            message = f"Frågan får vara högst {error['ctx']['max_length']} tecken."
        elif loc[-1:] == ["question"] and error.get("type") == "string_too_short":
            message = "Skriv en fråga."
        translated.append({"loc": loc, "msg": message, "type": error.get("type")})
    return translated


async def validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    """Answer invalid requests with 422 and Swedish messages."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": swedish_errors(list(exc.errors()))}, status_code=422)


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Guard every request (origin, login, body size) and add security headers.

    With OIDC the session middleware goes outside the guard, so the guard sees who is
    signed in.
    """
    app.add_middleware(GuardMiddleware, settings=settings)
    install_oidc(app, settings)


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the swagger-ui-bundle package, never from a CDN.

    The page loads its start-up script from /static, so the strict CSP holds. Without the
    package /docs says how to get it; /openapi.json is always served.
    """
    try:
        import swagger_ui_bundle  # type: ignore[import-untyped]
    except ImportError:
        swagger_dir = None
    else:
        swagger_dir = Path(swagger_ui_bundle.swagger_ui_path)
    if swagger_dir is not None:
        app.mount("/docs-assets", StaticFiles(directory=swagger_dir), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if swagger_dir is None:
            return HTMLResponse(
                '<!doctype html><html lang="sv"><title>API-dokumentation</title>'
                "<p>Swagger UI är inte installerat (<code>pip install swagger-ui-bundle</code>). "
                'Beskrivningen finns i <a href="/openapi.json">/openapi.json</a>.</p></html>'
            )
        return HTMLResponse(
            '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
            "<title>Rutinstöd – API</title>"
            '<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>'
            '<body><div id="swagger-ui"></div>'
            '<script src="/docs-assets/swagger-ui-bundle.js"></script>'
            '<script src="/static/docs.js"></script></body></html>'
        )


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (and may pass services they share).

    Without services the app builds its own from settings at start and closes them at
    the end. Services passed in may have been built from other settings (tests serve
    one index under several login set-ups): the app's settings rule the web layer.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = services or Services(settings)
        built.warm_up()
        app.state.services = built
        if leftovers := remove_staged(settings):
            log.info("Removed %d upload files left by a server that was stopped", leftovers)
        # Answers run in worker threads; with many at once they fight over the GIL and
        # the event loop waits its turn too, so a few run and the rest queue here.
        app.state.answer_limiter = built.answer_limiter()
        if not auth_configured(settings):
            log.warning(
                "Ingen inloggning är konfigurerad: alla har alla roller. "
                "Servern ska då bara lyssna på localhost."
            )
        purging = start_purging(built.purge, settings.retention_purge_hours)
        yield
        await stop_purging(purging)
        if services is None:
            built.close()

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="Rutinstöd",
        description="Svar ur organisationens rutiner, med källhänvisningar, och en logg "
        "över frågor som rutinerna inte täcker.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle()
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(LoginRequiredError, redirect_to_login)
    install_middleware(app, settings)
    install_docs(app)
    routers = [health, chat, gaps, rechecks, uploads, documents, overview, audit, me, pages, about]
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def configure_logging() -> None:
    """Log to stderr with personal data redacted from every record."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
