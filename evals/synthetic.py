"""Render PDFs for benchmarks and tests (reportlab, DejaVu fonts for Swedish text)."""

from __future__ import annotations

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


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])
