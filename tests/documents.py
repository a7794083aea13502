"""Render real PDF and DOCX files for tests (reportlab and python-docx)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from evals.synthetic import Sections, make_pdf

__all__ = ["make_docx", "make_image_pdf", "make_pdf", "make_zip_bomb_docx"]


def make_image_pdf(path: Path) -> Path:
    """Write a PDF whose only page holds shapes and no text, like a scan."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def make_docx(
    path: Path,
    title: str,
    sections: Sections,
    table: list[list[str]] | None = None,
    category: str | None = None,
    version: str | None = None,
    created: dt.date | None = None,
) -> Path:
    """Write a DOCX with heading styles, paragraphs, an optional table and core properties."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    if category:
        document.core_properties.category = category
    if version:
        document.core_properties.version = version
    if created:
        document.core_properties.created = dt.datetime.combine(created, dt.time())
    document.add_heading(title, level=0)
    for heading, body in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, megabytes: int = 300) -> Path:
    """Write a 'DOCX' whose one member inflates to hundreds of megabytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    path.write_bytes(buffer.getvalue())
    return path
