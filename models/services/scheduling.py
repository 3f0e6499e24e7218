"""Recompute a plan's schedule from the database and store the results on the task rows.

Set-based: one query for tasks, one for dependencies, one pure computation (``models.schedule``),
and one executemany UPDATE for the rows whose computed fields changed. Pages and the deadline scan
read the stored fields, so they never recompute on the hot path.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.schedule import DepInput, PlanGraph, ScheduleResult, TaskInput, Thresholds
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound
from models.services.permissions import require
from models.services.settings_store import get_value
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Dependency, HolidayOverride, OfficialYear, Plan, Task
from models.workcalendar import Lag, WorkCalendar

COMPUTED = ("deadline", "forecast_finish", "light", "at_risk", "critical", "provisional", "light_reason", "red_since")
TASK_COLUMNS = (Task.id, Task.code, Task.parent_id, Task.deadline, Task.deadline_rule, Task.planned_start, Task.status,  # type: ignore[attr-defined]
                Task.percent, Task.actual_finish, Task.is_milestone, Task.forecast_finish, Task.light, Task.at_risk,
                Task.critical, Task.provisional, Task.light_reason, Task.red_since)


LIGHT_ORDER = ("done", "green", "yellow", "red")


@dataclass
class Recomputed:
    plan_id: int
    result: ScheduleResult
    changed: int
    counts: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "changed": self.changed, **self.result.summary(), "counts": self.counts}


def rollup(rows: list[Any], result: ScheduleResult) -> dict[int, dict[str, Any]]:
    """Computed fields per task; a heading task (parent of others) shows the worst light below it.

    Headings that only group tasks are not work items: they are excluded from counts and alerts
    (their light is ``rollup`` data, not a deadline of their own).
    """
    fields: dict[int, dict[str, Any]] = {}
    children: dict[int, list[int]] = {}
    for r in rows:
        ts = result.tasks[r.id]
        fields[r.id] = {"forecast_finish": ts.forecast_finish, "light": ts.light, "at_risk": ts.at_risk,
                        "critical": ts.critical, "provisional": ts.deadline_provisional, "light_reason": ts.reason[:200],
                        "deadline": ts.deadline if r.deadline_rule == "relative" else r.deadline}
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.id)

    def settle(task_id: int) -> dict[str, Any]:
        kids = [settle(k) for k in children.get(task_id, [])]
        if kids:
            worst = max((k["light"] for k in kids), key=LIGHT_ORDER.index)
            finishes = [k["forecast_finish"] for k in kids if k["forecast_finish"]]
            red = sum(k["light"] == "red" for k in kids)
            fields[task_id].update(light=worst, at_risk=any(k["at_risk"] for k in kids),
                                   forecast_finish=max(finishes) if finishes else None,
                                   light_reason=f"汇总下属{len(kids)}项任务" + (f"，其中红灯{red}项" if red else ""))
        return fields[task_id]

    for r in rows:
        if r.parent_id is None:
            settle(r.id)
    return fields


def leaf_counts(rows: list[Any], fields: dict[int, dict[str, Any]]) -> dict[str, int]:
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    counts = dict.fromkeys(LIGHT_ORDER, 0) | {"at_risk": 0}
    for r in rows:
        if r.id not in parents:
            counts[fields[r.id]["light"]] += 1
            counts["at_risk"] += bool(fields[r.id]["at_risk"])
    return counts


def load_calendar(session: Session) -> WorkCalendar:
    overrides = {o.day: o.is_workday for o in session.exec(select(HolidayOverride)).all()}
    years = [y.year for y in session.exec(select(OfficialYear)).all()]
    return WorkCalendar(overrides, official_years=years)


def thresholds(session: Session) -> Thresholds:
    s = get_settings()
    stored = get_value(session, "thresholds")
    return Thresholds(due_soon_days=int(stored.get("due_soon_days", s.due_soon_days)),
                      yellow_behind_points=int(stored.get("yellow_behind_points", s.yellow_behind_points)),
                      red_behind_points=int(stored.get("red_behind_points", s.red_behind_points)))


def default_plan_id(session: Session) -> int:
    plan = session.exec(select(Plan).order_by(Plan.id.desc())).first()  # type: ignore[union-attr]
    if plan is None:
        raise NotFound("还没有任何方案，请先导入方案或加载演示数据（reform demo load）")
    return plan.id or 0


def build(session: Session, plan_id: int) -> tuple[PlanGraph, list[Any], Plan]:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"方案不存在：#{plan_id}")
    rows = session.execute(sa_select(*TASK_COLUMNS).where(Task.plan_id == plan_id)).all()  # type: ignore[arg-type]
    inputs = [TaskInput(id=r.id, code=r.code, deadline=None if r.deadline_rule == "relative" else r.deadline,
                        relative=r.deadline_rule == "relative", start=r.planned_start, status=r.status,
                        percent=r.percent, actual_finish=r.actual_finish, is_milestone=r.is_milestone) for r in rows]
    deps = session.execute(sa_select(Dependency.pred_id, Dependency.succ_id, Dependency.lag_value,  # type: ignore[call-overload]
                                     Dependency.lag_unit).where(Dependency.plan_id == plan_id)).all()
    graph = PlanGraph.build(inputs, [DepInput(pred=d.pred_id, succ=d.succ_id, lag=Lag(d.lag_value, d.lag_unit))
                                     for d in deps])
    return graph, rows, plan


def compute(session: Session, plan_id: int, today: date) -> tuple[ScheduleResult, list[Any]]:
    graph, rows, plan = build(session, plan_id)
    result = graph.compute(today=today, calendar=load_calendar(session), thresholds=thresholds(session),
                           plan_start=plan.start_date)
    return result, rows


def _changes(rows: list[Any], fields: dict[int, dict[str, Any]], today: date) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        new = fields[r.id]
        new["red_since"] = (r.red_since or today) if new["light"] == "red" else None
        if any(getattr(r, k) != v for k, v in new.items()):
            out.append({"id": r.id, **new})
    return out


@retry_transient
def recompute(actor: Actor, *, plan_id: int | None = None, today: date | None = None,
              engine: Engine | None = None) -> Recomputed:
    today = today or date.today()
    with transaction(actor, "schedule.recompute", "plan", plan_id, engine=engine) as tx:
        require(actor, "schedule.run")
        pid = plan_id or default_plan_id(tx.session)
        tx.object_id = pid
        try:
            result, rows = compute(tx.session, pid, today)
        except ValueError as exc:  # ScheduleError carries a Chinese message naming the tasks
            raise Invalid(str(exc)) from None
        fields = rollup(rows, result)
        changes = _changes(rows, fields, today)
        if changes:
            tx.session.execute(update(Task), changes)
        counts = leaf_counts(rows, fields)
        tx.audit(after={"today": today, "changed": len(changes), "counts": counts})
        return Recomputed(pid, result, len(changes), counts)


def preview(plan_id: int | None = None, *, today: date, engine: Engine | None = None) -> ScheduleResult:
    """Read-only computation for what-if questions (slips) in the web app."""
    with read_session(engine) as session:
        return compute(session, plan_id or default_plan_id(session), today)[0]
