"""Read a PDF by its layout: words, lines, columns, tables, paragraphs and headings.

pypdfium2 gives each character's box and font. Words come from pdfium's own word
breaks (it inserts spaces and line ends from the geometry, so justified text does not
turn into double spaces) and each word's box from its first and last character, which
keeps the number of calls into pdfium low. From the boxes the reader rebuilds lines (by
height), splits lines at wide gaps, finds a gutter between two columns, drops text that
repeats at the same place on most pages (running headers, page numbers), finds tables
(cells aligned across rows, rows split at ruling lines), and groups lines into
paragraphs at vertical gaps, indentation and font changes. Headings are told by
numbering or by a bold or larger font on a short line; a word hyphenated at a line end
is joined unless the hyphen belongs to it (checked against the Swedish hunspell word
list). pypdf stays for encryption, the /Title and the error messages it always gave.
"""

from __future__ import annotations

import ctypes
import io
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.errors import UnreadableFileError
from ingest.limits import DEFAULT_LIMITS, ReadLimits
from ingest.loaders import (
    NUMBERED_HEADING,
    PAGE_FOOTER,
    Block,
    HeadingTracker,
    LoadedFile,
    _blocks_from_lines,
)

# A word: pdfium's text between whitespace, a line-end hyphen (U+FFFE) closing it.
TOKEN = re.compile(r"[^\s\ufffe\x00-\x1f]+\ufffe?|\ufffe")
# Furniture (headers, footers) lives in this share of the page height at the top or bottom.
MARGIN_BAND = 0.09
# Words after a hyphen that mark a suspended compound: "arbets- och hälsomiljö".
SUSPENDED = {"och", "eller", "samt", "respektive", "resp", "resp.", "till", "som", "men"}
SENTENCE_END = (".", "!", "?", ":", ";")
# A list item: a bullet, a dash, or "1)", "a)", "1." before the text.
BULLET = re.compile(r"^(?:[•●▪■◦\u2022\u2013\u2014*-]\s|\(?[0-9a-z]{1,2}\)\s|\d{1,2}\.\s)")
INFLECTIONS: tuple[str, ...] = ("", "n", "en", "et", "t", "na", "s", "ns", "ens", "ets", "ar")
INFLECTIONS += ("arna", "er", "erna", "or", "orna", "a", "e", "ade", "at", "ande", "ning")


