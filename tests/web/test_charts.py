"""The overview's plot geometry (web/charts.py) on hand-made weeks."""

from __future__ import annotations

import datetime as dt

from assistant.overview import WeekCount
from web.charts import PLOT_H, TOP, bar_length, count_ticks, percent, share_line, week_bars

MONDAY = dt.date(2026, 11, 30)


def weeks(*counts: tuple[int, int]) -> list[WeekCount]:
    """Return consecutive weeks ending this week, with (answered, refused) each."""
    start = MONDAY - dt.timedelta(weeks=len(counts) - 1)
    return [WeekCount(start + dt.timedelta(weeks=i), a, r) for i, (a, r) in enumerate(counts)]


def test_count_axes_use_round_steps() -> None:
    assert count_ticks(46) == (50, [0, 10, 20, 30, 40, 50])
    assert count_ticks(3) == (3, [0, 1, 2, 3])
    assert count_ticks(0) == (1, [0, 1]), "an empty period still has an axis"
    assert count_ticks(12) == (15, [0, 5, 10, 15])


def test_bars_stack_refused_on_answered_and_scale_to_the_axis() -> None:
    chart = week_bars(weeks((10, 5), (0, 0), (20, 10)))
    first, empty, last = chart.bars
    bottom = TOP + PLOT_H
    assert last.answered_h == PLOT_H * 20 / 30 and last.refused_h == PLOT_H * 10 / 30
    assert last.refused_y + last.refused_h == last.answered_y, "refused sits on answered"
    assert first.answered_y + first.answered_h == bottom, "bars stand on the axis"
    assert empty.answered_h == empty.refused_h == 0
    assert [t.label for t in chart.x_ticks] == ["v. 47", "v. 48", "v. 49"]


def test_the_share_line_breaks_at_weeks_without_questions() -> None:
    line = share_line(weeks((1, 1), (3, 1), (0, 0), (4, 0)))
    assert len(line.segments) == 2, f"an empty week breaks the line: {line.segments}"
    assert [label for _, _, label in line.points] == ["v. 46: 50 %", "v. 47: 75 %", "v. 49: 100 %"]
    assert line.points[-1][1] == TOP, "100 % is the top of the plot"


def test_bar_lengths_and_percent_text() -> None:
    assert bar_length(0, 10) == 0 and bar_length(10, 10) == 100
    assert bar_length(1, 1000) == 1.5, "a non-zero value stays visible"
    assert percent(None) == "–" and percent(0.834) == "83 %"
