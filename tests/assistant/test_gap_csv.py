"""CSV cells for Swedish spreadsheets: decimal commas, Swedish types, no formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from assistant.database import GapRow
from assistant.gap_csv import HEADER, csv_cell, decimal_cell, render_csv, source_cell
from assistant.gap_details import FeedbackNote, GapDetail, GivenAnswer

CITATION = {"id": 1, "title": "Riktlinjer", "section": "5 Tillgångar", "page": 3, "url": "/x"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+46 8", "'+46 8"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("Hur gör man?", "Hur gör man?"),
        (None, ""),
    ],
)
def test_csv_cell_neutralises_formulas(value: object, cell: str) -> None:
    assert csv_cell(value) == cell, f"{value!r} should become {cell!r}"


@pytest.mark.parametrize(
    ("value", "cell"), [(0.8123, "0,812"), (1.0, "1,000"), (0.0004, "0,000"), (None, "")]
)
def test_decimal_cell_writes_a_decimal_comma(value: float | None, cell: str) -> None:
    assert decimal_cell(value) == cell, f"{value!r} should be written {cell!r}"


def test_source_cell_names_title_section_and_page() -> None:
    assert source_cell(CITATION) == "[1] Riktlinjer, 5 Tillgångar, s. 3"


def gap(kind: str, **fields: object) -> GapRow:
    """Return an unsaved gap row with the fields the CSV reads."""
    base: dict[str, object] = {
        "id": f"{kind}-id",
        "ref": "K7QM2X",
        "kind": kind,
        "question": "Får klienten ha en bil?",
        "topic_id": "t1",
        "status": "ny",
        "nearest": [{"title": "Riktlinjer", "document": "r.pdf"}],
        "top_score": 0.8123,
        "created_at": dt.datetime(2026, 1, 5, 14, 3, tzinfo=dt.UTC),
    }
    return GapRow(**(base | fields))


def test_rows_carry_swedish_type_topic_label_feedback_and_answer() -> None:
    details = [
        GapDetail(gap("unanswered"), topic_label="Bil och tillgångar"),
        GapDetail(
            gap("feedback", ref="ABCDEF", top_score=None),
            topic_label="Bil och tillgångar",
            feedback=FeedbackNote("fel källa", "=saknar [PERSONNUMMER]", dt.datetime.now(dt.UTC)),
            answer=GivenAnswer("- En bil över 25 000 kr ska säljas [1].", [CITATION]),
        ),
    ]
    rows = list(csv.reader(io.StringIO(render_csv(details)), delimiter=";"))
    assert tuple(rows[0]) == HEADER, rows[0]
    unanswered, feedback = (dict(zip(HEADER, r, strict=True)) for r in rows[1:])
    assert unanswered["typ"] == "obesvarad" and feedback["typ"] == "inte hjälpsamt", rows
    assert unanswered["ämne"] == "Bil och tillgångar", "the topic's label, not its id"
    assert unanswered["bästa poäng"] == "0,812" and feedback["bästa poäng"] == "", rows
    assert unanswered["referens"] == "K7QM2X" and unanswered["svar som gavs"] == "", unanswered
    assert feedback["orsak"] == "fel källa", feedback
    assert feedback["kommentar"] == "'=saknar [PERSONNUMMER]", "a comment must not run"
    assert feedback["svar som gavs"] == "'- En bil över 25 000 kr ska säljas [1].", feedback
    assert feedback["källor i svaret"] == "[1] Riktlinjer, 5 Tillgångar, s. 3", feedback
