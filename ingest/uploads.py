"""Uploads from the routine group: a safe name, the right target, read apart, then committed.

An upload goes through four steps, each of which can fail without leaving anything:
1. its name is reduced to one the file system and ingest accept (`upload_name`);
2. its target is chosen: the document in the index with the same file name, which the
   upload replaces, or a new file among the uploaded originals (`upload_target`);
3. it is staged as a hidden file and read in a bounded child process, before any lock
   is taken (ingest/sandbox.py);
4. under the ingest lock it is written into place and committed; any failure puts the
   previous file back (Ingestor.put).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.access import normalize_groups
from assistant.config import Settings
from assistant.database import DocumentRow
from assistant.privacy import redact
from assistant.schemas import document_id
from ingest.errors import UnreadableFileError
from ingest.loaders import LOADERS
from ingest.metadata import new_sidecar_path, read_sidecar
from ingest.pipeline import Ingestor
from ingest.prefill import SuggestedMeta, suggest_metadata
from ingest.prepare import SKIPPED_NAMES
from ingest.sandbox import prepare_isolated, read_isolated
from ingest.upload_meta import UploadMeta

UPLOAD_TYPES = {".pdf", ".docx", ".md", ".markdown", ".html", ".htm"}
STAGED_SUFFIX = ".upload"
# File systems allow 255 bytes per name; leave room for the hidden ".name.partial" copy.
MAX_NAME_BYTES = 200
UNSAFE = re.compile(r"[^\w.\-() ]+", re.UNICODE)


class UploadRefused(ValueError):
    """The upload cannot be taken as it is; the message is Swedish and says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadResult:
    """What became of an upload."""

    file_name: str
    status: str  # added, updated, unchanged
    chunks: int
    document_id: str