@dataclass
class Word:
    """A word's text and box in top-down page coordinates, with its font."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    bold: bool

    @property
    def center(self) -> float:
        return (self.y0 + self.y1) / 2


class Segment:
    """Words on one line with no wide gap between them (measures computed once)."""

    __slots__ = ("words", "x0", "x1", "y0", "y1", "center", "text", "size", "bold")

    def __init__(self, words: list[Word]) -> None:
        self.words = words
        self.x0, self.x1 = words[0].x0, words[-1].x1
        self.y0 = min(w.y0 for w in words)
        self.y1 = max(w.y1 for w in words)
        self.center = (self.y0 + self.y1) / 2
        self.text = " ".join(w.text for w in words)
        self.size, self.bold = _font_of(words)


class Line:
    """A line of running text in reading order, in one column."""

    __slots__ = ("segments", "left", "right", "x0", "x1", "y0", "y1", "text", "size", "bold")

    def __init__(self, segments: list[Segment], left: float, right: float) -> None:
        self.segments = segments
        self.left, self.right = left, right
        self.x0, self.x1 = segments[0].x0, segments[-1].x1
        self.y0 = min(s.y0 for s in segments)
        self.y1 = max(s.y1 for s in segments)
        self.text = " ".join(s.text for s in segments)
        self.size, self.bold = _font_of([w for s in segments for w in s.words])


def _font_of(words: list[Word]) -> tuple[float, bool]:
    """Return the font size covering most characters, and whether most are bold."""
    sizes: dict[float, int] = {}
    bold = total = 0
    for word in words:
        length = len(word.text)
        key = round(word.size * 2) / 2
        sizes[key] = sizes.get(key, 0) + length
        total += length
        if word.bold:
            bold += length
    return max(sizes, key=sizes.__getitem__), bold * 2 > total


@dataclass
class Table:
    """A table found on a page: its header cells and body rows."""

    rows: list[list[str]]
    y0: float
    y1: float
    columns: list[float] = field(default_factory=list)
    # A two-column table with no header row of its own style is a key-value list.
    keyed: bool = False

    def text(self) -> str:
        """Render like the DOCX loader: 'Header: value; Header2: value2.' one row a line.

        A key-value table ("Version | 3.0") reads "Version: 3.0." one row a line.
        """
        if self.keyed:
            keyed = [(row[0], " ".join(row[1:]).strip()) for row in self.rows]
            return "\n".join(f"{k}: {v}".rstrip(".") + "." if v else k for k, v in keyed if k)
        header, body = self.rows[0], self.rows[1:]
        lines = []
        for row in body:
            pairs = [f"{h}: {v}" if h else v for h, v in zip(header, row, strict=False) if v]
            if pairs:
                lines.append("; ".join(pairs).rstrip(".") + ".")
        return "\n".join(lines)


@dataclass
class Paragraph:
    """Lines of one paragraph (or a table), with what kind of text it is."""

    text: str
    page: int
    size: float = 0.0
    bold: bool = False
    kind: str = "text"  # "text", "heading" or "table"
    level: int = 0
    last_line_full: bool = False
    lines: list[Line] = field(default_factory=list)


def _dominant(words: Iterable[Word], key: Any) -> Any:
    """Return the key value that covers most characters."""
    counts: Counter[Any] = Counter()
    for word in words:
        counts[key(word)] += len(word.text)
    return counts.most_common(1)[0][0] if counts else 0


# ---------------------------------------------------------------- extraction


def _page_words(page: Any, textpage: Any, raw: Any) -> list[Word]:
    """Return a page's words with boxes (top-down) and fonts, a few pdfium calls a word."""
    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    if count <= 0:
        return []
    text = textpage.get_text_range()
    if len(text) != count:  # pdfium left chars out or put some in: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
    height = page.get_height()
    rect = pdfium_c.FS_RECTF()
    box, size_of, weight_of = (
        pdfium_c.FPDFText_GetLooseCharBox,
        pdfium_c.FPDFText_GetFontSize,
        pdfium_c.FPDFText_GetFontWeight,
    )
    handle = textpage.raw
    words: list[Word] = []
    weight, size, previous_end = 0, -1.0, 0
    for match in TOKEN.finditer(text):
        start, end = match.start(), match.end() - 1
        box(handle, start, rect)
        x0, top, bottom = rect.left, rect.top, rect.bottom
        box(handle, end, rect)
        if abs(rect.bottom - bottom) > 0.5 * max(top - bottom, 1.0) or rect.right < x0:
            words += _split_token(handle, match.group(), start, height)
            continue
        new_size = size_of(handle, start)
        if new_size != size or "\n" in text[previous_end:start]:
            # The weight is read again where the size changes or a line starts; a bold
            # word inside a line of the same size counts as its line.
            weight = weight_of(handle, start)
        size, previous_end = new_size, end
        word = match.group().replace("\ufffe", "-").replace("\u00ad", "-")
        if word == "-":
            # A lone line-end hyphen: glue it to the word before it on the same line.
            if words and abs(words[-1].y1 - (height - bottom)) < 1.0:
                words[-1].text += "-"
                words[-1].x1 = rect.right
            continue
        words.append(Word(word, x0, rect.right, height - top, height - bottom, size, weight >= 600))
    return words


