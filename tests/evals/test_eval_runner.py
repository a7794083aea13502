"""End-to-end: the runner and the eval command over a copy of the ingested sample corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.config import Settings
from evals.commands import eval_command
from evals.runner import run_eval
from evals.scoring import METRICS
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

ITEMS = [
    {
        "id": "e1",
        "question": "Hur många månader bakåt ska jag be om kontoutdrag vid en nyansökan?",
        "answerable": True,
        "expected_sources": ["nyansokan_och_kontrollhandlingar.pdf"],
        "must_contain": [["tre senaste månaderna", "tre månader", "3 månader"]],
        "tags": ["nyansökan"],
    },
    {
        "id": "e2",
        "question": "Hur mycket får en ensamstående vuxen i akuta matpengar per dag?",
        "answerable": True,
        "expected_sources": ["akut_bistand_och_nodprovning.docx"],
        "must_contain": [["kr"]],
        "tags": ["akut"],
    },
    {
        "id": "e3",
        "question": "Hur snabbt måste jag rapportera ett missförhållande enligt lex Sarah?",
        "answerable": True,
        "expected_sources": ["lex_sarah_och_avvikelsehantering.md"],
        "must_contain": [],
        "tags": ["lex sarah"],
    },
    {
        "id": "e4",
        "question": "Behöver jag söka bygglov för att bygga ett attefallshus på tomten?",
        "answerable": False,
        "expected_sources": [],
        "must_contain": [],
        "tags": ["obesvarbar"],
    },
]


@pytest.fixture(scope="module")
def eval_settings(sample_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Copy the session's ingested data dir, so the run's gaps stay out of it."""
    copy = tmp_path_factory.mktemp("eval") / "data"
    shutil.copytree(sample_settings.data_dir, copy)
    return make_settings(copy)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the small dataset."""
    path = tmp_path_factory.mktemp("dataset") / "small.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in ITEMS), "utf-8")
    return path


def test_run_eval_writes_results_summary_and_report(eval_settings, dataset, tmp_path):
    out = tmp_path / "run"
    summary = run_eval([dataset], eval_settings, out, minimums={"hit@5": 0.0})
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["e1", "e2", "e3", "e4"], "one row per item, in order"
    assert set(summary["metrics"]) == set(METRICS), "every metric is in the summary"
    assert summary["counts"]["items"] == 4 and summary["threshold_failures"] == [], "gate passes"
    assert summary["counts"]["passed"] == sum(r["passed"] for r in rows), "counts match rows"
    assert summary["settings"]["min_dense_score"] == eval_settings.min_dense_score, "snapshot"
    for row in rows:
        ranks = [p["rank"] for p in row["retrieved"]]
        assert ranks == list(range(1, len(ranks) + 1)), f"{row['id']}: ranks run 1..n"
        assert row["latency"] and row["latency"] > 0, f"{row['id']}: latency measured"
        retrieved = {p["document"] for p in row["retrieved"]}
        cited = {c["document"] for c in row["citations"]}
        assert cited <= retrieved, f"{row['id']}: cited documents were retrieved"
        assert row["answered"] == bool(row["citations"]), f"{row['id']}: answers carry citations"
    saved = json.loads((out / "summary.json").read_text("utf-8"))
    assert saved["metrics"] == summary["metrics"], "summary.json holds the returned summary"
    assert "<h1>Rutinstöd – utvärdering</h1>" in (out / "report.html").read_text("utf-8")


def test_eval_command_gate_and_compare(eval_settings, dataset, tmp_path):
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.command("unused")(lambda: None)  # keep "eval" a subcommand, as on rutinstod
    base = ["eval", str(dataset), "--data-dir", str(eval_settings.data_dir)]
    first = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "a"), "--min", "hit@5=0"])
    assert first.exit_code == 0, f"a met threshold passes: {first.output}"
    assert "hit@5" in first.stdout and "Rapport:" in first.stdout, "summary table printed"
    args = [*base, "--out", str(tmp_path / "b"), "--compare", str(tmp_path / "a")]
    second = CliRunner().invoke(app, [*args, "--min", "accuracy=1.01"])
    assert second.exit_code == 1, f"an unmet threshold fails the run: {second.output}"
    assert "accuracy = " in second.output and "krävs >= 1.01" in second.output, "says which"
    assert "Förändring" in second.stdout, "the comparison column is printed"
    summary = json.loads((tmp_path / "b" / "summary.json").read_text("utf-8"))
    assert summary["compare"]["run"] == str(tmp_path / "a"), "the compared run is recorded"
