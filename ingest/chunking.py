"""Cut a loaded document into sections by heading, and sections into token-sized chunks."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from assistant.schemas import Chunk
from assistant.sentences import split_sentences
from ingest.loaders import Block

SECTION_SEPARATOR = " › "
# A sentence that opens like this is the exception to the rule before it: a chunk that
# ends before it takes it along ("… vara tidsbegränsat. Detta gäller inte beslut om …").
EXCEPTION = re.compile(
    r"(?:dock|men|undantag|utom|däremot|annars|om inte|i så fall|med undantag|"
    r"detta gäller inte|det gäller inte|detta gäller dock|det gäller dock)\b",
    re.IGNORECASE,
)


@dataclass
class Section:
    """Consecutive blocks under one heading path, with the page each part starts on."""

    headings: tuple[str, ...]
    text: str = ""
    offsets: list[int] = field(default_factory=list)
    pages: list[int | None] = field(default_factory=list)
    confidences: list[float | None] = field(default_factory=list)

    def add(self, block: Block) -> None:
        """Append a block's text, remembering where its page starts."""
        if self.text:
            self.text += "\n\n"
        self.offsets.append(len(self.text))
        self.pages.append(block.page)
        self.confidences.append(block.ocr_confidence)
        self.text += block.text

    def page_at(self, offset: int) -> int | None:
        """Return the page that the character at an offset lies on."""
        index = max(bisect.bisect_right(self.offsets, offset) - 1, 0)
        return self.pages[index] if self.pages else None

    def ocr_confidence(self, start: int, end: int) -> float | None:
        """Return the lowest OCR confidence of the blocks a text span covers, if any."""
        first = max(bisect.bisect_right(self.offsets, start) - 1, 0)
        last = max(bisect.bisect_right(self.offsets, end) - 1, 0)
        found = [c for c in self.confidences[first : last + 1] if c is not None]
        return min(found) if found else None


def group_sections(blocks: list[Block]) -> list[Section]:
    """Group consecutive blocks that share a heading path into sections."""
    sections: list[Section] = []
    for block in blocks:
        if not sections or sections[-1].headings != block.headings:
            sections.append(Section(block.headings))
        sections[-1].add(block)
    return sections


def section_label(headings: tuple[str, ...], title: str) -> str | None:
    """Join a heading path for display, leaving out a top heading that repeats the title."""
    parts = list(headings)
    if parts and parts[0].strip().lower() == title.strip().lower():
        parts = parts[1:]
    return SECTION_SEPARATOR.join(parts) or None


def following_exception(text: str, end: int | None) -> str:
    """Return the sentence after a chunk's end when it is an exception to the one before.

    Only within the paragraph: a new paragraph starts a new thought.
    """
    if end is None or end >= len(text):
        return ""
    rest = text[end : end + 600]
    if not rest.strip() or "\n\n" in rest[: len(rest) - len(rest.lstrip())]:
        return ""
    first = split_sentences(rest.strip())[:1]
    return first[0] if first and EXCEPTION.match(first[0]) else ""


class Chunker:
    """Split sections with llama-index's SentenceSplitter, keeping section and page."""

    def __init__(self, chunk_tokens: int, overlap: int) -> None:
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens, chunk_overlap=overlap, paragraph_separator="\n\n"
        )

    def chunk(
        self, document_id: str, content_hash: str, title: str, blocks: list[Block]
    ) -> list[Chunk]:
        """Return the document's chunks in reading order with deterministic ids."""
        chunks: list[Chunk] = []
        for section in group_sections(blocks):
            label = section_label(section.headings, title)
            nodes = self._splitter.get_nodes_from_documents([Document(text=section.text)])
            for node in nodes:
                assert isinstance(node, TextNode)
                start = node.start_char_idx or 0
                end = max((node.end_char_idx or start + 1) - 1, start)
                text = node.get_content().strip()
                exception = following_exception(section.text, node.end_char_idx)
                if exception:
                    text, end = f"{text} {exception}", end + len(exception) + 1
                ordinal = len(chunks)
                digest = hashlib.sha256(f"{document_id}:{content_hash}:{ordinal}".encode())
                chunks.append(
                    Chunk(
                        id=digest.hexdigest()[:24],
                        document_id=document_id,
                        ordinal=ordinal,
                        section=label,
                        page=section.page_at(start),
                        page_end=section.page_at(end),
                        text=text,
                        ocr_confidence=section.ocr_confidence(start, end),
                    )
                )
        return [c for c in chunks if c.text]
