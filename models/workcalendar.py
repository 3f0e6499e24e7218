"""Chinese working-day calendar (pure).

Working days follow the official arrangement published each year by the 国务院办公厅 (放假安排),
including 调休: weekend days that become working days to bridge a holiday.  Three sources, in order
of precedence:

1. ``overrides`` entered or imported by the office (stored in the database by the service layer);
2. the ``chinese-calendar`` package, whose data covers 2004–2026;
3. plain weekdays (Monday–Friday) for any other year.

A year is *official* when chinese-calendar covers it or the office listed it in ``official_years``
(after importing its 放假安排).  Every other year is *provisional*: dates computed through it with
working-day arithmetic are flagged, so a weekday guess is never shown as if it were official.

Internally the calendar is a set of day-ordinal tables (``date.toordinal()``), built once per
calendar: a cumulative working-day count and the ordinal of every working day, so adding *n*
working days is two array lookups, plus month tables for vectorised month arithmetic.  The
scheduler uses the same tables through :class:`OrdinalCalendar`, so scalar and vectorised answers
can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Literal

import chinese_calendar
import numpy as np
from numpy.typing import NDArray

LagUnit = Literal["days", "workdays", "months"]
UNITS: tuple[LagUnit, ...] = ("days", "workdays", "months")
UNIT_CODE: dict[str, int] = {unit: code for code, unit in enumerate(UNITS)}
DAYS, WORKDAYS, MONTHS = 0, 1, 2

FIRST_YEAR, LAST_YEAR = 1990, 2299
"""Range of the ordinal tables: far wider than any reform, small enough to build in milliseconds."""

NONE = np.int64(-(2**40))
"""Ordinal sentinel for "no date": below every real ordinal, so ``max`` ignores it."""

_CC_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

_HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

_LAG_WORDS: dict[str, LagUnit] = {
    "day": "days", "days": "days", "天": "days", "日": "days", "个自然日": "days", "自然日": "days",
    "workday": "workdays", "workdays": "workdays", "个工作日": "workdays", "工作日": "workdays",
    "month": "months", "months": "months", "个月": "months", "月": "months",
}
_LAG_RE = re.compile(r"^\s*(\d+)\s*([A-Za-z\u4e00-\u9fff]+)\s*$")


@dataclass(frozen=True)
class Lag:
    """A finish-to-start lag: "3 months", "30 workdays", "5 days" (also 3个月, 30个工作日, 5天)."""

    value: int
    unit: LagUnit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"未知的时间单位：{self.unit}")
        if self.value < 0:
            raise ValueError(f"时滞不能为负数：{self.value}")

    @classmethod
    def parse(cls, text: str) -> Lag:
        match = _LAG_RE.match(text)
        if not match or match.group(2).lower() not in _LAG_WORDS:
            raise ValueError(f"无法识别的时滞：{text!r}（应为 “3 months”“30 workdays”“5 days”）")
        return cls(int(match.group(1)), _LAG_WORDS[match.group(2).lower()])

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.value == 1 else self.unit
        return f"{self.value} {unit}"


class OrdinalCalendar:
    """Vectorised day-ordinal tables behind :class:`WorkCalendar` (shared by the scheduler).

    ``workday[i]``   — day ``lo + i`` is a working day;
    ``cum[i]``       — number of working days in ``[lo, lo + i)`` (length ``n + 1``);
    ``work_ords[k]`` — ordinal of the k-th working day (0-based);
    ``prov_cum[i]``  — number of provisional days in ``[lo, lo + i)``.
    """

    def __init__(self, workday: NDArray[np.bool_], provisional: NDArray[np.bool_], lo: int) -> None:
        self.lo = lo
        self.hi = lo + len(workday) - 1
        self.workday = workday
        self.cum = np.concatenate(([0], np.cumsum(workday, dtype=np.int64)))
        self.work_ords = (np.flatnonzero(workday) + lo).astype(np.int64)
        self.prov_cum = np.concatenate(([0], np.cumsum(provisional, dtype=np.int64)))
        self._build_month_tables()

    def _build_month_tables(self) -> None:
        """Month index (year*12 + month-1, from FIRST_YEAR), day of month and month lengths."""
        starts = [date(FIRST_YEAR + m // 12, m % 12 + 1, 1).toordinal()
                  for m in range((LAST_YEAR - FIRST_YEAR + 1) * 12)]
        self.month_start = np.array(starts + [self.hi + 1], dtype=np.int64)
        self.month_len = np.diff(self.month_start)
        self.month_of = np.repeat(np.arange(len(starts), dtype=np.int64), self.month_len)
        self.day_of = np.arange(self.lo, self.hi + 1, dtype=np.int64) - self.month_start[self.month_of] + 1

    def in_range(self, ords: NDArray[np.int64]) -> NDArray[np.bool_]:
        return (ords >= self.lo) & (ords <= self.hi)

    def _pos(self, ords: NDArray[np.int64]) -> NDArray[np.int64]:
        """Table position, clipped: out-of-range inputs (the NONE sentinel) are masked by callers."""
        return np.clip(ords - self.lo, 0, self.hi - self.lo)

    def add_workdays(self, ords: NDArray[np.int64], n: NDArray[np.int64]) -> NDArray[np.int64]:
        """The n-th working day after each ordinal (n = 0: the day itself or the next working day)."""
        pos = self._pos(ords)
        k = self.cum[pos] + np.where(n > 0, self.workday[pos] + n - 1, 0)
        return self._beyond(self.work_ords[np.clip(k, 0, len(self.work_ords) - 1)], k >= len(self.work_ords))

    def _beyond(self, ords: NDArray[np.int64], overflow: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Results past the table become ``hi + 1``, so callers detect them instead of a clipped date."""
        return np.where(overflow, self.hi + 1, ords)

    def sub_workdays(self, ords: NDArray[np.int64], n: NDArray[np.int64]) -> NDArray[np.int64]:
        """Latest x with add_workdays(x, n) <= ord (the Galois inverse used by the backward pass)."""
        j = self.cum[self._pos(ords) + 1]
        k = np.clip(j - np.maximum(n, 1), 0, len(self.work_ords) - 1)
        out: np.ndarray[tuple[Any, ...], np.dtype[np.int64]] = self.work_ords[k] - (n > 0)
        return out

    def add_months(self, ords: NDArray[np.int64], n: NDArray[np.int64]) -> NDArray[np.int64]:
        """Same day n months later, clamped to the month's end (1-31 + 1 month = 2-28/29)."""
        pos = self._pos(ords)
        target = self.month_of[pos] + n
        month = np.clip(target, 0, len(self.month_len) - 1)
        ords = self.month_start[month] + np.minimum(self.day_of[pos], self.month_len[month]) - 1
        return self._beyond(ords, target >= len(self.month_len))

    def sub_months(self, ords: NDArray[np.int64], n: NDArray[np.int64]) -> NDArray[np.int64]:
        """Latest x with add_months(x, n) <= ord: a month's last day maps to the last day n months back."""
        pos = self._pos(ords)
        month = np.clip(self.month_of[pos] - n, 0, len(self.month_len) - 1)
        at_end = self.day_of[pos] == self.month_len[self.month_of[pos]]
        day = np.where(at_end, self.month_len[month], np.minimum(self.day_of[pos], self.month_len[month]))
        out: np.ndarray[tuple[Any, ...], np.dtype[np.int64]] = self.month_start[month] + day - 1
        return out

    def add_lag(self, ords: NDArray[np.int64], values: NDArray[np.int64],
                work_idx: NDArray[np.intp], month_idx: NDArray[np.intp]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Add mixed lags; ``work_idx``/``month_idx`` select the workday and month lags (rest: days).

        Returns the new ordinals and whether each working-day step crossed a provisional day.
        NONE inputs stay far below the table (callers treat anything below ``lo`` as no date).
        """
        out = ords + values
        crossed = np.zeros(len(ords), dtype=bool)
        if len(work_idx):
            start = ords[work_idx]
            end = self.add_workdays(start, values[work_idx])
            valid = start >= self.lo
            out[work_idx] = np.where(valid, end, NONE)
            crossed[work_idx] = valid & (self.prov_cum[self._pos(end) + 1] > self.prov_cum[self._pos(start)])
        if len(month_idx):
            start = ords[month_idx]
            out[month_idx] = np.where(start >= self.lo, self.add_months(start, values[month_idx]), NONE)
        return out, crossed

    def sub_lag(self, ords: NDArray[np.int64], values: NDArray[np.int64],
                work_idx: NDArray[np.intp], month_idx: NDArray[np.intp]) -> NDArray[np.int64]:
        """Inverse of :meth:`add_lag`: the latest ordinal whose lag still lands on or before ``ords``."""
        out = ords - values
        if len(work_idx):
            out[work_idx] = self.sub_workdays(ords[work_idx], values[work_idx])
        if len(month_idx):
            out[month_idx] = self.sub_months(ords[month_idx], values[month_idx])
        return out


class WorkCalendar:
    """Official Chinese working days with office overrides; see the module docstring."""

    def __init__(self, overrides: Mapping[date, bool] | None = None, official_years: Iterable[int] = (),
                 names: Mapping[date, str] | None = None) -> None:
        """``names`` optionally labels override days (from :func:`holiday_names_from_arrangement`)."""
        self.overrides = dict(overrides or {})
        self.official_years = frozenset(official_years) | frozenset(_CC_YEARS)
        self.names = dict(names or {})

    @cached_property
    def ordinal(self) -> OrdinalCalendar:
        lo = date(FIRST_YEAR, 1, 1).toordinal()
        ords = np.arange(lo, date(LAST_YEAR, 12, 31).toordinal() + 1, dtype=np.int64)
        workday = (ords + 6) % 7 < 5
        official = [(d, True) for d in chinese_calendar.workdays] + [(d, False) for d in chinese_calendar.holidays]
        for day, is_work in official + list(self.overrides.items()):
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                workday[day.toordinal() - lo] = is_work
        years = _year_of(ords)
        provisional = ~np.isin(years, np.fromiter(self.official_years, dtype=np.int64))
        return OrdinalCalendar(workday, provisional, lo)

    def _ord(self, d: date) -> int:
        if not FIRST_YEAR <= d.year <= LAST_YEAR:
            raise ValueError(f"日期超出工作日历范围（{FIRST_YEAR}–{LAST_YEAR}年）：{d.isoformat()}")
        return d.toordinal()

    def _one(self, d: date) -> NDArray[np.int64]:
        return np.array([self._ord(d)], dtype=np.int64)

    def _date(self, ords: NDArray[np.int64]) -> date:
        return self._checked(date.fromordinal(int(ords[0])))

    def _checked(self, d: date) -> date:
        self._ord(d)
        return d

    def is_workday(self, d: date) -> bool:
        return bool(self.ordinal.workday[self._ord(d) - self.ordinal.lo])

    def is_provisional(self, d: date) -> bool:
        """True when d's year has neither chinese-calendar data nor an imported 放假安排."""
        return d.year not in self.official_years

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after d; n = 0 gives d itself if it is a working day, else the next one."""
        if n < 0:
            raise ValueError("工作日数不能为负数")
        return self._date(self.ordinal.add_workdays(self._one(d), np.array([n])))

    def add_lag(self, d: date, lag: Lag) -> date:
        return self._date(self._lag(d, lag, forward=True))

    def add_lag_flagged(self, d: date, lag: Lag) -> tuple[date, bool]:
        """``add_lag`` and whether the result is provisional (a working-day count through a year whose
        arrangement is not known yet, or a result in such a year).  The importer and the scheduler
        share this arithmetic, so a plan-anchored deadline follows the office's 放假安排."""
        ords, values = self._one(d), np.array([lag.value], dtype=np.int64)
        code = UNIT_CODE[lag.unit]
        out, crossed = self.ordinal.add_lag(ords, values, np.flatnonzero([code == WORKDAYS]),
                                            np.flatnonzero([code == MONTHS]))
        result = self._date(out)
        return result, bool(crossed[0]) or (code == WORKDAYS and self.is_provisional(result))

    def sub_lag(self, d: date, lag: Lag) -> date:
        """The latest date x with add_lag(x, lag) <= d (so a backward pass never overshoots)."""
        return self._date(self._lag(d, lag, forward=False))

    def _lag(self, d: date, lag: Lag, *, forward: bool) -> NDArray[np.int64]:
        ords, values = self._one(d), np.array([lag.value], dtype=np.int64)
        code = UNIT_CODE[lag.unit]
        work_idx = np.flatnonzero([code == WORKDAYS])
        month_idx = np.flatnonzero([code == MONTHS])
        if forward:
            return self.ordinal.add_lag(ords, values, work_idx, month_idx)[0]
        return self.ordinal.sub_lag(ords, values, work_idx, month_idx)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b < a.  add_workdays(a, result) == b for a workday b > a."""
        cal = self.ordinal
        return int(cal.cum[self._ord(b) - cal.lo + 1] - cal.cum[self._ord(a) - cal.lo + 1])

    def holiday_name(self, d: date) -> str | None:
        """Chinese name of the holiday on d; make-up workdays read e.g. "春节调休上班"; None otherwise."""
        if d in self.overrides:
            name = self.names.get(d)
            return None if name is None else name if not self.overrides[d] else f"{name}调休上班"
        if d.year not in _CC_YEARS:
            return None
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
        if name is None:
            return None
        zh = _HOLIDAY_NAMES_ZH.get(name, name)
        return zh if on_holiday else f"{zh}调休上班"


def _year_of(ords: NDArray[np.int64]) -> NDArray[np.int64]:
    """Calendar year of each ordinal (vectorised through numpy datetime64)."""
    epoch = date(1970, 1, 1).toordinal()
    return (ords - epoch).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


# --- 国务院办公厅 放假安排 -------------------------------------------------------------------------

_SECTION_RE = re.compile(r"[一二三四五六七八九十]+、\s*([^：:。（）()]+)[：:]")
_DATE_RE = re.compile(
    r"(?:(?P<y1>\d{4})年)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日(?P<p1>[（(][^）)]*[）)])?"
    r"(?:\s*[至到—-]\s*(?:(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日(?P<p2>[（(][^）)]*[）)])?)?"
)
_WEEKDAY_RE = re.compile(r"(?:周|星期)([一二三四五六日天])")
_WEEKDAYS_ZH = "一二三四五六日"
_TOTAL_RE = re.compile(r"共\s*(\d+)\s*天")
_HOLIDAY_WORDS = ("放假", "补休", "休息", "调休")
_CLAUSE_SPLIT = re.compile(r"[。；;，,\n]")


@dataclass(frozen=True)
class _Section:
    name: str
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]


def parse_holiday_arrangement(text: str, year: int) -> dict[date, bool]:
    """Parse a pasted 放假安排 notice into overrides: holidays → False, 上班 days → True.

    Raises ValueError on anything it cannot read with certainty (unknown clause, a weekday in
    brackets that does not match the date, a 共N天 total that does not match the range), because
    a wrong holiday table silently moves every deadline computed from it.
    """
    days: dict[date, bool] = {}
    for section in _sections(text, year):
        days.update({d: False for d in section.holidays})
        days.update({d: True for d in section.workdays})
    return days


def holiday_names_from_arrangement(text: str, year: int) -> dict[date, str]:
    """Holiday name of every day listed in a 放假安排 notice (for :meth:`WorkCalendar.holiday_name`)."""
    return {d: s.name for s in _sections(text, year) for d in s.holidays + s.workdays}


def _sections(text: str, year: int) -> list[_Section]:
    heads = list(_SECTION_RE.finditer(text))
    if not heads:
        raise ValueError("未识别到放假安排（应包含“一、元旦：……”这样的条目）")
    sections = []
    for head, nxt in zip(heads, heads[1:] + [None], strict=True):
        body = text[head.end(): nxt.start() if nxt else len(text)]
        sections.append(_parse_section(head.group(1).strip(), body, year))
    return sections


def _parse_section(name: str, body: str, year: int) -> _Section:
    holidays: list[date] = []
    workdays: list[date] = []
    for clause in filter(None, (c.strip() for c in _CLAUSE_SPLIT.split(body))):
        dates = [d for m in _DATE_RE.finditer(clause) for d in _expand(m, year)]
        if not dates:
            continue
        if "上班" in clause:
            workdays.extend(dates)
        elif any(word in clause for word in _HOLIDAY_WORDS):
            holidays.extend(dates)
        else:
            raise ValueError(f"{name}：无法判断是放假还是上班：“{clause}”")
    total = _TOTAL_RE.search(body)
    if total and int(total.group(1)) != len(holidays):
        raise ValueError(f"{name}：放假天数与“共{total.group(1)}天”不符（识别到{len(holidays)}天）")
    return _Section(name, tuple(holidays), tuple(workdays))


def _expand(m: re.Match[str], year: int) -> list[date]:
    """Dates of one match: a single day or a range "2月15日至23日" / "12月30日至2019年1月1日"."""
    first = date(int(m["y1"] or year), int(m["m1"]), int(m["d1"]))
    _check_weekday(first, m["p1"])
    if not m["d2"]:
        return [first]
    last_year = int(m["y2"]) if m["y2"] else first.year + (1 if m["m2"] and int(m["m2"]) < first.month else 0)
    last = date(last_year, int(m["m2"] or first.month), int(m["d2"]))
    _check_weekday(last, m["p2"])
    if last < first:
        raise ValueError(f"日期范围有误：{m.group(0)}")
    return [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]


def _check_weekday(d: date, bracket: str | None) -> None:
    """A bracketed "（周日）" must match the date: catches a notice pasted under the wrong year."""
    found = _WEEKDAY_RE.search(bracket or "")
    if found and _WEEKDAYS_ZH.index(found.group(1).replace("天", "日")) != d.weekday():
        raise ValueError(f"{d.month}月{d.day}日不是周{found.group(1)}，请检查年份（{d.year}）")
