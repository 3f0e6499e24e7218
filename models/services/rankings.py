"""Unit rankings and the data of the 工作进展通报 (weekly / monthly / quarterly bulletin).

A bulletin reports the standing at the end of its period (``截至$end``), cumulatively: every task due
by then counts, so a unit cannot improve its rank by having nothing due this week. Parent (group)
tasks are excluded from every count, as their children carry the work. Group units (各镇人民政府)
stand for each of their members.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import read_session
from models.services import signoff
from models.tables import Task, TaskUnit, Unit, UnitGroupMember

FULL_WEIGHT = 1.0
"""Lead (牵头) and responsible (负责) units answer for the whole task."""
SUPPORTING_WEIGHT = 0.5
"""Supporting units (配合/参与) share the result partly: GUIDE §4 "supporting units partially", so a
late task costs its lead twice what it costs a unit that only assisted."""
LATE_CREDIT = 0.5
"""A task finished late earns half the credit of an on-time one: finishing late beats not finishing."""
LIST_SIZE = 5
"""红黑榜: top five and bottom five."""
FINISHED = ("pending_review", "done")
QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    start: date
    end: date

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def period_for(kind: str, today: date) -> Period:
    """The last complete week (Mon–Sun), month or quarter before ``today``: a report covers a closed period."""
    if kind == "week":
        end = today - timedelta(days=today.isoweekday())
        start = end - timedelta(days=6)
        year, week, _ = start.isocalendar()
        return Period(kind, f"{year}年第{week}周", start, end)
    if kind == "month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(kind, f"{end.year}年{end.month}月", end.replace(day=1), end)
    if kind == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        end = today.replace(month=first_month, day=1) - timedelta(days=1)
        q = (end.month - 1) // 3
        return Period(kind, f"{end.year}年第{QUARTERS[q]}季度", date(end.year, 3 * q + 1, 1), end)
    raise ValueError(f"unknown period {kind!r} (week|month|quarter)")


@dataclass
class _Score:
    task_count: int = 0
    lead_total: int = 0
    lead_done: int = 0
    overdue: int = 0
    due_w: float = 0.0
    on_time_w: float = 0.0
    late_done_w: float = 0.0


def _task_rows(session: Session, plan_id: int | None) -> list[Any]:
    parent_ids = select(Task.parent_id).where(Task.parent_id.is_not(None))  # type: ignore[union-attr]
    query = select(Task.id, Task.code, Task.title, Task.status, Task.deadline, Task.actual_finish,  # type: ignore[call-overload]
                   Task.light, Task.at_risk).where(Task.id.not_in(parent_ids))  # type: ignore[union-attr]
    if plan_id is not None:
        query = query.where(Task.plan_id == plan_id)
    return list(session.execute(query.order_by(Task.id)).all())


def _units_of(session: Session, task_ids: set[int]) -> dict[int, dict[int, float]]:
    """task → {unit: weight}; groups expanded; a unit named in several roles counts at its highest weight."""
    members: dict[int, list[int]] = defaultdict(list)
    for g in session.execute(select(UnitGroupMember.group_id, UnitGroupMember.member_id)).all():  # type: ignore[call-overload]
        members[g.group_id].append(g.member_id)
    out: dict[int, dict[int, float]] = defaultdict(dict)
    rows = session.execute(select(TaskUnit.task_id, TaskUnit.unit_id, TaskUnit.role)  # type: ignore[call-overload]
                           .where(TaskUnit.unit_id.is_not(None))).all()  # type: ignore[union-attr]
    for r in rows:
        if r.task_id not in task_ids:
            continue
        weight = SUPPORTING_WEIGHT if r.role == "supporting" else FULL_WEIGHT
        for unit_id in members.get(r.unit_id) or [r.unit_id]:
            out[r.task_id][unit_id] = max(weight, out[r.task_id].get(unit_id, 0.0))
    return out


def _finished_by(row: Any, as_of: date) -> bool:
    return row.status in FINISHED and (row.actual_finish is None or row.actual_finish <= as_of)


def _on_time(row: Any, as_of: date) -> bool:
    return _finished_by(row, as_of) and (row.deadline is None or row.actual_finish is None
                                         or row.actual_finish <= row.deadline)


def _overdue(row: Any, as_of: date) -> bool:
    if row.deadline is None:
        return False
    if _finished_by(row, as_of):
        return row.actual_finish is not None and row.actual_finish > row.deadline
    return row.deadline < as_of


def rank_units(session: Session, *, as_of: date, plan_id: int | None = None,
               rows: list[Any] | None = None) -> list[dict[str, Any]]:
    """Units ordered best first: score, on-time rate, fewer overdue, name. Units with nothing due are unranked."""
    rows = rows if rows is not None else _task_rows(session, plan_id)
    weights = _units_of(session, {r.id for r in rows})
    scores: dict[int, _Score] = defaultdict(_Score)
    for r in rows:
        finished, on_time, overdue = _finished_by(r, as_of), _on_time(r, as_of), _overdue(r, as_of)
        due = finished or (r.deadline is not None and r.deadline <= as_of)
        for unit_id, w in weights.get(r.id, {}).items():
            s = scores[unit_id]
            s.task_count += 1
            if w == FULL_WEIGHT:
                s.lead_total += 1
                s.lead_done += finished
                s.overdue += overdue
            if due:
                s.due_w += w
                s.on_time_w += w * on_time
                s.late_done_w += w * (finished and not on_time)
    names = {u.id: u.name for u in session.execute(select(Unit.id, Unit.name)).all()}  # type: ignore[call-overload]
    signed = signoff.unit_rates(session, as_of=as_of)  # 签收率: a figure beside the on-time rate, not in the score
    missed = missed_reports(session, as_of=as_of, plan_id=plan_id)  # counted like overdue tasks
    units = []
    for unit_id, s in scores.items():
        rate = s.on_time_w / s.due_w if s.due_w else None
        score = round(100 * (s.on_time_w + LATE_CREDIT * s.late_done_w) / s.due_w, 1) if s.due_w else None
        units.append({"unit": names.get(unit_id, f"#{unit_id}"), "unit_id": unit_id, "task_count": s.task_count,
                      "lead_total": s.lead_total, "lead_done": s.lead_done,
                      "on_time_rate": None if rate is None else round(rate, 4), "overdue": s.overdue,
                      "score": score, "rank": None, "signoff_rate": signed.get(unit_id, {}).get("rate"),
                      "missed_reports": missed.get(unit_id, 0)})
    units.sort(key=lambda u: (u["score"] is None, -(u["score"] or 0), -(u["on_time_rate"] or 0),
                              u["overdue"] + u["missed_reports"], u["unit"]))
    for i, u in enumerate(u for u in units if u["score"] is not None):
        u["rank"] = i + 1
    return units


def missed_reports(session: Session, *, as_of: date, plan_id: int | None = None) -> dict[int, int]:
    """unit → report slots due before ``as_of`` that were missed or filed late, for the tasks it leads or is
    responsible for (groups stand for their members): one aggregate over the (task, due_on, filed_on) index."""
    from models.tables import ReportSlot

    per_task = (select(ReportSlot.task_id, func.count().label("n"))  # type: ignore[call-overload]
                .where(ReportSlot.due_on < as_of,
                       or_(ReportSlot.filed_on.is_(None), ReportSlot.filed_on > ReportSlot.due_on))  # type: ignore[arg-type,union-attr,operator]
                .group_by(ReportSlot.task_id))
    if plan_id is not None:
        per_task = per_task.where(ReportSlot.task_id.in_(select(Task.id).where(Task.plan_id == plan_id)))  # type: ignore[attr-defined,call-overload]
    slots = per_task.subquery()
    unit = func.coalesce(UnitGroupMember.member_id, TaskUnit.unit_id)
    answerable = (select(slots.c.task_id, slots.c.n, unit.label("unit_id")).distinct()  # type: ignore[call-overload]
                  .join(TaskUnit, TaskUnit.task_id == slots.c.task_id)
                  .outerjoin(UnitGroupMember, UnitGroupMember.group_id == TaskUnit.unit_id)  # type: ignore[arg-type]
                  .where(TaskUnit.role.in_(("lead", "responsible")), TaskUnit.unit_id.is_not(None))  # type: ignore[attr-defined,union-attr]
                  .subquery())
    query = select(answerable.c.unit_id, func.sum(answerable.c.n)).group_by(answerable.c.unit_id)
    return {int(u): int(n) for u, n in session.execute(query).all()}


def red_black(units: list[dict[str, Any]], *, due_in_period: set[int] | None = None) -> tuple[list[str], list[str]]:
    """Top five with on-time work; bottom five that fell short (score below 100), never on both lists.

    With ``due_in_period`` only units that had a task due in the period can be put on the 黑榜: a unit is
    not named for a period in which nothing of its was due.
    """
    ranked = [u for u in units if u["rank"] is not None]
    red = [u["unit"] for u in ranked if (u["on_time_rate"] or 0) > 0][:LIST_SIZE]
    black = [u["unit"] for u in reversed(ranked) if u["score"] < 100 and u["unit"] not in red
             and (due_in_period is None or u.get("unit_id") in due_in_period)][:LIST_SIZE]
    return red, black


def light_as_of(row: Any, as_of: date, due_soon_days: int) -> str:
    """The task's light on the bulletin's date, so done + green + yellow + red always equals the total.

    Finished by then: done; past its deadline: red; otherwise the progress light the scan recorded
    (red/yellow for lagging work), or yellow when due within the due-soon window.
    """
    if _finished_by(row, as_of):
        return "done"
    if row.deadline is not None and row.deadline < as_of:
        return "red"
    if row.light in ("red", "yellow"):
        return str(row.light)
    if row.deadline is not None and (row.deadline - as_of).days <= due_soon_days:
        return "yellow"
    return "green"


def bulletin_data(session: Session, period: Period, *, plan_id: int | None = None) -> dict[str, Any]:
    """Exactly the dict the bulletin template renders (see models/documents/bulletin.py)."""
    from models.services.settings_store import get_value
    from models.settings import get_settings

    as_of = period.end
    rows = _task_rows(session, plan_id)
    units = rank_units(session, as_of=as_of, plan_id=plan_id, rows=rows)
    weights = _units_of(session, {r.id for r in rows})
    due_in_period = {unit_id for r in rows if r.deadline is not None and period.start <= r.deadline <= period.end
                     for unit_id, w in weights.get(r.id, {}).items() if w == FULL_WEIGHT}
    red, black = red_black(units, due_in_period=due_in_period)
    due_soon = int(get_value(session, "thresholds").get("due_soon_days", get_settings().due_soon_days))
    lights = [light_as_of(r, as_of, due_soon) for r in rows]
    leads = _lead_names(session, {r.id for r in rows})
    late = [r for r in rows if not _finished_by(r, as_of) and r.deadline is not None and r.deadline < as_of]
    overdue_tasks = sorted(({"code": r.code, "title": r.title, "lead_units": leads.get(r.id, []),
                             "deadline": r.deadline.isoformat(), "days_overdue": (as_of - r.deadline).days}
                            for r in late), key=lambda t: (-t["days_overdue"], t["code"]))
    totals = {"total": len(rows), **{k: lights.count(k) for k in ("done", "green", "yellow", "red")},
              "at_risk": sum(bool(r.at_risk) and light != "done" for r, light in zip(rows, lights, strict=True))}
    return {"period": period.as_dict(), "as_of": as_of.isoformat(), "totals": totals, "units": units,
            "red_list": red, "black_list": black, "overdue_tasks": overdue_tasks}


def _lead_names(session: Session, task_ids: set[int]) -> dict[int, list[str]]:
    names = {u.id: u.name for u in session.execute(select(Unit.id, Unit.name)).all()}  # type: ignore[call-overload]
    out: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(select(TaskUnit.task_id, TaskUnit.unit_id, TaskUnit.written_name)  # type: ignore[call-overload]
                           .where(TaskUnit.role.in_(("lead", "responsible"))).order_by(TaskUnit.id)).all()  # type: ignore[attr-defined]
    for r in rows:
        if r.task_id in task_ids:
            out[r.task_id].append(names.get(r.unit_id, r.written_name) if r.unit_id else r.written_name)
    return out


def bulletin(kind: str, today: date, *, plan_id: int | None = None, engine: Engine | None = None) -> dict[str, Any]:
    with read_session(engine) as session:
        return bulletin_data(session, period_for(kind, today), plan_id=plan_id)
