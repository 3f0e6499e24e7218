"""Deadline phrases of Chinese reform plans -> dates, ongoing flags or relative references.

Absolute forms map to the last day of the period ("9月底前" -> 09-30, "上半年" -> 06-30, "一季度"
-> 03-31, "年底前" -> 12-31).  A missing year is taken from the nearest preceding year in the same
text, else from ``default_year`` (the caller passes the nearest preceding year in the document or
the plan's year).  Damaged extractions where 年 was lost ("20179月底前") are read as year + month
and flagged.  Relative forms ("调整到位后3个月内") return the reference phrase and a lag; the
caller turns them into a dependency.  Time fields without a calendar date are kept apart, since
each needs the plan date: "即时" (due on the plan date), "每年12月底前" (recurring: its first
occurrence on or after the plan date, flagged), a bare "3个月内" (counted from the plan's issue)
and "按上级要求" (deferred on purpose: no date, no inheritance).  Every pattern is anchored on literal characters and bounded,
so scanning is linear in the text length.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from models.importing.textnorm import cn_to_int, fold
from models.workcalendar import Lag

_Y = r"(?<!\d)(?P<{0}>20\d{{2}})"
_M = r"(?P<{0}>1[0-2]|0?[1-9])"
_D = r"(?P<{0}>3[01]|[12]\d|0?[1-9])"
_PART = r"\s*份?\s*(?P<part>底|末|中旬|上旬|下旬|初|中)?"
_TAIL = r"(?:\s*(?:之前|以前|前|止))?(?:(?:基本|全面|初步)?(?:完成|建成|到位|落实))?"

_PATTERNS: list[tuple[str, str]] = [
    ("ymd", _Y.format("y") + r"\s*年\s*" + _M.format("m") + r"\s*月\s*" + _D.format("d") + r"\s*[日号]"),
    ("ymd", _Y.format("y") + r"[.\-/]" + _M.format("m") + r"[.\-/]" + _D.format("d") + r"(?![\d.])"),
    ("md", r"(?<![\d年.])" + _M.format("m") + r"\s*月\s*" + _D.format("d") + r"\s*[日号]"),
    ("quarter", r"(?:" + _Y.format("y") + r"\s*年?\s*)?第?(?P<q>[一二三四1-4])\s*季度(?:末|底)?"),
    ("half", r"(?:" + _Y.format("y") + r"\s*年?\s*)?(?P<half>上半年|下半年)(?:末|底)?"),
    ("ym", _Y.format("y") + r"\s*(?P<nian>年)?\s*" + _M.format("m") + r"\s*月" + _PART),
    ("ym", _Y.format("y") + r"[.\-/]" + _M.format("m") + r"(?![\d.\-/])"),
    ("m", r"(?<![\d年.])" + _M.format("m") + r"\s*月" + _PART
     + r"(?=\s*(?:之前|以前|前|底|完成|,|，|;|；|。|\)|$))"),
    ("yend", _Y.format("y") + r"\s*年?\s*(?:年底|年末|底|末|年内|年度内|内)"),
    ("yend", _Y.format("y") + r"\s*年(?=\s*(?:之前|以前|前|完成|基本完成|全面完成|建成|实现|\)|$))"),
    ("next", r"明年(?:年底|底|年内|内)?"),
    ("ctx", r"(?:今年|当年|本年度?)?(?<![一二三四五六七八九十两\d个多])(?:年底|年末|年内|年度内)"),
    ("ctx", r"(?:今年|当年|本年度?)(?:底|内)?"),
]
_SCAN = re.compile(
    "|".join(f"(?P<k{i}>{pattern})".replace("(?P<y>", f"(?P<y{i}>").replace("(?P<m>", f"(?P<m{i}>")
             .replace("(?P<d>", f"(?P<d{i}>").replace("(?P<q>", f"(?P<q{i}>")
             .replace("(?P<half>", f"(?P<half{i}>").replace("(?P<part>", f"(?P<part{i}>")
             .replace("(?P<nian>", f"(?P<nian{i}>")
             for i, (_kind, pattern) in enumerate(_PATTERNS)))
_TAIL_RE = re.compile(_TAIL)
# "10个工作日内" and also "10个工作日" followed by 完成/报送 or the end of its clause
_WITHIN = r"\s*(?:内|以内|之内|(?=\s*(?:完成|办结|报送|落实|到位|$|[,，。;；)）])))"
_RELATIVE = re.compile(
    r"(?P<ref>[^,，。;；:：()（）、\[\]]{2,30}?)(?:之日起|之日后|之日以后|后|起|以后|之后)\s*"
    r"(?P<n>\d{1,3}|[一二三四五六七八九十两]{1,3})\s*个?\s*(?P<unit>工作日|日|天|月|周|星期)" + _WITHIN)
_ONGOING = re.compile(r"长期坚持|持续推进|长期推进|持续开展|常态化推进|常态化开展|长期|常态化|持续|经常性")
_RECURRING = re.compile(
    r"每(?:一)?(?P<unit>年度?|季度?|半年|个?月)(?:的)?\s*(?:(?P<m>1[0-2]|0?[1-9])\s*月\s*(?:(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号])?"
    r"(?:份|底|末)?|(?P<dm>3[01]|[12]\d|0?[1-9])\s*[日号]|(?P<end>年底|年末|底|末))?(?P<before>\s*(?:之前|以前|前))?")
_BARE_LAG = re.compile(
    r"(?<![\d年月])(?P<n>\d{1,3}|[一二三四五六七八九十两]{1,3})\s*个?\s*(?P<unit>工作日|日|天|月|周|星期)" + _WITHIN)
_IMMEDIATE = re.compile(r"即时|立即|即日起|马上|立行立改")
DEFERRED = re.compile(r"按(?:照)?上级(?:统一)?(?:要求|部署|安排|规定)|根据上级(?:要求|部署|安排)|另行(?:通知|明确)|视情况")
PLAN_REFERENCE = "方案印发"
_REF_LEAD = re.compile(r"^(?:并|且|要|应|须|需|在|于|自|从|待|到|由|按|各项)*")
YEAR_MENTION = re.compile(r"(?<!\d)(20\d{2})\s*(?:年|(?=(?:1[0-2]|[1-9])月))")  # "20179月": 年 lost


@dataclass(frozen=True)
class RelativeDeadline:
    """'机构职能调整到位后3个月内' -> reference '机构职能调整到位', lag '3 months'."""

    reference: str
    lag: str


@dataclass(frozen=True)
class DeadlineMatch:
    start: int
    end: int
    text: str
    date: date | None
    damaged: bool = False
    year_missing: bool = False


@dataclass(frozen=True)
class Recurring:
    """'每年12月底前' -> period 'year', month 12, day None (end of month); dated at its first occurrence."""

    period: str  # "year", "quarter", "halfyear", "month"
    month: int | None = None
    day: int | None = None


@dataclass
class DeadlineParse:
    date: date | None = None
    text: str | None = None
    ongoing: bool = False
    relative: RelativeDeadline | None = None
    damaged: bool = False
    year_missing: bool = False  # "年底前" without any year to anchor it
    recurring: Recurring | None = None  # "每年12月底前": the first occurrence after the plan date
    immediate: bool = False  # "即时": due on the plan date
    deferred: bool = False  # "按上级要求": no date of its own, on purpose
    matches: list[DeadlineMatch] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return (self.date is not None or self.ongoing or self.relative is not None or self.year_missing
                or self.immediate or self.deferred)


def find_deadlines(text: str, *, default_year: int | None) -> list[DeadlineMatch]:
    """Every absolute deadline phrase in ``text`` in order, with spans into ``text``."""
    folded = fold(text)
    found: list[DeadlineMatch] = []
    for match in _SCAN.finditer(folded):
        index = int(next(name for name, value in match.groupdict().items()
                         if value is not None and name.startswith("k"))[1:])
        groups = {name[: -len(str(index))]: value for name, value in match.groupdict().items()
                  if value is not None and name.endswith(str(index)) and not name.startswith("k")
                  and name[: -len(str(index))].isalpha()}
        kind = _PATTERNS[index][0]
        year_text = groups.get("y")
        context_year = _nearest_year(folded, match.start()) or default_year
        year = int(year_text) if year_text else context_year
        if kind == "next" and year is not None:
            year += 1
        end = _TAIL_RE.match(folded, match.end())
        stop = end.end() if end else match.end()
        damaged = kind == "ym" and "nian" not in groups and not re.search(r"[.\-/]", match.group(0))
        if year is None:
            found.append(DeadlineMatch(match.start(), stop, text[match.start():stop], None, damaged, True))
            continue
        found.append(DeadlineMatch(match.start(), stop, text[match.start():stop],
                                   _period_end(kind, year, groups), damaged))
    return found


def parse_deadline(text: str, *, default_year: int | None, allow_ongoing: bool = True) -> DeadlineParse:
    """The deadline stated in ``text`` (an annotation, a table cell or a task's sentence).

    With several absolute phrases the latest date wins (a task is finished when its last step is).
    """
    result = DeadlineParse(matches=find_deadlines(text, default_year=default_year))
    dated = [m for m in result.matches if m.date is not None]
    recurring = _recurring(text, default_year)
    if recurring is not None and (allow_ongoing or not dated):  # in prose a plain date outranks 每年…
        result.recurring, result.date, result.text = recurring
        return result
    if dated:
        best = max(dated, key=lambda m: (m.date, m.start))
        result.date, result.text, result.damaged = best.date, best.text, best.damaged
        return result
    relative = find_relative(text)
    if relative is not None:
        result.relative, result.text = relative
        return result
    if result.matches:
        result.year_missing, result.text = True, result.matches[-1].text
        return result
    if allow_ongoing:
        _without_date(text, result)
    return result


def _without_date(text: str, result: DeadlineParse) -> None:
    """Explicit time fields without a calendar date: 长期坚持, 即时, 按上级要求, a bare '3个月内'."""
    folded = fold(text)
    ongoing = _ONGOING.search(folded)
    if ongoing:
        result.ongoing, result.text = True, text[ongoing.start():ongoing.end()]
        return
    immediate = _IMMEDIATE.search(folded)
    if immediate:
        result.immediate, result.text = True, text[immediate.start():immediate.end()]
        return
    deferred = DEFERRED.search(folded)
    if deferred:
        result.deferred, result.text = True, text[deferred.start():deferred.end()]
        return
    lag = _BARE_LAG.search(folded)
    if lag:  # "3个月内" in a time field with no starting point: counted from the plan's issue
        amount = cn_to_int(lag.group("n"))
        if amount:
            result.relative = RelativeDeadline(PLAN_REFERENCE, _lag(amount, lag.group("unit")))
            result.text = text[lag.start():lag.end()]


def _recurring(text: str, default_year: int | None) -> tuple[Recurring, date | None, str] | None:
    """'每年12月底前' / '每季度末' / '每月25日前': the rule and its first date in ``default_year``."""
    match = next((m for m in _RECURRING.finditer(fold(text))
                  if m.group("m") or m.group("dm") or m.group("end") or m.group("before")), None)
    if match is None:
        return None
    unit = match.group("unit")
    period = "year" if unit.startswith("年") else "halfyear" if unit == "半年" else "quarter" if unit.startswith("季") \
        else "month"
    month = int(match.group("m")) if match.group("m") and period == "year" else None
    day = match.group("d") or match.group("dm")
    rule = Recurring(period, month, int(day) if day else None)
    tail = _TAIL_RE.match(fold(text), match.end())
    end = tail.end() if tail else match.end()
    first = next_occurrence(rule, date(default_year, 1, 1)) if default_year else None
    return rule, first, text[match.start():end]


def next_occurrence(rule: Recurring, after: date) -> date:
    """The first due date of ``rule`` on or after ``after``."""
    year = after.year
    for offset in range(0, 25):
        month_index = after.month - 1 + offset
        candidate_year, month = year + month_index // 12, month_index % 12 + 1
        if rule.period == "year" and month != (rule.month or 12):
            continue
        if rule.period == "quarter" and month % 3:
            continue
        if rule.period == "halfyear" and month % 6:
            continue
        last = calendar.monthrange(candidate_year, month)[1]
        due = date(candidate_year, month, min(rule.day or last, last))
        if due >= after:
            return due
    return after


def _lag(amount: int, unit: str) -> str:
    """'30', '工作日' -> '30 workdays' through the calendar's own lag parser (weeks become days)."""
    if unit in ("周", "星期"):
        amount, unit = amount * 7, "天"
    lag = Lag.parse(f"{amount}{unit}")
    return f"{lag.value} {lag.unit}"


def find_relative(text: str) -> tuple[RelativeDeadline, str] | None:
    """('机构职能调整到位', '3 months') and the phrase as written, or None."""
    match = _RELATIVE.search(fold(text))
    if match is None:
        return None
    amount = cn_to_int(match.group("n"))
    if not amount:
        return None
    lag = _lag(amount, match.group("unit"))
    lead = _REF_LEAD.match(match.group("ref"))
    ref_start = match.start("ref") + (lead.end() if lead else 0)
    reference = text[ref_start:match.end("ref")].removesuffix("之日")
    return RelativeDeadline(reference.strip(), lag), text[ref_start:match.end()]


def years_mentioned(text: str) -> list[int]:
    """Years written as '2017年' outside book titles《…》, in order (context for later phrases)."""
    folded = re.sub(r"《[^》]{0,80}》", "", fold(text))
    return [int(y) for y in YEAR_MENTION.findall(folded)]


def _nearest_year(folded: str, position: int) -> int | None:
    years = YEAR_MENTION.findall(folded[max(0, position - 400):position])
    return int(years[-1]) if years else None


def _period_end(kind: str, year: int, groups: dict[str, str]) -> date | None:
    try:
        if kind in ("ymd", "md"):
            return date(year, int(groups["m"]), int(groups["d"]))
        if kind in ("ym", "m"):
            month = int(groups["m"])
            part = groups.get("part")
            day = {"上旬": 10, "中旬": 20, "初": 10, "中": 20}.get(part or "", calendar.monthrange(year, month)[1])
            return date(year, month, day)
        if kind == "quarter":
            quarter = cn_to_int(groups["q"]) or 4
            return date(year, quarter * 3, calendar.monthrange(year, quarter * 3)[1])
        if kind == "half":
            return date(year, 6, 30) if groups["half"] == "上半年" else date(year, 12, 31)
    except ValueError:
        return None
    return date(year, 12, 31)
