"""The HTTP contract of the routine group's overview: GET /api/overview."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WeekOut(BaseModel):
    """Questions of one week, from its Monday."""

    week: str = Field(description="The week's Monday, ÅÅÅÅ-MM-DD.")
    label: str = Field(description="The ISO week as shown: v. 48.")
    answered: int
    refused: int = Field(description="Refused and logged as a gap.")
    total: int
    answered_share: float | None = Field(description="answered / total; null without questions.")


class TotalsOut(BaseModel):
    """The period's questions in all."""

    answered: int
    refused: int
    total: int
    answered_share: float | None


class FeedbackSummaryOut(BaseModel):
    """Verdicts on the period's answers."""

    helpful: int
    unhelpful: int
    reasons: dict[str, int] = Field(description="Reasons given for not helpful, in order.")


class GrowingTopicOut(BaseModel):
    """A gap topic with more questions in the last window than in the one before."""

    id: str
    label: str
    status: str
    recent: int = Field(description="Questions in the last growth window (today included).")
    previous: int = Field(description="Questions in the window before it.")
    change: int
    url: str | None = Field(description="The topic on the gaps page, by its latest reference.")


class OverviewDocumentOut(BaseModel):
    """A document as the overview names it, with the link to its original."""

    id: str
    title: str
    file_name: str
    type: str
    url: str


class CitedDocumentOut(OverviewDocumentOut):
    """A document and how many of the period's answers cited it."""

    answers: int


class ExpiringDocumentOut(OverviewDocumentOut):
    """A document whose valid_to falls within the coming days."""

    valid_to: str
    days_left: int


class OverviewOut(BaseModel):
    """The routine group's overview of one period, as the caller's groups allow."""

    today: str
    since: str = Field(description="The first day counted (a Monday).")
    growth_days: int = Field(description="The length of each window topics are compared over.")
    expiry_days: int = Field(description="How far ahead expiring documents are looked for.")
    totals: TotalsOut
    weeks: list[WeekOut]
    feedback: FeedbackSummaryOut
    growing: list[GrowingTopicOut]
    most_cited: list[CitedDocumentOut]
    never_cited: list[OverviewDocumentOut] = Field(
        description="Documents in force that no answer of the period cited (deviation "
        "analyses are listed beside answers, never cited, and left out)."
    )
    expiring: list[ExpiringDocumentOut]
