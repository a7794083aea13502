"""Loaders read every supported format, keep structure, and refuse bad files clearly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.sentences import split_sentences
from ingest.errors import UnreadableFileError
from ingest.loaders import load_file, load_markdown, load_text
from ingest.metadata import resolve_meta
from tests.documents import make_docx, make_image_pdf, make_pdf, make_zip_bomb_docx

SECTIONS = [
    ("1 Syfte", "Rutinen beskriver hur nyansökan om ekonomiskt bistånd handläggs."),
    ("2 Kontoutdrag", "Sökanden ska lämna kontoutdrag för samtliga konton för tre månader."),
]


def load(path: Path):  # noqa: ANN201 - test shorthand
    return load_file(path, path.read_bytes())


def test_pdf_keeps_pages_and_numbered_sections(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "rutin.pdf", "Rutin för nyansökan", [SECTIONS[:1], SECTIONS[1:]])
    loaded = load(path)
    assert loaded.pages == 2, f"expected 2 pages, got {loaded.pages}"
    by_heading = {b.headings[-1]: b for b in loaded.blocks if b.headings}
    assert by_heading["2 Kontoutdrag"].page == 2, "section 2 should be found on page 2"
    assert "tre månader" in by_heading["2 Kontoutdrag"].text
    assert "Sida" not in " ".join(b.text for b in loaded.blocks), "page footers must be dropped"
    assert loaded.properties["title"] == "Rutin för nyansökan"


def test_pdf_with_owner_password_only_is_read(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "skyddad.pdf", "Skyddad", [SECTIONS], owner_password="x")
    assert any("kontoutdrag" in b.text for b in load(path).blocks), "owner-only PDF should read"


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        (
            "krypterad.pdf",
            lambda p: make_pdf(p, "Hemlig", [SECTIONS], user_password="hemligt"),
            "krypterad",
        ),
        ("skadad.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage"), "skadad"),
        ("tom.pdf", lambda p: p.write_bytes(b""), "tom"),
        ("bild.pdf", make_image_pdf, "ingen text"),
        ("trasig.docx", lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "skadad"),
        ("inte-zip.docx", lambda p: p.write_text("hej", encoding="utf-8"), "zip"),
        ("bomb.docx", make_zip_bomb_docx, "zip-bomb"),
        ("bild.png", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "Okänt filformat"),
        ("binar.txt", lambda p: p.write_bytes(bytes(range(256)) * 4), "UTF-8"),
    ],
)
def test_bad_files_get_a_clear_swedish_error(
    tmp_path: Path, name: str, make: object, message: str
) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    with pytest.raises(UnreadableFileError) as caught:
        load(path)
    assert message.lower() in str(caught.value).lower(), f"{name}: got {caught.value!r}"


def test_docx_headings_tables_and_core_properties(tmp_path: Path) -> None:
    table = [["Handling", "Period"], ["Kontoutdrag", "3 månader"], ["Lönespecifikation", "2 st"]]
    path = make_docx(
        tmp_path / "r.docx",
        "Rutin för akut bistånd",
        SECTIONS,
        table,
        category="rutin",
        version="2.0",
        created=dt.date(2025, 1, 15),
    )
    loaded = load(path)
    assert [b.headings for b in loaded.blocks][0] == ("Rutin för akut bistånd", "1 Syfte")
    joined = "\n".join(b.text for b in loaded.blocks)
    assert "Handling: Kontoutdrag; Period: 3 månader." in joined, "tables become key: value rows"
    assert loaded.properties == {
        "title": "Rutin för akut bistånd",
        "type": "rutin",
        "version": "2.0",
        "valid_from": "2025-01-15",
        "owner": "python-docx",
    }


def test_markdown_front_matter_and_heading_path(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text(
        "---\ntitle: Riktlinje\ntype: riktlinje\nvalid_from: 2024-05-01\n---\n"
        "# Riktlinje\n\n## 3 Boende\n\n### 3.1 Hyra\n\nSkälig hyra är **7 000 kr**.\n",
        encoding="utf-8",
    )
    loaded = load(path)
    block = loaded.blocks[-1]
    assert block.headings == ("Riktlinje", "3 Boende", "3.1 Hyra"), block.headings
    assert block.text == "Skälig hyra är 7 000 kr.", "emphasis markup should be stripped"
    assert loaded.properties["type"] == "riktlinje"


def test_markdown_converted_from_pdf_keeps_sentences_whole(tmp_path: Path) -> None:
    """A conversion wraps lines mid-sentence and marks headings only by a line of their own."""
    path = tmp_path / "konverterad.md"
    path.write_text(
        "# Rutin våld i nära relation\n\n"
        "Om den enskilde inte samtycker\n"
        "Fortsätt att motivera den enskilde. Om den\n"
        "enskilde inte samtycker kan du ändå rådfråga en\n"
        "utredare utan att lämna ut personuppgifter.\n\n"
        "2/3\n\n"
        "Medarbetare ansvarar för att:\n"
        "➢ rapportera avvikelser\n"
        "➢ informera sin chef\n\n"
        "| Dag | Tid |\n|---|---|\n| Måndag | 9–11 |\n| Tisdag | 13–15 |\n",
        encoding="utf-8",
    )
    blocks = load(path).blocks
    by_heading = {b.headings: b.text for b in blocks}
    section = ("Rutin våld i nära relation", "Om den enskilde inte samtycker")
    assert section in by_heading, list(by_heading)
    text = by_heading[section]
    assert (
        "Om den enskilde inte samtycker kan du ändå rådfråga en utredare utan att lämna ut "
        "personuppgifter." in split_sentences(text)
    ), text
    assert "2/3" not in text, "a page number left by the conversion is not text"
    assert "➢ rapportera avvikelser\n➢ informera sin chef" in text, text
    assert "Dag; Tid\nMåndag; 9–11\nTisdag; 13–15" in text, "each table row keeps its line"
    assert split_sentences("➢ rapportera avvikelser") == ["rapportera avvikelser"]


def test_html_drops_scripts_and_reads_meta(tmp_path: Path) -> None:
    path = tmp_path / "t.html"
    path.write_text(
        '<html><head><title>Kontakt</title><meta name="rutinstod:type" content="övrigt">'
        "<script>alert(1)</script></head><body><h1>Kontakt</h1><h2>Telefontider</h2>"
        "<table><tr><th>Dag</th><th>Tid</th></tr><tr><td>Måndag</td><td>9–11</td></tr></table>"
        "<p>Ring växeln.</p></body></html>",
        encoding="utf-8",
    )
    loaded = load(path)
    text = "\n".join(b.text for b in loaded.blocks)
    assert "alert" not in text, "script content must not be indexed"
    assert "Måndag; 9–11" in text and "Ring växeln." in text, text
    assert loaded.properties == {"title": "Kontakt", "type": "övrigt"}


def test_text_in_windows_1252_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gammal.txt"
    path.write_bytes("1 Syfte\nRutinen gäller återkrav för försörjningsstöd.\n".encode("cp1252"))
    loaded = load(path)
    assert loaded.blocks[0].headings == ("1 Syfte",)
    assert "återkrav" in loaded.blocks[0].text


def test_sidecar_overrides_properties_and_folder_gives_type(tmp_path: Path) -> None:
    folder = tmp_path / "riktlinjer"
    folder.mkdir()
    path = make_pdf(folder / "boende.pdf", "Boende", [SECTIONS])
    (folder / "boende.meta.yaml").write_text(
        "title: Riktlinjer för boende\nversion: '2'\nvalid_from: 2023-01-01\n"
        "valid_to: 2024-12-31\nowner: Socialnämnden\n",
        encoding="utf-8",
    )
    loaded = load(path)
    meta = resolve_meta(path, loaded.properties, None, "hash")
    assert (meta.title, meta.doc_type, meta.version, meta.owner) == (
        "Riktlinjer för boende",
        "riktlinje",
        "2",
        "Socialnämnden",
    )
    assert meta.is_retired(dt.date(2025, 1, 1)), "valid_to in the past means retired"


def test_invalid_metadata_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("---\ntype: recept\n---\n# X\n\nText.\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="Okänd dokumenttyp"):
        resolve_meta(path, load(path).properties, None, "h")


def test_plain_text_headings_without_numbers_open_sections() -> None:
    text = (
        "Sammanfattning\n"
        "Avvikelserna handlar om registrering i verksamhetssystemet och om brister\n"
        "i handläggningen.\n\n"
        "Åtgärder\n"
        "Följande har gjorts:\n"
        "- rutinen har uppdaterats\n"
        "- handläggarna har fått utbildning\n"
        "Erfarenheter från klagomål ska kontinuerligt återföras in i\n"
        "verksamheten.\n"
    )
    blocks = load_text(text.encode()).blocks
    assert [b.headings for b in blocks] == [("Sammanfattning",), ("Åtgärder",)], blocks
    assert blocks[0].text == (
        "Avvikelserna handlar om registrering i verksamhetssystemet och om brister "
        "i handläggningen."
    )
    lines = blocks[1].text.splitlines()
    assert lines[1:3] == ["- rutinen har uppdaterats", "- handläggarna har fått utbildning"], lines
    assert lines[3].startswith("Erfarenheter från klagomål") and lines[3].endswith("verksamheten.")


def test_headings_of_a_converted_pdf_stay_out_of_the_sentences_under_them() -> None:
    # A Markdown conversion: a heading under a '#' heading, a page number, then a
    # heading and a subheading stacked without blank lines.
    text = (
        "## Utförande\n"
        "Att fråga om våld\n"
        "När man ställer frågor om våld är det viktigt att tänka på hur och i vilken\n"
        "situation frågorna ställs.\n\n"
        "3/6\n"
        "Att identifiera och bemöta våld\n"
        "Förnekat våld\n"
        "Det är vanligt att en brukare förnekar våld vid första frågan.\n"
    )
    blocks = load_markdown(text.encode()).blocks
    assert [(b.headings[-1], b.text.split()[0]) for b in blocks] == [
        ("Att fråga om våld", "När"),
        ("Förnekat våld", "Det"),
    ], blocks


def test_a_short_title_over_a_list_opens_a_section_but_a_lead_into_it_does_not() -> None:
    text = (
        "Fritidspeng\n\nDu kan få fritidspeng för barnens aktiviteter.\n\n"
        "Förutsättningar\n\n"
        "  • Hushållet ska ha haft ekonomiskt bistånd i sex månader.\n"
        "  • Aktiviteten ska vara regelbunden.\n\n"
        "Skrivelsen är indelad i\n\n"
        "  • en sammanfattning\n"
        "  • en analys\n"
    )
    blocks = load_text(text.encode()).blocks
    assert [b.headings for b in blocks] == [("Fritidspeng",), ("Förutsättningar",)], blocks
    assert (
        blocks[1].text.splitlines()[0]
        == "• Hushållet ska ha haft ekonomiskt bistånd i sex månader."
    )
    assert "Skrivelsen är indelad i\n\n• en sammanfattning" in blocks[1].text, blocks[1].text


def test_a_list_that_lost_its_bullets_stays_a_list_under_its_lead() -> None:
    # A Markdown conversion of a PDF: items as paragraphs of their own under a lead
    # ending in a colon, the next heading right after them; bullets left on a line of
    # their own; Word's "o" bullet read as a letter; footnote markers.
    text = (
        "## Ansvar\n"
        "Nämnden har delegerat beslut om avslag till följande funktioner:\n\n"
        "Omsorgsdirektör\n\n"
        "Myndighetschef\n\n"
        "Förfarande vid utlämnande av handling\n\n"
        "När en begäran kommer in ska den handläggas skyndsamt[^2].\n\n"
        "Exempel på frågor:\n\n"
        "-\nHar någon slagit dig?\n-\nKänner du dig trygg?\n\n"
        "Exempel:\n"
        "o inte får tillräckligt att äta,\n"
        "o får för lite tillsyn\n\n"
        "[^2]: Enligt 11 § förvaltningslagen\n"
    )
    blocks = load_markdown(text.encode()).blocks
    assert [b.headings[-1] for b in blocks] == ["Ansvar", "Förfarande vid utlämnande av handling"]
    # Nothing is lost, and the list is one paragraph with its lead.
    assert blocks[0].text == (
        "Nämnden har delegerat beslut om avslag till följande funktioner:\n"
        "- Omsorgsdirektör\n- Myndighetschef"
    ), blocks[0].text
    paragraphs = blocks[1].text.split("\n\n")
    assert paragraphs == [
        "När en begäran kommer in ska den handläggas skyndsamt.",
        "Exempel på frågor:\n- Har någon slagit dig?\n- Känner du dig trygg?",
        "Exempel:\n◦ inte får tillräckligt att äta,\n◦ får för lite tillsyn",
        "Enligt 11 § förvaltningslagen",
    ], paragraphs
