"""The routine group's overview, counted: questions per week, answered and refused, feedback,
the topics growing fastest, the documents cited most and never, and those about to expire.

Every function here counts plain values handed to it (times, verdicts, document ids), so
each can be checked on hand-built rows; assistant/overview_rows.py reads the rows a
reader may see and calls them. Weeks start on Monday, in Swedish time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assistant.schemas import in_force

LOCAL_ZONE = ZoneInfo("Europe/Stockholm")
# The default period, the window growth is compared over, and how far ahead expiry is looked.
DEFAULT_WEEKS = 26
GROWTH_DAYS = 28
EXPIRY_DAYS = 60
TOP = 5
NO_REASON = "ingen orsak angiven"
# Deviation analyses are listed beside answers, never cited by them: not "never cited".
NOT_CITED_TYPES = frozenset({"avvikelseanalys"})


@dataclass(frozen=True)
class WeekCount:
    """Questions of one week (from its Monday): answered, and refused (logged as a gap)."""

    start: dt.date
    answered: int
    refused: int

    @property
    def total(self) -> int:
        """Return the questions answered or refused that week."""
        return self.answered + self.refused

    @property
    def answered_share(self) -> float | None:
        """Return the share answered (0–1), or None for a week without questions."""
        return self.answered / self.total if self.total else None


@dataclass(frozen=True)
class FeedbackCounts:
    """Verdicts on answers: helpful, not helpful, and the reasons given for the latter."""

    helpful: int
    unhelpful: int
    reasons: dict[str, int]


@dataclass(frozen=True)
class TopicTimes:
    """A gap topic and when its gaps were logged, with the reference of its latest gap."""

    topic_id: str
    label: str
    status: str
    times: Sequence[dt.datetime]
    latest_ref: str | None = None


@dataclass(frozen=True)
class TopicGrowth:
    """A gap topic's questions in the last window and in the window before it."""

    topic_id: str
    label: str
    status: str
    recent: int
    previous: int
    latest_ref: str | None = None  # finds the topic on the gaps page (?ref=)

    @property
    def change(self) -> int:
        """Return how many more questions the last window had."""
        return self.recent - self.previous


@dataclass(frozen=True)
class DocumentRef:
    """A document as the overview names it."""

    document_id: str
    title: str
    file_name: str
    doc_type: str
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class CitedDocument:
    """A document and how many answers cited it in the period."""

    document: DocumentRef
    answers: int


@dataclass(frozen=True)
class ExpiringDocument:
    """A document in force whose valid_to falls within the coming days."""

    document: DocumentRef
    valid_to: dt.date
    days_left: int


@dataclass(frozen=True)
class Overview:
    """Everything the overview page and GET /api/overview show."""

    today: dt.date
    since: dt.date
    weeks: list[WeekCount]
    feedback: FeedbackCounts
    growing: list[TopicGrowth]
    most_cited: list[CitedDocument]
    never_cited: list[DocumentRef]
    expiring: list[ExpiringDocument]


def local_date(moment: dt.datetime) -> dt.date:
    """Return the Swedish calendar day of a stored time (stored times are UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL_ZONE).date()


def week_start(day: dt.date) -> dt.date:
    """Return the Monday of a day's week."""
    return day - dt.timedelta(days=day.weekday())


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    """Return the Mondays of the last `weeks` weeks, oldest first, this week last."""
    current = week_start(today)
    return [current - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def count_weeks(
    answered: Iterable[dt.datetime], refused: Iterable[dt.datetime], starts: Sequence[dt.date]
) -> list[WeekCount]:
    """Count answered and refused questions per week; times outside the weeks are left out."""
    weeks = set(starts)
    done = Counter(w for w in (week_start(local_date(t)) for t in answered) if w in weeks)
    gaps = Counter(w for w in (week_start(local_date(t)) for t in refused) if w in weeks)
    return [WeekCount(start, done[start], gaps[start]) for start in starts]


def count_feedback(
    verdicts: Iterable[tuple[bool, str | None]], reasons: Sequence[str]
) -> FeedbackCounts:
    """Count helpful and unhelpful verdicts, and the reasons of the unhelpful ones in order."""
    helpful = unhelpful = 0
    given: Counter[str] = Counter()
    for is_helpful, reason in verdicts:
        if is_helpful:
            helpful += 1
        else:
            unhelpful += 1
            given[reason or NO_REASON] += 1
    ordered = [*reasons, *sorted(r for r in given if r not in reasons)]
    return FeedbackCounts(helpful, unhelpful, {r: given[r] for r in ordered if given[r]})


def rank_growth(
    topics: Iterable[TopicTimes],
    today: dt.date,
    days: int = GROWTH_DAYS,
    limit: int = TOP,
) -> list[TopicGrowth]:
    """Rank topics by how many more questions the last `days` (today included) had than the
    `days` before; only growing topics, the largest growth first.

    Ties go to the topic with more recent questions, then by label.
    """
    recent_from = today - dt.timedelta(days=days - 1)
    previous_from = recent_from - dt.timedelta(days=days)
    ranked = []
    for topic in topics:
        days_seen = [local_date(t) for t in topic.times]
        recent = sum(1 for d in days_seen if recent_from <= d <= today)
        previous = sum(1 for d in days_seen if previous_from <= d < recent_from)
        if recent > previous:
            ranked.append(
                TopicGrowth(
                    topic.topic_id, topic.label, topic.status, recent, previous, topic.latest_ref
                )
            )
    ranked.sort(key=lambda g: (-g.change, -g.recent, g.label))
    return ranked[:limit]


def count_citations(
    cited: Iterable[Iterable[str]],
    documents: Sequence[DocumentRef],
    today: dt.date,
    limit: int = TOP,
) -> tuple[list[CitedDocument], list[DocumentRef]]:
    """Return the documents cited by most answers, and those in force that no answer cited.

    `cited` holds each answer's cited document ids; a document counts once per answer.
    Documents not among `documents` (deleted, or hidden from the reader) are left out.
    """
    known = {d.document_id: d for d in documents}
    counts = Counter(doc for ids in cited for doc in set(ids) if doc in known)
    most = [CitedDocument(known[doc], n) for doc, n in counts.items()]
    most.sort(key=lambda c: (-c.answers, c.document.title))
    never = [
        d
        for d in documents
        if d.document_id not in counts
        and d.doc_type not in NOT_CITED_TYPES
        and in_force(d.valid_to, today)
    ]
    never.sort(key=lambda d: (d.title, d.file_name))
    return most[:limit], never


def expiring_documents(
    documents: Iterable[DocumentRef], today: dt.date, days: int = EXPIRY_DAYS
) -> list[ExpiringDocument]:
    """Return documents whose valid_to falls from today up to `days` ahead, soonest first."""
    last = today + dt.timedelta(days=days)
    found = [
        ExpiringDocument(d, d.valid_to, (d.valid_to - today).days)
        for d in documents
        if d.valid_to is not None and today <= d.valid_to <= last
    ]
    return sorted(found, key=lambda e: (e.valid_to, e.document.title))
