"""create_app(settings): the FastAPI application, its middleware and its routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from assistant.components import Components
from assistant.config import Settings
from assistant.privacy import RedactingFilter
from ingest.pipeline import Ingestor
from web.auth import LoginRequiredError, auth_configured, redirect_to_login
from web.routes import chat, documents, gaps, health, pages

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
# JSON bodies are small; only document uploads may be large.
MAX_JSON_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
}

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
    """Limit body sizes and add security headers to every response."""
    upload_limit = int(settings.max_file_mb * 1024 * 1024) + 64 * 1024

    @app.middleware("http")
    async def limits_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        limit = upload_limit if request.url.path == "/api/documents" else MAX_JSON_BYTES
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse({"detail": "Begäran är för stor."}, status_code=413)
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_app(settings: Settings, components: Components | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (and may pass components)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = components or Components.build(settings)
        built.warm_up()
        app.state.components = built
        app.state.ingestor = Ingestor(settings, built.database, vectors=built.vectors)
        # Answers run in worker threads; with many at once they fight over the GIL and
        # the event loop waits its turn too, so a few run and the rest queue here.
        app.state.answer_limiter = anyio.CapacityLimiter(settings.answer_threads)
        if not auth_configured(settings):
            log.warning(
                "Ingen inloggning är konfigurerad: alla har alla roller. "
                "Servern ska då bara lyssna på localhost."
            )
        yield
        if components is None:
            built.close()

    app = FastAPI(
        title="Rutinstöd",
        description="Svar ur organisationens rutiner, med källhänvisningar, och en logg "
        "över frågor som rutinerna inte täcker.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(LoginRequiredError, redirect_to_login)
    install_middleware(app, settings)
    for module in (health, chat, gaps, documents, pages):
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