def upload_name(raw: str) -> str:
    """Reduce an uploaded file name to a safe base name that ingest will not skip.

    Personal data in the name is redacted first; the name is NFKC-normalised, stripped
    of characters outside letters, digits and `.-() _`, must not start with the `.` or
    `_` that mark hidden files or be a README, and is cut to MAX_NAME_BYTES in UTF-8.
    """
    text = unicodedata.normalize("NFKC", redact(raw).text).replace("\\", "/")
    base = Path(text).name
    suffix = Path(base).suffix.lower() or (base.lower() if base.startswith(".") else "")
    stem = base[: len(base) - len(suffix)]
    stem = re.sub(r"_{2,}", "_", UNSAFE.sub("_", stem)).strip(" ._-")
    if not stem or f"{stem}{suffix}".lower() in SKIPPED_NAMES or stem.lower() == "readme":
        stem = f"dokument {stem}".strip()
    while len(f"{stem}{suffix}".encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return f"{stem.rstrip(' ._-')}{suffix}"


def upload_target(name: str, documents: list[DocumentRow], settings: Settings) -> Path:
    """Return where an upload goes: over the indexed document of the same name, else new.

    Only documents in the corpus folder or among the uploaded originals can be
    replaced; two such documents with the name make the choice ambiguous.
    """
    roots = [settings.corpus_dir.resolve(), settings.files_dir.resolve()]
    same = [
        Path(d.source_path)
        for d in documents
        if d.file_name.lower() == name.lower()
        and any(Path(d.source_path).is_relative_to(root) for root in roots)
    ]
    if len(same) > 1:
        raise UploadRefused(
            f"Det finns {len(same)} dokument med namnet {name}; byt namn på filen eller "
            "ersätt dokumentet där det ligger.",
            409,
        )
    return same[0] if same else settings.files_dir.resolve() / name


def upload_sidecar(
    target: Path, groups: Sequence[str], meta: UploadMeta | None = None
) -> tuple[Path, bytes]:
    """Return the sidecar to write beside an upload: its present one with these groups and
    the confirmed metadata (groups left empty keep the ones it has)."""
    fields = read_sidecar(target) | (meta.sidecar_fields() if meta else {})
    if normalize_groups(groups):
        fields["groups"] = list(normalize_groups(groups))
    text = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return new_sidecar_path(target), text.encode("utf-8")


def supported_name(raw_name: str) -> str:
    """Return the upload's safe name, or refuse a file type that is not read."""
    name = upload_name(raw_name)
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES or suffix not in LOADERS:
        raise UploadRefused("Filtypen stöds inte; ladda upp PDF, DOCX, Markdown eller HTML.", 415)
    return name


@contextmanager
def staged_copy(settings: Settings, data: bytes) -> Iterator[Path]:
    """Write an upload as a hidden staged file for the child to read; remove it after."""
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    staged = settings.files_dir / f".{uuid.uuid4().hex}{STAGED_SUFFIX}"
    try:
        staged.write_bytes(data)
        yield staged
    finally:
        staged.unlink(missing_ok=True)


@dataclass(frozen=True)
class UploadPreview:
    """What the upload form is prefilled with; nothing of it is stored."""

    file_name: str
    suggestion: SuggestedMeta
    replaces: DocumentRow | None  # the document of the same name the upload would replace
    pages: int | None


def suggestion_from_document(row: DocumentRow) -> SuggestedMeta:
    """Return the present metadata of a document that an upload would replace."""
    note = (
        f"Filen ersätter ”{row.title}”"
        + (f" (version {row.version})" if row.version else "")
        + ". Uppgifterna är dokumentets nuvarande; ändra version och datum om de har ändrats."
    )
    return SuggestedMeta(
        title=row.title,
        doc_type=row.doc_type,
        owner=row.owner,
        version=row.version,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        notes=(note,),
    )


def preview_upload(
    settings: Settings, documents: list[DocumentRow], raw_name: str, data: bytes, today: dt.date
) -> UploadPreview:
    """Read an upload apart, as accept_upload would, and suggest its metadata; store nothing.

    A file that replaces an indexed document is prefilled with that document's metadata.
    Raises UploadRefused or UnreadableFileError, as accept_upload does.
    """
    name = supported_name(raw_name)
    target = upload_target(name, documents, settings)
    with staged_copy(settings, data) as staged:
        reading = read_isolated(settings, name, staged)
    replaced = next((d for d in documents if Path(d.source_path) == target), None)
    suggestion = (
        suggestion_from_document(replaced)
        if replaced is not None
        else suggest_metadata(
            name, reading.properties, reading.first_heading, today, reading.first_line
        )
    )
    return UploadPreview(name, suggestion, replaced, reading.pages)


def accept_upload(
    settings: Settings,
    ingestor: Ingestor,
    documents: list[DocumentRow],
    raw_name: str,
    data: bytes,
    groups: Sequence[str] = (),
    meta: UploadMeta | None = None,
) -> UploadResult:
    """Take an upload through the four steps; raise UploadRefused, UnreadableFileError
    or IngestLockedError, each leaving every file as it was.

    With groups, the document is restricted to them, kept in its sidecar file; without,
    it keeps whatever groups its sidecar or folder gives it. With meta (the upload form's
    confirmed fields) its sidecar holds that metadata, which wins over the file's own.
    """
    name = supported_name(raw_name)
    target = upload_target(name, documents, settings)
    written = meta is not None or normalize_groups(groups)
    sidecar = upload_sidecar(target, groups, meta) if written else None
    with staged_copy(settings, data) as staged:
        document, status = prepare_isolated(
            settings,
            target,
            staged,
            ingestor.known_hash(target),
            None if sidecar is None else sidecar[1],
        )
    if document is not None:
        ingestor.put(target, data, document, sidecar)
    return UploadResult(
        target.name,
        status,
        len(document.chunks) if document else 0,
        document_id(str(target.resolve())),
    )


def remove_staged(settings: Settings) -> int:
    """Delete staged and partial uploads left by a server that was killed; return how many.

    Only files older than twice the upload time limit go: another replica sharing the
    data directory may be reading a newer one right now.
    """
    if not settings.files_dir.is_dir():
        return 0
    cutoff = time.time() - 2 * settings.upload_timeout_seconds
    leftovers = [
        path
        for pattern in (f".*{STAGED_SUFFIX}", ".*.partial")
        for path in settings.files_dir.glob(pattern)
        if path.stat().st_mtime < cutoff
    ]
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)


__all__ = [
    "UploadPreview",
    "UploadRefused",
    "UploadResult",
    "UnreadableFileError",
    "accept_upload",
    "preview_upload",
    "remove_staged",
    "upload_name",
    "upload_sidecar",
    "upload_target",
]
