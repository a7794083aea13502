"""Tests for the evaluation metrics on hand-made passages, citations and timings."""

from __future__ import annotations

import math

import pytest

from assistant.citations import Citation
from assistant.schemas import Passage
from evals import metrics as m

TEXT = "Kontoutdrag ska begäras in för de tre senaste\n månaderna. Beslut fattas inom 14 dagar."


def passage(document: str, title: str = "Rutin", text: str = TEXT, chunk: str = "") -> Passage:
    """Build a retrieved passage from a document."""
    return Passage(
        chunk_id=chunk or f"c-{document}",
        document_id=f"d-{document}",
        document=document,
        title=title,
        doc_type="rutin",
        section=None,
        page=2,
        valid_from=None,
        text=text,
        score=0.5,
    )


def test_answer_bearing_needs_the_source_and_every_fact():
    passages = [
        passage("a.pdf"),  # every fact, wrong document
        passage("b.pdf", text="Kontoutdrag ska begäras in."),  # right document, a fact short
        passage("b.pdf", chunk="c2"),  # right document, every fact
    ]
    facts = [["tre senaste månaderna", "3 månader"], ["14 dagar"]]
    bearing = m.answer_bearing(passages, ["b.pdf"], facts)
    assert bearing == [False, False, True], bearing
    assert m.hit_at(bearing, 5) == 1.0 and m.mrr_at(bearing, 10) == pytest.approx(1 / 3)
    assert m.answer_bearing(passages, ["b.pdf"], []) == [False, True, True], "no facts: source"


def test_relevance_matches_file_name_or_title_case_insensitively():
    passages = [
        passage("a.pdf"),
        passage("B.PDF"),
        passage("c.docx", title="Rutin för återkrav"),
    ]
    rel = m.relevance(passages, ["b.pdf", "rutin FÖR återkrav"])
    assert rel == [False, True, True], f"relevance by file name and title was {rel}"


