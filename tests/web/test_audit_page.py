"""The audit log page in a real Chromium: the routine group reads, filters and exports it.

axe-core checks the page against WCAG 2.1 A and AA.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import AuthServer

pytestmark = pytest.mark.browser
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def log_in(page: Any, server: AuthServer, token: str, path: str) -> None:
    """Open a page, get sent to the login form, and log in with a token."""
    page.goto(f"{server.url}{path}")
    page.get_by_label("Inloggningskod").fill(token)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("networkidle")


def axe_violations(page: Any) -> tuple[int, str]:
    """Run axe-core on the page for WCAG 2.1 AA; return the count and a readable report."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="no axe-core")
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = axe.Axe().run(page, options=options)
    return results.violations_count, results.generate_report()


def test_routine_group_reads_filters_and_exports_the_log(
    page: Any, auth_server: AuthServer
) -> None:
    log_in(page, auth_server, auth_server.routine_group_token, "/rutingrupp/logg")
    assert page.get_by_role("heading", name="Händelselogg", level=1).is_visible(), page.url
    assert page.get_by_role("link", name="Händelselogg").get_attribute("aria-current") == "page"
    body = page.locator("#audit-body")
    body.get_by_text("Läste händelseloggen").first.wait_for()
    count, report = axe_violations(page)
    assert count == 0, f"WCAG 2.1 AA violations on the audit page:\n{report}"
    page.get_by_label("Händelse", exact=True).select_option("login.success")
    page.get_by_role("button", name="Visa").click()
    page.locator("#audit-status").filter(has_text="av").wait_for()
    labels = set(body.locator("tr td:nth-child(2)").all_inner_texts())
    assert labels == {"Loggade in"}, f"the filter should apply: {labels}"
    with page.expect_download() as download:
        page.get_by_role("link", name="Exportera till CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("id;tid;aktör"), f"unexpected CSV header: {text[:60]}"
    codes = {line.split(";")[7] for line in text.splitlines()[1:] if line}
    assert codes == {"login.success"}, f"the export should follow the filter: {codes}"


def test_caseworker_has_no_audit_log(page: Any, auth_server: AuthServer) -> None:
    log_in(page, auth_server, auth_server.caseworker_token, "/")
    assert page.get_by_role("link", name="Händelselogg").count() == 0, "menu shows the log"
    page.goto(f"{auth_server.url}/rutingrupp/logg")
    assert "/logga-in" in page.url and "fel=behorighet" in page.url, f"got {page.url}"
