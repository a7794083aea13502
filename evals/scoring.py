"""Score one answered item into a results row, and aggregate rows into the summary metrics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from assistant.answer import ChatResponse
from evals import metrics as m
from evals.datasets import EvalItem

# Metric names in the order the summary table shows them.
METRICS = (
    "accuracy",
    "answer_accuracy",
    "fact_recall",
    "citation_precision",
    "citation_validity",
    "correct_refusal_rate",
    "false_refusal_rate",
    "crag_score",
    "follow_up_accuracy",
    "not_a_question_rate",
    "hit@1",
    "hit@5",
    "mrr@10",
    "ndcg@10",
    "passage_hit@5",
    "passage_mrr@10",
    "latency_p50",
    "latency_p95",
    "first_token_p50",
    "first_token_p95",
)
# Why an item failed, most specific first; the report shows these in Swedish.
FAILURES = {
    "answered_unanswerable": "svarade på en fråga som ingen rutin täcker",
    "refused_wrong_document": "vägrade; inget förväntat dokument hämtades",
    "refused_despite_source": "vägrade trots att ett förväntat dokument hämtades",
    "wrong_document": "svarade från fel dokument; det förväntade hämtades inte",
    "cited_wrong_document": "förväntat dokument hämtades men citerades inte",
    "missing_facts": "nära miss: rätt källa men svaret saknar fakta",
    "invalid_citation": "ogiltig källhänvisning",
}


def citation_row(citation: Any) -> dict[str, Any]:
    """Return what results.jsonl keeps of a citation."""
    p = citation.passage
    return {
        "id": citation.id,
        "document": p.document,
        "title": p.title,
        "section": p.section,
        "page": p.page,
        "quote": citation.quote,
        "chunk_id": p.chunk_id,
    }


def passage_row(rank: int, passage: Any, relevant: bool) -> dict[str, Any]:
    """Return what results.jsonl keeps of a retrieved passage."""
    return {
        "rank": rank,
        "document": passage.document,
        "title": passage.title,
        "section": passage.section,
        "page": passage.page,
        "score": round(passage.score, 6),
        "dense_score": None if passage.dense_score is None else round(passage.dense_score, 4),
        "lexical_score": None if passage.lexical_score is None else round(passage.lexical_score, 4),
        "ranks": passage.ranks,
        "expected": relevant,
    }


def failure_reason(item: EvalItem, row: dict[str, Any]) -> str | None:
    """Name the most specific reason an item failed, or None if it passed."""
    retrieved = row["first_relevant_rank"] is not None
    if not item.answerable:
        return "answered_unanswerable" if row["answered"] else None
    if not row["answered"]:
        return "refused_despite_source" if retrieved else "refused_wrong_document"
    if not row["cites_expected"]:
        return "cited_wrong_document" if retrieved else "wrong_document"
    if not row["correct"]:
        return "missing_facts"
    return None if row["citation_valid"] else "invalid_citation"


def retrieval_scores(relevant: Sequence[bool], answerable: bool) -> dict[str, Any]:
    """Return the retrieval metrics of one item (None for unanswerable items)."""
    if not answerable:
        return dict.fromkeys(("first_relevant_rank", "hit@1", "hit@5", "mrr@10", "ndcg@10"))
    return {
        "first_relevant_rank": m.first_relevant_rank(relevant),
        "hit@1": m.hit_at(relevant, 1),
        "hit@5": m.hit_at(relevant, 5),
        "mrr@10": m.mrr_at(relevant, 10),
        "ndcg@10": m.ndcg_at(relevant, 10),
    }


def score_item(item: EvalItem, response: ChatResponse) -> dict[str, Any]:
    """Score one response against its item and return the results row."""
    relevant = m.relevance(response.passages, item.expected_sources)
    bearing = m.answer_bearing(response.passages, item.expected_sources, item.must_contain)
    answer = response.answer if response.answered else ""
    correct = m.answer_correct(
        response.answered, answer, response.citations, item.must_contain, item.expected_sources
    )
    row: dict[str, Any] = {
        "id": item.id,
        "question": item.question,
        "answerable": item.answerable,
        "tags": item.tags,
        "answer": response.answer,
        "answered": response.answered,
        "generator": response.generator,
        "citations": [citation_row(c) for c in response.citations],
        "retrieved": [
            passage_row(rank, p, hit)
            for rank, (p, hit) in enumerate(zip(response.passages, relevant, strict=True), 1)
        ],
        "expected_sources": item.expected_sources,
        "must_contain": item.must_contain,
        "notes": item.notes,
        "history": item.history,
        "not_a_question": response.kind == "not_a_question" and response.gap_id is None,
        "latency": response.timings.get("total"),
        "first_token": response.timings.get("first_token"),
        "timings": {k: round(v, 4) for k, v in response.timings.items()},
        **retrieval_scores(relevant, item.answerable),
        "passage_hit@5": m.hit_at(bearing, 5) if item.answerable else None,
        "passage_mrr@10": m.mrr_at(bearing, 10) if item.answerable else None,
        "fact_recall": m.fact_recall(answer, item.must_contain) if item.answerable else None,
        "cites_expected": m.cites_expected(response.citations, item.expected_sources),
        "answer_correct": correct if item.answerable else None,
        "citation_precision": m.citation_precision(
            response.citations, item.expected_sources, item.must_contain
        ),
        "citation_valid": m.citations_valid(response.citations, response.passages),
        "crag": m.crag_score(item.answerable, response.answered, correct),
        "correct": correct if item.answerable else not response.answered,
    }
    row["failure"] = failure_reason(item, row)
    row["passed"] = row["failure"] is None
    return row


def column(rows: Sequence[dict[str, Any]], key: str) -> list[Any]:
    """Return one field of every row."""
    return [row.get(key) for row in rows]


def summarise_metrics(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Aggregate results rows into the summary metrics."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if r["answered"]]
    values: dict[str, float | None] = {
        "accuracy": m.rate(column(rows, "correct")),
        "answer_accuracy": m.rate(column(answerable, "answer_correct")),
        "fact_recall": m.mean(column(answerable, "fact_recall")),
        "citation_precision": m.mean(column(answered, "citation_precision")),
        "citation_validity": m.rate(r["citation_valid"] for r in rows if r["answered"]),
        "correct_refusal_rate": m.rate(not r["answered"] for r in unanswerable),
        "false_refusal_rate": m.rate(not r["answered"] for r in answerable),
        "crag_score": m.mean(column(rows, "crag")),
        # Follow-ups (items with history) on their own: answered right, or refused right.
        "follow_up_accuracy": m.rate(r["correct"] for r in rows if r.get("history")),
        # Items that were not questions at all, turned back without a gap.
        "not_a_question_rate": m.rate(
            r["not_a_question"] for r in rows if "not-a-question" in (r["tags"] or [])
        ),
        "latency_p50": m.percentile(column(rows, "latency"), 50),
        "latency_p95": m.percentile(column(rows, "latency"), 95),
        "first_token_p50": m.percentile(column(rows, "first_token"), 50),
        "first_token_p95": m.percentile(column(rows, "first_token"), 95),
    }
    for name in ("hit@1", "hit@5", "mrr@10", "ndcg@10", "passage_hit@5", "passage_mrr@10"):
        values[name] = m.mean(column(answerable, name))
    return {name: values[name] for name in METRICS}


def per_tag_accuracy(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return each tag's item count and accuracy, tags sorted by name."""
    tagged: dict[str, list[bool]] = {}
    for row in rows:
        for tag in row["tags"] or ["(utan tagg)"]:
            tagged.setdefault(tag, []).append(bool(row["correct"]))
    return {
        tag: {"items": len(flags), "accuracy": sum(flags) / len(flags)}
        for tag, flags in sorted(tagged.items())
    }


def counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Count items, answerable ones, answers given and passes."""
    return {
        "items": len(rows),
        "answerable": sum(1 for r in rows if r["answerable"]),
        "unanswerable": sum(1 for r in rows if not r["answerable"]),
        "answered": sum(1 for r in rows if r["answered"]),
        "passed": sum(1 for r in rows if r["passed"]),
        "failed": sum(1 for r in rows if not r["passed"]),
    }


def rank_histogram(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Count answerable items by the rank of their first expected passage, or "miss"."""
    ranks = Counter(
        str(r["first_relevant_rank"]) if r["first_relevant_rank"] else "miss"
        for r in rows
        if r["answerable"]
    )
    numeric = sorted((k for k in ranks if k != "miss"), key=int)
    return {k: ranks[k] for k in [*numeric, "miss"] if k in ranks}


def failure_counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Count failed items by reason, most common first."""
    return dict(Counter(r["failure"] for r in rows if r["failure"]).most_common())
