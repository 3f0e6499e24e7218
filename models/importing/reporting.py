"""Reporting duties and indicator targets written in a plan's text -> proposals for the review step.

"每月5日前报送" → monthly, due on the 5th; "按季度报送" → quarterly; "每周五" → weekly on Friday; the rhythm
"日检查、周调度、月汇总、季排队、年总评" → one rule per period it names. "城市年径流总量控制率达到75%以上" → target
75 %, ≥; "控制在5%以内" → ≤. These are proposals: the office confirms or changes them before publishing.
Every pattern is bounded and anchored on literal characters (linear in the text length).
"""
from __future__ import annotations

import re
from typing import Any

from models.importing.textnorm import cn_to_int, fold

WEEKDAY_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
DEFAULT_WEEKDAY = 5
"""周调度 without a day: Friday, when the week's work is summed up."""

_MONTHLY_DAY = re.compile(r"每(?:个)?月\s*(?P<d>3[01]|[12]\d|0?[1-9]|[一二三四五六七八九十]{1,3})\s*[日号]\s*(?:之前|以前|前)")
_MONTHLY_END = re.compile(r"每(?:个)?月(?:底|末)\s*(?:之前|以前|前)?\s*(?:报送|上报|报告|报)|(?:按|每)月(?:度)?(?:报送|上报|报告)")
_QUARTER_DAY = re.compile(r"每(?:个)?季度?(?:次月|结束后)\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号]\s*(?:之前|以前|前)")
_QUARTERLY = re.compile(r"(?:按|每)(?:个)?季度?(?:末|底)?\s*(?:报送|上报|报告|通报)|按季度")
_WEEKLY = re.compile(r"每(?:周|星期)(?P<w>[一二三四五六日天])")
_WEEKLY_PLAIN = re.compile(r"(?:按|每)周(?:报送|上报|报告)")
_DAILY = re.compile(r"(?:按日|每日|每天)(?:报送|上报|报告)|日报制度")
_RHYTHM = {
    "daily": re.compile(r"日(?:调度|报告)"),  # 日检查 is the office's own daily check (the scan), not a report
    "weekly": re.compile(r"周(?:调度|通报|例会|报告)"),
    "monthly": re.compile(r"月(?:汇总|通报|报告|小结|调度)"),
    "quarterly": re.compile(r"季(?:排队|通报|排名|考核|度排名)"),
    "yearly": re.compile(r"年(?:总评|考核|终考核|度考核)"),
}
_RHYTHM_LIST = re.compile(r"[日周月季年][\u4e00-\u9fff]{2}(?:[、，,][日周月季年][\u4e00-\u9fff]{2}){2,4}")

_VERBS_GE = ("达到", "提高到", "提升到", "提高至", "提升至", "不低于", "不少于", "保持在", "下沉", "覆盖率达")
_VERBS_LE = ("控制在", "降低到", "降低至", "降至", "不高于", "不超过", "压减到", "压缩到")
_UNITS = r"%|％|个百分点|万人|万户|人|户|个|家|公里|千米|万元|亿元|吨|万吨|平方米|万平方米|项|件|座|处"
_INDICATOR = re.compile(
    r"(?P<pre>[^，。；,;：:、()（）\s]{0,30}?)(?P<verb>" + "|".join(_VERBS_GE + _VERBS_LE) + r")\s*"
    r"(?P<value>\d{1,9}(?:\.\d{1,4})?)\s*(?P<unit>" + _UNITS + r")\s*(?P<tail>以上|以下|以内|左右)?"
    r"(?:的(?P<noun>[^，。；,;、()（）\s]{2,20}))?")
_PRE_FLUFF = re.compile(r"^(?:.*?(?:到\d{4}年(?:底|末)?|年底前|年内|力争|确保|使|将|把|全区|全县|全市))")


