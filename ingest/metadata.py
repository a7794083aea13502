"""Resolve a document's metadata from its sidecar, its own properties and sensible defaults.

The groups a document is restricted to come from its sidecar or its own metadata
(`groups: [a, b]`), else from the nearest `_groups.yaml` in its folder or a folder
above it; nothing restricts it otherwise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from assistant.access import normalize_groups
from assistant.schemas import DOCUMENT_TYPES, DocumentMeta
from ingest.errors import UnreadableFileError, yaml_position

# Folder names that give a document its type when nothing else does.
FOLDER_TYPES = {
    "rutiner": "rutin",
    "rutin": "rutin",
    "riktlinjer": "riktlinje",
    "riktlinje": "riktlinje",
    "avvikelseanalyser": "avvikelseanalys",
    "avvikelser": "avvikelseanalys",
    "avvikelseanalys": "avvikelseanalys",
}
TYPE_ALIASES = {
    "ovrigt": "övrigt",
    "annat": "övrigt",
    "rutiner": "rutin",
    "riktlinjer": "riktlinje",
}
SIDECAR_SUFFIX = ".meta.yaml"
# Fields a sidecar may leave empty on purpose (`owner:`): then the file's own property
# (a Word file's author, its creation date) is not used either. The upload form writes
# them so, when the routine group clears a suggested value.
CLEARABLE = ("owner", "version", "valid_from", "valid_to")
# A folder's groups: every document below it without groups of its own is restricted
# to them. Ingest skips names starting with "_", so the file is never read as a document.
FOLDER_GROUPS = "_groups.yaml"


def sidecar_path(path: Path) -> Path | None:
    """Return the sidecar beside a file (NAME.meta.yaml or NAME.ext.meta.yaml), if any."""
    for candidate in (path.with_name(path.stem + SIDECAR_SUFFIX), Path(f"{path}{SIDECAR_SUFFIX}")):
        if candidate.is_file():
            return candidate
    return None


def new_sidecar_path(path: Path) -> Path:
    """Return the sidecar a file has, or the one to create for it (NAME.ext.meta.yaml)."""
    return sidecar_path(path) or Path(f"{path}{SIDECAR_SUFFIX}")


def read_sidecar(path: Path) -> dict[str, Any]:
    """Read a sidecar file's key-value pairs."""
    sidecar = sidecar_path(path)
    if sidecar is None:
        return {}
    return parse_sidecar(sidecar.read_bytes(), sidecar.name)


def parse_sidecar(data: bytes, name: str) -> dict[str, Any]:
    """Parse a sidecar's YAML into key-value pairs, with a Swedish message when it is not."""
    try:
        parsed = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        message = f"Metadatafilen {name} är inte giltig YAML{yaml_position(exc)}."
        raise UnreadableFileError(message) from exc
    if not isinstance(parsed, dict):
        message = f"Metadatafilen {name} måste innehålla nyckel: värde-par."
        raise UnreadableFileError(message)
    return parsed


def folder_groups_path(path: Path) -> Path | None:
    """Return the nearest _groups.yaml in the file's folder or a folder above it."""
    for parent in path.parents:
        candidate = parent / FOLDER_GROUPS
        if candidate.is_file():
            return candidate
    return None


def parse_groups(value: Any, source: str) -> tuple[str, ...]:
    """Read a groups field: a list of names, or one comma-separated string."""
    if value is None:
        return ()
    if isinstance(value, str | list | tuple) and all(
        isinstance(v, str | int) for v in ([value] if isinstance(value, str) else value)
    ):
        return normalize_groups(value if isinstance(value, str) else [str(v) for v in value])
    raise UnreadableFileError(f"Fältet groups i {source} ska vara en lista med gruppnamn.")


def read_folder_groups(path: Path) -> tuple[str, ...]:
    """Return the groups of the nearest _groups.yaml above a file (`groups: [...]`)."""
    found = folder_groups_path(path)
    if found is None:
        return ()
    data = parse_sidecar(found.read_bytes(), f"{found.parent.name}/{found.name}")
    return parse_groups(data.get("groups"), str(found))


def parse_date(value: Any, field: str) -> dt.date | None:
    """Parse an ISO date (or a YAML date) from a metadata field."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        message = f"Fältet {field} är inget giltigt datum (ÅÅÅÅ-MM-DD): {value!r}"
        raise UnreadableFileError(message) from exc


def normalize_type(value: Any) -> str:
    """Map a written document type onto one of the known types."""
    text = str(value).strip().lower()
    text = TYPE_ALIASES.get(text, text)
    if text not in DOCUMENT_TYPES:
        allowed = ", ".join(DOCUMENT_TYPES)
        raise UnreadableFileError(f"Okänd dokumenttyp {value!r}; tillåtna: {allowed}.")
    return text


def default_type(path: Path) -> str:
    """Take the type from the nearest folder with a known name, else 'övrigt'."""
    for parent in path.parents:
        if parent.name.lower() in FOLDER_TYPES:
            return FOLDER_TYPES[parent.name.lower()]
    return "övrigt"


def resolve_meta(
    path: Path,
    properties: dict[str, Any],
    first_heading: str | None,
    content_hash: str,
    sidecar: dict[str, Any] | None = None,
) -> DocumentMeta:
    """Merge sidecar over file properties over defaults into a DocumentMeta.

    `sidecar`, when given, is used instead of the file beside the document (an upload
    whose sidecar is written with it).
    """
    merged = {k: v for k, v in properties.items() if v not in (None, "")}
    sidecar = read_sidecar(path) if sidecar is None else sidecar
    for key, value in sidecar.items():
        if value not in (None, ""):
            merged[key] = value
        elif key in CLEARABLE:  # written empty on purpose: the file's own value is not used
            merged.pop(key, None)
    title = str(merged.get("title") or first_heading or path.stem.replace("_", " ").capitalize())
    doc_type = normalize_type(merged["type"]) if "type" in merged else default_type(path)
    valid_from = parse_date(merged.get("valid_from"), "valid_from")
    valid_to = parse_date(merged.get("valid_to"), "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise UnreadableFileError("valid_to ligger före valid_from i dokumentets metadata.")
    # `groups: []` of its own opens a document in a restricted folder.
    if "groups" in merged:
        groups = parse_groups(merged["groups"], "dokumentets metadata")
    else:
        groups = read_folder_groups(path)
    return DocumentMeta(
        title=title.strip(),
        doc_type=doc_type,
        owner=str(merged["owner"]).strip() if merged.get("owner") else None,
        version=str(merged["version"]).strip() if merged.get("version") else None,
        valid_from=valid_from,
        valid_to=valid_to,
        source_path=str(path.resolve()),
        file_name=path.name,
        content_hash=content_hash,
        groups=groups,
    )
