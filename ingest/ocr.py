"""Read a scanned PDF page by OCR: pypdfium2 renders it, Debian's Tesseract reads it in Swedish.

Tesseract runs as the `tesseract` command (packages `tesseract-ocr` and
`tesseract-ocr-swe`), fed the page as a grayscale PGM image on stdin and asked for TSV
output, which carries each word's confidence. Nothing is downloaded at run time: the
Swedish model is the one Debian installed.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
from dataclasses import dataclass

from ingest.errors import UnreadableFileError

DPI = 300
# A page larger than this many pixels on its longer side is rendered at a lower
# resolution (A4 at 300 dpi is 2480 x 3508), so a huge page cannot exhaust memory.
MAX_SIDE_PIXELS = 7000
# Below this mean word confidence the page is taken as unreadable, not as text.
MIN_CONFIDENCE = 0.45
LANGUAGE = "swe"
TIMEOUT_SECONDS = 180
MISSING_TESSERACT = (
    "Texttolkning (OCR) kräver Tesseract med svensk språkmodell, som inte finns på "
    "den här datorn. Installera den (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-swe) och läs in filen igen."
)


@dataclass(frozen=True)
class OcrResult:
    """A page's text as read by OCR, with the mean word confidence (0..1)."""

    text: str
    confidence: float


@functools.cache
def _tesseract() -> str | None:
    """Return the tesseract command if it is installed with the Swedish model."""
    command = shutil.which("tesseract")
    if command is None:
        return None
    try:
        listed = subprocess.run(
            [command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    languages = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    return command if LANGUAGE in languages else None


def ocr_available() -> bool:
    """Tell whether OCR can run here: Tesseract with the Swedish model."""
    return _tesseract() is not None


def render_page(data: bytes, page_index: int, dpi: int = DPI) -> bytes:
    """Render one PDF page (0-based) as a grayscale binary PGM image."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError("PDF-filen kunde inte öppnas för texttolkning.") from exc
    try:
        if not 0 <= page_index < len(document):
            raise UnreadableFileError(
                f"PDF-filen har ingen sida {page_index + 1} att läsa med texttolkning (OCR)."
            )
        page = document[page_index]
        width, height = page.get_size()
        scale = min(dpi / 72, MAX_SIDE_PIXELS / max(width, height, 1))
        try:
            bitmap = page.render(scale=scale, grayscale=True)
        except pdfium.PdfiumError as exc:
            raise UnreadableFileError(
                f"Sidan {page_index + 1} i PDF-filen kunde inte återges för texttolkning."
            ) from exc
        pixels = bytes(bitmap.buffer)
        columns, rows, stride = bitmap.width, bitmap.height, bitmap.stride
        bitmap.close()
        page.close()
    finally:
        document.close()
    # A grayscale bitmap has one byte a pixel; rows may be padded up to the stride.
    body = b"".join(pixels[row * stride : row * stride + columns] for row in range(rows))
    return f"P5\n{columns} {rows}\n255\n".encode("ascii") + body


def read_tsv(tsv: str) -> OcrResult:
    """Rebuild text from Tesseract's TSV: lines kept, a blank line between paragraphs."""
    paragraphs: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        try:
            confidence = float(row.get("conf") or -1)
        except ValueError:
            continue
        if row.get("level") != "5" or not word or confidence < 0:
            continue
        key = (row["page_num"], row["block_num"], row["par_num"])
        paragraphs.setdefault(key, {}).setdefault(row["line_num"], []).append(word)
        confidences.append(confidence / 100)
    text = "\n\n".join(
        "\n".join(" ".join(words) for words in lines.values()) for lines in paragraphs.values()
    )
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrResult(text, round(mean, 4))


def ocr_image(image: bytes, label: str = "Sidan") -> OcrResult:
    """Read an image (any format Tesseract reads: PGM, PNG, TIFF) in Swedish."""
    command = _tesseract()
    if command is None:
        raise UnreadableFileError(MISSING_TESSERACT)
    # One thread a page: ingest may run several pages at once, and Tesseract's OpenMP
    # threads compete with each other there for little gain on a single page.
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    try:
        done = subprocess.run(
            [command, "stdin", "stdout", "-l", LANGUAGE, "--dpi", str(DPI), "--psm", "3", "tsv"],
            input=image,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise UnreadableFileError(
            f"{label} kunde inte tolkas: texttolkningen (OCR) tog mer än {TIMEOUT_SECONDS} s."
        ) from exc
    except OSError as exc:
        raise UnreadableFileError(MISSING_TESSERACT) from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"felkod {done.returncode}"
        raise UnreadableFileError(f"{label} kunde inte tolkas med Tesseract.", detail=reason)
    result = read_tsv(done.stdout.decode("utf-8", errors="replace"))
    if not result.text.strip():
        raise UnreadableFileError(
            f"{label} innehåller ingen läsbar text, inte heller med texttolkning (OCR)."
        )
    if result.confidence < MIN_CONFIDENCE:
        raise UnreadableFileError(
            f"{label} gick inte att tolka säkert med texttolkning (OCR): "
            f"medelsäkerheten är {round(result.confidence * 100)} % "
            f"(gränsen är {round(MIN_CONFIDENCE * 100)} %). "
            "Skanna om dokumentet med högre kvalitet eller spara det som sökbar PDF."
        )
    return result


def ocr_pdf_page(data: bytes, page_index: int) -> OcrResult:
    """Render one page of a PDF (0-based index) at 300 dpi and read it with Tesseract.

    Raises UnreadableFileError when Tesseract or its Swedish model is missing, the page
    cannot be rendered, or OCR finds no text or only text read with very low confidence.
    """
    if _tesseract() is None:  # fail before spending time on rendering
        raise UnreadableFileError(MISSING_TESSERACT)
    image = render_page(data, page_index)
    return ocr_image(image, f"Sidan {page_index + 1} i PDF-filen")
