"""Imports run one way: core, ingest, services, then web and evals; nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# What each part may not import, by top-level name (imports inside functions count too).
FORBIDDEN = {
    "assistant": {"ingest", "services", "web", "evals", "rutinstod"},
    "ingest": {"services", "web", "evals", "rutinstod"},
    "services": {"web", "evals", "rutinstod"},
    "web": {"evals", "rutinstod"},
    "evals": {"web", "rutinstod"},
}


def sources(part: str) -> list[Path]:
    """Return the Python files of a package (or the one module of that name)."""
    folder = ROOT / part
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [ROOT / f"{part}.py"]


def imported(path: Path) -> set[str]:
    """Return the top-level names a file imports, relative imports left out."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_a_part_imports_nothing_above_it(part: str) -> None:
    files = sources(part)
    assert files and all(f.is_file() for f in files), f"no sources found for {part}"
    wrong = {
        str(f.relative_to(ROOT)): sorted(imported(f) & FORBIDDEN[part])
        for f in files
        if imported(f) & FORBIDDEN[part]
    }
    assert not wrong, f"{part} imports what stands above it: {wrong}"


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from web.app import create_app\n    import rutinstod\n")
    assert imported(sample) == {"web", "rutinstod"}, "lazy imports must count as imports"