def test_rank_metrics_on_a_known_ranking():
    relevant = [False, False, True, False, True, False]
    assert m.first_relevant_rank(relevant) == 3, "first relevant passage is at rank 3"
    assert m.hit_at(relevant, 1) == 0.0, "no hit at rank 1"
    assert m.hit_at(relevant, 5) == 1.0, "a hit within the first 5"
    assert m.mrr_at(relevant, 10) == pytest.approx(1 / 3), "reciprocal rank of rank 3"
    assert m.mrr_at(relevant, 2) == 0.0, "no relevant passage within the first 2"
    expected = (1 / math.log2(4) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at(relevant, 10) == pytest.approx(expected), "nDCG against the ideal order"


def test_ndcg_is_one_for_relevant_first_and_zero_for_a_miss():
    assert m.ndcg_at([True, True, False], 10) == 1.0, "relevant passages first is ideal"
    assert m.ndcg_at([False] * 6, 10) == 0.0, "a miss scores 0"
    assert m.ndcg_at([], 10) == 0.0, "no passages scores 0"


def test_fact_recall_counts_matched_groups():
    groups = [["tre månader", "3 månader"], ["14 dagar"], ["förste socialsekreterare"]]
    answer = "Begär kontoutdrag för TRE\nmånader [1]. Svar inom 14 dagar [1]."
    recall = m.fact_recall(answer, groups)
    assert recall == pytest.approx(2 / 3), f"two of three groups matched, got {recall}"
    assert m.fact_recall(answer, []) is None, "no groups means recall does not apply"


def test_answer_correct_needs_answer_facts_and_expected_citation():
    cite_a = [Citation(1, passage("a.pdf"), "Beslut fattas inom 14 dagar.")]
    cite_b = [Citation(1, passage("b.pdf"), "Beslut fattas inom 14 dagar.")]
    groups = [["14 dagar"]]
    assert m.answer_correct(True, "Inom 14 dagar [1].", cite_a, groups, ["a.pdf"]), "all met"
    assert not m.answer_correct(True, "Inom 14 dagar [1].", cite_b, groups, ["a.pdf"]), (
        "citing another document is not correct"
    )
    assert not m.answer_correct(True, "Snart [1].", cite_a, groups, ["a.pdf"]), "fact missing"
    assert not m.answer_correct(False, "Inom 14 dagar.", cite_a, groups, ["a.pdf"]), "refused"


def test_citation_precision_counts_expected_sources_and_passages_with_facts():
    citations = [
        Citation(1, passage("a.pdf"), "x"),
        Citation(2, passage("b.pdf", text="Svar inom 14 dagar."), "x"),
        Citation(3, passage("c.pdf", text="Något annat."), "x"),
        Citation(4, passage("d.pdf", text="Något annat."), "x"),
    ]
    precision = m.citation_precision(citations, ["a.pdf"], [["14 dagar"]])
    assert precision == 0.5, f"two of four citations are good, got {precision}"
    assert m.citation_precision([], ["a.pdf"], []) is None, "no citations: not applicable"


def test_citation_validity_checks_chunk_page_and_literal_quote():
    source = passage("a.pdf", chunk="c1")
    retrieved = [source]
    joined = (
        "Kontoutdrag ska begäras in för de tre senaste månaderna. … Beslut fattas inom 14 dagar."
    )
    assert m.citation_valid(Citation(1, source, joined), retrieved), "quote pieces are literal"
    paraphrase = Citation(1, source, "Kontoutdrag för tre månader.")
    assert not m.citation_valid(paraphrase, retrieved), "a paraphrase is not a quote"
    assert not m.citation_valid(Citation(1, source, "  "), retrieved), "an empty quote"
    stranger = Citation(1, passage("a.pdf", chunk="c9"), "Beslut fattas inom 14 dagar.")
    assert not m.citation_valid(stranger, retrieved), "a chunk that was not retrieved"
    bad_page = passage("a.pdf", chunk="c1")
    bad_page.page = "2"  # type: ignore[assignment]
    assert not m.citation_valid(Citation(1, bad_page, "Beslut fattas inom 14 dagar."), retrieved), (
        "a page that is not an int or None"
    )
    assert m.citations_valid([], retrieved), "no citations are trivially valid"


def test_crag_score_rewards_correct_and_punishes_wrong_answers():
    assert m.crag_score(True, True, True) == 1, "answerable, answered correctly"
    assert m.crag_score(True, True, False) == -1, "answerable, answered wrongly"
    assert m.crag_score(True, False, False) == 0, "answerable, refused"
    assert m.crag_score(False, True, True) == -1, "unanswerable, any answer is wrong"
    assert m.crag_score(False, False, False) == 0, "unanswerable, refused"


def test_percentiles_interpolate_linearly():
    values = [0.1, 0.2, 0.3, 0.4, 1.0]
    assert m.percentile(values, 50) == pytest.approx(0.3), "median of five values"
    assert m.percentile(values, 95) == pytest.approx(0.88), "p95 between 0.4 and 1.0"
    assert m.percentile([None, 2.0], 95) == 2.0, "None values are skipped"
    assert m.percentile([], 50) is None, "no values gives None"


def test_thresholds_and_deltas_know_which_direction_is_better():
    assert m.below_threshold("hit@5", 0.9, 0.95), "hit@5 under its minimum fails"
    assert not m.below_threshold("hit@5", 0.96, 0.95), "hit@5 over its minimum passes"
    assert m.below_threshold("latency_p95", 2.5, 2.0), "latency over its maximum fails"
    assert not m.below_threshold("false_refusal_rate", 0.05, 0.1), "few false refusals pass"
    assert m.below_threshold("hit@5", None, 0.0), "a missing metric fails its threshold"
    deltas = m.metric_deltas(
        {"hit@5": 0.9, "latency_p95": 1.0, "mrr@10": 0.8}, {"hit@5": 0.8, "latency_p95": 1.5}
    )
    assert deltas["hit@5"]["better"] is True, "a higher hit@5 is better"
    assert deltas["latency_p95"]["better"] is True, "a lower latency is better"
    assert deltas["latency_p95"]["delta"] == pytest.approx(-0.5), "latency delta"
    assert "mrr@10" not in deltas, "a metric missing from the previous run has no delta"
