"""Uploads: a preview that suggests the file's metadata, then the upload with what was confirmed.

The upload form's flow: choose a file → POST /api/documents/preview reads it apart and
returns suggested metadata (nothing is stored) → the routine group edits and confirms →
POST /api/documents stores and ingests the file with that metadata. A field that fails
its check gets a 422 whose `detail` names the field (`loc`) with a Swedish message, and
nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, UploadFile

from assistant import audit
from assistant.access import can_see, normalize_groups
from assistant.schemas import document_id as path_document_id
from ingest.errors import UnreadableFileError
from ingest.lock import IngestLockedError
from ingest.upload_meta import InvalidMetadata, UploadMeta, parse_upload_meta
from ingest.uploads import (
    UploadPreview,
    UploadRefused,
    accept_upload,
    preview_upload,
    upload_name,
    upload_target,
)
from web.deps import (
    AuditorDep,
    CatalogDep,
    IngestorDep,
    ReaderDep,
    RequireRoutineGroup,
    SettingsDep,
)
from web.routes.documents import shown
from web.schemas import ReplacedOut, UploadOut, UploadPreviewOut

router = APIRouter(prefix="/api/documents", tags=["documents"], dependencies=[RequireRoutineGroup])
MetaField = Annotated[str | None, Form(max_length=2000)]


def read_upload(file: UploadFile, max_file_mb: float) -> bytes:
    """Read an uploaded file, refusing one over the size limit with 413."""
    limit = int(max_file_mb * 1024 * 1024)
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"Filen är större än gränsen {max_file_mb:g} MB.")
    return data


def unreadable(exc: UnreadableFileError) -> HTTPException:
    """Return the 422 for a file that could not be read, in Swedish."""
    return HTTPException(422, f"Filen kunde inte läsas in: {shown(str(exc))}")


def iso(date: dt.date | None) -> str | None:
    """Return a date as ÅÅÅÅ-MM-DD, or None."""
    return date.isoformat() if date else None


def preview_out(preview: UploadPreview) -> UploadPreviewOut:
    """Render the suggested metadata of an upload."""
    meta, replaced = preview.suggestion, preview.replaces
    return UploadPreviewOut(
        file_name=preview.file_name,
        title=meta.title,
        type=meta.doc_type,
        owner=None if meta.owner is None else shown(meta.owner),
        version=meta.version,
        valid_from=iso(meta.valid_from),
        valid_to=iso(meta.valid_to),
        groups=list(replaced.groups or []) if replaced else [],
        notes=list(meta.notes),
        replaces=ReplacedOut(id=replaced.id, title=replaced.title, version=replaced.version)
        if replaced
        else None,
        pages=preview.pages,
    )


@router.post("/preview", response_model=UploadPreviewOut)
def preview(
    file: UploadFile, settings: SettingsDep, catalog: CatalogDep, reader: ReaderDep
) -> UploadPreviewOut:
    """Read a file apart and suggest its metadata for the upload form; nothing is stored.

    The title comes from the title property unless it is empty or generic, else the
    first heading; program and account names (python-docx, Microsoft Office User) are
    not taken as the owner, nor a template's creation date as valid-from. A file that
    would replace an indexed document is prefilled with that document's metadata.
    """
    data = read_upload(file, settings.max_file_mb)
    documents = catalog.documents()
    try:
        target = upload_target(upload_name(file.filename or ""), documents, settings)
        hidden = catalog.document(path_document_id(str(target.resolve())))
        if hidden is not None and not can_see(hidden.groups, reader):
            raise UploadRefused("Ett dokument med samma namn finns redan; byt namn på filen.", 409)
        found = preview_upload(settings, documents, file.filename or "", data, dt.date.today())
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    except UnreadableFileError as exc:
        raise unreadable(exc) from exc
    return preview_out(found)


def confirmed_meta(fields: dict[str, str | None]) -> UploadMeta | None:
    """Return the upload form's metadata, or None when no field was sent (a plain upload)."""
    if all(value is None for value in fields.values()):
        return None
    try:
        return parse_upload_meta(fields)
    except InvalidMetadata as exc:
        detail: list[dict[str, Any]] = [
            {"loc": ["body", name], "msg": message, "type": "invalid_metadata"}
            for name, message in exc.errors.items()
        ]
        raise HTTPException(422, detail) from exc


@router.post("", response_model=UploadOut)
def upload(
    file: UploadFile,
    settings: SettingsDep,
    catalog: CatalogDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    reader: ReaderDep,
    groups: Annotated[
        str,
        Form(
            max_length=2000,
            description="Grupper som dokumentet begränsas till, kommaseparerade; tomt "
            "behåller dokumentets grupper.",
        ),
    ] = "",
    title: MetaField = None,
    type: MetaField = None,
    owner: MetaField = None,
    version: MetaField = None,
    valid_from: MetaField = None,
    valid_to: MetaField = None,
) -> UploadOut:
    """Store an uploaded document and ingest it, replacing the document of the same name.

    With the metadata fields (the upload form sends them all) the document gets that
    title, type, owner, version and validity, kept in its metadata file; a field left
    empty stays empty. Without them its metadata comes from the file. With groups the
    document is restricted to them; a document the caller may not see cannot be replaced.
    """
    meta = confirmed_meta(
        {
            "title": title,
            "type": type,
            "owner": owner,
            "version": version,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    )
    data = read_upload(file, settings.max_file_mb)
    documents = catalog.documents()
    chosen = normalize_groups(groups)
    try:
        target = upload_target(upload_name(file.filename or ""), documents, settings)
        existing = catalog.document(path_document_id(str(target.resolve())))
        if existing is not None and not can_see(existing.groups, reader):
            raise UploadRefused("Ett dokument med samma namn finns redan; byt namn på filen.", 409)
        result = accept_upload(
            settings, ingestor, documents, file.filename or "", data, groups=chosen, meta=meta
        )
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    except IngestLockedError as exc:
        raise HTTPException(409, str(exc)) from exc
    except UnreadableFileError as exc:
        raise unreadable(exc) from exc
    auditor.record(
        audit.DOCUMENT_UPLOADED,
        result.document_id,
        file_name=result.file_name,
        status=result.status,
        groups=len(chosen) or None,
    )
    return UploadOut(
        file_name=result.file_name,
        status=result.status,
        message="",
        chunks=result.chunks,
        document_id=result.document_id,
    )
