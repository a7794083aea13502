"""Read PDF, DOCX, Markdown, HTML and text files into blocks of text under their headings."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.sentences import BULLETS, LIST_ITEM
from ingest.errors import UnreadableFileError, yaml_position
from ingest.limits import DEFAULT_LIMITS, ReadLimits

# A numbered heading such as "3 Handläggning" or "3.1 Kontoutdrag" on a line of its own.
# PDFs and plain text carry no heading markup, so numbering is what marks a section there.
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-ZÅÄÖ][^\n]{1,90})$")
# A heading in plain text that has no number: a short line that does not end like a
# sentence ("Sammanfattning", "Lex Sarah-anmälan", "AMF: Analys av avvikelser").
PLAIN_HEADING = re.compile(r"[A-ZÅÄÖ][^\n]{1,79}(?<![.,;:!?…])")
MAX_HEADING_WORDS = 10
# A title over a list ("Förutsättningar", "De vanligaste handlingarna") is short; a line
# that leads into the list without a colon ends on a word that needs what follows
# ("Skrivelsen är indelad i", "… räknas bland annat").
MAX_LIST_TITLE_WORDS = 6
LEAD_WORDS = """i av för med om på till från vid efter mot genom enligt under och eller samt
att som är ska kan får har bland annat följande exempel exempelvis bl.a t.ex"""
LEAD_ENDINGS = frozenset(LEAD_WORDS.split())
UNNUMBERED_LEVEL = 2
# A list whose bullets a conversion dropped: short lines, each a paragraph of its own,
# under a lead that ends in a colon ("… till följande funktioner:").
MAX_ITEM_WORDS = 15
# A bullet a conversion left on a line of its own, its item on the next line.
LONE_BULLET = re.compile(rf"^[{BULLETS}\uf0b7]$")
# Word's second-level bullet, a Courier "o", read as a letter: "o inte får …" under a
# lead ending in a colon, or under another such item.
LETTER_BULLET = re.compile(r"^o\s+(?=\S)")
MAX_PLAIN_ITEMS = 30
PAGE_FOOTER = re.compile(r"^(?:sida\s+)?\d{1,4}(?:\s*(?:av|/)\s*\d{1,4})?$", re.IGNORECASE)


@dataclass
class Block:
    """A run of text under one heading path, on one page where the format has pages."""

    headings: tuple[str, ...]
    text: str
    page: int | None = None
    # Mean word confidence (0..1) when the text was read from a page image by OCR.
    ocr_confidence: float | None = None


@dataclass
class LoadedFile:
    """What a loader found in a file: its blocks, page count and embedded metadata."""

    blocks: list[Block]
    pages: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)


class HeadingTracker:
    """Keep the current heading path while a document is read top to bottom."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        """Open a heading at a level, closing any at the same level or deeper."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title.strip()))

    @property
    def path(self) -> tuple[str, ...]:
        """Return the open headings, outermost first."""
        return tuple(title for _, title in self._stack)


def _blocks_from_lines(
    lines: list[str], page: int | None, tracker: HeadingTracker, unnumbered: bool = False
) -> list[Block]:
    """Split plain lines into blocks at numbered headings (and unnumbered ones if asked)."""
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _join_lines(buffer)
        if text:
            blocks.append(Block(tracker.path, text, page))
        buffer.clear()

    stripped = [raw.strip() for raw in lines]
    stripped = [_letter_bullet(stripped, i) for i in range(len(stripped))]
    bullet = ""
    for index, line in enumerate(stripped):
        match = NUMBERED_HEADING.match(line)
        if LONE_BULLET.match(line):
            bullet = line
        elif bullet and line:
            buffer.append(f"{bullet} {line}")
            bullet = ""
        elif match and not line.endswith((".", ",", ";", ":")):
            flush()
            tracker.enter(match.group(1).count(".") + 2, line)
        elif unnumbered and _is_plain_item(stripped, index):
            buffer.append(f"- {line}")
        elif unnumbered and _is_plain_heading(stripped, index):
            flush()
            tracker.enter(UNNUMBERED_LEVEL, line.strip("*#_ ").strip())
        elif line and not PAGE_FOOTER.match(line):
            buffer.append(line)
        elif not line and buffer and buffer[-1] != "":
            buffer.append("")
    flush()
    return blocks


