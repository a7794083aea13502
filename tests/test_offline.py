"""Ingest and search work with no network at all (a network namespace of their own)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT


def can_unshare() -> bool:
    """Tell whether this machine lets us create a network namespace."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not can_unshare(), reason="unshare -n is not permitted here")
def test_ingest_and_search_without_network(tmp_path: Path) -> None:
    corpus = tmp_path / "rutiner"
    shutil.copytree(CORPUS / "rutiner", corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "NLTK", "TIKTOKEN"))}
    env["RUTINSTOD_DATA_DIR"] = str(tmp_path / "data")
    base = ["unshare", "-n", sys.executable, "-m", "rutinstod"]
    ingest = subprocess.run(
        [*base, "ingest", str(corpus), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ingest.returncode == 0, f"ingest failed offline:\n{ingest.stdout}\n{ingest.stderr}"
    search = subprocess.run(
        [*base, "search", "kontroll av stickprov varje månad", "--json", "-k", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert search.returncode == 0, f"search failed offline:\n{search.stderr}"
    hits = json.loads(search.stdout)
    assert hits and hits[0]["document"] == "stickprovskontroller_v2.pdf", hits[:1]
    assert set(hits[0]) >= {"document", "title", "type", "section", "page", "score", "text"}
