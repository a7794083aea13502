"""Render real PDF and DOCX files for tests (reportlab and python-docx)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from evals.synthetic import Sections, make_pdf

__all__ = [
    "make_docx",
    "make_image_pdf",
    "make_pdf",
    "make_scanned_pdf",
    "make_zip_bomb_docx",
]


def make_image_pdf(path: Path) -> Path:
    """Write a PDF whose only page holds shapes and no text, like a scan."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def scan_font_path() -> Path:
    """Return a TrueType font with Swedish letters: Debian's DejaVu, else reportlab's Vera."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if dejavu.is_file():
        return dejavu
    import reportlab

    return Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"


def make_scanned_pdf(
    path: Path, paragraphs: list[str], dpi: int = 300, skew: float = 0.0, blur: float = 0.0
) -> Path:
    """Write a one-page A4 PDF that is only a picture of the text, like a scan (no text layer).

    Pillow draws the text in a 12 pt font on a white page image at the given resolution,
    wrapping each paragraph to the page width; the image, rotated by `skew` degrees and
    blurred by a Gaussian of radius `blur` pixels when asked (a poor scan), is saved as
    the PDF's only content.
    """
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(scan_font_path()), size=int(12 / 72 * dpi))
    margin, y = dpi, dpi
    line_height = int(font.size * 1.4)
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) > width - 2 * margin and line:
                draw.text((margin, y), line, fill=0, font=font)
                y, line = y + line_height, word
            else:
                line = candidate
        draw.text((margin, y), line, fill=0, font=font)
        y += 2 * line_height
    if skew:
        image = image.rotate(skew, fillcolor=255, expand=False)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    image.save(str(path), "PDF", resolution=float(dpi))
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
