"""PDFs laid out like word-processor exports are read as written (ingest/pdf.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadedFile, load_file
from ingest.pdf import join_hyphenated
from tests.documents import make_layout_pdf

TITLE = "Rutin för ekonomiskt bistånd"
JUSTIFIED = (
    "Handläggaren ska vid varje nyansökan kontrollera att sökanden har lämnat kontoutdrag "
    "för samtliga konton under de senaste tre månaderna och att uppgifterna stämmer med det "
    "som framgår av ansökan om ekonomiskt bistånd. Skillnader ska utredas innan beslut fattas."
)
SECOND = (
    "Ett beslut om avslag ska alltid motiveras skriftligt och innehålla en upplysning om "
    "hur den enskilde kan överklaga beslutet till förvaltningsrätten inom tre veckor från "
    "den dag då den enskilde fick del av beslutet."
)
LEFT = (
    "Hembesök görs när det behövs för att bedöma behovet av bistånd till möbler och "
    "hemutrustning, och handläggaren dokumenterar alltid syftet med besöket i journalen "
    "samma dag som besöket genomförs. "
) * 3
RIGHT = (
    "Vid akuta ärenden kontaktar handläggaren socialjouren som kan fatta beslut om "
    "nödbistånd utanför kontorstid, och ärendet överlämnas till ordinarie handläggare "
    "närmast följande vardag för fortsatt utredning. "
) * 3
TABLE = [
    ["Handling", "Frist", "Ansvarig"],
    ["Kontoutdrag", "tre månader", "Handläggare"],
    ["Hyresavtal", "vid ansökan", "Sökande"],
    ["Lönespecifikation", "senaste månaden", "Sökande"],
]


@pytest.fixture(scope="module")
def layout_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("layout") / "korpus" / "rutiner"
    folder.mkdir(parents=True)
    return make_layout_pdf(
        folder / "bistand.pdf",
        TITLE,
        [
            ("heading", "Kontroll av handlingar"),
            ("justified", JUSTIFIED),
            ("table", TABLE),
            ("heading", "Ansökan"),
            (
                "lines",
                "Ansökan görs i första hand via vår e-\ntjänst och kontrolleras av en social-\n"
                "sekreterare samma vecka. FoU-\nenheten följer upp arbets-\noch miljöfrågor.",
            ),
            ("heading", "Beslut och överklagande"),
            ("justified", SECOND),
            ("columns", ""),
            ("heading", "Hembesök och akuta ärenden"),
            ("justified", LEFT),
            ("justified", RIGHT),
        ],
    )


@pytest.fixture(scope="module")
def loaded(layout_pdf: Path) -> LoadedFile:
    return load_file(layout_pdf, layout_pdf.read_bytes())


def paragraphs_under(loaded: LoadedFile, heading: str) -> list[tuple[int | None, str]]:
    """Return (page, paragraph) for every paragraph whose innermost heading is `heading`."""
    return [
        (block.page, paragraph)
        for block in loaded.blocks
        if block.headings and block.headings[-1] == heading
        for paragraph in block.text.split("\n\n")
    ]


def test_justified_paragraph_is_one_whole_paragraph_under_its_bold_heading(
    loaded: LoadedFile,
) -> None:
    found = paragraphs_under(loaded, "Kontroll av handlingar")
    assert (1, JUSTIFIED) in found, found
    decision = paragraphs_under(loaded, "Beslut och överklagande")
    assert decision == [(1, SECOND)], decision


def test_unnumbered_bold_headings_open_sections(loaded: LoadedFile) -> None:
    headings = [block.headings for block in loaded.blocks]
    assert ("Kontroll av handlingar",) in headings, headings
    assert ("Ansökan",) in headings and ("Beslut och överklagande",) in headings, headings
    assert all(len(h) == 1 for h in headings), "same-size headings are siblings, not nested"


def test_running_header_and_page_footer_are_dropped(loaded: LoadedFile) -> None:
    assert loaded.pages == 2, loaded.pages
    text = "\n".join(block.text for block in loaded.blocks)
    assert "Sida" not in text, "the 'Sida N av M' footer must not be text"
    assert TITLE not in text, "the running header (the title on every page) must be dropped"
    assert loaded.properties["title"] == TITLE


def test_line_end_hyphens_are_joined_unless_they_belong_to_the_word(loaded: LoadedFile) -> None:
    (page, text), *_ = paragraphs_under(loaded, "Ansökan")
    assert page == 1
    assert "via vår e-tjänst och" in text, text
    assert "av en socialsekreterare samma vecka" in text, text
    assert "FoU-enheten följer" in text, text
    assert "arbets- och miljöfrågor" in text, text


@pytest.mark.parametrize(
    ("head", "tail", "joined"),
    [
        ("social-", "sekreterare", "socialsekreterare"),
        ("stickprovs-", "kontroll", "stickprovskontroll"),
        ("hand-", "läggaren", "handläggaren"),
        ("e-", "tjänst", "e-tjänst"),
        ("sms-", "tjänsten", "sms-tjänsten"),
        ("FoU-", "enhet", "FoU-enhet"),
        ("18-", "årig", "18-årig"),
        ("arbets-", "och", "arbets- och"),
        ("Stockholms-", "Arlanda", "Stockholms-Arlanda"),
    ],
)
def test_hyphen_decision(head: str, tail: str, joined: str) -> None:
    assert join_hyphenated(head, tail) == joined


def test_table_rows_keep_each_cell_with_its_column_header(loaded: LoadedFile) -> None:
    found = [p for _, p in paragraphs_under(loaded, "Kontroll av handlingar")]
    table = next(p for p in found if p.startswith("Handling:"))
    assert table.splitlines() == [
        "Handling: Kontoutdrag; Frist: tre månader; Ansvarig: Handläggare.",
        "Handling: Hyresavtal; Frist: vid ansökan; Ansvarig: Sökande.",
        "Handling: Lönespecifikation; Frist: senaste månaden; Ansvarig: Sökande.",
    ], table


def test_two_columns_are_read_column_by_column(loaded: LoadedFile) -> None:
    found = paragraphs_under(loaded, "Hembesök och akuta ärenden")
    assert [page for page, _ in found] == [2, 2], found
    assert [text for _, text in found] == [LEFT.strip(), RIGHT.strip()], found


def test_search_finds_the_whole_justified_sentence_under_its_heading(
    layout_pdf: Path, tmp_path: Path
) -> None:
    from tests.conftest import ingest, make_settings
    from tests.ingest.test_docx_structure import open_retriever

    settings = make_settings(tmp_path / "data")
    summary = ingest(settings, [layout_pdf.parent.parent], progress=False)
    assert summary.count("added") == 1, summary.outcomes
    retriever, database = open_retriever(settings)
    try:
        passages = retriever.retrieve("Hur långt tillbaka ska kontoutdrag lämnas?", 3).passages
    finally:
        database.dispose()
    top = passages[0].as_dict()  # what `rutinstod search --json` prints
    assert top["section"] == "Kontroll av handlingar", top
    assert top["page"] == 1, top
    sentence = (
        "Handläggaren ska vid varje nyansökan kontrollera att sökanden har lämnat kontoutdrag "
        "för samtliga konton under de senaste tre månaderna"
    )
    assert sentence in str(top["text"]), top["text"]
