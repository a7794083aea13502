"""Render real PDF and DOCX files for tests (reportlab and python-docx)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
Sections = list[tuple[str, str]]


def _font() -> tuple[str, str]:
    """Register DejaVu for full Swedish text when present; else use Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdfmetrics.registerFont(TTFont("DejaVu", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(bold)))
        return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def make_pdf(
    path: Path,
    title: str,
    pages: list[Sections],
    user_password: str | None = None,
    owner_password: str | None = None,
) -> Path:
    """Write a PDF: a title, then per page its numbered headings and paragraphs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    regular, bold = _font()
    encrypt = None
    if user_password is not None or owner_password is not None:
        encrypt = StandardEncryption(user_password or "", owner_password or "owner-secret")
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    pdf.setTitle(title)
    for number, sections in enumerate(pages, start=1):
        y = 800
        if number == 1:
            pdf.setFont(bold, 16)
            pdf.drawString(60, y, title)
            y -= 36
        for heading, body in sections:
            pdf.setFont(bold, 12)
            pdf.drawString(60, y, heading)
            y -= 20
            pdf.setFont(regular, 10)
            for line in _wrap(body, 90):
                pdf.drawString(60, y, line)
                y -= 14
            y -= 10
        pdf.setFont(regular, 8)
        pdf.drawString(280, 30, f"Sida {number} av {len(pages)}")
        pdf.showPage()
    pdf.save()
    return path


def make_image_pdf(path: Path) -> Path:
    """Write a PDF whose only page holds shapes and no text, like a scan."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


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
