"""Render real PDF and DOCX files for tests (reportlab and python-docx)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from evals.synthetic import Sections, _font, make_pdf

__all__ = [
    "make_docx",
    "make_image_pdf",
    "make_layout_pdf",
    "make_pdf",
    "make_scanned_pdf",
    "make_zip_bomb_docx",
]

# One item of a laid-out PDF: ("heading", text), ("justified", text), ("lines", text with
# "\n" where a line must break), ("table", rows, the first the header), ("columns", "")
# to continue on a new page in two columns, ("page", "") for a page break.
LayoutItem = tuple[str, str | list[list[str]]]


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


def make_layout_pdf(path: Path, title: str, items: list[LayoutItem]) -> Path:
    """Write a PDF laid out like a word-processor export.

    Justified body text, bold unnumbered headings in a larger font, the title as a running
    header and "Sida N av M" as a footer on every page, ruled tables with a header row, and
    optionally pages in two columns.
    """
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Table,
        TableStyle,
    )
    from reportlab.platypus.flowables import Flowable

    regular, bold = _font()
    width, height = A4
    margin = 60
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13, spaceAfter=8)
    justified = ParagraphStyle("justified", parent=body, alignment=TA_JUSTIFY)
    lines = ParagraphStyle("lines", parent=body, alignment=TA_LEFT)
    heading = ParagraphStyle(
        "heading", fontName=bold, fontSize=14, leading=18, spaceBefore=10, spaceAfter=6
    )
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11)

    class FooterCanvas(canvas.Canvas):
        """Draw the running header and 'Sida N av M' once the page count is known."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(regular, 8)
                self.drawString(margin, height - 35, title)
                self.drawRightString(width - margin, 30, f"Sida {self._pageNumber} av {total}")
                super().showPage()
            super().save()

    frame_height = height - 2 * margin - 20
    one = Frame(margin, margin, width - 2 * margin, frame_height, id="one")
    gutter = 24
    column = (width - 2 * margin - gutter) / 2
    left = Frame(margin, margin, column, frame_height, id="left")
    right = Frame(margin + column + gutter, margin, column, frame_height, id="right")
    document = BaseDocTemplate(str(path), pagesize=A4, title=title)
    document.addPageTemplates(
        [PageTemplate(id="one", frames=[one]), PageTemplate(id="two", frames=[left, right])]
    )
    story: list[Flowable] = []
    for kind, content in items:
        if kind == "heading":
            story.append(Paragraph(str(content), heading))
        elif kind == "justified":
            story.append(Paragraph(str(content), justified))
        elif kind == "lines":
            story.append(Paragraph(str(content).replace("\n", "<br/>"), lines))
        elif kind == "table":
            assert isinstance(content, list)
            grid = [[Paragraph(value, cell) for value in row] for row in content]
            table = Table(grid, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("FONTNAME", (0, 0), (-1, 0), bold),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        elif kind == "columns":
            story += [NextPageTemplate("two"), PageBreak()]
        elif kind == "page":
            story.append(PageBreak())
        else:
            raise ValueError(f"unknown layout item {kind!r}")
    document.build(story, canvasmaker=FooterCanvas)
    return path