def _split_token(handle: Any, token: str, start: int, height: float) -> list[Word]:
    """Split a token whose characters lie on more than one line, char by char."""
    import pypdfium2.raw as pdfium_c

    rect = pdfium_c.FS_RECTF()
    words: list[Word] = []
    for offset, char in enumerate(token):
        index = start + offset
        pdfium_c.FPDFText_GetLooseCharBox(handle, index, rect)
        char = "-" if char in "\ufffe\u00ad" else char
        top, bottom = height - rect.top, height - rect.bottom
        last = words[-1] if words else None
        if last and abs(last.y1 - bottom) < 0.5 * max(bottom - top, 1.0):
            last.text += char
            last.x1 = max(last.x1, rect.right)
            continue
        size = pdfium_c.FPDFText_GetFontSize(handle, index)
        bold = pdfium_c.FPDFText_GetFontWeight(handle, index) >= 600
        words.append(Word(char, rect.left, rect.right, top, bottom, size, bold))
    return words


def _rules(page: Any, height: float) -> list[tuple[float, float, float]]:
    """Return horizontal ruling lines (y top-down, x0, x1) drawn as thin path objects."""
    import pypdfium2.raw as pdfium_c

    rules = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, bottom, right, top)]
    for index in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, index)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            continue
        if top.value - bottom.value < 2.5 and right.value - left.value > 15:
            rules.append((height - (top.value + bottom.value) / 2, left.value, right.value))
    return rules


# ---------------------------------------------------------------- lines and columns


