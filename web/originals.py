"""Readable pages for originals a browser cannot show: DOCX from its blocks, Markdown as text.

A DOCX is read with the same reader that ingested it (ingest.docx), so the page shows
the headings, paragraphs, lists and tables the passages were cut from. A Markdown file
is rendered without its front matter by markdown-it with raw HTML turned off, so a
document's markup is shown as text and never run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

from ingest.docx import DocxReader, check_zip, local, looks_like_header
from ingest.limits import DEFAULT_LIMITS
from ingest.loaders import decode_text, split_front_matter

READABLE = {".docx": "docx", ".md": "markdown", ".markdown": "markdown"}
# Heading levels on the page: the document's title is the page's h1, its sections h2–h6.
TOP_LEVEL = 2


@dataclass
class Node:
    """One piece of a DOCX page: a heading, paragraph, list or table."""

    kind: str  # "heading", "paragraph", "list" or "table"
    text: str = ""
    level: int = TOP_LEVEL
    anchor: str | None = None
    items: list[tuple[int, str]] = field(default_factory=list)  # (depth, text) of a list
    ordered: bool = False
    number: int = 0  # a table's number on the page
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def readable_kind(path: Path) -> str | None:
    """Return "docx" or "markdown" for a file shown as a page, else None."""
    return READABLE.get(path.suffix.lower())


def _ordered(label: str) -> bool:
    return bool(label) and label not in {"-", "•", "–", "o", "▪", "■", "◦"}


def docx_nodes(data: bytes, section: str | None = None, title: str | None = None) -> list[Node]:
    """Read a DOCX into page nodes; the heading named `section` gets the anchor "avsnitt".

    A first heading that repeats the title is left out: the title is the page's h1.
    """
    import docx

    check_zip(data, DEFAULT_LIMITS.max_unpacked_bytes)
    document = docx.Document(io.BytesIO(data))
    reader = DocxReader(document)
    nodes: list[Node] = []
    wanted = (section or "").strip()
    last_level = 1
    styled = False
    for element in reader.body_elements(document.element.body):
        if local(element) == "tbl":
            grid, marks, _ = reader.table_rows(element)
            grid = [row for row in grid if any(row)]
            if not grid:
                continue
            header_rows = 1 if (marks and marks[0]) or looks_like_header(grid) else 0
            header = grid[0] if header_rows else []
            tables = sum(1 for n in nodes if n.kind == "table")
            nodes.append(Node("table", number=tables + 1, header=header, rows=grid[header_rows:]))
            continue
        para = reader.read_paragraph(element)
        if not para.text:
            continue
        styled = styled or para.level is not None
        # bold lines before the first styled heading are a letterhead, as in ingest.docx
        if para.level is not None or (para.bold_heading_like and styled):
            level = para.level if para.level is not None else last_level + 1
            if para.level is not None:
                last_level = para.level
            anchor = "avsnitt" if wanted and para.text == wanted else None
            if anchor:
                wanted = ""  # only the first heading of that name
            nodes.append(Node("heading", para.text, level=level, anchor=anchor))
        elif para.list_label is not None:
            ordered = _ordered(para.list_label)
            text = f"{para.list_label} {para.text}" if ordered else para.text
            previous = nodes[-1] if nodes else None
            if previous is not None and previous.kind == "list":
                previous.items.append((para.list_depth, text))
            else:
                nodes.append(Node("list", items=[(para.list_depth, text)], ordered=ordered))
        else:
            nodes.append(Node("paragraph", para.text))
    # A first heading alone at the top level is the document's own title: the page's
    # h1 is the title as catalogued, so it is shown as the title line it is.
    headings = [n for n in nodes if n.kind == "heading"]
    if headings and [n.level for n in headings].count(min(n.level for n in headings)) == 1:
        first = headings[0]
        if first.level == min(n.level for n in headings) and len(headings) > 1:
            if title and first.text.strip().lower() == title.strip().lower():
                nodes.remove(first)
            else:
                first.kind = "title"
    # The document's top heading level becomes h2 under the page's h1, the rest follow.
    top = min((n.level for n in nodes if n.kind == "heading"), default=TOP_LEVEL)
    for node in nodes:
        if node.kind == "heading":
            node.level = min(TOP_LEVEL + node.level - top, 6)
    return nodes


def markdown_html(data: bytes) -> Markup:
    """Render Markdown without its front matter; raw HTML stays text, links are checked."""
    _, body = split_front_matter(decode_text(data))
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    tokens = renderer.parse(body)
    for token in tokens:  # the page's title is its h1: the document's headings go one down
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    # markdown-it escapes the text and, with html off, any markup in it
    return Markup(renderer.renderer.render(tokens, renderer.options, {}))  # noqa: S704
