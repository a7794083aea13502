"""Suggest an uploaded document's metadata from what the file says about itself.

A file's own properties are often not written by a person: Word and python-docx fill in
the author with a user or tool name ("python-docx", "Microsoft Office User"), a title
with "Dokument1", and python-docx's template carries a creation date of 2013-12-23.
The suggestions leave such values out and say why, so the routine group starts from
what the document really says: the title from its first heading when the title
property is empty or generic, the type from the words of the title, no owner rather
than a program's name. Nothing here is stored; the routine group confirms or edits it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.privacy import redact
from assistant.schemas import DOCUMENT_TYPES
from ingest.metadata import TYPE_ALIASES

# Authors that name a program, a template or an account, never the document's owner.
TOOL_NAMES = frozenset(
    {
        "python-docx",
        "docx4j",
        "apache poi",
        "aspose",
        "aspose.words",
        "microsoft office user",
        "microsoft office-användare",
        "microsoft word",
        "word",
        "libreoffice",
        "openoffice",
        "openoffice.org",
        "writer",
        "google",
        "google docs",
        "pages",
        "reportlab",
        "pdftex",
        "wkhtmltopdf",
        "itext",
        "pdfsharp",
        "administrator",
        "admin",
        "user",
        "användare",
        "windows user",
        "windows-användare",
        "author",
        "författare",
        "unknown",
        "okänd",
    }
)
# Titles a program gives a file nobody named.
GENERIC_TITLE = re.compile(
    r"(?:dokument|document|untitled|untitled document|namnlös|namnlöst|namnlöst dokument|"
    r"nytt dokument|new document|titel|title|rubrik|mall|template|word-dokument)\s*\d*",
    re.IGNORECASE,
)
# python-docx's default template (default.docx) was created at this date.
TEMPLATE_DATES = frozenset({dt.date(2013, 12, 23)})
EARLIEST_PLAUSIBLE = dt.date(2000, 1, 1)
# Formats whose valid_from property is the file's creation date (ingest/docx.py reads
# the core property `created` as valid_from), not a date someone wrote down.
CREATION_DATE_FORMATS = frozenset({".docx"})
# Words that open a title and name its type.
TITLE_TYPES = (
    ("avvikelseanalys", "avvikelseanalys"),
    ("riktlinje", "riktlinje"),
    ("rutin", "rutin"),
)
VERSION_IN_NAME = re.compile(r"(?:^|[\s_-])v(?:ersion)?[\s._-]?(\d+(?:[._]\d+)*)$", re.IGNORECASE)


@dataclass(frozen=True)
class SuggestedMeta:
    """Metadata to prefill the upload form with, and Swedish notes on what was left out."""

    title: str
    doc_type: str
    owner: str | None = None
    version: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def is_tool_name(value: str) -> bool:
    """Tell whether an author property names a program or an account, not an owner."""
    name = " ".join(value.split()).casefold()
    bare = re.sub(r"[\s/]*v?\d+(?:\.\d+)*$", "", name).strip()  # "python-docx 1.1.2"
    return name in TOOL_NAMES or bare in TOOL_NAMES or bare.startswith("microsoft")


def is_generic_title(title: str, file_name: str) -> bool:
    """Tell whether a title property says nothing a person wrote about the document."""
    text = " ".join(title.split())
    stem = Path(file_name).stem
    return (
        not text
        or GENERIC_TITLE.fullmatch(text) is not None
        or text.casefold().startswith(("microsoft word - ", "microsoft word – "))
        or text.casefold() in {stem.casefold(), file_name.casefold()}
        or re.fullmatch(r".+\.(docx?|pdf|md|html?|txt)", text, re.IGNORECASE) is not None
    )


def title_from_name(file_name: str) -> str:
    """Turn a file name into a title: "rutin_for_hemresor_v2.docx" -> "Rutin for hemresor"."""
    stem = VERSION_IN_NAME.sub("", Path(file_name).stem)
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else "Dokument utan namn"


def type_from_title(title: str) -> str | None:
    """Return the type a title's first word names ("Rutin för …" -> rutin), if any."""
    first = title.split(maxsplit=1)[0].casefold() if title.split() else ""
    for word, doc_type in TITLE_TYPES:
        if first.startswith(word):
            return doc_type
    return None


