"""Scanned PDF pages read by Tesseract in Swedish, and the OCR confidence carried to citations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.citations import Citation
from ingest import ocr
from ingest.chunking import Chunker
from ingest.errors import UnreadableFileError
from ingest.loaders import LOADERS, Block, LoadedFile
from tests.conftest import ingest, make_settings
from tests.documents import make_image_pdf, make_scanned_pdf
from tests.ingest.test_docx_structure import open_retriever
from web.serialise import citation_json

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract (tesseract-ocr, -swe) is not installed"
)
SCAN = [
    "Rutin för försörjningsstöd",
    "Ansökan om försörjningsstöd lämnas till socialtjänsten. Handläggaren utreder "
    "ansökan och fattar beslut inom fyra veckor.",
    "Sökanden ska bifoga kontoutdrag, hyresavtal och lönespecifikation för de "
    "senaste tre månaderna.",
]
WORDS = ("försörjningsstöd", "socialtjänsten", "handläggaren", "lönespecifikation", "månaderna")


@needs_tesseract
def test_scanned_page_is_read_in_swedish(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = make_scanned_pdf(tmp_path / "skannad.pdf", SCAN, skew=0.7)
    assert not PdfReader(str(path)).pages[0].extract_text().strip(), "the scan has no text"
    result = ocr.ocr_pdf_page(path.read_bytes(), 0)
    found = [word for word in WORDS if word in result.text.lower()]
    assert len(found) >= 4, (found, result.text)  # allow one OCR slip
    assert result.confidence > 0.5, result
    assert "\n\n" in result.text, "paragraphs stay apart"


@needs_tesseract
def test_blurred_scan_is_refused_for_low_confidence(tmp_path: Path) -> None:
    path = make_scanned_pdf(tmp_path / "suddig.pdf", SCAN[1:], blur=7)
    with pytest.raises(UnreadableFileError, match="inte att tolka säkert"):
        ocr.ocr_pdf_page(path.read_bytes(), 0)


@needs_tesseract
def test_page_without_text_and_missing_page_are_refused(tmp_path: Path) -> None:
    data = make_image_pdf(tmp_path / "bild.pdf").read_bytes()
    with pytest.raises(UnreadableFileError, match="ingen läsbar text"):
        ocr.ocr_pdf_page(data, 0)
    with pytest.raises(UnreadableFileError, match="ingen sida 2"):
        ocr.ocr_pdf_page(data, 1)


def test_missing_tesseract_gets_a_swedish_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr.shutil, "which", lambda _name: None)
    ocr._tesseract.cache_clear()
    try:
        data = make_image_pdf(tmp_path / "bild.pdf").read_bytes()
        with pytest.raises(UnreadableFileError, match="kräver Tesseract med svensk språkmodell"):
            ocr.ocr_pdf_page(data, 0)
        assert not ocr.ocr_available()
    finally:
        ocr._tesseract.cache_clear()


def test_tsv_becomes_lines_and_paragraphs_with_mean_confidence() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tBeslut",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tfattas",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\tsnabbt.",
        "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t60\tBilaga",
        "5\t1\t2\t1\t1\t2\t0\t0\t1\t1\t95\t ",
    ]
    result = ocr.read_tsv("\n".join([header + "\tconf\ttext", *rows]))
    assert result.text == "Beslut fattas\nsnabbt.\n\nBilaga"
    assert result.confidence == pytest.approx(0.75)


def test_chunk_keeps_the_lowest_ocr_confidence_of_its_blocks() -> None:
    chunker = Chunker(220, 20)
    blocks = [
        Block(("Rutin", "1 Ansökan"), "Ansökan lämnas skriftligt.", 1, 0.91),
        Block(("Rutin", "1 Ansökan"), "Beslut inom fyra veckor.", 2, 0.62),
        Block(("Rutin", "2 Beslut"), "Beslutet kan överklagas.", 3),
    ]
    chunks = chunker.chunk("doc", "hash", "Rutin", blocks)
    assert [(c.section, c.ocr_confidence) for c in chunks] == [
        ("1 Ansökan", 0.62),
        ("2 Beslut", None),
    ]


@needs_tesseract
def test_ocr_confidence_reaches_search_json_and_citations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def load_scanned_pdf(data: bytes) -> LoadedFile:
        """Stand in for the PDF loader: every page by OCR, confidence on its block."""
        result = ocr.ocr_pdf_page(data, 0)
        return LoadedFile([Block(("Skannad rutin",), result.text, 1, result.confidence)], 1)

    monkeypatch.setitem(LOADERS, ".pdf", load_scanned_pdf)
    folder = tmp_path / "korpus" / "rutiner"
    folder.mkdir(parents=True)
    make_scanned_pdf(folder / "skannad.pdf", SCAN)
    (folder / "text.md").write_text(
        "# Rutin för glasögon\n\nGlasögon beviljas med högst 1 800 kr.\n", encoding="utf-8"
    )
    settings = make_settings(tmp_path / "data")
    summary = ingest(settings, [folder.parent], progress=False)
    assert summary.count("added") == 2, summary.outcomes
    retriever, database = open_retriever(settings)
    try:
        passages = retriever.retrieve("Vad ska bifogas till ansökan om försörjningsstöd?", 5)
        scanned = next(p for p in passages.passages if p.document == "skannad.pdf")
        typed = next(p for p in passages.passages if p.document == "text.md")
    finally:
        database.dispose()
    assert scanned.ocr_confidence is not None and scanned.ocr_confidence > 0.5
    shown = scanned.as_dict()  # what `rutinstod search --json` prints
    assert shown["ocr_confidence"] == round(scanned.ocr_confidence, 4)
    assert "ocr_confidence" not in typed.as_dict(), "only OCR passages carry a confidence"
    cited = citation_json(Citation(1, scanned, "Sökanden ska bifoga kontoutdrag."))
    assert cited["ocr_confidence"] == shown["ocr_confidence"], "the API shows it on citations"
    assert "ocr_confidence" not in citation_json(Citation(2, typed, "Glasögon."))
