"""Read a DOCX as its authors wrote it: headings, lists, tables, tracked changes accepted.

The body is read from the XML in document order (python-docx opens the package and
resolves styles and the numbering part):

- Headings are paragraphs in a Heading/Rubrik/Title style, numbered headings keep
  their number ("3.1 Kontoutdrag"), and a short paragraph whose text is all bold,
  with no final full stop, colon, semicolon or comma, followed by body text, is a
  heading one level below the last styled heading (in a document with heading
  styles, only after the first of them: bold lines above it are a letterhead).
- List items (w:numPr on the paragraph or its style) become lines prefixed "- " for
  bullets or with their number ("1. ", "a) ", "2.1. ") read from the numbering part,
  nested items indented two spaces a level; a list stays in one block together with
  the lead paragraph just before it.
- Tables: when the first row is marked as a header (w:tblHeader) or looks like one,
  every body row becomes "Header: value; Header2: value2." on a line of its own; a
  cell merged across columns (w:gridSpan) or rows (w:vMerge) gives its value to
  every column and row it covers. A row that is one cell across the whole table is
  kept as its text. Tables without a header row become "a | b | c" lines.
- Tracked changes are read as if accepted: inserted text (w:ins, w:moveTo) is text,
  deleted text (w:del, w:delText, w:moveFrom) never is, and a deleted table row is
  left out. Comments live in their own part and are never read, nor are page
  headers and footers, footnotes or a table of contents.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import UnreadableFileError
from ingest.limits import DEFAULT_LIMITS, ReadLimits
from ingest.loaders import Block, HeadingTracker, LoadedFile

MAX_DOCX_RATIO = 150
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# A bold paragraph longer than this is emphasised body text, not a heading.
MAX_BOLD_HEADING_CHARS = 80
MAX_BOLD_HEADING_WORDS = 10
# A first table row whose cells are all this short, with no full stop, is a header row.
MAX_HEADER_CELL_CHARS = 40
# Elements whose text is not part of what the document reads as (with changes accepted).
SKIPPED_TEXT = {f"{{{W_NS}}}{name}" for name in ("del", "moveFrom", "delText", "instrText")}
SKIPPED_TEXT.add(f"{{{MC_NS}}}Fallback")  # the VML copy of a text box already read
FALSE_VALUES = {"0", "false", "off", "none"}


def w(name: str) -> str:
    """Return the Clark name of a WordprocessingML element or attribute."""
    return f"{{{W_NS}}}{name}"


def local(element: Any) -> str:
    """Return an element's tag without its namespace."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def check_zip(data: bytes, max_unpacked: int = DEFAULT_LIMITS.max_unpacked_bytes) -> None:
    """Refuse archives that are not zip files or would unpack to an absurd size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError("DOCX-filen är skadad (inte ett giltigt zip-arkiv).") from exc
    unpacked = sum(info.file_size for info in infos)
    packed = max(sum(info.compress_size for info in infos), 1)
    if unpacked / packed > MAX_DOCX_RATIO:
        raise UnreadableFileError(
            "DOCX-filen packas upp till en orimlig storlek (möjlig zip-bomb) och läses inte."
        )
    if unpacked > max_unpacked:
        raise UnreadableFileError(
            f"DOCX-filen packas upp till {unpacked / 1024 / 1024:.0f} MB; gränsen är "
            f"{max_unpacked / 1024 / 1024:.0f} MB."
        )


def heading_level(style_name: str) -> int | None:
    """Return the heading level a paragraph style stands for, or None."""
    name = style_name.lower()
    if name == "title" or name == "rubrik":
        return 1
    match = re.match(r"(?:heading|rubrik)\s*(\d)", name)
    return int(match.group(1)) + 1 if match else None


def _on(element: Any) -> bool | None:
    """Read a toggle property such as w:b: None when absent, else its value."""
    if element is None:
        return None
    return str(element.get(w("val"), "true")).lower() not in FALSE_VALUES


def _text_of(element: Any) -> str:
    """Return an element's text as it reads with tracked changes accepted."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        for child in node:
            tag = child.tag
            if tag in SKIPPED_TEXT:
                continue
            name = local(child)
            if name == "t":
                parts.append(child.text or "")
            elif name == "tab":
                parts.append("\t")
            elif name in {"br", "cr"}:
                parts.append("\n")
            elif name == "noBreakHyphen":
                parts.append("-")
            elif name in {"tbl", "p"} and parts:  # a nested table or text-box paragraph
                parts.append(" ")
                walk(child)
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def _clean(text: str) -> str:
    """Collapse runs of spaces and tabs, keeping line breaks written into the text."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass
class Level:
    """One level of a numbering definition."""

    fmt: str = "bullet"
    text: str = "%1."
    start: int = 1


@dataclass
class Numbering:
    """The numbering part: list definitions and the running counters while reading."""

    levels: dict[str, dict[int, Level]] = field(default_factory=dict)  # abstractNumId
    abstract_of: dict[str, str] = field(default_factory=dict)  # numId -> abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId -> starts
    style_levels: dict[str, tuple[str, int]] = field(default_factory=dict)  # pStyle
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, document: Any) -> Numbering:
        """Read the numbering part of a document, if it has one."""
        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return numbering
        for abstract in root.iterchildren(w("abstractNum")):
            abstract_id = str(abstract.get(w("abstractNumId")))
            levels: dict[int, Level] = {}
            for lvl in abstract.iterchildren(w("lvl")):
                level = Level()
                for child in lvl:
                    value = child.get(w("val"))
                    if child.tag == w("numFmt") and value:
                        level.fmt = value
                    elif child.tag == w("lvlText") and value is not None:
                        level.text = value
                    elif child.tag == w("start") and value and value.isdigit():
                        level.start = int(value)
                    elif child.tag == w("pStyle") and value:
                        numbering.style_levels[value] = (abstract_id, int(lvl.get(w("ilvl"), 0)))
                levels[int(lvl.get(w("ilvl"), 0))] = level
            numbering.levels[abstract_id] = levels
        for num in root.iterchildren(w("num")):
            num_id = str(num.get(w("numId")))
            ref = num.find(w("abstractNumId"))
            if ref is not None:
                numbering.abstract_of[num_id] = str(ref.get(w("val")))
            for override in num.iterchildren(w("lvlOverride")):
                start = override.find(w("startOverride"))
                if start is not None and str(start.get(w("val"), "")).isdigit():
                    ilvl = int(override.get(w("ilvl"), 0))
                    numbering.overrides.setdefault(num_id, {})[ilvl] = int(start.get(w("val")))
        return numbering

    def level(self, num_id: str, ilvl: int) -> Level:
        """Return a list level's definition; an unknown list reads as bullets."""
        levels = self.levels.get(self.abstract_of.get(num_id, ""), {})
        return levels.get(ilvl) or Level()

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the list's counter at a level and return the item's label."""
        abstract_id = self.abstract_of.get(num_id, num_id)
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:  # a list instance that restarts its numbering
            self.started.add(num_id)
            for override_level, start in self.overrides.get(num_id, {}).items():
                counters[override_level] = start - 1
        definition = self.level(num_id, ilvl)
        counters[ilvl] = counters.get(ilvl, self.level(num_id, ilvl).start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if definition.fmt == "bullet":
            return "-"
        if definition.fmt == "none":
            return ""

        def number(match: re.Match[str]) -> str:
            at = int(match.group(1)) - 1
            level = self.level(num_id, at)
            value = counters.get(at, level.start)
            return format_number(value, level.fmt if at != ilvl else definition.fmt)

        return re.sub(r"%(\d)", number, definition.text).strip()


def format_number(value: int, fmt: str) -> str:
    """Format a list counter the way a numbering format shows it."""
    if fmt in {"lowerLetter", "upperLetter"}:
        letters = ""
        while value > 0:
            value, rest = divmod(value - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in {"lowerRoman", "upperRoman"}:
        roman = to_roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(value)


def to_roman(value: int) -> str:
    """Return a positive number in Roman numerals."""
    numerals = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]  # fmt: skip
    result = ""
    for amount, numeral in numerals:
        count, value = divmod(value, amount)
        result += numeral * count
    return result


@dataclass
class Para:
    """A body paragraph as read: its text, heading level, list position and boldness."""

    text: str
    level: int | None = None
    list_label: str | None = None
    list_depth: int = 0
    bold: bool = False

    @property
    def bold_heading_like(self) -> bool:
        """Tell whether the paragraph looks like a heading written as bold body text."""
        text = self.text
        return (
            self.bold
            and self.level is None
            and self.list_label is None
            and "\n" not in text
            and len(text) <= MAX_BOLD_HEADING_CHARS
            and len(text.split()) <= MAX_BOLD_HEADING_WORDS
            and not text.endswith((".", ":", ";", ","))
        )


class DocxReader:
    """Turn a python-docx document into blocks under their headings."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.numbering = Numbering.read(document)
        self._styles: dict[str, Any] = {}
        for style in document.styles:
            style_id = getattr(style, "style_id", None)
            if style_id:
                self._styles[style_id] = style
        default = document.styles.default(_paragraph_type())
        self._default_style: str | None = default.style_id if default is not None else None
        self.tracker = HeadingTracker()
        self.blocks: list[Block] = []
        self._styled_level = 1  # level of the last styled heading; bold ones go below

    # Styles -------------------------------------------------------------------------

    def _style_chain(self, style_id: str | None) -> Iterator[Any]:
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self._styles:
            seen.add(style_id)
            style = self._styles[style_id]
            yield style
            base = style.element.find(w("basedOn"))
            style_id = base.get(w("val")) if base is not None else None

    def _style_bold(self, style_id: str | None) -> bool:
        for style in self._style_chain(style_id):
            rpr = style.element.find(w("rPr"))
            value = _on(rpr.find(w("b"))) if rpr is not None else None
            if value is not None:
                return value
        return False

    def _style_numbering(self, style_id: str | None) -> tuple[str, int | None] | None:
        for style in self._style_chain(style_id):
            ppr = style.element.find(w("pPr"))
            num_pr = ppr.find(w("numPr")) if ppr is not None else None
            if num_pr is not None:
                num_id = num_pr.find(w("numId"))
                ilvl = num_pr.find(w("ilvl"))
                if num_id is not None:
                    level = int(ilvl.get(w("val"), 0)) if ilvl is not None else None
                    return str(num_id.get(w("val"))), level
        return None

    # Paragraphs ---------------------------------------------------------------------

    def _paragraph_style(self, p: Any) -> str | None:
        ppr = p.find(w("pPr"))
        style = ppr.find(w("pStyle")) if ppr is not None else None
        return style.get(w("val")) if style is not None else None

    def _list_position(self, p: Any, style_id: str | None) -> tuple[str, int] | None:
        """Return the paragraph's (numId, level) if it is a list item."""
        ppr = p.find(w("pPr"))
        num_pr = ppr.find(w("numPr")) if ppr is not None else None
        from_style = self._style_numbering(style_id)
        num_id, ilvl = (from_style[0], from_style[1]) if from_style else (None, None)
        if num_pr is not None:
            direct_id = num_pr.find(w("numId"))
            direct_level = num_pr.find(w("ilvl"))
            if direct_id is not None:
                num_id = str(direct_id.get(w("val")))
            if direct_level is not None:
                ilvl = int(direct_level.get(w("val"), 0))
        if not num_id or num_id == "0":
            return None
        if ilvl is None:
            linked = self.numbering.style_levels.get(style_id or "")
            ilvl = linked[1] if linked else 0
        return num_id, ilvl

    def _all_bold(self, p: Any, style_id: str | None) -> bool:
        """Tell whether every run carrying text in the paragraph is bold."""
        paragraph_bold = self._style_bold(style_id)
        runs = 0
        for run in p.iter(w("r")):
            if any(a.tag in SKIPPED_TEXT for a in run.iterancestors()):
                continue
            if not _text_of(run).strip():
                continue
            runs += 1
            rpr = run.find(w("rPr"))
            direct = _on(rpr.find(w("b"))) if rpr is not None else None
            if direct is None and rpr is not None:
                char_style = rpr.find(w("rStyle"))
                if char_style is not None and self._style_bold(char_style.get(w("val"))):
                    direct = True
            if not (direct if direct is not None else paragraph_bold):
                return False
        return runs > 0

    def read_paragraph(self, p: Any) -> Para:
        """Read one w:p into its text, heading level and list position."""
        style_id = self._paragraph_style(p) or self._default_style
        style = self._styles.get(style_id or "")
        text = _clean(_text_of(p))
        level = heading_level(style.name if style is not None and style.name else "")
        position = self._list_position(p, style_id)
        para = Para(text, level)
        if position is not None and text:
            label = self.numbering.label(*position)
            if level is not None:  # an outline-numbered heading: "3.1 Kontoutdrag"
                number = label.rstrip(".") if label != "-" else ""
                para.text = f"{number} {text}".strip()
            else:
                para.list_label, para.list_depth = label, position[1]
        if level is None and para.list_label is None and text:
            para.bold = self._all_bold(p, style_id)
        return para

    # Tables -------------------------------------------------------------------------

    def table_rows(self, tbl: Any) -> tuple[list[list[str]], list[bool], list[bool]]:
        """Return the table as a grid, each merged cell's value in every slot it covers.

        Also returns, per row, whether it is marked as a header row and whether it is
        one cell spanning the whole table.
        """
        grid: list[list[str]] = []
        header_marks: list[bool] = []
        full_width: list[bool] = []
        for tr in tbl.iterchildren(w("tr")):
            trpr = tr.find(w("trPr"))
            if trpr is not None and trpr.find(w("del")) is not None:
                continue  # a row deleted as a tracked change
            row: list[str] = []
            cells = 0
            if trpr is not None and trpr.find(w("gridBefore")) is not None:
                row += [""] * int(trpr.find(w("gridBefore")).get(w("val"), 0))
            for tc in _row_cells(tr):
                cells += 1
                tcpr = tc.find(w("tcPr"))
                span, merge = 1, None
                if tcpr is not None:
                    grid_span = tcpr.find(w("gridSpan"))
                    if grid_span is not None:
                        span = max(int(grid_span.get(w("val"), 1)), 1)
                    vmerge = tcpr.find(w("vMerge"))
                    if vmerge is not None:
                        merge = vmerge.get(w("val"), "continue")
                text = " ".join(_clean(_text_of(tc)).split("\n"))
                for _ in range(span):
                    column = len(row)
                    if merge == "continue" and grid and column < len(grid[-1]):
                        row.append(grid[-1][column])
                    else:
                        row.append(text)
            grid.append(row)
            header_marks.append(trpr is not None and bool(_on(trpr.find(w("tblHeader")))))
            full_width.append(cells == 1)
        width = max((len(r) for r in grid), default=0)
        grid = [r + [""] * (width - len(r)) for r in grid]
        full_width = [f and width > 1 for f in full_width]
        return grid, header_marks, full_width

    def table_text(self, tbl: Any) -> str:
        """Render a table as 'Header: value; …' lines, one line a body row."""
        grid, marks, full_width = self.table_rows(tbl)
        if not grid:
            return ""
        header_rows = 0
        while header_rows < len(grid) and marks[header_rows]:
            header_rows += 1
        if header_rows == 0 and looks_like_header(grid):
            header_rows = 1
        if header_rows == 0 or header_rows == len(grid) or len(grid[0]) < 2:
            return "\n".join(_plain_row(row) for row in grid if any(row))
        headers = [
            " – ".join(dict.fromkeys(grid[r][c] for r in range(header_rows) if grid[r][c]))
            for c in range(len(grid[0]))
        ]
        lines = []
        for row, whole in zip(grid[header_rows:], full_width[header_rows:], strict=True):
            if whole:
                if row[0]:
                    lines.append(row[0])
                continue
            pairs = [f"{h}: {v}" if h else v for h, v in zip(headers, row, strict=True) if v]
            pairs = list(dict.fromkeys(pairs))  # a header and value merged across columns
            if pairs:
                line = "; ".join(pairs)
                lines.append(line if line.endswith((".", "!", "?")) else line + ".")
        return "\n".join(lines)

    # The body -----------------------------------------------------------------------

    def body_elements(self, parent: Any) -> Iterator[Any]:
        """Yield paragraphs and tables of the body in order, opening content controls."""
        for element in parent.iterchildren():
            name = local(element)
            if name in {"p", "tbl"}:
                yield element
            elif name == "sdt":
                gallery = element.find(f"{w('sdtPr')}/{w('docPartObj')}/{w('docPartGallery')}")
                if gallery is not None and "contents" in str(gallery.get(w("val"), "")).lower():
                    continue  # a table of contents repeats the headings with page numbers
                content = element.find(w("sdtContent"))
                if content is not None:
                    yield from self.body_elements(content)
            elif name in {"ins", "moveTo", "customXml", "smartTag"}:
                yield from self.body_elements(element)

    def read(self) -> list[Block]:
        """Read the body into blocks."""
        items: list[Para | str] = []  # paragraphs, and tables already rendered as text
        for element in self.body_elements(self.document.element.body):
            if local(element) == "p":
                para = self.read_paragraph(element)
                if para.text:
                    items.append(para)
            else:
                text = self.table_text(element)
                if text:
                    items.append(text)
        # In a document with heading styles, bold lines before the first styled heading
        # are a letterhead ("Norrviks kommun"), not sections.
        styled = [i for i, item in enumerate(items) if isinstance(item, Para) and item.level]
        first_styled = styled[0] if styled else -1
        previous_kind = ""  # "para" when the last block is a plain paragraph, "list"
        for index, item in enumerate(items):
            if isinstance(item, str):
                self._add(item)
                previous_kind = "table"
                continue
            following = items[index + 1] if index + 1 < len(items) else None
            if item.level is not None:
                self.tracker.enter(item.level, item.text)
                self._styled_level = item.level
                previous_kind = "heading"
            elif item.bold_heading_like and _is_body(following) and index > first_styled:
                self.tracker.enter(self._styled_level + 1, item.text)
                previous_kind = "heading"
            elif item.list_label is not None:
                label = f"{item.list_label} " if item.list_label else ""
                line = f"{'  ' * item.list_depth}{label}{item.text}"
                if previous_kind in {"para", "list"} and self.blocks:
                    self.blocks[-1].text += "\n" + line
                else:
                    self._add(line)
                previous_kind = "list"
            else:
                self._add(item.text)
                previous_kind = "para"
        return self.blocks

    def _add(self, text: str) -> None:
        self.blocks.append(Block(self.tracker.path, text))


