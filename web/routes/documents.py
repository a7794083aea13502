"""Documents: list, original files, upload and retirement."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path

from fastapi import APIRouter, HTTPException, UploadFile
from fastapi.responses import FileResponse

from assistant import audit
from assistant.database import DocumentRow
from assistant.privacy import redact
from ingest.errors import UnreadableFileError
from ingest.lock import IngestLockedError
from ingest.uploads import UploadRefused, accept_upload
from web.deps import (
    AuditorDep,
    CaseworkerDep,
    CatalogDep,
    IngestorDep,
    RoutineGroupDep,
    SettingsDep,
)
from web.schemas import DocumentOut, IngestFailureOut, UploadOut

router = APIRouter(prefix="/api/documents", tags=["documents"])


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
    )


@router.get("", response_model=list[DocumentOut])
def list_documents(catalog: CatalogDep, _roles: CaseworkerDep) -> list[DocumentOut]:
    """List the ingested documents."""
    today = dt.date.today()
    return [document_out(row, today) for row in catalog.documents()]


@router.get("/failures", response_model=list[IngestFailureOut])
def list_failures(catalog: CatalogDep, _roles: RoutineGroupDep) -> list[IngestFailureOut]:
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
def document_file(document_id: str, catalog: CatalogDep, _roles: CaseworkerDep) -> FileResponse:
    """Serve the original file, shown inline (PDFs open at #page=N)."""
    row = catalog.document(document_id)
    if row is None:
        raise HTTPException(404, "Dokumentet finns inte.")
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


@router.post("", response_model=UploadOut)
def upload(
    file: UploadFile,
    settings: SettingsDep,
    catalog: CatalogDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    _roles: RoutineGroupDep,
) -> UploadOut:
    """Store an uploaded document and ingest it, replacing the document of the same name."""
    limit = int(settings.max_file_mb * 1024 * 1024)
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"Filen är större än gränsen {settings.max_file_mb:g} MB.")
    try:
        result = accept_upload(settings, ingestor, catalog.documents(), file.filename or "", data)
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
    )
    return UploadOut(
        file_name=result.file_name,
        status=result.status,
        message="",
        chunks=result.chunks,
        document_id=result.document_id,
    )


@router.delete("/{document_id}", status_code=204)
def retire(
    document_id: str,
    catalog: CatalogDep,
    settings: SettingsDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    _roles: RoutineGroupDep,
) -> None:
    """Take a document out of the index; an uploaded copy is deleted too."""
    row = catalog.document(document_id)
    if row is None:
        raise HTTPException(404, "Dokumentet finns inte.")
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
