"""Groups in document metadata: front matter, sidecar, a folder's _groups.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.access import can_see, normalize_groups
from ingest.errors import UnreadableFileError
from ingest.prepare import Preparer, content_hash, discover
from tests.conftest import make_settings

BODY = "# Rutin\n\nHandläggaren dokumenterar beslutet i akten samma dag.\n"


def prepared_groups(path: Path) -> tuple[str, ...]:
    """Prepare a file and return the groups its document got."""
    document, _ = Preparer(make_settings(path.parent)).prepare(path, None)
    assert document is not None
    return document.meta.groups


def test_front_matter_groups(tmp_path: Path) -> None:
    path = tmp_path / "rutin.md"
    path.write_text("---\ngroups: [Ekonomi, barn ]\n---\n" + BODY, encoding="utf-8")
    assert prepared_groups(path) == ("barn", "ekonomi"), "names are stripped and case-folded"


def test_sidecar_groups_win_over_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "rutin.md"
    path.write_text("---\ngroups: [ekonomi]\n---\n" + BODY, encoding="utf-8")
    (tmp_path / "rutin.md.meta.yaml").write_text("groups: vuxen, missbruk\n", encoding="utf-8")
    assert prepared_groups(path) == ("missbruk", "vuxen"), "a comma-separated string works too"


def test_folder_groups_apply_below_and_can_be_opened(tmp_path: Path) -> None:
    folder = tmp_path / "ekonomi" / "rutiner"
    folder.mkdir(parents=True)
    (tmp_path / "ekonomi" / "_groups.yaml").write_text("groups: [ekonomi]\n", encoding="utf-8")
    inside = folder / "rutin.md"
    inside.write_text(BODY, encoding="utf-8")
    opened = folder / "oppen.md"
    opened.write_text("---\ngroups: []\n---\n" + BODY, encoding="utf-8")
    outside = tmp_path / "annan.md"
    outside.write_text(BODY, encoding="utf-8")
    assert prepared_groups(inside) == ("ekonomi",), "the folder's groups apply below it"
    assert prepared_groups(opened) == (), "a document's own empty list opens it"
    assert prepared_groups(outside) == (), "nothing restricts a document elsewhere"
    assert all(p.name != "_groups.yaml" for p in discover([tmp_path])), "never a document"


def test_folder_groups_change_the_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "rutin.md"
    path.write_text(BODY, encoding="utf-8")
    before = content_hash(path, path.read_bytes())
    (tmp_path / "_groups.yaml").write_text("groups: [barn]\n", encoding="utf-8")
    assert content_hash(path, path.read_bytes()) != before, "re-ingest when groups change"


def test_bad_groups_fail_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rutin.md"
    path.write_text("---\ngroups: {ekonomi: ja}\n---\n" + BODY, encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="groups"):
        prepared_groups(path)


def test_visibility_rules() -> None:
    assert can_see((), frozenset()), "an open document is visible to everyone"
    assert can_see(("ekonomi",), None), "None reads everything"
    assert can_see(("ekonomi", "barn"), frozenset({"barn"})), "one shared group is enough"
    assert not can_see(("ekonomi",), frozenset({"barn"})), "no shared group, no access"
    assert normalize_groups(" A, b ,,a") == ("a", "b"), "split, strip, fold, dedupe"
