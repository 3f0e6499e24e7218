"""Reporting duties and indicator pace (pure: no database).

A report schedule (报送要求) is a rhythm — daily, weekly on a weekday, monthly on a day, quarterly, yearly or
by stage — turned into report slots on the office's working-day calendar. A slot covers the days after the
previous nominal due day up to its own; a due day that is not a working day moves to the next working day
("每月5日前报送" with the 5th on a Sunday is due on Monday the 6th), and the slot says so (``moved_from``).

An indicator task (指标任务) is judged by its value against the planned pace (序时进度): the share of the way
from the baseline to the target that the value has covered, compared by the scheduler exactly as it
compares a reported percentage with the elapsed share of the time from start to deadline.
"""
from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from models.workcalendar import WorkCalendar

FREQUENCIES = {"daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度", "yearly": "每年",
               "stage": "按阶段"}
WEEKDAYS = "一二三四五六日"
DIRECTIONS = {"ge": "≥", "le": "≤"}
SLOT_STATES = {"open": "待报送", "filed": "已报送", "late": "逾期补报", "missed": "未报送"}
MAX_SLOTS = 2000
"""A schedule never yields more slots than this for one task (five years of working days)."""


@dataclass(frozen=True)
class Rule:
    """One reporting rhythm; ``day`` 0 means the last day of the period (see ``ReportSchedule``)."""

    frequency: str
    weekday: int | None = None
    day: int | None = None
    stages: tuple[date, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"报送频次只能是：{'、'.join(FREQUENCIES.values())}（{self.frequency}）")
        if self.frequency == "weekly" and not 1 <= (self.weekday or 0) <= 7:
            raise ValueError("每周报送须指定星期几（1–7）")
        if self.day is not None and not 0 <= self.day <= 31:
            raise ValueError("报送日须在 0–31 之间（0 表示期末最后一天）")
        if self.frequency == "stage" and not self.stages:
            raise ValueError("按阶段报送须列出各阶段的报送日期")

    def label(self) -> str:
        """The rule as the office writes it: 每周五、每月5日前、每季度末."""
        if self.frequency == "weekly":
            return f"每周{WEEKDAYS[(self.weekday or 1) - 1]}"
        if self.frequency == "stage":
            return "按阶段（" + "、".join(d.isoformat() for d in self.stages) + "）"
        if self.frequency in {"monthly", "quarterly", "yearly"}:
            base = FREQUENCIES[self.frequency]
            if not self.day:
                return base + "末"
            after = {"monthly": "", "quarterly": "次月", "yearly": "次年1月"}[self.frequency]
            return f"{base}{after}{self.day}日前"
        return FREQUENCIES[self.frequency]


@dataclass(frozen=True)
class Slot:
    opens_on: date
    due_on: date
    moved_from: date | None = None


def _month_day(year: int, month: int, day: int) -> date:
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, last if day == 0 else min(day, last))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _nominal(rule: Rule, start: date, cal: WorkCalendar) -> Iterator[date]:
    """Nominal due days from the period containing ``start`` on (infinite except by stage)."""
    if rule.frequency == "stage":
        yield from sorted(rule.stages)
        return
    if rule.frequency == "daily":
        d = start
        while True:
            if cal.is_workday(d):
                yield d
            d += timedelta(days=1)
    if rule.frequency == "weekly":
        d = start - timedelta(days=start.isoweekday() - (rule.weekday or 1))
        while True:
            yield d
            d += timedelta(days=7)
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[rule.frequency]
    year, month = start.year, 1 + ((start.month - 1) // months) * months  # first month of start's period
    while True:
        last = month + months - 1  # the period's last month
        if not rule.day:
            yield _month_day(year, last, 0)
        elif months == 1:
            yield _month_day(year, month, rule.day)
        else:
            yield _month_day(*_next_month(year, last), rule.day)
        year, month = (year + 1, 1) if last == 12 else (year, last + 1)


def slots(rule: Rule, *, start: date, until: date, cal: WorkCalendar, end: date | None = None) -> list[Slot]:
    """Slots whose nominal due day is on or after ``start``, up to ``until`` (and the task's ``end``, its
    deadline: no report is due after it). A slot opens the day after the previous nominal due day."""
    out: list[Slot] = []
    previous: date | None = None
    stop = min(until, end) if end else until
    for nominal in _nominal(rule, start - timedelta(days=400) if rule.frequency != "daily" else start, cal):
        if nominal > stop or len(out) >= MAX_SLOTS:
            break
        if nominal >= start:
            due = cal.add_workdays(nominal, 0)
            opens = max(start, previous + timedelta(days=1)) if previous else start
            out.append(Slot(opens, due, nominal if due != nominal else None))
        previous = nominal
    return out


def slot_state(due_on: date, filed_on: date | None, today: date) -> str:
    if filed_on is not None:
        return "filed" if filed_on <= due_on else "late"
    return "missed" if due_on < today else "open"


# ---------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Target:
    target: float
    direction: str = "ge"
    baseline: float | None = None

    def reached(self, value: float) -> bool:
        return value >= self.target if self.direction == "ge" else value <= self.target

    def progress(self, value: float | None) -> int | None:
        """Share (0–100) of the way from baseline to target the value has covered; ``None`` when it cannot
        be told (no value, or a ≤ target without a baseline that is not yet reached). A rate without a
        baseline counts from 0."""
        if value is None:
            return None
        if self.reached(value):
            return 100
        base = self.baseline if self.baseline is not None else (0.0 if self.direction == "ge" else None)
        if base is None or base == self.target:
            return 0 if base is not None else None
        share = (value - base) / (self.target - base)
        return int(max(0.0, min(0.99, share)) * 100)


def fmt_value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"
