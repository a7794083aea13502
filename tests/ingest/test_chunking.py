"""Chunks keep a rule with the exception that follows it."""

from __future__ import annotations

from ingest.chunking import Chunker, following_exception
from ingest.loaders import Block

FILLER = "Mening nummer {} handlar om handläggning av ärenden i socialtjänsten."
RULE = "Beslutet ska som huvudregel vara tidsbegränsat."
EXCEPTION = "Detta gäller inte beslut om särskilt boende."


def test_the_sentence_after_a_chunk_is_taken_along_only_when_it_is_an_exception() -> None:
    text = f"{RULE} {EXCEPTION} Nästa mening."
    assert following_exception(text, len(RULE)) == EXCEPTION
    assert following_exception(text, len(f"{RULE} {EXCEPTION}")) == ""
    # A new paragraph is a new thought, even when it opens like an exception.
    assert following_exception(f"{RULE}\n\nDock gäller något annat.", len(RULE)) == ""


def test_no_chunk_ends_between_a_rule_and_its_exception() -> None:
    chunker = Chunker(120, 20)
    after = " ".join(FILLER.format(i) for i in range(20))
    ends_on_rule = 0
    for before in range(1, 30):  # move the rule past every chunk boundary
        lead = " ".join(FILLER.format(i) for i in range(before))
        text = f"{lead} {RULE} {EXCEPTION} {after}"
        chunks = chunker.chunk("d", "h", "Titel", [Block(("Rubrik",), text, 1)])
        ends_on_rule += sum(c.text.endswith(RULE) for c in chunks)
        assert any(f"{RULE} {EXCEPTION}" in c.text for c in chunks)
    assert ends_on_rule == 0
