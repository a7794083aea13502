"""Gap references: short, unambiguous, canonical when typed back, unique in the log."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assistant.database import Database, GapRow
from assistant.gap_refs import REF_ALPHABET, REF_LENGTH, REF_PATTERN, new_ref, normalise_ref
from assistant.gaps import GapLog, unused_ref


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("0O1lIL") & set(REF_ALPHABET), f"look-alikes in {REF_ALPHABET}"
    assert len(set(REF_ALPHABET)) == len(REF_ALPHABET) == 31, "each symbol should appear once"


def test_a_new_ref_is_six_symbols_of_the_alphabet() -> None:
    refs = {new_ref() for _ in range(2000)}
    assert all(len(r) == REF_LENGTH and set(r) <= set(REF_ALPHABET) for r in refs), refs
    assert len(refs) > 1990, "2000 draws from 887 million should almost never repeat"
    cycle = itertools.cycle("K7QM2X")
    assert new_ref(lambda _alphabet: next(cycle)) == "K7QM2X", "the symbols come from choose()"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("K7QM2X", "K7QM2X"), ("k7qm2x", "K7QM2X"), (" K7Q-M2X ", "K7QM2X"), ("#k7 qm 2x", "K7QM2X")],
)
def test_typed_refs_are_made_canonical(typed: str, canonical: str) -> None:
    assert normalise_ref(typed) == canonical, f"{typed!r} should read as {canonical}"


@pytest.mark.parametrize("typed", ["K7QM2", "K7QM2XY", "K7QM0X", "K7QMOX", "K7QM1X", "K7QMIX", ""])
def test_what_cannot_be_a_ref_is_refused(typed: str) -> None:
    assert normalise_ref(typed) is None, f"{typed!r} is not a reference"


def test_every_logged_gap_gets_its_own_ref(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'gaps.sqlite3'}")
    try:
        gaps = GapLog(database)
        refs = [gaps.record_gap("unanswered", f"Fråga {i}?", "", None, []).ref for i in range(50)]
        assert all(r and REF_PATTERN.fullmatch(r) for r in refs), refs
        assert len(set(refs)) == 50, "references must be unique"
        with database.session() as session:
            taken = iter([refs[0], refs[1], "ABCDEF"])
            assert unused_ref(session, draw=lambda: next(taken)) == "ABCDEF", "skip taken refs"
            stored = session.get(GapRow, gaps.gaps(ref=refs[3])[0].id)
            assert stored is not None and stored.ref == refs[3], "a ref finds its gap"
    finally:
        database.dispose()
