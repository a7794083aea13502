"""Documents: list, original files, ingest failures, retiring, reactivating and deleting.

A document restricted to groups is shown only to callers in one of them: to everyone
else it does not exist (404), in the list, for its file and for every change alike.
Uploads and their preview are in web/routes/uploads.py.

Avveckla (POST …/retire) keeps a document, out of force from today; Återaktivera
(POST …/reactivate) undoes it; Ta bort (DELETE) deletes the document and its passages.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from assistant import audit
from assistant.access import Reader, can_see
from assistant.catalog import Catalog
from assistant.database import DocumentRetirementRow, DocumentRow
from assistant.privacy import redact
from assistant.schemas import document_id as path_document_id
from assistant.schemas import in_force
from ingest.lock import IngestLockedError
from ingest.metadata import sidecar_path
from ingest.retirement import RetirementError
from web.deps import (
    AuditorDep,
    CatalogDep,
    IngestorDep,
    ReaderDep,
    RequireCaseworker,
    RequireRoutineGroup,
    SettingsDep,
)
from web.schemas import DocumentOut, IngestFailureOut

router = APIRouter(prefix="/api/documents", tags=["documents"], dependencies=[RequireCaseworker])


def shown(text: str) -> str:
    """Redact personal data from a stored text before it is shown."""
    return redact(text).text


def document_out(
    row: DocumentRow, today: dt.date, retirement: DocumentRetirementRow | None = None
) -> DocumentOut:
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
        retired=not in_force(row.valid_to, today),
        pages=row.pages,
        chunk_count=row.chunk_count,
        ingested_at=row.ingested_at.isoformat(timespec="seconds"),
        groups=list(row.groups or []),
        retired_at=retirement.retired_at.isoformat(timespec="seconds") if retirement else None,
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
    today, retirements = dt.date.today(), catalog.retirements()
    return [
        document_out(r, today, retirements.get(r.id))
        for r in catalog.documents()
        if can_see(r.groups, reader)
    ]


@router.get("/failures", response_model=list[IngestFailureOut], dependencies=[RequireRoutineGroup])
def list_failures(catalog: CatalogDep) -> list[IngestFailureOut]:
    """List the files whose last ingest failed, with the reason."""
    return [
        IngestFailureOut(
            id=path_document_id(f.source_path),
            file_name=shown(f.file_name),
            message=shown(f.message),
            failed_at=f.failed_at.isoformat(timespec="seconds"),
        )
        for f in catalog.failures()
    ]


@router.delete("/failures/{failure_id}", status_code=204, dependencies=[RequireRoutineGroup])
def dismiss_failure(failure_id: str, ingestor: IngestorDep, auditor: AuditorDep) -> None:
    """Take a failed file off the list; it is listed again if it fails at a later ingest."""
    if not ingestor.dismiss_failure(failure_id):
        raise HTTPException(404, "Felet finns inte i listan.")
    auditor.record(audit.FAILURE_DISMISSED, failure_id)


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


def changed_document(catalog: Catalog, document_id: str) -> DocumentOut:
    """Return a document as listed after a change."""
    row = catalog.document(document_id)
    if row is None:
        raise HTTPException(404, "Dokumentet finns inte.")
    return document_out(row, dt.date.today(), catalog.retirements().get(document_id))


@router.post(
    "/{document_id}/retire", response_model=DocumentOut, dependencies=[RequireRoutineGroup]
)
def retire(
    document_id: str,
    catalog: CatalogDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> DocumentOut:
    """Avveckla: set valid_to to yesterday; kept and listed, no longer used for answers.

    Citations of it are flagged as no longer in force; a question about a past period
    still finds it. Undone by POST …/reactivate. 409 when it is already out of force.
    """
    row = visible_document(catalog, document_id, reader)
    try:
        ingestor.retire(document_id, dt.date.today())
    except (RetirementError, IngestLockedError) as exc:
        raise HTTPException(409, str(exc)) from exc
    auditor.record(audit.DOCUMENT_RETIRED, document_id, file_name=shown(row.file_name))
    return changed_document(catalog, document_id)


@router.post(
    "/{document_id}/reactivate", response_model=DocumentOut, dependencies=[RequireRoutineGroup]
)
def reactivate(
    document_id: str,
    catalog: CatalogDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> DocumentOut:
    """Återaktivera: undo Avveckla; the valid_to of the document's own metadata applies.

    409 for a document not retired by hand.
    """
    row = visible_document(catalog, document_id, reader)
    try:
        ingestor.reinstate(document_id)
    except (RetirementError, IngestLockedError) as exc:
        raise HTTPException(409, str(exc)) from exc
    auditor.record(audit.DOCUMENT_REACTIVATED, document_id, file_name=shown(row.file_name))
    return changed_document(catalog, document_id)


@router.delete("/{document_id}", status_code=204, dependencies=[RequireRoutineGroup])
def delete_document(
    document_id: str,
    catalog: CatalogDep,
    settings: SettingsDep,
    ingestor: IngestorDep,
    auditor: AuditorDep,
    reader: ReaderDep,
) -> None:
    """Ta bort: delete the document and its passages from the index.

    An uploaded original (and its metadata file) is deleted too. A file in the corpus
    folder is left where it is, and read again by the next ingest of that folder unless
    it is removed there.
    """
    row = visible_document(catalog, document_id, reader)
    try:
        ingestor.remove([document_id])
    except IngestLockedError as exc:
        raise HTTPException(409, str(exc)) from exc
    path = Path(row.source_path)
    uploaded = path.parent.resolve() == settings.files_dir.resolve()
    if uploaded:
        path.unlink(missing_ok=True)
        sidecar = sidecar_path(path)
        if sidecar is not None:
            sidecar.unlink(missing_ok=True)
    auditor.record(
        audit.DOCUMENT_DELETED, document_id, file_name=shown(row.file_name), file_deleted=uploaded
    )