def _segments(words: list[Word]) -> list[Segment]:
    """Group words into lines by height, then split each line at wide gaps."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (round(w.center, 1), w.x0)):
        if lines:
            last = lines[-1]
            height = min(word.y1 - word.y0, last[0].y1 - last[0].y0)
            if abs(word.center - last[0].center) <= 0.35 * height:
                last.append(word)
                continue
        lines.append([word])
    segments: list[Segment] = []
    for line in lines:
        line.sort(key=lambda w: w.x0)
        gaps = [b.x0 - a.x1 for a, b in zip(line, line[1:], strict=False)]
        # Justified text stretches every space of a line alike; a cell or column gap
        # stands out against the line's narrowest space (or all gaps are wide).
        narrowest = min(gaps, default=0.0) if len(line) > 5 else 0.0
        current = [line[0]]
        for word, gap in zip(line[1:], gaps, strict=True):
            size = max(word.size, current[-1].size, 1.0)
            if gap > 1.0 * size and gap > 2.5 * narrowest:
                segments.append(Segment(current))
                current = [word]
            else:
                current.append(word)
        segments.append(Segment(current))
    return segments


def _gutter(segments: list[Segment]) -> tuple[float, float] | None:
    """Find a vertical gap that splits the page's text into two columns, if there is one."""
    if len(segments) < 10:
        return None
    left = min(s.x0 for s in segments)
    right = max(s.x1 for s in segments)
    width = right - left
    if width < 200 or sum(s.x1 - s.x0 > 0.75 * width for s in segments) > len(segments) / 5:
        return None  # mostly lines across the page: one column
    step = 2.0
    bins = [0] * (int(width / step) + 2)
    for segment in segments:
        for b in range(int((segment.x0 - left) / step), int((segment.x1 - left) / step) + 1):
            bins[b] += 1
    allowed = max(1, len(segments) // 20)
    lo, hi = int(0.3 * width / step), int(0.7 * width / step)
    best: tuple[int, int] | None = None
    run_start = None
    for b in range(lo, hi + 1):
        if bins[b] <= allowed:
            run_start = b if run_start is None else run_start
            if best is None or b - run_start > best[1] - best[0]:
                best = (run_start, b)
        else:
            run_start = None
    if best is None or (best[1] - best[0] + 1) * step < 8:
        return None
    gap0, gap1 = left + best[0] * step, left + (best[1] + 1) * step
    lefts = [s for s in segments if s.x1 <= gap0 + step]
    rights = [s for s in segments if s.x0 >= gap1 - step]
    if len(lefts) < 5 or len(rights) < 5:
        return None
    wide_left = statistics.median(s.x1 - s.x0 for s in lefts) > 0.25 * width
    wide_right = statistics.median(s.x1 - s.x0 for s in rights) > 0.25 * width
    return (gap0, gap1) if wide_left and wide_right else None


def _reading_order(segments: list[Segment]) -> list[list[Segment]]:
    """Return rows (segments at one height in one column) in reading order."""
    segments = sorted(segments, key=lambda s: (s.y0, s.x0))
    gutter = _gutter(segments)
    if gutter is None:
        return _rows(segments)
    gap0, gap1 = gutter
    ordered: list[list[Segment]] = []
    left: list[Segment] = []
    right: list[Segment] = []
    for segment in segments:
        if segment.x1 <= gap0 + 2:
            left.append(segment)
        elif segment.x0 >= gap1 - 2:
            right.append(segment)
        else:  # spans both columns: a heading or figure across the page
            ordered += _rows(left) + _rows(right) + [[segment]]
            left, right = [], []
    return ordered + _rows(left) + _rows(right)


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Group segments (already in one column) into rows by height, top to bottom."""
    rows: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: (round(s.center, 1), s.x0)):
        if rows:
            last = rows[-1][0]
            height = min(segment.y1 - segment.y0, last.y1 - last.y0)
            if abs(segment.center - last.center) <= 0.35 * height:
                rows[-1].append(segment)
                continue
        rows.append([segment])
    for row in rows:
        row.sort(key=lambda s: s.x0)
    return rows


def _furniture_key(segment: Segment) -> tuple[str, int]:
    """Text with digits masked and height rounded: equal on every page for a footer."""
    return re.sub(r"\d+", "#", segment.text.lower()), round(segment.center / 6)


def _drop_furniture(pages: list[tuple[list[Segment], float]]) -> list[list[Segment]]:
    """Drop segments in the top or bottom margin that repeat at one place on most pages."""
    seen: Counter[tuple[str, int]] = Counter()
    for segments, height in pages:
        keys = {_furniture_key(s) for s in segments if _in_margin(s, height)}
        seen.update(keys)
    needed = max(2, (len(pages) + 1) // 2)
    kept = []
    for segments, height in pages:
        page_kept = []
        for segment in segments:
            if _in_margin(segment, height):
                text, band = _furniture_key(segment)
                near = max(seen[(text, band - 1)], seen[(text, band)], seen[(text, band + 1)])
                if near >= needed or PAGE_FOOTER.match(segment.text.strip()):
                    continue
                if re.fullmatch(r"\d{1,4}\s*\(\d{1,4}\)", segment.text.strip()):
                    continue
            page_kept.append(segment)
        kept.append(page_kept)
    return kept


def _in_margin(segment: Segment, height: float) -> bool:
    return segment.y1 < MARGIN_BAND * height or segment.y0 > (1 - MARGIN_BAND) * height


# ---------------------------------------------------------------- tables


def _tables(
    rows: list[list[Segment]], rules: list[tuple[float, float, float]]
) -> list[list[Segment] | Table]:
    """Replace runs of rows whose cells line up under a header row with tables."""
    out: list[list[Segment] | Table] = []
    index = 0
    while index < len(rows):
        table, used = _table_at(rows, index, rules)
        if table is None:
            out.append(rows[index])
            index += 1
        else:
            out.append(table)
            index += used
    return out


def _table_at(
    rows: list[list[Segment]], start: int, rules: list[tuple[float, float, float]]
) -> tuple[Table | None, int]:
    """Try to read a table whose header row is rows[start]; return it and rows used."""
    header = rows[start]
    if len(header) < 2:
        return None, 0
    columns = [s.x0 for s in header]
    table_left, table_right = columns[0], max(s.x1 for s in header)
    cells: list[list[list[str]]] = [[[s.text] for s in header]]
    line_rows = [0]  # which table row each line belongs to
    last = header
    used = 1
    for row in rows[start + 1 :]:
        gap = min(s.y0 for s in row) - max(s.y1 for s in last)
        if gap > 2.5 * max(s.y1 - s.y0 for s in last):
            break
        placed = []
        for segment in row:
            column = _column_of(segment, columns)
            if column is None:
                break
            end = columns[column + 1] if column + 1 < len(columns) else None
            if end is not None and segment.x1 > end + 2:
                break
            placed.append((column, segment))
        if len(placed) != len(row):
            break
        if len(row) == 1 and len(cells) == 1 and len(columns) == 2 and placed[0][0] == 0:
            break  # a lone line under a two-cell line is more likely text than a table row
        top = min(s.y0 for s in row)
        bottom_last = max(s.y1 for s in last)
        ruled = any(
            bottom_last - 3 <= y <= top + 3 and x0 <= table_left + 5 and x1 >= table_left + 20
            for y, x0, x1 in rules
        )
        has_rules = any(
            x0 <= table_left + 5 and x1 >= min(table_right, table_left + 20) for _, x0, x1 in rules
        )
        new_row = ruled if has_rules else any(column == 0 for column, _ in placed)
        if new_row:
            cells.append([[] for _ in columns])
        for column, segment in placed:
            cells[-1][column].append(segment.text)
        line_rows.append(len(cells) - 1)
        table_right = max(table_right, max(s.x1 for s in row))
        last = row
        used += 1
    if len(cells) < 2 or (len(cells) < 3 and len(columns) < 3 and not rules):
        return None, 0
    table_rows = [[" ".join(part) for part in row] for row in cells]
    y0 = min(s.y0 for s in header)
    y1 = max(s.y1 for s in rows[start + used - 1])
    body = [s for row in rows[start + 1 : start + used] for s in row]
    styled_header = all(s.bold for s in header) and not all(s.bold for s in body)
    keyed = len(columns) == 2 and not styled_header
    return Table(table_rows, y0, y1, columns, keyed), used


def _column_of(segment: Segment, columns: list[float]) -> int | None:
    """Return the column whose left edge the segment starts at (or inside), if any."""
    for index in range(len(columns) - 1, -1, -1):
        if segment.x0 >= columns[index] - 4:
            return index
    return None


def _same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 4 for x, y in zip(a, b, strict=True))


def _join_split_tables(flows: list[list[list[Segment] | Table]]) -> None:
    """Carry a table across a page break: the header (or the table) ends one page and
    rows with the same columns start the next."""
    for before, after in zip(flows, flows[1:], strict=False):
        if not before or not after or not isinstance(after[0], Table):
            continue
        tail, head = before[-1], after[0]
        if isinstance(tail, Table) and _same_columns(tail.columns, head.columns):
            repeated = head.rows[0] == tail.rows[0]
            tail.rows += head.rows[1:] if repeated else head.rows
            after.pop(0)
        elif (
            not isinstance(tail, Table)
            and len(tail) >= 2
            and _same_columns([s.x0 for s in tail], head.columns)
        ):
            head.rows.insert(0, [s.text for s in tail])
            before.pop()


# ---------------------------------------------------------------- hyphenation


@lru_cache(maxsize=1)
def _swedish_words() -> tuple[frozenset[str], frozenset[str]]:
    """Return Swedish words and the prefixes seen before a hyphen, from hunspell-sv.

    The dictionary file comes with the hunspell-sv package; only its stems are read
    (a plain set, a fraction of a second once a process), not its affix rules.
    """
    from importlib import metadata

    try:
        files = metadata.files("hunspell-sv") or []
    except metadata.PackageNotFoundError:
        return frozenset(), frozenset()
    for file in files:
        if str(file).endswith("sv_SE.dic"):
            text = Path(file.locate()).read_text(encoding="utf-8")
            stems = re.findall(r"^([^/\n]+)", text, re.MULTILINE)[1:]
            words = frozenset(stem.strip() for stem in stems)
            prefixes = frozenset(
                p.lower() for p in re.findall(r"^([^/\n-]+)-[^/\n]", text, re.MULTILINE)
            )
            return words, prefixes
    return frozenset(), frozenset()


def _known(word: str, words: frozenset[str]) -> bool:
    """Return whether a word or its stem (an inflection stripped) is in the word list."""
    lowered = word.lower()
    for ending in INFLECTIONS:
        if ending and not lowered.endswith(ending):
            continue
        stem = lowered[: len(lowered) - len(ending)] if ending else lowered
        if len(stem) >= 2 and (stem in words or stem.capitalize() in words):
            return True
    return False


def join_hyphenated(head: str, tail: str) -> str:
    """Join a word broken at a line end ('social-', 'sekreterare').

    The hyphen is kept when it belongs to the word: before a conjunction ("arbets- och"),
    after a digit, a single letter or an abbreviation ("18-årig", "e-tjänst",
    "FoU-enhet"), before a capital, or where the dictionary has the hyphenated form.
    """
    stem = head[:-1]
    first = re.match(r"[\w]+", tail)
    if not stem or not first:
        return f"{head} {tail}"
    if tail.lower().rstrip(",.") in SUSPENDED:
        return f"{head} {tail}"
    letters = stem.rsplit("-", 1)[-1]
    if (
        not letters.isalpha()
        or len(letters) == 1
        or any(c.isupper() for c in letters[1:])
        or not tail[0].islower()
    ):
        return head + tail
    words, prefixes = _swedish_words()
    joined = letters + first.group()
    if words and _known(joined, words):
        return stem + tail
    if letters.lower() in prefixes or (words and _known(f"{letters}-{first.group()}", words)):
        return head + tail
    if len(letters) <= 3 and letters.isupper():
        return head + tail
    return stem + tail


def continue_text(text: str, more: str) -> str:
    """Append the next line to a text, rejoining a word hyphenated at the line end."""
    if not text:
        return more
    cut = max(text.rfind(" "), text.rfind("\n")) + 1
    head = text[cut:]
    first, _, rest = more.partition(" ")
    if head.endswith("-") and len(head) > 1 and head[-2].isalnum() and first:
        return text[:cut] + join_hyphenated(head, first) + (f" {rest}" if rest else "")
    return f"{text} {more}"


def _join_lines(lines: list[str]) -> str:
    """Join a paragraph's lines with spaces, rejoining words hyphenated at line ends."""
    text = ""
    for line in lines:
        line = " ".join(line.split())
        if line:
            text = continue_text(text, line)
    return text


# ---------------------------------------------------------------- paragraphs and headings


def _paragraphs(
    items: list[list[Segment] | Table], page: int, pitch: float, body_size: float
) -> list[Paragraph]:
    """Group a page's lines into paragraphs at gaps, indents and font changes."""
    paragraphs: list[Paragraph] = []
    current: list[Line] = []

    def flush() -> None:
        if current:
            text = _join_lines([line.text for line in current])
            last = current[-1]
            full = last.x1 >= last.right - 0.12 * (last.right - last.left)
            paragraphs.append(
                Paragraph(text, page, current[0].size, current[0].bold, "text", 0, full, current[:])
            )
            current.clear()

    for item in items:
        if isinstance(item, Table):
            flush()
            paragraphs.append(Paragraph(item.text(), page, kind="table"))
            continue
        line = Line(item, 0.0, 0.0)
        if current:
            previous = current[-1]
            line.left, line.right = previous.left, previous.right
            if line.x0 < line.left or line.x1 > line.right:
                line.left, line.right = min(line.left, line.x0), max(line.right, line.x1)
                for old in current:
                    old.left, old.right = line.left, line.right
            if _breaks(previous, line, pitch, body_size):
                flush()
        else:
            line.left, line.right = line.x0, line.x1
        current.append(line)
    flush()
    return paragraphs


def _breaks(previous: Line, line: Line, pitch: float, body_size: float) -> bool:
    """Return whether a line starts a new paragraph after the previous one."""
    if abs(line.size - previous.size) >= 0.5 or line.bold != previous.bold:
        return True
    if BULLET.match(line.text):
        return True
    step = line.y0 - previous.y0
    size = max(line.size, 1.0)
    pitch = pitch * max(size / max(body_size, 1.0), 1.0)  # larger type, wider spacing
    if step < 0 or step > max(pitch * 1.3, pitch + 0.4 * size):
        return True  # a column change or a vertical gap larger than the line spacing
    ends = previous.text.rstrip().endswith(SENTENCE_END)
    if ends and line.x0 > previous.x0 + 0.8 * size and previous.x0 <= previous.left + 2:
        return True  # first-line indent (a hanging indent under a bullet is not one)
    width = previous.right - previous.left
    short = previous.x1 < previous.right - 0.2 * width
    return short and previous.text.rstrip().endswith(SENTENCE_END)


def _heading_like(paragraph: Paragraph, body_size: float) -> bool:
    """Short, bold or larger than the body text, and not ending like a sentence."""
    text = paragraph.text
    if paragraph.kind != "text" or len(paragraph.lines) > 2 or len(text) > 120:
        return False
    if text.endswith((".", ",", ";")) or len(text.split()) > 14:
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    return paragraph.bold or paragraph.size >= body_size + 1.0


def _classify(pages: list[list[Paragraph]], body_size: float) -> None:
    """Mark headings and give them a level: numbering depth, else font size rank."""
    styled: list[Paragraph] = []
    numbered_levels: dict[tuple[float, bool], list[int]] = {}
    for paragraph in (p for page in pages for p in page):
        if paragraph.kind != "text":
            continue
        match = NUMBERED_HEADING.match(paragraph.text)
        numbered = bool(match) and not paragraph.text.endswith((".", ",", ";", ":"))
        numbered = numbered and len(paragraph.lines) <= 2
        if match and numbered:
            paragraph.kind = "heading"
            paragraph.level = match.group(1).count(".") + 2
            style = (paragraph.size, paragraph.bold)
            numbered_levels.setdefault(style, []).append(paragraph.level)
        elif _heading_like(paragraph, body_size):
            paragraph.kind = "heading"
            styled.append(paragraph)
    styles = sorted({(p.size, p.bold) for p in styled}, key=lambda s: (-s[0], not s[1]))
    for paragraph in styled:
        style = (paragraph.size, paragraph.bold)
        if style in numbered_levels:
            paragraph.level = statistics.mode(numbered_levels[style])
        else:
            paragraph.level = styles.index(style) + 1


def _pitch(pages: list[list[list[Segment] | Table]], body_size: float) -> float:
    """Return the usual distance between consecutive body lines."""
    steps: Counter[float] = Counter()
    for items in pages:
        rows = [i for i in items if not isinstance(i, Table)]
        for above, below in zip(rows, rows[1:], strict=False):
            if round(above[0].size * 2) / 2 == body_size == round(below[0].size * 2) / 2:
                step = below[0].y0 - above[0].y0
                if 0 < step < 3 * body_size:
                    steps[round(step * 2) / 2] += 1
    return min(steps.most_common(1)[0][0], 2.5 * body_size) if steps else 1.2 * body_size


def _continues(previous: Paragraph, paragraph: Paragraph) -> bool:
    """Return whether a page's first paragraph carries on the last one of the page before."""
    if previous.kind != "text" or paragraph.kind != "text" or not previous.last_line_full:
        return False
    if (previous.size, previous.bold) != (paragraph.size, paragraph.bold):
        return False
    return not previous.text.endswith(SENTENCE_END) or paragraph.text[:1].islower()


# ---------------------------------------------------------------- the loader


def _ocr_page(data: bytes, index: int) -> tuple[str, float | None]:
    """Return a page's text and confidence from ingest.ocr when that module is there.

    Without the module the page is left out, as before OCR existed.
    """
    try:
        from ingest.ocr import ocr_pdf_page
    except ImportError:
        return "", None
    result = ocr_pdf_page(data, index)
    return str(getattr(result, "text", "") or ""), getattr(result, "confidence", None)


def _check_with_pypdf(data: bytes) -> tuple[int, str]:
    """Refuse encrypted and broken files with the messages they always had."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError("PDF-filen är krypterad och kräver lösenord.")
        pages = len(reader.pages)
        info: dict[str, Any] = dict(reader.metadata or {})
        title = str(info.get("/Title") or "").strip()
    except UnreadableFileError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFileError("PDF-filen är skadad och kunde inte läsas.") from exc
    return pages, title


def load_pdf(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedFile:
    """Read a PDF by its layout into blocks under their headings, with page numbers."""
    import pypdfium2 as pdfium

    pages, title = _check_with_pypdf(data)
    limits.check_pages(pages)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError("PDF-filen är skadad och kunde inte läsas.") from exc
    try:
        raw_pages: list[tuple[list[Segment], float]] = []
        rules: list[list[tuple[float, float, float]]] = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            height = page.get_height()
            raw_pages.append((_segments(_page_words(page, textpage, page.raw)), height))
            rules.append(_rules(page, height))
            textpage.close()
            page.close()
    finally:
        document.close()
    kept = _drop_furniture(raw_pages)
    flows = [_tables(_reading_order(segments), r) for segments, r in zip(kept, rules, strict=True)]
    _join_split_tables(flows)
    all_words = (w for segments in kept for s in segments for w in s.words)
    body_size = _dominant(all_words, lambda w: round(w.size * 2) / 2) or 10.0
    pitch = _pitch(flows, body_size)
    paragraphs = [
        _paragraphs(flow, number, pitch, body_size) for number, flow in enumerate(flows, 1)
    ]
    _classify(paragraphs, body_size)
    ocr_errors: list[str] = []
    blocks = _blocks(data, paragraphs, [not segments for segments, _ in raw_pages], ocr_errors)
    limits.check_text(sum(len(block.text) for block in blocks))
    if not any(block.text.strip() for block in blocks):
        if ocr_errors:
            raise UnreadableFileError(f"PDF-filen innehåller ingen text. {ocr_errors[0]}")
        raise UnreadableFileError(
            "PDF-filen innehåller ingen text (skannad bild?). Texttolkning (OCR) stöds inte."
        )
    return LoadedFile(blocks, pages or len(raw_pages), {"title": title} if title else {})


def _blocks(
    data: bytes, pages: list[list[Paragraph]], empty: list[bool], ocr_errors: list[str]
) -> list[Block]:
    """Walk the paragraphs in order, opening headings and collecting text into blocks.

    A page without text is read by OCR (when ingest.ocr is there); its blocks carry the
    OCR confidence. A page OCR cannot read is left out and its reason kept.
    """
    tracker = HeadingTracker()
    blocks: list[Block] = []
    last: Paragraph | None = None
    for number, paragraphs in enumerate(pages, start=1):
        if empty[number - 1]:
            try:
                text, confidence = _ocr_page(data, number - 1)
            except UnreadableFileError as exc:
                ocr_errors.append(str(exc))
                text, confidence = "", None
            scanned = _blocks_from_lines(text.splitlines(), number, tracker)
            for block in scanned:
                block.ocr_confidence = confidence
            blocks += scanned
            last = None
            continue
        for paragraph in paragraphs:
            if paragraph.kind == "heading":
                tracker.enter(paragraph.level, paragraph.text)
                last = paragraph
                continue
            if not paragraph.text:
                continue
            open_block = blocks[-1] if blocks else None
            if open_block is not None and open_block.headings == tracker.path:
                carries = last is not None and last.page != paragraph.page
                if carries and last is not None and _continues(last, paragraph):
                    open_block.text = continue_text(open_block.text, paragraph.text)
                    last = paragraph
                    continue
                if open_block.page == paragraph.page:
                    open_block.text += f"\n\n{paragraph.text}"
                    last = paragraph
                    continue
            blocks.append(Block(tracker.path, paragraph.text, paragraph.page))
            last = paragraph
    return blocks