def _is_plain_heading(lines: list[str], index: int, nested: bool = False) -> bool:
    """Tell whether a line of plain text is a heading without a number.

    It is short, starts with a capital, does not end like a sentence, a list lead or a
    line that goes on (on "till", "och", "att"), stands after a blank line, a finished
    sentence or another heading (a page number left by a conversion between them is
    skipped: "3/6"), and a paragraph (not the rest of a wrapped line) follows it, or a
    list when it reads as that list's title.
    """
    line = lines[index].strip("*#_ ").strip()
    if not PLAIN_HEADING.fullmatch(line) or len(line.split()) > MAX_HEADING_WORDS:
        return False
    if line.split()[-1].lower() in LEAD_ENDINGS:  # "… har inkommit till" wraps on
        return False
    above = index - 1
    while above >= 0 and lines[above] and PAGE_FOOTER.match(lines[above]):
        above -= 1
    before = lines[above] if above >= 0 else ""
    if (
        before
        and not before.endswith((".", "!", "?"))
        and not before.startswith("#")
        # Under another heading only a title, not a "Beslutad av: …" label line.
        and (nested or ":" in line or not _is_plain_heading(lines, above, nested=True))
    ):
        return False
    after = next((x for x in lines[index + 1 :] if x), "").lstrip("*_ ")
    if after and LIST_ITEM.match(after):
        return _is_list_title(line)
    # A wrapped line goes on in lower case on the next line; a heading's text does not.
    return bool(after) and (after[0].isupper() or after[0].isdigit())


def _letter_bullet(lines: list[str], index: int) -> str:
    """Return the line with a bullet read as the letter "o" made a bullet again."""
    line = lines[index]
    if not LETTER_BULLET.match(line):
        return line
    above = index - 1
    while above >= 0 and (not lines[above] or PAGE_FOOTER.match(lines[above])):
        above -= 1
    while above >= 0 and LETTER_BULLET.match(lines[above]):
        above -= 1
    lead = above >= 0 and lines[above].rstrip("*_ ").endswith(":")
    return LETTER_BULLET.sub("◦ ", line) if lead else line


def _is_plain_item(lines: list[str], index: int) -> bool:
    """Tell whether a line is an item of a list that lost its bullets.

    It is a short paragraph of one line, and the lines between it and a lead ending in
    a colon are such items too (page numbers left by a conversion are skipped). The
    last short line before a paragraph is the list's last item unless it is much longer
    than the items before it: then it is the heading over that paragraph
    ("Omsorgschef" / "Förfarande vid utlämnande av handling" / "När en begäran …").
    """

    def text(i: int) -> str:
        return lines[i].strip("*_ ").strip() if 0 <= i < len(lines) else ""

    def short(line: str) -> bool:
        return 0 < len(line.split()) <= MAX_ITEM_WORDS and not line.startswith("#")

    def alone(i: int) -> bool:  # a paragraph of one line
        return not text(i - 1) and not text(i + 1) and any(ch.isalnum() for ch in text(i))

    line = text(index)
    if not short(line) or not alone(index):
        return False
    if LIST_ITEM.match(line) or line.endswith((".", "!", "?", ":")):
        return False
    items: list[int] = []
    above = index - 1
    while above >= 0:
        before = text(above)
        if not before or PAGE_FOOTER.match(before):
            above -= 1
            continue
        if before.endswith(":") and not before.startswith("#"):
            break
        if (
            not short(before)
            or not alone(above)
            or before.endswith((".", "!", "?"))
            or len(items) >= MAX_PLAIN_ITEMS
        ):
            return False
        items.append(len(before.split()))
        above -= 1
    else:
        return False
    following = next((text(i) for i in range(index + 1, len(lines)) if text(i)), "")
    if not items or (short(following) and not following.endswith((".", "!", "?"))):
        return True
    return len(line.split()) <= 2 * max(items)


def _is_list_title(line: str) -> bool:
    """Tell a title over a list from a line that leads into it without a colon."""
    words = line.split()
    last = words[-1].lower().rstrip(".")
    return len(words) <= MAX_LIST_TITLE_WORDS and last not in LEAD_ENDINGS


