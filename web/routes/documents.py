"""Documents: list, original files, upload and retirement.

A document restricted to groups is shown only to callers in one of them: to everyone
else it does not exist (404), in the list and for its file alike.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, UploadFile
from fastapi.responses import FileResponse

from assistant import audit
from assistant.access import Reader, can_see, normalize_groups
from assistant.catalog import Catalog
from assistant.database import DocumentRow
from assistant.privacy import redact
from assistant.schemas import document_id as path_document_id
from ingest.errors import UnreadableFileError
from ingest.lock import IngestLockedError
from ingest.uploads import UploadRefused, accept_upload, upload_name, upload_target
from web.deps import (
    AuditorDep,
    CatalogDep,
    IngestorDep,
    ReaderDep,
    RequireCaseworker,
    RequireRoutineGroup,
    SettingsDep,
)
from web.schemas import DocumentOut, IngestFailureOut, UploadOut

router = APIRouter(prefix="/api/documents", tags=["documents"], dependencies=[RequireCaseworker])


def shown(text: str) -> str:
    """Redact personal data from a stored text before it is shown."""
    return redact(text).text


def document_out(row: DocumentRow, today: dt.date) -> DocumentOut:
    """Render a document row; file names and owners are shown redacted."""
    return DocumentOut(
        id=row.id,
        file_name=shown(row.file_name),
        title=row.title,
        type=row.doc_type,
        owner=None if row.owner is None else shown(row.owner),
        version=row.version,
        valid_from=row.valid_from.isoformat() if row.valid_from else None,
        valid_to=row.valid_to.isoformat() if row.valid_to else None,
        retired=row.valid_to is not None and row.valid_to < today,
        pages=row.pages,
        chunk_count=row.chunk_count,
        ingested_at=row.ingested_at.isoformat(timespec="seconds"),
        groups=list(row.groups or []),
    )


def visible_document(catalog: Catalog, document_id: str, reader: Reader) -> DocumentRow:
    """Return a document the caller may see, or answer 404 as if it did not exist."""
    row = catalog.document(document_id)
    if row is None or not can_see(row.groups, reader):
        raise HTTPException(404, "Dokumentet finns inte.")
    return row


@router.get("", response_model=list[DocumentOut])
def list_documents(catalog: CatalogDep, reader: ReaderDep) -> list[DocumentOut]:
    """List the ingested documents the caller may see."""
    today = dt.date.today()
    return [document_out(r, today) for r in catalog.documents() if can_see(r.groups, reader)]


@router.get("/failures", response_model=list[IngestFailureOut], dependencies=[RequireRoutineGroup])
def list_failures(catalog: CatalogDep) -> list[IngestFailureOut]:
    """List the files whose last ingest failed, with the reason."""
    return [
        IngestFailureOut(
            file_name=shown(f.file_name),
            message=shown(f.message),
            failed_at=f.failed_at.isoformat(timespec="seconds"),
        )
        for f in catalog.failures()
    ]


@router.get("/{document_id}/file", response_class=FileResponse)
def document_file(document_id: str, catalog: CatalogDep, reader: ReaderDep) -> FileResponse:
    """Serve the original file, shown inline (PDFs open at #page=N)."""
    row = visible_document(catalog, document_id, reader)
    path = Path(row.source_path)
    # The path was resolved at ingest: a file swapped for a link since then is not served.
    if not path.is_file() or path.resolve() != path:
        raise HTTPException(404, "Originalfilen finns inte längre på sin plats.")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() in {".md", ".markdown", ".txt"}:
        media = "text/plain; charset=utf-8"
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return FileResponse(
        path,
        media_type=media,
        headers=headers,
        content_disposition_type="inline",
        filename=path.name,
    )


@router.post("", response_model=UploadOut, dependencies=[RequireRoutineGroup])
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
) -> UploadOut:
    """Store an uploaded document and ingest it, replacing the document of the same name.

    With groups the document is restricted to them; a document the caller may not see
    cannot be replaced.
    """
    limit = int(settings.max_file_mb * 1024 * 1024)
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"Filen är större än gränsen {settings.max_file_mb:g} MB.")
    documents = catalog.documents()
    chosen = normalize_groups(groups)
    try:
        target = upload_target(upload_name(file.filename or ""), documents, settings)
        existing = catalog.document(path_document_id(str(target.resolve())))
        if existing is not None and not can_see(existing.groups, reader):
            raise UploadRefused("Ett dokument med samma namn finns redan; byt namn på filen.", 409)
        result = accept_upload(
            settings, ingestor, documents, file.filename or "", data, groups=chosen
        )
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    except IngestLockedError as exc:
        raise HTTPException(409, str(exc)) from exc
    except UnreadableFileError as exc:
        raise HTTPException(422, f"Filen kunde inte läsas in: {shown(str(exc))}") from exc
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


@router.delete("/{document_id}", status_code=204, dependencies=[RequireRoutineGroup])
def retire(
    document_id: str,
    catalog: CatalogDep,
    settings: SettingsDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> None:
    """Take a document out of the index; an uploaded copy is deleted too."""
    row = visible_document(catalog, document_id, reader)
    try:
        ingestor.remove([document_id])
    except IngestLockedError as exc:
        raise HTTPException(409, str(exc)) from exc
    path = Path(row.source_path)
    uploaded = path.parent.resolve() == settings.files_dir.resolve()
    if uploaded:
        path.unlink(missing_ok=True)
    action = audit.DOCUMENT_DELETED if uploaded else audit.DOCUMENT_RETIRED
    auditor.record(action, document_id, file_name=shown(row.file_name))
