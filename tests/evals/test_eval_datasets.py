"""Tests for loading evaluation datasets from JSON Lines and CSV, and rejecting bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets import DatasetError, load_dataset, load_datasets
from evals.runner import run_eval
from tests.conftest import CORPUS, make_settings

GOOD = {
    "id": "q1",
    "question": "Hur många månader kontoutdrag?",
    "answerable": True,
    "expected_sources": ["nyansokan.pdf"],
    "must_contain": [["tre månader", "3 månader"], ["samtliga konton"]],
    "tags": ["nyansökan"],
    "notes": "Avsnitt 5.1.",
}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    """Write rows (objects or raw strings) as lines of a file."""
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_items_keep_every_field(tmp_path):
    unanswerable = GOOD | {"id": "q2", "answerable": False, "expected_sources": []}
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD, "", unanswerable])
    items = load_dataset(path)
    assert [i.id for i in items] == ["q1", "q2"], "both items load, the blank line is skipped"
    first = items[0]
    assert first.must_contain == [["tre månader", "3 månader"], ["samtliga konton"]], "groups"
    assert first.tags == ["nyansökan"] and first.notes == "Avsnitt 5.1.", "optional fields"
    assert first.source == f"{path}:1", f"source records file and line, got {first.source}"
    assert items[1].source.endswith(":3"), "line numbers count blank lines"


def test_csv_with_semicolons_and_swedish_truth_values(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "id;question;answerable;expected_sources;must_contain;tags;notes\n"
        'q1;Hur många månader?;ja;a.pdf|b.pdf;"tre månader|3 månader;samtliga konton";x;\n'
        "q2;Vad kostar hemtjänst?;Nej;;;obesvarbar|utanför;Utanför omfånget\n",
        encoding="utf-8",
    )
    first, second = load_dataset(path)
    assert first.answerable and first.expected_sources == ["a.pdf", "b.pdf"], "sources split"
    assert first.must_contain == [["tre månader", "3 månader"], ["samtliga konton"]], "groups"
    assert not second.answerable and second.must_contain == [], "an empty must_contain cell"
    assert second.tags == ["obesvarbar", "utanför"], f"tags split on |, got {second.tags}"


def test_csv_with_commas_and_numeric_truth_values(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "id,question,answerable,expected_sources,must_contain\n"
        'q1,"Vem beslutar, och när?",1,a.pdf;b.pdf,14 dagar\n',
        encoding="utf-8",
    )
    (item,) = load_dataset(path)
    assert item.question == "Vem beslutar, och när?", "a quoted comma stays in the question"
    assert item.expected_sources == ["a.pdf", "b.pdf"], "sources split on ;"
    assert item.must_contain == [["14 dagar"]], "one group with one alternative"


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"id": "q9", "question": ', "invalid JSON"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "must_contain"}), "missing field"),
        (json.dumps(GOOD | {"answerable": "ja"}), "'answerable' must be true or false"),
        (json.dumps(GOOD | {"must_contain": ["tre månader"]}), "must be a list of strings"),
        (json.dumps(GOOD | {"expected_sources": []}), "needs at least one expected source"),
        (json.dumps(GOOD | {"must_contian": []}), "unknown field"),
    ],
)
def test_malformed_jsonl_line_names_file_and_line(tmp_path, bad_line, reason):
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD, GOOD | {"id": "q2"}, bad_line])
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert caught.value.line == 3, f"the bad line is line 3, error said {caught.value}"
    assert str(caught.value).startswith(f"{path}:3: "), f"message names file:line: {caught.value}"
    assert reason in str(caught.value), f"expected {reason!r} in {caught.value}"


def test_malformed_csv_row_names_its_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "id,question,answerable,expected_sources,must_contain\n"
        "q1,Fråga ett?,ja,a.pdf,x\n"
        "q2,Fråga två?,kanske,a.pdf,x\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"d\.csv:3: 'answerable'"):
        load_dataset(path)


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    second = write_jsonl(tmp_path / "b.jsonl", [GOOD | {"id": "q2"}, GOOD])
    with pytest.raises(DatasetError, match=r"b\.jsonl:2: duplicate id 'q1'"):
        load_datasets([first, second])


def test_bad_line_fails_before_ingest_or_any_question(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD, "not json"])
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    with pytest.raises(DatasetError, match=r"d\.jsonl:2: invalid JSON"):
        run_eval([path], settings, tmp_path / "run", corpus=CORPUS)
    assert not data_dir.exists(), "nothing was ingested or asked: the data dir was never made"
    assert not (tmp_path / "run").exists(), "no run directory is written for a bad dataset"


def test_an_unanswerable_item_needs_no_expectations(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    line = {"id": "u1", "question": "Hur söker man bygglov?", "answerable": False}
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    (item,) = load_dataset(path)
    assert item.expected_sources == [] and item.must_contain == [] and not item.answerable


def test_a_follow_up_item_keeps_its_history(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    line = {
        "id": "c1",
        "history": ["Hur hög är riksnormen för två barn?"],
        "question": "och tre barn?",
        "answerable": True,
        "expected_sources": ["riktlinjer.pdf"],
        "must_contain": [["11 800 kr"]],
    }
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    (item,) = load_dataset(path)
    assert item.history == ["Hur hög är riksnormen för två barn?"]