def plausible_date(value: Any, today: dt.date) -> dt.date | None:
    """Return a date that can be a document's start, or None for a template's or the future's."""
    date = parse_loose_date(value)
    if date is None or date in TEMPLATE_DATES or not EARLIEST_PLAUSIBLE <= date <= today:
        return None
    return date


def parse_loose_date(value: Any) -> dt.date | None:
    """Read a date from a property (a date, a datetime or ISO text); None when it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def suggest_type(properties: dict[str, Any], title: str) -> str:
    """Return the written type when it is a known one, else the one the title names."""
    written = str(properties.get("type") or "").strip().casefold()
    written = TYPE_ALIASES.get(written, written)
    if written in DOCUMENT_TYPES:
        return written
    return type_from_title(title) or "övrigt"


def suggest_owner(properties: dict[str, Any], notes: list[str]) -> str | None:
    """Return the owner property unless it names a program or reads as a person's name."""
    owner = " ".join(str(properties.get("owner") or "").split())
    if not owner:
        return None
    if is_tool_name(owner):
        notes.append(f"Ägaren i filen (”{owner}”) är ett program eller konto och fylls inte i.")
        return None
    if redact(owner).redacted:
        notes.append("Ägaren i filen ser ut som ett personnamn och fylls inte i; ange en funktion.")
        return None
    return owner


def suggest_dates(
    properties: dict[str, Any], suffix: str, today: dt.date, notes: list[str]
) -> tuple[dt.date | None, dt.date | None]:
    """Return valid-from and valid-to; a creation date counts only when it is plausible."""
    written = properties.get("valid_from")
    if suffix in CREATION_DATE_FORMATS:
        valid_from = plausible_date(written, today)
        if written and valid_from is None:
            notes.append("Filens skapandedatum ser ut att komma från en mall och fylls inte i.")
    else:
        valid_from = parse_loose_date(written)
    return valid_from, parse_loose_date(properties.get("valid_to"))


def title_line(line: str | None) -> str | None:
    """Return a first line of text that reads as a title: short, not ending like a sentence."""
    text = " ".join((line or "").split())
    if not text or len(text) > 120 or len(text.split()) > 14 or text.endswith((".", ":", ";", ",")):
        return None
    return text


def suggest_metadata(
    file_name: str,
    properties: dict[str, Any],
    first_heading: str | None,
    today: dt.date,
    first_line: str | None = None,
) -> SuggestedMeta:
    """Suggest title, type, owner, version and validity from a file's own metadata.

    The title is the title property unless it is empty or generic, else the first
    heading, else a first line of text that reads as a title, else the file name.
    """
    notes: list[str] = []
    written = " ".join(str(properties.get("title") or "").split())
    if written and not is_generic_title(written, file_name):
        title = written
    else:
        heading = " ".join((first_heading or "").split())
        title = heading or title_line(first_line) or title_from_name(file_name)
        if written:
            notes.append(
                f"Titeln i filen (”{written}”) säger inget om innehållet och används inte."
            )
    version = " ".join(str(properties.get("version") or "").split()) or None
    if version is None and (match := VERSION_IN_NAME.search(Path(file_name).stem)):
        version = match.group(1).replace("_", ".")
    owner = suggest_owner(properties, notes)  # notes come in the form's order
    valid_from, valid_to = suggest_dates(properties, Path(file_name).suffix.lower(), today, notes)
    return SuggestedMeta(
        title=title[:300],
        doc_type=suggest_type(properties, title),
        owner=owner,
        version=version,
        valid_from=valid_from,
        valid_to=valid_to,
        notes=tuple(notes),
    )