def _paragraph_type() -> Any:
    from docx.enum.style import WD_STYLE_TYPE

    return WD_STYLE_TYPE.PARAGRAPH


def _row_cells(tr: Any) -> Iterator[Any]:
    """Yield a row's cells, also those inside content controls or tracked insertions."""
    for child in tr.iterchildren():
        name = local(child)
        if name == "tc":
            yield child
        elif name in {"sdt", "customXml", "ins"}:
            content = child.find(w("sdtContent")) if name == "sdt" else child
            if content is not None:
                yield from _row_cells(content)


def _plain_row(row: list[str]) -> str:
    return " | ".join(dict.fromkeys(cell for cell in row if cell))


def _is_body(item: Para | str | None) -> bool:
    """Tell whether an item is body text, so a bold line before it can be its heading."""
    if item is None:
        return False
    if isinstance(item, str):
        return True
    return item.level is None and not item.bold_heading_like


def looks_like_header(grid: list[list[str]]) -> bool:
    """Tell whether a table's first row reads as column headers."""
    if len(grid) < 2 or len(grid[0]) < 2:
        return False
    first = grid[0]
    distinct = [cell for cell in dict.fromkeys(first) if cell]
    return (
        all(first)
        and len(distinct) >= 2
        and all(len(cell) <= MAX_HEADER_CELL_CHARS for cell in first)
        and not any(cell.endswith(".") for cell in first)
        and not any(re.fullmatch(r"[\d\s.,:%/-]+(?:kr)?", cell) for cell in first)
    )


def load_docx(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedFile:
    """Read a DOCX in body order: headings, lists and tables as the authors wrote them."""
    import docx

    check_zip(data, limits.max_unpacked_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for a broken package
        raise UnreadableFileError("DOCX-filen är skadad och kunde inte läsas.") from exc
    blocks = DocxReader(document).read()
    if not blocks:
        raise UnreadableFileError("DOCX-filen innehåller ingen text.")
    props = document.core_properties
    properties = {
        "title": props.title,
        "type": props.category,
        "owner": props.author,
        "version": props.version,
        "valid_from": props.created.date().isoformat() if props.created else None,
    }
    limits.check_text(sum(len(block.text) for block in blocks))
    return LoadedFile(blocks, None, {k: v for k, v in properties.items() if v})
