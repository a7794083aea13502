"""The overview's plots as geometry for inline SVG, drawn on the server; no script, no CDN.

Each function turns counts into the shapes a template draws (web/templates/charts.html):
bars for the questions per week, a line for the share answered, short bars beside a
label for lists. The SVG has a viewBox and scales with the page; its text equivalent
(a title, a description and a table) is written beside it by the template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.overview import WeekCount

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 16, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_X_LABELS = 7


@dataclass(frozen=True)
class Tick:
    """A labelled value on an axis, at its position in the drawing."""

    position: float
    label: str


@dataclass(frozen=True)
class WeekBar:
    """One week's stacked bar: answered at the bottom, refused on top."""

    x: float
    width: float
    answered_y: float
    answered_h: float
    refused_y: float
    refused_h: float
    label: str


@dataclass(frozen=True)
class BarChart:
    """Questions per week as stacked bars."""

    bars: list[WeekBar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


@dataclass(frozen=True)
class LineChart:
    """The share answered per week as line segments (a week without questions breaks it)."""

    segments: list[str]  # SVG polyline points, "x,y x,y …"
    points: list[tuple[float, float, str]]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def week_label(start: dt.date) -> str:
    """Return a week as the routine group names it: "v. 48"."""
    return f"v. {start.isocalendar().week}"


def nice_step(value: int, most: int = 5) -> int:
    """Return a round tick step (1, 2, 5, 10, 20, 50 …) giving at most `most` steps to value."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor * most:
                return step * factor
        step *= 10


def count_ticks(largest: int) -> tuple[int, list[int]]:
    """Return the axis maximum for counts up to `largest` and the values to label on it."""
    step = nice_step(max(largest, 1))
    top = -(-max(largest, 1) // step) * step
    return top, list(range(0, top + 1, step))


def x_ticks(weeks: Sequence[WeekCount], centre: list[float]) -> list[Tick]:
    """Label at most MAX_X_LABELS weeks, evenly spaced, always the last."""
    every = max(1, -(-len(weeks) // MAX_X_LABELS))
    last = len(weeks) - 1
    chosen = [i for i in range(len(weeks)) if (last - i) % every == 0]
    return [Tick(centre[i], week_label(weeks[i].start)) for i in chosen]


def week_bars(weeks: Sequence[WeekCount]) -> BarChart:
    """Lay out one stacked bar per week, scaled to the busiest week."""
    top, values = count_ticks(max((w.total for w in weeks), default=0))
    slot = PLOT_W / max(len(weeks), 1)
    width = slot * 0.7
    bottom = TOP + PLOT_H
    bars, centre = [], []
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + (slot - width) / 2
        answered_h = PLOT_H * week.answered / top
        refused_h = PLOT_H * week.refused / top
        bars.append(
            WeekBar(
                round(x, 1),
                round(width, 1),
                round(bottom - answered_h, 1),
                round(answered_h, 1),
                round(bottom - answered_h - refused_h, 1),
                round(refused_h, 1),
                week_label(week.start),
            )
        )
        centre.append(round(x + width / 2, 1))
    ticks = [Tick(round(bottom - PLOT_H * n / top, 1), str(n)) for n in values]
    return BarChart(bars, ticks, x_ticks(weeks, centre))


def share_line(weeks: Sequence[WeekCount]) -> LineChart:
    """Lay out the share answered (0–100 %) per week as a line, broken by empty weeks."""
    slot = PLOT_W / max(len(weeks), 1)
    bottom = TOP + PLOT_H
    segments: list[list[str]] = [[]]
    points, centre = [], []
    for index, week in enumerate(weeks):
        x = round(LEFT + index * slot + slot / 2, 1)
        centre.append(x)
        share = week.answered_share
        if share is None:
            segments.append([])
            continue
        y = round(bottom - PLOT_H * share, 1)
        segments[-1].append(f"{x},{y}")
        points.append((x, y, f"{week_label(week.start)}: {round(share * 100)} %"))
    ticks = [Tick(round(bottom - PLOT_H * n / 4, 1), f"{25 * n} %") for n in range(5)]
    return LineChart([" ".join(s) for s in segments if s], points, ticks, x_ticks(weeks, centre))


def bar_length(value: int, largest: int) -> float:
    """Return a bar's length in per cent of the longest, at least a sliver for a non-zero value."""
    if value <= 0 or largest <= 0:
        return 0.0
    return max(round(100 * value / largest, 1), 1.5)


def percent(share: float | None) -> str:
    """Return a share as Swedish per cent text ("83 %"), or a dash."""
    return "–" if share is None else f"{round(share * 100)} %"
