"""DOCX read as its authors wrote it: lists, tables, headers, tracked changes, bold headings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.database import Database
from assistant.retrieval import HybridRetriever
from ingest.docx import load_docx
from ingest.loaders import Block, load_file
from tests.conftest import ingest, make_settings

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def add_numbering(document: Any, formats: list[tuple[str, str]]) -> str:
    """Add a list definition (one (numFmt, lvlText) per level) and return its numId."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    root = document.part.numbering_part.element
    abstract_id = str(900 + len(root.findall(qn("w:abstractNum"))))
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(formats)
    )
    abstract = parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{levels}</w:abstractNum>'
    )
    first_num = root.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # the schema wants every abstractNum before any num
    else:
        root.append(abstract)
    num_id = str(int(abstract_id) + 100)
    root.append(
        parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>')
    )
    return num_id


def list_item(document: Any, text: str, num_id: str, level: int = 0) -> None:
    """Add a paragraph numbered by w:numPr, the way Word writes a list item."""
    from docx.oxml import parse_xml

    paragraph = document.add_paragraph(text)
    num_pr = parse_xml(
        f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
    )
    paragraph._p.get_or_add_pPr().append(num_pr)


def tracked_paragraph(document: Any, before: str, inserted: str, deleted: str, after: str) -> Any:
    """Add a paragraph with a tracked insertion and a tracked deletion."""
    from docx.oxml import parse_xml

    paragraph = document.add_paragraph(before)
    author = 'w:author="Granskare" w:date="2026-01-10T09:00:00Z"'
    paragraph._p.append(
        parse_xml(f'<w:ins {W} w:id="71" {author}><w:r><w:t>{inserted}</w:t></w:r></w:ins>')
    )
    paragraph._p.append(
        parse_xml(
            f'<w:del {W} w:id="72" {author}><w:r><w:delText xml:space="preserve">{deleted}'
            "</w:delText></w:r></w:del>"
        )
    )
    paragraph.add_run(after)
    return paragraph


