"""Split passage text into sentences: the unit that is embedded, ranked and quoted.

Ingest embeds each chunk's sentences in this order and stores the vectors with the
chunk, and the extractive generator and citation check split the same text the same
way at question time, so both sides must use this one splitter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations whose full stop does not end a sentence ("t.ex. ", "kap. 4").
ABBREVIATIONS = (
    "t.ex",
    "bl.a",
    "m.m",
    "s.k",
    "dvs",
    "d.v.s",
    "kap",
    "resp",
    "ca",
    "kl",
    "nr",
    "jfr",
    "enl",
    "fr.o.m",
    "t.o.m",
    "p.g.a",
    "o.s.v",
    "etc",
    "inkl",
    "exkl",
    "tel",
    "st",
    "f.d",
    "mom",
    "p",
    "s",
    "jan",
    "feb",
    "aug",
    "sept",
    "okt",
    "nov",
    "dec",
    "sek",
    "forts",
)
# A sentence ends at . ! or ? followed by a capital or a digit (possibly quoted).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-ZÅÄÖ0-9])")
NUMBER_ALONE = re.compile(r"\d{1,3}(?:\.\d{1,3})*\.?")
# A list item's marker: a bullet, "1." / "1)" or "a)" / "a.".
BULLETS = "-•*–➢▪●○◦►✓"
LIST_ITEM = re.compile(rf"^\s*(?:[{BULLETS}\uf0b7]|\d{{1,2}}[.)]|[a-z][.)])\s+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage, with the line (paragraph, list item, table row) it is on."""

    text: str
    line: int
    item: bool  # the line is a list item ("- …", "• …", "1. …")


def split_sentence_lines(text: str) -> list[Sentence]:
    """Split Swedish text into sentences, keeping which line each is on."""
    sentences: list[Sentence] = []
    for number, raw in enumerate(text.splitlines()):
        line = " ".join(raw.split())
        item = bool(LIST_ITEM.match(line))
        line = (
            line.lstrip(f"{BULLETS}\uf0b7 ") if item else line
        )  # as at ingest, where the sentence vectors were made
        if not line:
            continue
        parts = SENTENCE_END.split(line)
        merged: list[str] = []
        for part in parts:
            previous = merged[-1] if merged else ""
            last_word = previous.rsplit(" ", 1)[-1].rstrip(".").lower()
            # A number alone ("3." before "Handläggning") numbers what follows; a number
            # that ends a sentence ("… under 2022. Gällande …") does not.
            if merged and (last_word in ABBREVIATIONS or NUMBER_ALONE.fullmatch(previous)):
                merged[-1] = f"{previous} {part}"
            else:
                merged.append(part)
        sentences.extend(Sentence(s, number, item) for s in merged if len(s) > 2)
    return sentences


def split_sentences(text: str) -> list[str]:
    """Split Swedish text into sentences; lines (list items, table rows) split too."""
    return [s.text for s in split_sentence_lines(text)]
