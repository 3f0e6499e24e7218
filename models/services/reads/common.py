"""What every screen reads: the freshness stamp, the plans, unit names, the leaf-task filter, phases and the
lead/supporting columns of task rows."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, and_, case, cast, exists, extract, func, literal, select
from sqlalchemy.engine import Engine, Result
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.db import read_session
from models.services.queries import units_by_task
from models.tables import AuditHead, Plan, Task, Unit

Row = dict[str, Any]
_Child = aliased(Task)


def rows(result: Result[Any]) -> list[Row]:
    return [dict(r._mapping) for r in result]


def fetch(s: Session, query: Select[Any]) -> list[Row]:
    return rows(s.execute(query))


def leaf(plan_id: int | None) -> ColumnElement[bool]:
    """Tasks of the plan (every plan for None) that are not mere headings grouping other tasks."""
    heading = exists().where(col(_Child.parent_id) == col(Task.id))
    return ~heading if plan_id is None else and_(col(Task.plan_id) == plan_id, ~heading)


def data_stamp(engine: Engine | None = None) -> int:
    with read_session(engine) as s:
        head = s.get(AuditHead, 1)
        return head.last_id if head else 0


def plans(engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(Plan.id), col(Plan.title), col(Plan.doc_number), col(Plan.start_date), col(Plan.phases))
                     .order_by(col(Plan.id).desc()))


def unit_names(engine: Engine | None = None) -> dict[int, str]:
    with read_session(engine) as s:
        return {r.id: r.name for r in s.execute(select(col(Unit.id), col(Unit.name)).order_by(col(Unit.id)))}


def unit_name(unit_id: int, engine: Engine | None = None) -> str:
    """One unit's name (the frame shows the user's own unit on every page: not all 40 000 names)."""
    with read_session(engine) as s:
        return str(s.execute(select(col(Unit.name)).where(col(Unit.id) == unit_id)).scalar() or "")


# ---------------------------------------------------------------- phases
def phase_of(phase: str | None, deadline: date | None, phases: list[dict[str, Any]]) -> str:
    """The task's phase: its own, else the plan phase its deadline falls in, else its deadline's quarter."""
    if phase is not None:
        return phase
    ends = [(date.fromisoformat(str(p["end"])), str(p["name"])) for p in phases if p.get("end")]
    if ends:
        return next((name for end, name in ends if deadline is not None and deadline <= end), "后续及持续推进")
    return f"{deadline.year}年第{(deadline.month + 2) // 3}季度" if deadline else "未定时限"


def phase_expr(phases: list[dict[str, Any]]) -> ColumnElement[str]:
    """``phase_of`` in SQL, for filtering the task list by phase."""
    whens = [(col(Task.deadline) <= date.fromisoformat(str(p["end"])), p["name"]) for p in phases if p.get("end")]
    if whens:
        return func.coalesce(col(Task.phase), case(*whens, else_=literal("后续及持续推进")))
    year = cast(extract("year", col(Task.deadline)), Integer)
    quarter = (cast(extract("month", col(Task.deadline)), Integer) + 2) // 3
    label = func.coalesce(cast(year, String) + literal("年第") + cast(quarter, String) + literal("季度"),
                          literal("未定时限"))
    return func.coalesce(col(Task.phase), label)


def plan_phases(s: Session, plan_id: int | None) -> list[dict[str, Any]]:
    plan = s.get(Plan, plan_id) if plan_id is not None else None
    return list(plan.phases or []) if plan else []


# ---------------------------------------------------------------- task rows
def attach_leads(s: Session, task_rows: list[Row]) -> None:
    """Each row's ``lead`` (lead and responsible units) and ``supporting`` columns, names joined by 、."""
    units = units_by_task(s, [r["id"] for r in task_rows])
    for r in task_rows:
        u = units.get(r["id"], {})
        r["lead"] = "、".join(u.get("lead", []) + u.get("responsible", []))
        r["supporting"] = "、".join(u.get("supporting", []))