def propose_schedule(text: str) -> list[dict[str, Any]]:
    """Report rules a task's (or a plan's) text asks for, as ``ReportSchedule``-shaped dicts, most specific first."""
    folded = fold(text)
    rules: dict[str, dict[str, Any]] = {}

    def add(frequency: str, source: str, **kw: Any) -> None:
        rules.setdefault(frequency, {"frequency": frequency, "weekday": None, "day": None, "stages": [],
                                     "source_text": source[:200], **kw})

    if m := _MONTHLY_DAY.search(folded):
        add("monthly", m.group(0), day=_number(m.group("d")))
    elif m := _MONTHLY_END.search(folded):
        add("monthly", m.group(0), day=0)
    if m := _QUARTER_DAY.search(folded):
        add("quarterly", m.group(0), day=int(m.group("d")))
    elif m := _QUARTERLY.search(folded):
        add("quarterly", m.group(0), day=0)
    if m := _WEEKLY.search(folded):
        add("weekly", m.group(0), weekday=WEEKDAY_DIGITS[m.group("w")])
    elif m := _WEEKLY_PLAIN.search(folded):
        add("weekly", m.group(0), weekday=DEFAULT_WEEKDAY)
    if m := _DAILY.search(folded):
        add("daily", m.group(0))
    for listed in _RHYTHM_LIST.finditer(folded):
        phrase = listed.group(0)
        for frequency, pattern in _RHYTHM.items():
            if pattern.search(phrase):
                add(frequency, phrase, **({"weekday": DEFAULT_WEEKDAY} if frequency == "weekly" else {}),
                    **({"day": 0} if frequency in {"monthly", "quarterly", "yearly"} else {}))
    return list(rules.values())


_CANONICAL = re.compile(
    r"^(?:(?P<daily>每日)|每周(?P<w>[一二三四五六日])|每月(?:(?P<md>\d{1,2})日前|(?P<mend>末))"
    r"|每季度(?:次月(?P<qd>\d{1,2})日前|(?P<qend>末))|每年(?:次年1月(?P<yd>\d{1,2})日前|(?P<yend>末))"
    r"|按阶段[(（](?P<stages>[\d\-、,， ]+)[)）]|(?P<phases>按(?:方案)?阶段)|(?P<none>不单独报送|无))$")


def parse_rules_text(text: str) -> list[dict[str, Any]]:
    """The office's wording of a schedule ("每月5日前；每季度末", as ``Rule.label`` writes it, or the plan's
    own phrases) -> rule dicts; raises ValueError naming the part it cannot read."""
    rules: list[dict[str, Any]] = []
    for piece in (p.strip() for p in re.split(r"[;；\n]", fold(text or ""))):
        if not piece:
            continue
        m = _CANONICAL.match(piece)
        if m is None:
            found = propose_schedule(piece)
            if not found:
                raise ValueError(f"无法识别的报送要求：“{piece[:30]}”（如“每月5日前”“每周五”“每季度末”“按阶段（2026-12-31）”）")
            rules += found
            continue
        g = m.groupdict()
        if g["none"]:
            rules.append({"frequency": "none"})
        elif g["daily"]:
            rules.append({"frequency": "daily"})
        elif g["w"]:
            rules.append({"frequency": "weekly", "weekday": WEEKDAY_DIGITS[g["w"]]})
        elif g["md"] or g["mend"]:
            rules.append({"frequency": "monthly", "day": int(g["md"] or 0)})
        elif g["qd"] or g["qend"]:
            rules.append({"frequency": "quarterly", "day": int(g["qd"] or 0)})
        elif g["yd"] or g["yend"]:
            rules.append({"frequency": "yearly", "day": int(g["yd"] or 0)})
        elif g["phases"]:  # at the end of each of the plan's phases
            rules.append({"frequency": "stage", "stages": []})
        else:
            rules.append({"frequency": "stage", "stages": [s for s in re.split(r"[、,， ]+", g["stages"]) if s]})
    return rules


def _number(text: str) -> int:
    return int(text) if text.isdigit() else cn_to_int(text) or 0


def propose_indicator(text: str) -> dict[str, Any] | None:
    """The first measurable target in the text (value with a unit), or ``None``."""
    folded = fold(text)
    for m in _INDICATOR.finditer(folded):
        verb, tail = m.group("verb"), m.group("tail") or ""
        direction = "le" if verb in _VERBS_LE or tail in {"以下", "以内"} else "ge"
        pre = _PRE_FLUFF.sub("", m.group("pre")).strip()
        name = pre if verb not in {"下沉"} else f"{pre}{verb}{m.group('noun') or ''}"
        if len(name) < 2:
            name = (m.group("noun") or m.group(0))[:40]
        unit = "%" if m.group("unit") in {"%", "％"} else m.group("unit")
        return {"name": name[:120], "target": float(m.group("value")), "unit": unit, "direction": direction,
                "baseline": None, "baseline_on": None, "source_text": m.group(0)[:200]}
    return None
