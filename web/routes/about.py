"""Public pages: what the service is (EU AI Act art. 50) and the accessibility statement."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant.config import Settings
from web.auth import resolve_roles
from web.deps import SettingsDep
from web.routes.pages import render

router = APIRouter(include_in_schema=False)
# The answer generators as a caseworker reads them.
GENERATOR_NAMES = {
    "extractive": "Inbyggd extraktiv generator",
    "ollama": "Språkmodell på en Ollama-server",
    "openai": "Språkmodell på en OpenAI-kompatibel server",
}


@dataclass(frozen=True)
class RetentionLine:
    """One kind of record and how long it is kept, in Swedish."""

    what: str
    days: int

    @property
    def period(self) -> str:
        """Return the period as the page shows it."""
        return (
            "sparas tills vidare (ingen automatisk gallring)"
            if not self.days
            else (f"{self.days} dagar")
        )


def retention_lines(settings: Settings) -> list[RetentionLine]:
    """Return the retention period of each kind of record, as the page lists them."""
    kept = settings.retention
    return [
        RetentionLine("Frågor (utan personuppgifter) och svar", kept.answers),
        RetentionLine("Kopplingen mellan frågorna i ett samtal (följdfrågor)", kept.conversations),
        RetentionLine("Frågor som rutinerna inte täckte (luckloggen)", kept.gaps),
        RetentionLine("Omdömen om svar", kept.feedback),
        RetentionLine("Händelseloggens poster om exporter", kept.exports),
        RetentionLine("Händelseloggens övriga poster", kept.audit),
    ]


def generator_model(settings: Settings) -> str | None:
    """Return the language model's name, or None for the extractive generator."""
    return {"ollama": settings.ollama_model, "openai": settings.openai_model}.get(
        settings.generator
    )


@router.get("/om-tjansten", response_class=HTMLResponse)
def about_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """Describe what the AI system does and does not do, and how data is handled."""
    return render(
        request,
        "about.html",
        resolve_roles(request, settings),
        settings,
        page="about",
        generator=settings.generator,
        generator_name=GENERATOR_NAMES[settings.generator],
        model=generator_model(settings),
        retention=retention_lines(settings),
        purge_hours=settings.retention_purge_hours,
        contact=settings.contact_email,
    )


@router.get("/tillganglighet", response_class=HTMLResponse)
def accessibility_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """Serve the accessibility statement the law on accessible digital public services asks for."""
    return render(
        request,
        "accessibility.html",
        resolve_roles(request, settings),
        settings,
        page="accessibility",
        contact=settings.contact_email,
    )
