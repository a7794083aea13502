"""The routine group's workbench in a real Chromium: the overview, the upload form with its
prefill and a validation error, Avveckla / Återaktivera / Ta bort with their dialogs,
dismissing a failed file, and the re-check after a topic is marked åtgärdad.

Every state is checked with axe-core (0 WCAG 2.1 AA violations) and for sideways
scrolling at 1366×900, 390×844 and 400 % zoom (342×225 CSS px). One app over a small
corpus of its own (real model, chroma and SQLite), with a few weeks of usage written
into its database so the plots have something to show.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest

from assistant.database import AnswerRow, FeedbackRow, GapRow, GapTopicRow
from assistant.gap_refs import new_ref
from services import Services
from tests.conftest import CORPUS, LiveServer, ingest, make_settings
from tests.web.axe import assert_accessible
from tests.web.test_browser import screenshot
from web.app import create_app

pytestmark = pytest.mark.browser
WIDE, NARROW, ZOOMED = (1366, 900), (390, 844), (342, 225)  # 400 % of 1366×900
SAMPLE = [
    "rutiner/akut_bistand_och_nodprovning.docx",
    "riktlinjer/boende_och_andrahandskontrakt.md",
    "rutiner/samverkan_med_arbetsmarknadsenheten.md",
]
HOME_TRIPS = """# Rutin för hemresor

## 1 Bistånd till hemresa

Bistånd till hemresa kan beviljas en EU-medborgare som saknar uppehållsrätt och inte kan
försörja sig. Biståndet till hemresan beviljas högst en gång per år.

## 2 Beslut

Beslut om bistånd till hemresa fattas av förste socialsekreterare.
"""
GLASSES = """# Rutin för glasögon

## 1 Bistånd till glasögon

Bistånd till glasögon kan beviljas när en synundersökning visar att glasögon behövs och
den sökande saknar egna medel. Biståndet avser de billigaste glasögonen som fyller behovet.

## 2 Beslut

