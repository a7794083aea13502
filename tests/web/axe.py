"""Run axe-core (shipped inside axe-playwright-python) on a page for WCAG 2.1 A and AA."""

from __future__ import annotations

from typing import Any

import pytest

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page: Any, state: str) -> None:
    """Fail with axe-core's report if the page in its current state breaks WCAG 2.1 AA."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="no axe-core")
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = axe.Axe().run(page, options=options)
    assert results.violations_count == 0, f"{state}: {results.generate_report()}"
