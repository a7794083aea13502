"""The vector store's group filter, against a real chroma collection."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.schemas import DocumentMeta
from assistant.store import open_vector_index
from tests.conftest import make_settings


def meta(name: str, groups: tuple[str, ...]) -> DocumentMeta:
    """Return a document's metadata with groups."""
    return DocumentMeta(name, "rutin", None, None, None, None, f"/{name}", name, "h", groups)


def test_query_returns_only_visible_chunks(tmp_path: Path) -> None:
    store = open_vector_index(make_settings(tmp_path))
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(6, 8)).astype(np.float32)
    store.add(meta("open", ()), ["o1", "o2"], vectors[:2])
    store.add(meta("eko", ("ekonomi",)), ["e1", "e2"], vectors[2:4])
    store.add(meta("barn", ("barn", "familj")), ["b1", "b2"], vectors[4:])
    query = vectors.mean(axis=0)
    ids = lambda hits: {h[0] for h in hits}  # noqa: E731
    assert ids(store.query(query, 6)) == {"o1", "o2", "e1", "e2", "b1", "b2"}, "no filter"
    assert ids(store.query(query, 6, groups=frozenset())) == {"o1", "o2"}, "open only"
    eko = store.query(query, 6, groups=frozenset({"ekonomi"}))
    assert ids(eko) == {"o1", "o2", "e1", "e2"}, "open and ekonomi"
    both = store.query(query, 3, groups=frozenset({"familj"}))
    assert len(both) == 3 and ids(both) <= {"o1", "o2", "b1", "b2"}, "k visible ones"