Beslut om bistånd till glasögon fattas av förste socialsekreterare.
"""
COVERED_LATER = "Vem beslutar om bistånd till glasögon?"
# Content outside the view is allowed only inside a region that scrolls on its own
# (a data table), as WCAG 1.4.10 allows; the page itself must not scroll sideways.
OUTSIDE = """() => [...document.body.querySelectorAll('*')].filter((n) => {
  if (n.closest('.visually-hidden, [hidden], svg, .table-wrap, dialog:not([open])')) return false;
  const box = n.getBoundingClientRect();
  return box.width > 0 && (box.left < -1 || box.right > innerWidth + 1);
}).map((n) => n.tagName + '.' + n.className).slice(0, 5)"""


def expiring_note(today: dt.date) -> str:
    """Return a routine whose validity ends in 30 days."""
    return (
        f"---\ntitle: Rutin för julbord\ntype: rutin\nvalid_to: {today + dt.timedelta(days=30)}\n"
        "---\n# Rutin för julbord\n\n## Anmälan\n\nAnmälan till julbordet görs senast 1 december.\n"
    )


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Services]]:
    """Serve a small corpus with a failed file and some weeks of usage."""
    corpus = tmp_path_factory.mktemp("workbench-corpus")
    for name in SAMPLE:
        shutil.copy(CORPUS / name, corpus / Path(name).name)
    (corpus / "julbord.md").write_text(expiring_note(dt.date.today()), encoding="utf-8")
    (corpus / "trasig.docx").write_bytes(b"PK\x03\x04 inte en docx")
    settings = make_settings(tmp_path_factory.mktemp("workbench-data"), corpus_dir=corpus)
    ingest(settings, [corpus])
    services = Services(settings)
    seed_usage(services)
    try:
        with LiveServer(create_app(settings, services)) as server:
            yield server, services
    finally:
        services.close()


def seed_usage(services: Services) -> None:
    """Write ten weeks of answers, refusals, feedback and two growing topics."""
    rng = random.Random(7)
    documents = services.catalog.documents()
    cited = [d for d in documents if d.file_name != "julbord.md"]
    now = dt.datetime.now(dt.UTC)
    rows: list[Any] = []
    topics = [
        GapTopicRow(id="t-husdjur", label="Får klienten ha husdjur i lägenheten?", size=0),
        GapTopicRow(id="t-bredband", label="Betalar vi bredband för skolarbete?", size=0),
    ]
    for day in range(70):
        moment = now - dt.timedelta(days=day, hours=rng.randrange(8))
        for n in range(rng.randrange(1, 5)):
            doc = cited[(day + n) % len(cited)]
            answer_id = f"seed-{day}-{n}"
            rows.append(
                AnswerRow(
                    id=answer_id,
                    conversation_id=answer_id,
                    question="Fråga?",
                    answer="Svar [1].",
                    answered=True,
                    generator="extractive",
                    citations=[{"document_id": doc.id, "document": doc.file_name}],
                    created_at=moment,
                )
            )
            if n == 0 and day % 3 == 0:
                reason = ("fel svar", "ofullständigt", "föråldrat")[day % 9 // 3]
                rows.append(
                    FeedbackRow(
                        answer_id=answer_id, helpful=day % 2 == 0, reason=reason, created_at=moment
                    )
                )
        if day % 4 == 0 or day < 20 and day % 2 == 0:
            topic = topics[0] if day < 28 else topics[1]
            rows.append(
                GapRow(
                    id=f"seed-gap-{day}",
                    ref=new_ref(),
                    kind="unanswered",
                    question=topic.label,
                    topic_key="",
                    topic_id=topic.id,
                    nearest=[],
                    created_at=moment,
                )
            )
    with services.database.session() as session:
        session.add_all(topics)
        session.flush()
        session.add_all(rows)


def check_everywhere(page: Any, state: str) -> None:
    """Check a state with axe-core and for sideways scrolling at each size, then go wide."""
    for width, height in (WIDE, NARROW, ZOOMED):
        page.set_viewport_size({"width": width, "height": height})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{state} at {width}px scrolls sideways ({scroll}px)"
        outside = page.evaluate(OUTSIDE)
        assert not outside, f"{state} at {width}px: content cut off at the sides: {outside}"
        assert_accessible(page, f"{state} at {width}×{height}")
    page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})


def test_overview_shows_plots_with_text_equivalents(page: Any, workbench: Any) -> None:
    server, _ = workbench
    page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
    page.goto(f"{server.url}/rutingrupp")
    page.get_by_role("link", name="Översikt").click()
    assert page.url.endswith("/rutingrupp/oversikt"), page.url
    link = page.get_by_role("link", name="Översikt")
    assert link.get_attribute("aria-current") == "page", "the navigation marks the page"
    weekly = page.get_by_role("img", name=re.compile("Frågor per vecka"))
    assert weekly.locator("rect.fill-answered").count() >= 9, "ten weeks should have bars"
    assert page.get_by_role("img", name=re.compile("Andel besvarade")).count() == 1
    page.get_by_text("Visa frågor per vecka som tabell").click()
    rows = page.locator(".chart-table tbody tr")
    assert rows.count() == 26, f"a row per week of the half year, got {rows.count()}"
    growing = page.locator("section[aria-labelledby='growing-heading'] li").first
    assert "husdjur" in growing.inner_text(), growing.inner_text()
    assert growing.get_by_role("link").get_attribute("href").startswith("/rutingrupp?ref=")
    expiring = page.locator("section[aria-labelledby='expiring-heading']").inner_text()
    assert "Rutin för julbord" in expiring and "dagar kvar" in expiring, expiring
    reasons = page.locator("section[aria-labelledby='feedback-heading']").inner_text()
    assert "Fel svar" in reasons and "Föråldrat" in reasons, reasons
    assert page.locator("section[aria-labelledby='cited-heading'] ol li").count() >= 3
    check_everywhere(page, "overview with its table open")
    page.get_by_text("Visa frågor per vecka som tabell").click()
    screenshot(page, "overview.png")
    page.get_by_label("Period").select_option("8")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(re.compile("veckor=8"))
    assert page.locator(".chart-table tbody tr").count() == 8, "the period changes the weeks"


def test_overview_api_counts_and_refuses_a_bad_period(workbench: Any) -> None:
    server, _ = workbench
    body = httpx.get(f"{server.url}/api/overview", params={"weeks": 12}, timeout=30).json()
    assert len(body["weeks"]) == 12 and body["totals"]["answered"] > 0, body["totals"]
    assert body["growing"][0]["label"].startswith("Får klienten ha husdjur"), body["growing"]
    assert [d["title"] for d in body["expiring"]] == ["Rutin för julbord"], body["expiring"]
    refused = httpx.get(f"{server.url}/api/overview", params={"weeks": 2}, timeout=30)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["msg"] == "Värdet måste vara minst 4.", refused.json()


def plain_word_file(path: Path) -> Path:
    """Write a DOCX as python-docx makes it: no title, author python-docx, dated 2013."""
    document = docx.Document()
    document.add_heading("Rutin för hemresor", level=1)
    document.add_paragraph(HOME_TRIPS.split("## 1 Bistånd till hemresa\n\n")[1].split("##")[0])
    document.add_heading("2 Beslut", level=2)
    document.add_paragraph("Beslut om bistånd till hemresa fattas av förste socialsekreterare.")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_upload_form_is_prefilled_and_refuses_bad_dates(
    page: Any, workbench: Any, tmp_path: Path
) -> None:
    server, _ = workbench
    page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
    page.goto(f"{server.url}/rutingrupp/dokument")
    page.get_by_label("Fil (PDF, DOCX, Markdown eller HTML)").set_input_files(
        str(plain_word_file(tmp_path / "hemresor.docx"))
    )
    page.get_by_role("button", name="Läs uppgifter ur filen").click()
    form = page.locator("#meta-form")
    form.wait_for()
    assert page.get_by_label("Titel (obligatorisk)").input_value() == "Rutin för hemresor"
    assert page.get_by_label("Typ").input_value() == "rutin", "the type from the title"
    assert page.get_by_label("Ägare").input_value() == "", "python-docx is not an owner"
    assert page.get_by_label("Gäller från").input_value() == "", "no 2013 template date"
    assert "python-docx" in page.locator("#meta-notes").inner_text()
    assert page.evaluate("document.activeElement.id") == "meta-title-heading", "focus moved"
    page.get_by_label("Ägare").fill("Enhetschef ekonomiskt bistånd")
    page.get_by_label("Gäller från").fill("2026-05-01")
    page.get_by_label("Gäller till och med").fill("2026-04-01")
    page.get_by_role("button", name="Ladda upp och läs in").click()
    summary = page.locator("#meta-errors")
    summary.wait_for()
    message = "”Gäller till” kan inte vara före ”Gäller från”."
    assert message in summary.inner_text(), summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "meta-errors", "focus on the summary"
    valid_to = page.get_by_label("Gäller till och med")
    assert valid_to.get_attribute("aria-invalid") == "true"
    assert page.locator("#meta-valid_to-error").inner_text() == message
    check_everywhere(page, "upload form with a validation error")
    screenshot(page, "upload-form.png")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "meta-valid-to", "the link goes to it"
    valid_to.fill("")
    page.get_by_role("button", name="Ladda upp och läs in").click()
    page.locator("#upload-result").filter(has_text="är inläst").wait_for()
    row = page.locator("#documents-body tr", has_text="Rutin för hemresor")
    assert "Enhetschef ekonomiskt bistånd" in row.inner_text(), row.inner_text()
    assert "1 maj 2026" in row.inner_text() and "Tills vidare" in row.inner_text()


def test_avveckla_ateraktivera_and_ta_bort_with_their_dialogs(page: Any, workbench: Any) -> None:
    server, _ = workbench
    page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
    page.goto(f"{server.url}/rutingrupp/dokument")
    title = "Rutin för samverkan med Arbetsmarknadsenheten"
    row = page.locator("#documents-body tr", has_text="samverkan")
    row.wait_for()
    row.get_by_role("button", name=re.compile("^Avveckla")).click()
    dialog = page.get_by_role("dialog", name="Avveckla dokumentet?")
    assert "återaktivera" in dialog.inner_text(), dialog.inner_text()
    check_everywhere(page, "Avveckla confirmation")
    dialog.get_by_role("button", name="Avveckla").click()
    page.locator("#documents-status").filter(has_text="är avvecklat").wait_for()
    retired = page.locator("#retired-body tr", has_text="samverkan")
    assert "Avvecklad" in retired.inner_text() and "Avvecklat " in retired.inner_text()
    assert page.locator("#documents-body tr", has_text="samverkan").count() == 0
    check_everywhere(page, "retired listing")
    retired.get_by_role("button", name=re.compile("^Återaktivera")).click()
    page.locator("#documents-status").filter(has_text="är återaktiverat").wait_for()
    row = page.locator("#documents-body tr", has_text="samverkan")
    assert row.count() == 1 and page.locator("#retired-body tr", has_text="samverkan").count() == 0
    delete = row.get_by_role("button", name=re.compile("^Ta bort"))
    delete.click()
    confirm = page.get_by_role("dialog", name="Ta bort dokumentet?")
    assert "Det går inte att ångra" in confirm.inner_text(), confirm.inner_text()
    check_everywhere(page, "Ta bort confirmation")
    confirm.get_by_role("button", name="Avbryt").click()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Ta bort {title}"
    assert row.count() == 1, "Avbryt keeps the document"
    delete.click()
    confirm.get_by_role("button", name="Ta bort").click()
    page.locator("#documents-status").filter(has_text="är borttaget").wait_for()
    assert page.locator("tr", has_text="samverkan").count() == 0, "the document is gone"


def test_a_failed_file_is_dismissed(page: Any, workbench: Any) -> None:
    server, _ = workbench
    page.goto(f"{server.url}/rutingrupp/dokument")
    failure = page.locator("#failures li", has_text="trasig.docx")
    failure.wait_for()
    assert "DOCX-filen är skadad (inte ett giltigt zip-arkiv)." in failure.inner_text()
    failure.get_by_role("button", name="Ta bort trasig.docx från listan").click()
    page.locator("#failures-status").filter(has_text="borttagen från listan").wait_for()
    assert page.get_by_text("Inga fel vid senaste inläsningen.").is_visible()
    assert page.evaluate("document.activeElement.id") == "failures-status", "focus is kept"


def test_a_resolved_topic_shows_what_its_questions_get_now(page: Any, workbench: Any) -> None:
    server, _ = workbench
    asked = httpx.post(f"{server.url}/api/chat", json={"question": COVERED_LATER}, timeout=60)
    assert asked.json()["kind"] == "refusal", asked.json()["answer"]
    ref = asked.json()["gap_ref"]
    files = {"file": ("glasogon.md", GLASSES.encode())}
    assert httpx.post(f"{server.url}/api/documents", files=files, timeout=120).status_code == 200
    page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
    page.goto(f"{server.url}/rutingrupp?ref={ref}")
    topic = page.locator("article.topic", has=page.locator(".gap-entry.match"))
    topic.wait_for()
    topic.get_by_label("Status").select_option("åtgärdad")
    topic.get_by_label("Dokument som nu täcker ämnet").select_option("glasogon.md")
    topic.get_by_role("button", name="Spara").click()
    result = topic.locator(".recheck-entry")
    result.filter(has_text="Besvaras nu").wait_for()
    status = topic.locator(".recheck-status").inner_text()
    assert "1 av 1 fråga besvaras nu" in status, status
    source = result.locator(".recheck-sources a")
    assert "Rutin för glasögon" in source.inner_text(), source.inner_text()
    assert source.get_attribute("href").startswith("/api/documents/"), "the citation links"
    result.get_by_text("Svaret nu", exact=True).click()
    assert "förste socialsekreterare" in result.locator(".given-answer").inner_text()
    check_everywhere(page, "re-check result on the gaps page")
    screenshot(page, "gap-recheck.png")
    topic.get_by_role("button", name="Kontrollera igen").click()
    topic.locator(".recheck-status").filter(has_text="Kontrollerad").wait_for()
