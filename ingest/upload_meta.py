"""The metadata the routine group confirms on upload, checked with Swedish messages.

The upload form sends title, type, owner, version, valid-from and valid-to as text.
Each is checked here; what passes is written into the document's sidecar file, where
it wins over the file's own properties (ingest/metadata.py). An optional field left
empty is written empty, so a Word file's author or creation date does not come back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.privacy import redact
from assistant.schemas import DOCUMENT_TYPES
from ingest.metadata import TYPE_ALIASES

FIELDS = ("title", "type", "owner", "version", "valid_from", "valid_to")
MAX_LENGTHS = {"title": 300, "owner": 200, "version": 50}
LABELS = {"title": "Titeln", "owner": "Ägaren", "version": "Versionen"}
FIRST_YEAR, LAST_YEAR = 1990, 2100


class InvalidMetadata(ValueError):
    """Fields of the upload form that do not pass, each with its Swedish message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class UploadMeta:
    """A document's metadata as the routine group confirmed it."""

    title: str
    doc_type: str
    owner: str | None
    version: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    def sidecar_fields(self) -> dict[str, Any]:
        """Return the sidecar's keys; empty ones are written empty on purpose."""
        return {
            "title": self.title,
            "type": self.doc_type,
            "owner": self.owner,
            "version": self.version,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
        }


def parse_form_date(text: str, errors: dict[str, str], name: str) -> dt.date | None:
    """Read an ÅÅÅÅ-MM-DD date from a form field; note a Swedish error when it is not one."""
    if not text:
        return None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-01."
        return None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        errors[name] = f"Årtalet {date.year} är orimligt; kontrollera datumet."
        return None
    return date


def parse_type(text: str, errors: dict[str, str]) -> str:
    """Return a known document type, or note which ones are allowed."""
    doc_type = TYPE_ALIASES.get(text.casefold(), text.casefold())
    if doc_type not in DOCUMENT_TYPES:
        errors["type"] = "Välj en av typerna rutin, riktlinje, avvikelseanalys eller övrigt."
    return doc_type


def parse_upload_meta(fields: Mapping[str, str | None]) -> UploadMeta:
    """Check the upload form's fields; raise InvalidMetadata naming every one that fails."""
    values = {name: " ".join((fields.get(name) or "").split()) for name in FIELDS}
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "Skriv dokumentets titel."
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            errors[name] = f"{LABELS[name]} får vara högst {limit} tecken."
    doc_type = parse_type(values["type"], errors)
    valid_from = parse_form_date(values["valid_from"], errors, "valid_from")
    valid_to = parse_form_date(values["valid_to"], errors, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "”Gäller till” kan inte vara före ”Gäller från”."
    if errors:
        raise InvalidMetadata(errors)
    owner = redact(values["owner"]).text if values["owner"] else None
    return UploadMeta(
        title=values["title"],
        doc_type=doc_type,
        owner=owner,
        version=values["version"] or None,
        valid_from=valid_from,
        valid_to=valid_to,
    )