def merged_table(document: Any) -> None:
    """Add a table with a marked header row, a cell spanning two columns and one two rows."""
    from docx.oxml import parse_xml

    table = document.add_table(rows=4, cols=3)
    rows = [
        ["Handling", "Period", "Ansvarig"],
        ["Kontoutdrag", "3 månader", "Handläggare"],
        ["Hyresavtal", "Gällande", ""],
        ["Läkarintyg", "", "Enhetschef"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {W}/>"))
    table.cell(1, 2).merge(table.cell(2, 2))  # vMerge: "Handläggare" covers rows 1 and 2
    table.cell(3, 0).merge(table.cell(3, 1))  # gridSpan: "Läkarintyg" covers two columns


def build_routine(path: Path) -> Path:
    """Write a DOCX routine with every structure the loader must keep."""
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "SIDHUVUD Socialförvaltningen Malmby"
    section.footer.paragraphs[0].text = "SIDFOT Sida 1 av 1"
    document.add_heading("Rutin för ekonomiskt bistånd", level=0)
    document.add_heading("Ansökan", level=1)
    document.add_paragraph("Till ansökan ska den sökande bifoga:")
    numbers = add_numbering(document, [("decimal", "%1."), ("lowerLetter", "%2)")])
    list_item(document, "Kontoutdrag för de senaste tre månaderna", numbers)
    list_item(document, "Hyresavtal eller kontrakt", numbers)
    list_item(document, "Andrahandskontrakt", numbers, level=1)
    list_item(document, "Lönespecifikation", numbers)
    document.add_paragraph("Handläggaren registrerar ansökan samma dag.")
    document.add_paragraph("Vid hembesök tar handläggaren med sig:")
    document.add_paragraph("Legitimation", style="List Bullet")
    document.add_paragraph("Mobiltelefon", style="List Bullet")
    document.add_heading("Handlingar", level=1)
    merged_table(document)
    document.add_heading("Beslut", level=1)
    decision = tracked_paragraph(document, "Beslut fattas inom ", "fyra", "två", " veckor.")
    document.add_comment(decision.runs[0], text="KOMMENTAR kolla med enhetschefen", author="A")
    bold = document.add_paragraph()
    bold.add_run("Särskilda skäl").bold = True
    document.add_paragraph("Vid särskilda skäl kan beslut fattas samma dag.")
    emphasis = document.add_paragraph()
    emphasis.add_run("Beslutet kan alltid överklagas.").bold = True
    document.add_paragraph("Överklagan lämnas till förvaltningsrätten.")
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> list[Block]:
    path = build_routine(tmp_path_factory.mktemp("docx") / "bistand.docx")
    return load_file(path, path.read_bytes()).blocks


def block_with(blocks: list[Block], needle: str) -> Block:
    found = [b for b in blocks if needle in b.text]
    assert len(found) == 1, (needle, [b.text for b in blocks])
    return found[0]


def test_numbered_list_stays_one_block_with_its_lead_sentence(blocks: list[Block]) -> None:
    block = block_with(blocks, "Till ansökan")
    assert block.text.splitlines() == [
        "Till ansökan ska den sökande bifoga:",
        "1. Kontoutdrag för de senaste tre månaderna",
        "2. Hyresavtal eller kontrakt",
        "  a) Andrahandskontrakt",
        "3. Lönespecifikation",
    ]
    assert block.headings == ("Rutin för ekonomiskt bistånd", "Ansökan")
    after = block_with(blocks, "registrerar ansökan")
    assert after is not block, "a paragraph after the list is not part of it"


def test_bullet_style_list_items_are_dashed(blocks: list[Block]) -> None:
    block = block_with(blocks, "hembesök")
    assert block.text.splitlines() == [
        "Vid hembesök tar handläggaren med sig:",
        "- Legitimation",
        "- Mobiltelefon",
    ]


def test_table_rows_carry_headers_and_merged_values(blocks: list[Block]) -> None:
    block = block_with(blocks, "Kontoutdrag;")
    assert block.headings[-1] == "Handlingar"
    assert block.text.splitlines() == [
        "Handling: Kontoutdrag; Period: 3 månader; Ansvarig: Handläggare.",
        "Handling: Hyresavtal; Period: Gällande; Ansvarig: Handläggare.",
        "Handling: Läkarintyg; Period: Läkarintyg; Ansvarig: Enhetschef.",
    ]


def test_headers_footers_comments_and_deletions_are_not_text(blocks: list[Block]) -> None:
    joined = "\n".join(b.text for b in blocks) + "\n".join(h for b in blocks for h in b.headings)
    for absent in ("SIDHUVUD", "SIDFOT", "KOMMENTAR", "två"):
        assert absent not in joined, f"{absent!r} leaked into the body text"


def test_tracked_insertion_reads_as_accepted(blocks: list[Block]) -> None:
    assert block_with(blocks, "Beslut fattas").text == "Beslut fattas inom fyra veckor."


def test_bold_short_line_before_body_text_is_a_heading(blocks: list[Block]) -> None:
    block = block_with(blocks, "Vid särskilda skäl")
    assert block.headings == ("Rutin för ekonomiskt bistånd", "Beslut", "Särskilda skäl")
    assert not any(b.text == "Särskilda skäl" for b in blocks)
    sentence = block_with(blocks, "alltid överklagas")
    assert sentence.text == "Beslutet kan alltid överklagas.", "a bold sentence stays text"
    assert "Beslutet kan alltid överklagas." not in sentence.headings


def test_bold_letterhead_above_styled_headings_is_not_a_section(tmp_path: Path) -> None:
    import docx

    def bold_line(document: Any, text: str) -> None:
        document.add_paragraph().add_run(text).bold = True

    styled = docx.Document()
    bold_line(styled, "Norrviks kommun")
    styled.add_paragraph("Socialförvaltningen, enheten för ekonomiskt bistånd")
    styled.add_heading("Rutin för hembesök", level=1)
    styled.add_paragraph("Hembesök görs av två handläggare.")
    styled.save(str(tmp_path / "s.docx"))
    blocks = load_docx((tmp_path / "s.docx").read_bytes()).blocks
    assert [(b.headings, b.text) for b in blocks] == [
        ((), "Norrviks kommun"),
        ((), "Socialförvaltningen, enheten för ekonomiskt bistånd"),
        (("Rutin för hembesök",), "Hembesök görs av två handläggare."),
    ]
    plain = docx.Document()  # no heading styles at all: bold lines are the headings
    for heading, body in [("Ansökan", "Ansökan görs skriftligt."), ("Beslut", "Beslut ges.")]:
        bold_line(plain, heading)
        plain.add_paragraph(body)
    plain.save(str(tmp_path / "p.docx"))
    blocks = load_docx((tmp_path / "p.docx").read_bytes()).blocks
    assert [(b.headings, b.text) for b in blocks] == [
        (("Ansökan",), "Ansökan görs skriftligt."),
        (("Beslut",), "Beslut ges."),
    ]


def test_numbered_heading_style_keeps_its_number(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbers = add_numbering(document, [("decimal", "%1."), ("decimal", "%1.%2.")])
    for text, style, level in [("Syfte", 1, 0), ("Tidsfrister", 2, 1), ("Ansvar", 2, 1)]:
        heading = document.add_heading(text, level=style)
        heading._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{numbers}"/></w:numPr>'
            )
        )
        document.add_paragraph(f"Text om {text.lower()}.")
    document.save(str(tmp_path / "n.docx"))
    loaded = load_docx((tmp_path / "n.docx").read_bytes())
    assert [b.headings for b in loaded.blocks] == [
        ("1 Syfte",),
        ("1 Syfte", "1.1 Tidsfrister"),
        ("1 Syfte", "1.2 Ansvar"),
    ]


def test_table_without_header_row_keeps_plain_rows(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["Norm 2026", "1 250 kr."], ["Barn 0-3 år", "2 130 kr."]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(str(tmp_path / "t.docx"))
    loaded = load_docx((tmp_path / "t.docx").read_bytes())
    assert loaded.blocks[0].text == "Norm 2026 | 1 250 kr.\nBarn 0-3 år | 2 130 kr."


def open_retriever(settings: Settings) -> tuple[HybridRetriever, Database]:
    """Open just the retriever over an ingested data directory (no answer pipeline)."""
    from assistant.catalog import Catalog
    from assistant.embeddings import E5Embedder
    from assistant.store import open_vector_index

    database = Database(settings.resolved_database_url)
    retriever = HybridRetriever(
        Catalog(database),
        open_vector_index(settings),
        E5Embedder(threads=settings.embed_threads).embed_query,
        settings.lexical_dir,
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
    )
    return retriever, database


def test_list_question_retrieves_every_item(tmp_path: Path) -> None:
    folder = tmp_path / "korpus" / "rutiner"
    folder.mkdir(parents=True)
    build_routine(folder / "bistand.docx")
    settings = make_settings(tmp_path / "data")
    summary = ingest(settings, [folder.parent], progress=False)
    assert summary.count("added") == 1, summary.outcomes
    retriever, database = open_retriever(settings)
    try:
        question = "Vilka handlingar ska bifogas till ansökan?"
        passages = retriever.retrieve(question, 3).passages
        listing = next(p for p in passages if "Till ansökan" in p.text)
        for item in ("1. Kontoutdrag", "2. Hyresavtal", "a) Andrahandskontrakt", "3. Lönespec"):
            assert item in listing.text, (item, listing.text)
        assert listing.section == "Ansökan"
    finally:
        database.dispose()
