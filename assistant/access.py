"""Access per group: which documents a reader may see.

A document restricted to groups is visible to a reader in at least one of them; a
document without groups is visible to everyone. A reader is a plain set of group
names, or None for a reader who sees everything (no login configured, the CLI, the
evaluation). Group names are compared case-insensitively, without surrounding space.
"""

from __future__ import annotations

from collections.abc import Iterable

# The groups of the caller: a set of names, or None for "sees every document".
Reader = frozenset[str] | None
EVERYONE: Reader = None


def normalize_groups(values: Iterable[object] | str | None) -> tuple[str, ...]:
    """Return group names stripped, case-folded, without duplicates, sorted.

    A string is read as a comma-separated list ("ekonomi, barn och familj").
    """
    if values is None:
        return ()
    items = values.split(",") if isinstance(values, str) else values
    names = {str(item).strip().casefold() for item in items if item is not None}
    return tuple(sorted(name for name in names if name))


def reader_groups(values: Iterable[object] | str | None) -> frozenset[str]:
    """Return a reader's groups as the set retrieval filters by."""
    return frozenset(normalize_groups(values))


def can_see(document_groups: Iterable[str] | None, reader: Reader) -> bool:
    """Tell whether a reader may see a document restricted to the given groups."""
    if reader is None or not document_groups:
        return True
    return not reader.isdisjoint(document_groups)
