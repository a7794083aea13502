"""Retrieval, answer, citation, abstention and latency metrics, as pure functions.

Definitions (the report and README refer to these):
- A passage is relevant when its document's file name or title equals one of the
  item's expected sources, case-insensitively. Any one expected source counts.
- A passage is answer-bearing when it is relevant and its text holds every
  must_contain group (an alternative of each), so the answer can be read from it.
  passage_hit@5 and passage_mrr@10 are hit@5 and MRR@10 over answer-bearing passages.
- hit@k: a relevant passage is among the first k. MRR@k: 1 / rank of the first
  relevant passage within k, else 0.
- nDCG@k: binary gains (1 per relevant passage) discounted by log2(rank + 1),
  divided by the DCG of the same retrieved passages with the relevant ones first.
  The full set of relevant chunks is unknown, so the ideal is the retrieved set's
  own best order; no relevant passage gives 0.
- fact recall: the share of must_contain groups with an alternative in the answer.
- citation validity: each citation's chunk is among the retrieved passages, its
  page is an int or None and its quote is non-empty and, piece by piece (the
  pipeline joins several quotes from one passage with " … "), a substring of that
  passage's text after whitespace normalisation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

QUOTE_JOINER = " … "
# Metrics where a lower value is better: thresholds are maxima and a drop is an improvement.
LOWER_IS_BETTER = frozenset(
    {"false_refusal_rate", "latency_p50", "latency_p95", "first_token_p50", "first_token_p95"}
)


class PassageLike(Protocol):
    """What the metrics read from a retrieved passage."""

    chunk_id: str
    document: str
    title: str
    page: int | None
    text: str


class CitationLike(Protocol):
    """What the metrics read from a citation."""

    @property
    def passage(self) -> PassageLike: ...

    @property
    def quote(self) -> str: ...


def normalise(text: str) -> str:
    """Collapse whitespace and lower-case text for matching."""
    return " ".join(text.split()).casefold()


def is_expected(passage: PassageLike, expected_sources: Iterable[str]) -> bool:
    """Tell whether a passage comes from one of the expected sources."""
    wanted = {normalise(source) for source in expected_sources}
    return normalise(passage.document) in wanted or normalise(passage.title) in wanted


def relevance(passages: Sequence[PassageLike], expected_sources: Sequence[str]) -> list[bool]:
    """Mark each retrieved passage, in rank order, as relevant or not."""
    return [is_expected(p, expected_sources) for p in passages]


def answer_bearing(
    passages: Sequence[PassageLike],
    expected_sources: Sequence[str],
    must_contain: Sequence[Sequence[str]],
) -> list[bool]:
    """Mark each passage, in rank order, as answer-bearing (relevant, with every fact)."""
    return [
        is_expected(p, expected_sources) and fact_recall(p.text, must_contain) in (None, 1.0)
        for p in passages
    ]


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """Return the 1-based rank of the first relevant passage, or None."""
    return next((rank for rank, hit in enumerate(relevant, start=1) if hit), None)


def hit_at(relevant: Sequence[bool], k: int) -> float:
    """Return 1.0 if a relevant passage is among the first k, else 0.0."""
    return 1.0 if any(relevant[:k]) else 0.0


def mrr_at(relevant: Sequence[bool], k: int) -> float:
    """Return the reciprocal rank of the first relevant passage within k, else 0.0."""
    rank = first_relevant_rank(relevant[:k])
    return 0.0 if rank is None else 1.0 / rank


def dcg(gains: Sequence[bool]) -> float:
    """Return the discounted cumulative gain of binary gains in rank order."""
    return sum(1.0 / math.log2(rank + 1) for rank, hit in enumerate(gains, start=1) if hit)


def ndcg_at(relevant: Sequence[bool], k: int) -> float:
    """Return nDCG@k against the best order of the same retrieved passages."""
    top = list(relevant[:k])
    ideal = dcg(sorted(top, reverse=True))
    return dcg(top) / ideal if ideal else 0.0


def group_matched(text: str, group: Sequence[str]) -> bool:
    """Tell whether any alternative of a must_contain group occurs in a text."""
    haystack = normalise(text)
    return any(normalise(alternative) in haystack for alternative in group)


def fact_recall(answer: str, must_contain: Sequence[Sequence[str]]) -> float | None:
    """Return the share of must_contain groups matched in the answer; None without groups."""
    if not must_contain:
        return None
    return sum(group_matched(answer, group) for group in must_contain) / len(must_contain)


def cites_expected(citations: Sequence[CitationLike], expected_sources: Sequence[str]) -> bool:
    """Tell whether any citation points to an expected source."""
    return any(is_expected(c.passage, expected_sources) for c in citations)


def answer_correct(
    answered: bool,
    answer: str,
    citations: Sequence[CitationLike],
    must_contain: Sequence[Sequence[str]],
    expected_sources: Sequence[str],
) -> bool:
    """Tell whether an answer is given, has every fact and cites an expected source."""
    facts = fact_recall(answer, must_contain)
    return answered and facts in (None, 1.0) and cites_expected(citations, expected_sources)


def citation_precision(
    citations: Sequence[CitationLike],
    expected_sources: Sequence[str],
    must_contain: Sequence[Sequence[str]],
) -> float | None:
    """Return the share of citations to an expected source or to a passage with a fact."""
    if not citations:
        return None
    alternatives = [alt for group in must_contain for alt in group]
    good = sum(
        is_expected(c.passage, expected_sources) or group_matched(c.passage.text, alternatives)
        for c in citations
    )
    return good / len(citations)


def citation_valid(citation: CitationLike, passages: Sequence[PassageLike]) -> bool:
    """Tell whether a citation resolves to a retrieved chunk and quotes it literally."""
    by_id = {p.chunk_id: p for p in passages}
    source = by_id.get(citation.passage.chunk_id)
    page = citation.passage.page
    if source is None or isinstance(page, bool) or not (page is None or isinstance(page, int)):
        return False
    pieces = [normalise(piece) for piece in citation.quote.split(QUOTE_JOINER)]
    text = normalise(source.text)
    return bool(citation.quote.strip()) and all(piece and piece in text for piece in pieces)


def citations_valid(citations: Sequence[CitationLike], passages: Sequence[PassageLike]) -> bool:
    """Tell whether every citation of an answer is valid."""
    return all(citation_valid(c, passages) for c in citations)


def crag_score(answerable: bool, answered: bool, correct: bool) -> int:
    """Score one item CRAG-style: correct answer +1, refusal 0, wrong answer -1."""
    if not answered:
        return 0
    return 1 if answerable and correct else -1


def mean(values: Iterable[float | None]) -> float | None:
    """Return the mean of the values that are not None, or None if there are none."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def rate(flags: Iterable[bool]) -> float | None:
    """Return the share of true flags, or None for no flags."""
    return mean(1.0 if flag else 0.0 for flag in flags)


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """Return the q-th percentile (0-100) with linear interpolation, or None if empty."""
    ordered = sorted(float(v) for v in values if v is not None)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def below_threshold(metric: str, value: float | None, threshold: float) -> bool:
    """Tell whether a metric misses its threshold (a maximum for lower-is-better metrics)."""
    if value is None:
        return True
    return value > threshold if metric in LOWER_IS_BETTER else value < threshold


def metric_deltas(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, dict[str, float | bool | None]]:
    """Compare two runs' metrics; `better` is direction-aware and None when unchanged."""
    deltas: dict[str, dict[str, float | bool | None]] = {}
    for name, now in current.items():
        before = previous.get(name)
        if now is None or before is None:
            continue
        delta = now - before
        better = None if abs(delta) < 1e-9 else (delta < 0) == (name in LOWER_IS_BETTER)
        deltas[name] = {"previous": before, "current": now, "delta": delta, "better": better}
    return deltas
