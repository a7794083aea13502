"""Suggested upload metadata from a file's own properties: what a person wrote is kept,
what a program or a template filled in is left out, with a note saying why."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.prefill import is_generic_title, is_tool_name, suggest_metadata, title_from_name
from ingest.upload_meta import InvalidMetadata, parse_upload_meta

TODAY = dt.date(2026, 12, 2)
PYTHON_DOCX = {"owner": "python-docx", "valid_from": "2013-12-23"}


def test_a_plain_word_file_gets_its_heading_not_its_tool_or_template_date() -> None:
    meta = suggest_metadata("hemresor.docx", PYTHON_DOCX, "Rutin för hemresor", TODAY)
    assert meta.title == "Rutin för hemresor", "the first heading stands in for no title"
    assert meta.doc_type == "rutin", "the title's first word names the type"
    assert meta.owner is None and meta.valid_from is None, meta
    assert len(meta.notes) == 2 and "python-docx" in meta.notes[0], meta.notes


@pytest.mark.parametrize(
    "author",
    ["python-docx", "Microsoft Office User", "LibreOffice", "python-docx 1.1.2", "Användare"],
)
def test_program_and_account_names_are_not_owners(author: str) -> None:
    assert is_tool_name(author), f"{author!r} names a program or an account"
    assert suggest_metadata("a.docx", {"owner": author}, None, TODAY).owner is None


def test_a_person_s_function_is_kept_and_a_name_is_not() -> None:
    kept = suggest_metadata("a.docx", {"owner": "Enhetschef ekonomiskt bistånd"}, None, TODAY)
    assert kept.owner == "Enhetschef ekonomiskt bistånd" and not kept.notes, kept
    named = suggest_metadata("a.docx", {"owner": "Anna Svensson"}, None, TODAY)
    assert named.owner is None and "personnamn" in named.notes[0], named


@pytest.mark.parametrize("title", ["Dokument1", "Untitled", "Microsoft Word - rutin.docx", "a"])
def test_generic_titles_give_way_to_the_first_heading(title: str) -> None:
    assert is_generic_title(title, "a.docx"), title
    meta = suggest_metadata("a.docx", {"title": title}, "Riktlinje för boende", TODAY)
    assert meta.title == "Riktlinje för boende" and meta.doc_type == "riktlinje", meta


def test_without_a_heading_a_title_line_then_the_file_name_is_used() -> None:
    line = suggest_metadata("x.docx", {}, None, TODAY, first_line="Rutin för nycklar")
    assert line.title == "Rutin för nycklar", line
    sentence = suggest_metadata("rutin_nycklar_v3.docx", {}, None, TODAY, "Nycklar hämtas här.")
    assert sentence.title == "Rutin nycklar" and sentence.version == "3", sentence
    assert title_from_name("riktlinje-for-boende.pdf") == "Riktlinje for boende"


def test_a_written_title_type_and_dates_are_kept() -> None:
    written = {
        "title": "Rutin för akut bistånd",
        "type": "riktlinjer",
        "version": "2.0",
        "valid_from": dt.datetime(2025, 1, 15, 8, 0, tzinfo=dt.UTC),
    }
    meta = suggest_metadata("akut.docx", written, "Inledning", TODAY)
    assert (meta.title, meta.doc_type, meta.version) == (
        "Rutin för akut bistånd",
        "riktlinje",
        "2.0",
    )
    assert meta.valid_from == dt.date(2025, 1, 15), "a plausible creation date is kept"
    front = suggest_metadata(
        "a.md", {"valid_from": "1999-01-01", "valid_to": "2027-01-01"}, "T", TODAY
    )
    assert front.valid_from == dt.date(1999, 1, 1), "a date written in front matter is not doubted"
    assert front.valid_to == dt.date(2027, 1, 1)


def test_a_future_creation_date_is_left_out() -> None:
    meta = suggest_metadata("a.docx", {"valid_from": "2031-01-01"}, "T", TODAY)
    assert meta.valid_from is None and meta.notes, meta


def test_the_confirmed_form_is_checked_field_by_field() -> None:
    form = {"title": " Rutin  för hemresor ", "type": "Rutin", "owner": "Anna Svensson, enhetschef"}
    meta = parse_upload_meta(form | {"valid_from": "2026-01-01", "valid_to": "2026-12-31"})
    assert meta.title == "Rutin för hemresor" and meta.doc_type == "rutin", meta
    assert meta.owner is not None and "Anna" not in meta.owner, "a name in the owner is redacted"
    assert meta.sidecar_fields()["version"] is None, "an empty field is written empty"
    with pytest.raises(InvalidMetadata) as refused:
        parse_upload_meta({"title": "", "type": "rutin", "valid_from": "2999-01-01"})
    assert refused.value.errors == {
        "title": "Skriv dokumentets titel.",
        "valid_from": "Årtalet 2999 är orimligt; kontrollera datumet.",
    }, refused.value.errors