def _join_lines(lines: list[str], own: list[bool] | None = None) -> str:
    """Join wrapped lines into paragraphs at blank lines; list items keep their own line.

    A list stays in the paragraph of its lead, or of its previous item. A lower-case
    line after a list item is the rest of that item. `own` marks lines that keep their
    own line whatever they look like (Markdown table rows, code, lines ending in a hard
    break), and the line after each of them starts a line too.
    """
    paragraphs: list[list[str]] = [[]]
    after_own = False
    for line, keep in zip(lines, own or [False] * len(lines), strict=True):
        if not line:
            paragraphs.append([])
            after_own = False
            continue
        current = paragraphs[-1]
        if (
            keep
            or after_own
            or not current
            or LIST_ITEM.match(line)
            or (LIST_ITEM.match(current[-1]) and not line[0].islower())
        ):
            current.append(line)
        else:
            current[-1] = f"{current[-1]} {line}"
        after_own = keep
    # A list is one paragraph with its lead ("… följande:"), even where blank lines stand
    # between its items, so that a chunk does not end between the lead and the list.
    kept: list[list[str]] = []
    for paragraph in (p for p in paragraphs if p):
        if (
            kept
            and LIST_ITEM.match(paragraph[0])
            and (kept[-1][-1].endswith(":") or LIST_ITEM.match(kept[-1][-1]))
        ):
            kept[-1].extend(paragraph)
        else:
            kept.append(paragraph)
    return "\n\n".join("\n".join(" ".join(row.split()) for row in paragraph) for paragraph in kept)


