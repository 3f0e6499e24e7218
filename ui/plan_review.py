"""The import review table: a parsed plan draft ↔ an editable DataFrame, plus merge and split of tasks.

Pure functions on the draft dict (the shape ``plans.publish_plan`` takes); nothing is stored until the
office publishes.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from models.workcalendar import Lag
from ui.components.labels import LAG_UNITS

COLUMNS = {"code": "编号", "parent": "上级", "title": "任务", "lead_units": "牵头单位", "responsible_units": "负责单位",
           "supporting_units": "配合单位", "deadline": "截止日期", "deadline_text": "时限表述", "depends_on": "前置任务（如：二.2 完成后2个月）",
           "milestone": "里程碑", "ongoing": "持续推进", "check": "时限核对", "done": "已完成", "completion_note": "完成说明",
           "unassigned": "暂不分派", "source": "来源"}
READ_ONLY = ("来源", "时限核对")
CHECKBOXES = ("里程碑", "持续推进", "已完成", "暂不分派")
PENDING, CREATE, UNASSIGNED = "（请选择）", "新建为新单位", "暂不指定单位"
ACCEPT_CONFIDENCE = 0.8  # "采用建议" in bulk only takes proposals at least this close
UNIT_KEYS = ("lead_units", "responsible_units", "supporting_units")
_SPLIT = re.compile(r"[、,，;；\s]+")


def _units_text(names: list[str]) -> str:
    return "、".join(names or [])


def _lag_text(text: str) -> str:
    """"2 months" → "2个月"; text the calendar does not know is shown as it is."""
    try:
        value = Lag.parse(text or "0 days")
    except ValueError:
        return text
    return "" if value.value == 0 else f"{value.value}{LAG_UNITS[value.unit]}"


def _deps_text(deps: list[dict[str, str]]) -> str:
    return "；".join(f"{d['code']} 完成后{_lag_text(d.get('lag') or '')}" for d in deps or [])


def to_frame(draft: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for t in draft.get("tasks") or []:
        rows.append({"code": t.get("code") or "", "parent": t.get("parent") or "", "title": t.get("title") or "",
                     **{k: _units_text(t.get(k) or []) for k in UNIT_KEYS},
                     "deadline": t.get("deadline") or "", "deadline_text": t.get("deadline_text") or "",
                     "depends_on": _deps_text(t.get("depends_on") or []), "milestone": bool(t.get("milestone")),
                     "ongoing": bool(t.get("ongoing")), "check": t.get("check") or "",
                     "done": t.get("status") == "done", "completion_note": t.get("completion_note") or "",
                     "unassigned": bool(t.get("unassigned")),
                     "source": t.get("source") or ""})
    return pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _lag(text: str) -> str:
    """"2个月" / "2 months" → "2 months" (text the calendar refuses is kept, publishing then names it)."""
    try:
        return str(Lag.parse(text)) if text else "0 days"
    except ValueError:
        return text


def _deps(text: str) -> list[dict[str, str]]:
    """"二.2 完成后2个月；二.1 完成后30个工作日" (also "二.2@2 months") → the draft's dependency list."""
    out = []
    for part in re.split(r"[;；]+", text):
        if part.strip():
            code, sep, lag = part.partition("@")
            if not sep:
                code, _, lag = part.partition("完成后")
            out.append({"code": code.strip(), "lag": _lag(lag.strip())})
    return out


def from_frame(df: pd.DataFrame, draft: dict[str, Any]) -> dict[str, Any]:
    """The edited table back into a draft; free text of unchanged codes is kept."""
    back = {v: k for k, v in COLUMNS.items()}
    originals = {t.get("code"): t for t in draft.get("tasks") or []}
    tasks = []
    for rec in df.rename(columns=back).to_dict("records"):
        code = _text(rec.get("code"))
        if not code and not _text(rec.get("title")):
            continue
        base = dict(originals.get(code) or {})
        base.update(code=code, parent=_text(rec.get("parent")) or None, title=_text(rec.get("title")),
                    deadline=_text(rec.get("deadline")) or None, deadline_text=_text(rec.get("deadline_text")) or None,
                    depends_on=_deps(_text(rec.get("depends_on"))), milestone=bool(rec.get("milestone")),
                    ongoing=bool(rec.get("ongoing")))
        base.setdefault("text", base["title"])
        base["status"] = "done" if bool(rec.get("done")) else "not_started"
        base["completion_note"] = _text(rec.get("completion_note")) or None
        base["unassigned"] = bool(rec.get("unassigned"))
        for key in UNIT_KEYS:
            base[key] = [n for n in _SPLIT.split(_text(rec.get(key))) if n]
        tasks.append(base)
    return {**draft, "tasks": tasks}


def unit_choices(proposal_unit: str | None, units: list[str]) -> list[str]:
    """Options of one unresolved name: pending, create, unassigned, then the units (the proposed one first)."""
    ordered = ([proposal_unit] if proposal_unit in units else []) + sorted(u for u in units if u != proposal_unit)
    return [PENDING, CREATE, UNASSIGNED, *ordered]


def unit_decision(choice: str) -> dict[str, str] | None:
    """The ``unit_decisions`` entry ``plans.publish_plan`` takes for a chosen option (None: still pending)."""
    if choice == PENDING:
        return None
    if choice == CREATE:
        return {"action": "create"}
    if choice == UNASSIGNED:
        return {"action": "unassigned"}
    return {"action": "map", "unit": choice}


def merge(draft: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """Merge tasks into the first code: texts joined, units united, the latest deadline kept, links redirected."""
    if len(codes) < 2:
        return draft
    keep, gone = codes[0], set(codes[1:])
    tasks = [dict(t) for t in draft["tasks"]]
    target = next(t for t in tasks if t["code"] == keep)
    for t in tasks:
        if t["code"] in gone:
            target["title"] = f"{target['title']}；{t['title']}"
            target["text"] = f"{target.get('text') or ''}\n{t.get('text') or t['title']}".strip()
            for key in UNIT_KEYS:
                target[key] = list(dict.fromkeys((target.get(key) or []) + (t.get(key) or [])))
            if t.get("deadline") and (not target.get("deadline") or t["deadline"] > target["deadline"]):
                target["deadline"], target["deadline_text"] = t["deadline"], t.get("deadline_text")
            target["depends_on"] = (target.get("depends_on") or []) + (t.get("depends_on") or [])
    out = []
    for t in tasks:
        if t["code"] in gone:
            continue
        seen: set[str] = set()
        deps = []
        for d in t.get("depends_on") or []:
            code = keep if d["code"] in gone else d["code"]
            if code != t["code"] and code not in seen:
                seen.add(code)
                deps.append({**d, "code": code})
        t["depends_on"] = deps
        if t.get("parent") in gone:
            t["parent"] = keep
        out.append(t)
    return {**draft, "tasks": out}


def split(draft: dict[str, Any], code: str) -> dict[str, Any]:
    """Split a task in two: a copy with code ``<code>-2`` right after it, same units and deadline."""
    tasks = []
    codes = {t["code"] for t in draft["tasks"]}
    new_code = next(f"{code}-{i}" for i in range(2, 100) if f"{code}-{i}" not in codes)
    for t in draft["tasks"]:
        tasks.append(t)
        if t["code"] == code:
            tasks.append({**t, "code": new_code, "title": f"{t['title']}（拆分）",
                          "depends_on": list(t.get("depends_on") or [])})
    return {**draft, "tasks": tasks}
