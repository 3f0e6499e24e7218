"""Lights at the exact thresholds: 10 points behind the planned pace is yellow, 30 is red — exactly,
computed without floating-point drift (57% elapsed with 47% done is 10 points behind)."""
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from models.scheduling import Thresholds
from tests.unit.schedule.factories import compute, task

START = date(2026, 1, 1)


def light_for(span: int, elapsed: int, percent: int, thresholds: Thresholds | None = None) -> str:
    deadline = START + timedelta(days=span)
    result = compute([task(1, deadline, start=START, status="in_progress", percent=percent)], [],
                     START + timedelta(days=elapsed), thresholds=thresholds or Thresholds(due_soon_days=0))
    return result.tasks[1].light


def expected(span: int, elapsed: int, percent: int, th: Thresholds) -> str:
    behind_times_span = 100 * elapsed - percent * span  # exact: behind = this / span
    if behind_times_span >= th.red_behind_points * span:
        return "red"
    if behind_times_span >= th.yellow_behind_points * span:
        return "yellow"
    return "green"


def test_ten_points_behind_at_57_percent_elapsed_is_yellow() -> None:
    assert light_for(100, 57, 47) == "yellow"
    assert light_for(100, 57, 48) == "green"
    assert light_for(100, 57, 27) == "red"
    assert light_for(100, 57, 28) == "yellow"


@given(span=st.integers(2, 400), data=st.data())
def test_light_matches_exact_integer_pace_at_and_around_every_boundary(span: int, data: st.DataObject) -> None:
    th = Thresholds(due_soon_days=0)
    elapsed = data.draw(st.integers(1, span - 1))
    planned = 100 * elapsed / span
    # percents right at, just above and just below both thresholds (clamped to 0–99)
    around = {int(planned - t) + d for t in (th.yellow_behind_points, th.red_behind_points) for d in (-1, 0, 1)}
    for percent in sorted(p for p in around if 0 <= p <= 99):
        assert light_for(span, elapsed, percent, th) == expected(span, elapsed, percent, th), (span, elapsed, percent)