def load_pdf(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedFile:
    """Read a PDF by its layout: see ingest.pdf, which owns everything PDF."""
    from ingest.pdf import load_pdf as read_pdf_layout

    return read_pdf_layout(data, limits)


def load_docx(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedFile:
    """Read a DOCX: headings, lists, tables and tracked changes as in ingest.docx."""
    from ingest.docx import load_docx as read_docx

    return read_docx(data, limits)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from a Markdown text."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as exc:
        message = f"Front matter i Markdown-filen är inte giltig YAML{yaml_position(exc)}."
        raise UnreadableFileError(message) from exc
    if not isinstance(meta, dict):
        raise UnreadableFileError("Front matter i Markdown-filen måste vara nyckel: värde-par.")
    return meta, text[end + 4 :].lstrip("\n")


def _strip_markdown(line: str) -> str:
    """Remove inline Markdown markup that adds nothing to the text.

    A footnote's marker ("beslutet[^5]") is dropped; its text ("[^5]: Enligt 45 §
    förvaltningslagen") stays as a line of its own.
    """
    line = re.sub(r"^\[\^[^\]\s]+\]:\s*", "", line)
    line = re.sub(r"\[\^[^\]\s]+\]", "", line)
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"(\*\*|__|`)", "", line)
    if re.fullmatch(r"\|?[\s:|-]+\|?", line):
        return ""
    return line.strip("| ").replace(" | ", "; ") if line.startswith("|") else line


def load_markdown(data: bytes) -> LoadedFile:
    """Read Markdown: front matter as metadata, '#' headings as sections.

    A paragraph's wrapped lines are joined into one, so that a sentence broken over
    lines stays one sentence. Documents converted from PDF or Word often mark their
    headings only by a line of their own: such a short line, standing between finished
    sentences and a paragraph, opens a section too (as in plain text files).
    """
    meta, body = split_front_matter(decode_text(data))
    tracker = HeadingTracker()
    blocks: list[Block] = []
    buffer: list[tuple[str, bool]] = []
    in_code = False

    def flush() -> None:
        text = _join_lines([t for t, _ in buffer], [keep for _, keep in buffer]).strip()
        if text:
            blocks.append(Block(tracker.path, text))
        buffer.clear()

    raw_lines = body.splitlines()
    stripped = [line.strip() for line in raw_lines]
    bulleted = [_letter_bullet(stripped, i) for i in range(len(stripped))]
    raw_lines = [b if b != s else r for r, s, b in zip(raw_lines, stripped, bulleted, strict=True)]
    stripped = bulleted
    marked_level = 1  # the level of the last '#' heading: unmarked ones nest under it
    bullet = ""
    for index, line in enumerate(raw_lines):
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        heading = None if in_code else re.match(r"^(#{1,6})\s+(.+?)\s*#*$", line)
        if not in_code and LONE_BULLET.match(stripped[index]):
            bullet = stripped[index]
        elif bullet and stripped[index] and not heading:
            buffer.append((f"{bullet} {_strip_markdown(stripped[index])}", False))
            bullet = ""
        elif heading:
            flush()
            marked_level = len(heading.group(1))
            tracker.enter(marked_level, heading.group(2))
        elif in_code:
            buffer.append((line.rstrip(), True))
        elif not line.startswith((" ", "\t", "|", ">")) and _is_plain_item(stripped, index):
            buffer.append((f"- {_strip_markdown(stripped[index])}", False))
        elif (
            not line.startswith((" ", "\t", "|", ">"))
            and not LIST_ITEM.match(line)
            and _is_plain_heading(stripped, index)
        ):
            flush()
            tracker.enter(marked_level + 1, stripped[index].strip("*_ "))
        else:
            table_row = line.lstrip().startswith("|")
            hard_break = line.endswith(("  ", "\\"))
            text = " ".join(_strip_markdown(line.rstrip().rstrip("\\")).split())
            if (table_row and not text) or PAGE_FOOTER.match(text):
                continue  # the |---| row under a table's header; "2/3" left by a conversion
            buffer.append((text, table_row or hard_break))
    flush()
    if not blocks:
        raise UnreadableFileError("Markdown-filen innehåller ingen text.")
    if "title" not in meta:
        first = next((b.headings[0] for b in blocks if b.headings), None)
        if first:
            meta["title"] = first
    return LoadedFile(blocks, None, meta)


def load_html(data: bytes) -> LoadedFile:
    """Read HTML: h1-h6 as sections, paragraphs, lists and tables as text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data), "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "template"]):
        tag.decompose()
    properties: dict[str, Any] = {}
    if soup.title and soup.title.string:
        properties["title"] = soup.title.string.strip()
    for meta in soup.find_all("meta"):
        name = str(meta.get("name") or "")
        if name.startswith("rutinstod:") and meta.get("content"):
            properties[name.split(":", 1)[1]] = str(meta["content"]).strip()
    tracker = HeadingTracker()
    blocks: list[Block] = []
    for node in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre"]):
        if node.name in {"p", "li"} and node.find_parent(["li", "table"]) is not None:
            continue
        text = " ".join(node.get_text(" ", strip=True).split())
        if not text:
            continue
        if node.name.startswith("h"):
            tracker.enter(int(node.name[1]), text)
        elif node.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in node.find_all(["td", "th"])]
            blocks.append(Block(tracker.path, "; ".join(c for c in cells if c)))
        else:
            blocks.append(Block(tracker.path, text))
    if not blocks:
        raise UnreadableFileError("HTML-filen innehåller ingen text.")
    return LoadedFile(_merge_adjacent(blocks), None, properties)


def _merge_adjacent(blocks: list[Block]) -> list[Block]:
    """Merge consecutive blocks under the same headings on the same page."""
    merged: list[Block] = []
    for block in blocks:
        last = merged[-1] if merged else None
        if last and last.headings == block.headings and last.page == block.page:
            last.text = f"{last.text}\n{block.text}"
        else:
            merged.append(Block(block.headings, block.text, block.page, block.ocr_confidence))
    return merged


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), else Windows-1252 if that gives clean text."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    if "\ufffd" in text or re.search(r"[\x00-\x08\x0b\x0e-\x1f]", text):
        raise UnreadableFileError(
            "Filen är inte giltig UTF-8-text och kunde inte heller läsas som Windows-1252."
        )
    return text


def load_text(data: bytes) -> LoadedFile:
    """Read plain text: numbered lines and short unnumbered title lines open sections."""
    text = decode_text(data)
    if re.search(r"[\x00-\x08\x0e-\x1f]", text):
        raise UnreadableFileError("Textfilen innehåller binära tecken och är inte läsbar text.")
    blocks = _blocks_from_lines(text.splitlines(), None, HeadingTracker(), unnumbered=True)
    if not blocks:
        raise UnreadableFileError("Textfilen innehåller ingen text.")
    return LoadedFile(_merge_adjacent(blocks), None, {})


LOADERS: dict[str, Callable[..., LoadedFile]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".txt": load_text,
}


def load_file(path: Path, data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedFile:
    """Pick the loader by file extension and run it on the file's bytes, within limits."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        kind = path.suffix or "saknas"
        supported = "PDF, DOCX, Markdown, HTML, text"
        raise UnreadableFileError(f"Okänt filformat ({kind}); stöds: {supported}.")
    if not data.strip():
        raise UnreadableFileError("Filen är tom.")
    if loader in (load_pdf, load_docx):  # the formats whose size is not their length
        return loader(data, limits)
    loaded = loader(data)
    limits.check_text(sum(len(block.text) for block in loaded.blocks))
    return loaded
