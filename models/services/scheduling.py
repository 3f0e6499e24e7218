"""Recompute schedules from the database and store the results on the task rows.

Set-based: one query for tasks, one for dependencies, one pure computation (``models.scheduling``) over
numpy arrays, and one executemany UPDATE for the rows whose computed fields changed. ``recompute_all``
does every plan at once (the daily scan); ``recompute`` one plan (after an import or an edit). Pages and
the deadline scan read the stored fields, so they never recompute on the hot path.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.scheduling import DepInput, PlanGraph, ScheduleResult, TaskInput, Thresholds
from models.scheduling.passes import known
from models.scheduling.result import LIGHTS
from models.services import reporting
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound
from models.services.permissions import require
from models.services.reporting import IndicatorInput
from models.services.settings_store import get_value
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Dependency, HolidayOverride, OfficialYear, Plan, Task
from models.workcalendar import Lag, WorkCalendar

LIGHT_ORDER = ("done", "green", "yellow", "red")
TASK_FIELDS = ("id", "plan_id", "code", "parent_id", "deadline", "deadline_rule", "planned_start", "status", "percent",
               "actual_finish", "is_milestone", "forecast_finish", "light", "at_risk", "critical", "provisional",
               "light_reason", "red_since")
DATE_FIELDS = ("deadline", "planned_start", "actual_finish", "forecast_finish", "red_since")
TaskRow = namedtuple("TaskRow", TASK_FIELDS)  # type: ignore[misc]
_GRAPHS: OrderedDict[tuple[Any, ...], PlanGraph] = OrderedDict()


@dataclass
class Recomputed:
    plan_id: int | None
    result: ScheduleResult
    tasks: int
    changed: int
    counts: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "changed": self.changed, **self.result.summary(), "counts": self.counts}


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


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _load_tasks(session: Session, plan_id: int | None) -> list[Any]:
    """Plain driver tuples: at 100k rows the ORM's per-row processing costs more than the schedule."""
    where = f" WHERE plan_id = {int(plan_id)}" if plan_id is not None else ""
    cursor = session.connection().exec_driver_sql(f"SELECT {', '.join(TASK_FIELDS)} FROM task{where}")
    positions = [TASK_FIELDS.index(f) for f in DATE_FIELDS]
    rows = []
    for raw_row in cursor.fetchall():
        values = list(raw_row)
        for i in positions:
            values[i] = _as_date(values[i])
        rows.append(TaskRow._make(values))
    return rows


def _signature(session: Session, plan_id: int | None) -> tuple[Any, ...]:
    """Cheap fingerprint of the graph structure (tasks and dependencies are added/removed, not edited)."""
    task_q = sa_select(func.count(Task.id), func.max(Task.id))  # type: ignore[arg-type]
    dep_q = sa_select(func.count(Dependency.id), func.max(Dependency.id), func.sum(Dependency.lag_value))  # type: ignore[arg-type]
    if plan_id is not None:
        task_q = task_q.where(Task.plan_id == plan_id)  # type: ignore[arg-type]
        dep_q = dep_q.where(Dependency.plan_id == plan_id)  # type: ignore[arg-type]
    return (str(session.get_bind().engine.url), plan_id, *session.execute(task_q).one(), *session.execute(dep_q).one())


def _inputs(rows: list[Any], starts: dict[int, date | None],
            indicators: dict[int, IndicatorInput] | None = None) -> list[TaskInput]:
    """An indicator task is paced by its value (share of the way from baseline to target), from its baseline date."""
    ind = indicators or {}
    return [TaskInput(id=r.id, code=r.code, deadline=None if r.deadline_rule == "relative" else r.deadline,
                      relative=r.deadline_rule == "relative",
                      start=(ind[r.id].start if r.id in ind else None) or r.planned_start or starts.get(r.plan_id),
                      status=r.status, percent=r.percent if ind.get(r.id) is None or ind[r.id].percent is None  # type: ignore[arg-type]
                      else ind[r.id].percent, actual_finish=r.actual_finish,
                      is_milestone=bool(r.is_milestone)) for r in rows]


def _graph(session: Session, plan_id: int | None, inputs: list[TaskInput]) -> PlanGraph:
    """Build (validate) the dependency graph, reusing the last build while the structure is unchanged."""
    key = _signature(session, plan_id)
    if key in _GRAPHS:
        _GRAPHS.move_to_end(key)
        return _GRAPHS[key]
    dep_q = sa_select(Dependency.pred_id, Dependency.succ_id, Dependency.lag_value, Dependency.lag_unit)  # type: ignore[call-overload]
    if plan_id is not None:
        dep_q = dep_q.where(Dependency.plan_id == plan_id)
    lags: dict[tuple[int, str], Lag] = {}
    deps = [DepInput(pred=p, succ=s, lag=lags.setdefault((v, u), Lag(v, u)))
            for p, s, v, u in session.connection().execute(dep_q).all()]
    graph = PlanGraph.build(inputs, deps)
    _GRAPHS[key] = graph
    while len(_GRAPHS) > 4:
        _GRAPHS.popitem(last=False)
    return graph


def compute(session: Session, plan_id: int | None, today: date,
            indicators: dict[int, IndicatorInput] | None = None) -> tuple[ScheduleResult, list[Any]]:
    if plan_id is not None and session.get(Plan, plan_id) is None:
        raise NotFound(f"方案不存在：#{plan_id}")
    plan_q = sa_select(Plan.id, Plan.start_date)  # type: ignore[call-overload]
    if plan_id is not None:
        plan_q = plan_q.where(Plan.id == plan_id)
    starts = {pid: _as_date(start) for pid, start in session.execute(plan_q).all()}
    rows = _load_tasks(session, plan_id)
    inputs = _inputs(rows, starts, reporting.indicator_inputs(session, plan_id) if indicators is None else indicators)
    try:
        graph = _graph(session, plan_id, inputs)
    except ValueError as exc:  # ScheduleError carries a Chinese message naming the tasks
        raise Invalid(str(exc)) from None
    result = graph.compute(today=today, calendar=load_calendar(session), thresholds=thresholds(session),
                           tasks=inputs)
    return result, rows


def _to_date(ordinal: int) -> date | None:
    return date.fromordinal(ordinal) if ordinal > 0 else None


def computed_fields(rows: list[Any], result: ScheduleResult, *, missed: dict[int, tuple[int, date]] | None = None,
                    indicators: dict[int, IndicatorInput] | None = None) -> dict[int, dict[str, Any]]:
    """Stored fields per task, from the result arrays; a heading task (parent of others) shows the
    worst light below it and is not itself counted or alerted."""
    index = result.plan.index
    pos = np.fromiter((index[r.id] for r in rows), dtype=np.intp, count=len(rows))
    finish = np.where(known(result.fw.finish[pos]), result.fw.finish[pos], 0).tolist()
    deadline = np.where(known(result.fw.deadline[pos]), result.fw.deadline[pos], 0).tolist()
    light = result.lights.code[pos].tolist()
    at_risk = result.lights.at_risk[pos].tolist()
    critical = result.critical[pos].tolist()
    provisional = (result.fw.deadline_prov[pos] | result.fw.finish_prov[pos]).tolist()
    fields: dict[int, dict[str, Any]] = {}
    for k, r in enumerate(rows):
        fields[r.id] = {"deadline": _to_date(deadline[k]) if r.deadline_rule == "relative" else r.deadline,
                        "forecast_finish": _to_date(finish[k]), "light": LIGHTS[light[k]], "at_risk": at_risk[k],
                        "critical": critical[k], "provisional": provisional[k] or _plan_counted_provisional(r, result),
                        "_pos": int(pos[k])}
    if missed or indicators:
        reporting.overlay(fields, rows, result, missed=missed or {}, indicators=indicators or {})
    _rollup(rows, fields)
    return fields


def _plan_counted_provisional(row: Any, result: ScheduleResult) -> bool:
    """A deadline counted in working days from the plan's date is provisional while its year's 放假安排
    is not known (the rule "plan" written by ``plans.publish_plan``)."""
    if row.deadline_rule != "plan" or row.deadline is None:
        return False
    position = min(max(row.deadline.toordinal() - result.cal.lo, 0), result.cal.hi - result.cal.lo)
    return bool(result.cal.prov_cum[position + 1] - result.cal.prov_cum[position])


def _rollup(rows: list[Any], fields: dict[int, dict[str, Any]]) -> None:
    children: dict[int, list[int]] = {}
    for r in rows:
        if r.parent_id is not None and r.parent_id in fields:
            children.setdefault(r.parent_id, []).append(r.id)

    def settle(task_id: int) -> dict[str, Any]:
        kids = [settle(k) for k in children.get(task_id, [])]
        if kids:
            finishes = [k["forecast_finish"] for k in kids if k["forecast_finish"]]
            red = sum(k["light"] == "red" for k in kids)
            fields[task_id].update(light=max((k["light"] for k in kids), key=LIGHT_ORDER.index),
                                   at_risk=any(k["at_risk"] for k in kids), critical=False,
                                   forecast_finish=max(finishes) if finishes else None, _pos=None,
                                   light_reason=f"汇总下属{len(kids)}项任务" + (f"，其中红灯{red}项" if red else ""))
        return fields[task_id]

    for task_id in children:
        settle(task_id)


def _changes(rows: list[Any], fields: dict[int, dict[str, Any]], result: ScheduleResult,
             today: date) -> list[dict[str, Any]]:
    """Only rows whose stored values differ; reasons are built lazily (they cost ~8 µs each)."""
    out = []
    for r in rows:
        new = fields[r.id]
        pos = new.pop("_pos")
        # a finished task keeps its first red day: returned after review, it continues its escalation
        # ladder (催办 → 督办 → 约谈) instead of starting again; a task that recovers to green/yellow clears it
        new["red_since"] = (r.red_since or today) if new["light"] == "red" else (
            r.red_since if new["light"] == "done" else None)
        if "light_reason" not in new:
            moving = new["light"] in {"yellow", "red"} or new["at_risk"]
            if not moving and all(getattr(r, k) == v for k, v in new.items()) and r.light_reason:
                continue
            new["light_reason"] = result._reason(pos)[:200]
        if any(getattr(r, k) != v for k, v in new.items()):
            out.append({"id": r.id, **new})
    return out


def leaf_counts(rows: list[Any], fields: dict[int, dict[str, Any]]) -> dict[str, int]:
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    counts = dict.fromkeys(LIGHT_ORDER, 0) | {"at_risk": 0}
    for r in rows:
        if r.id not in parents:
            counts[fields[r.id]["light"]] += 1
            counts["at_risk"] += bool(fields[r.id]["at_risk"])
    return counts


def _recompute(tx_session: Session, plan_id: int | None, today: date) -> Recomputed:
    indicators = reporting.indicator_inputs(tx_session, plan_id)
    result, rows = compute(tx_session, plan_id, today, indicators)
    fields = computed_fields(rows, result, missed=reporting.missed_by_task(tx_session, plan_id, today),
                             indicators=indicators)
    changes = _changes(rows, fields, result, today)
    if changes:
        tx_session.execute(update(Task), changes)
    from models.services.rankings import materialise

    materialise(tx_session, plan_id, today)  # rankings follow the recomputed plan in the same transaction
    return Recomputed(plan_id, result, len(rows), len(changes), leaf_counts(rows, fields))


def lock_plans(session: Session, plan_id: int | None) -> None:
    """Row locks on the plan (``None``: every plan, in id order) for the rest of the transaction. Every
    recompute takes them before it writes task rows, so concurrent recomputes of a plan are serialised
    (SQLite serialises writers anyway with BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    query = sa_select(Plan.id).order_by(Plan.id).with_for_update()  # type: ignore[call-overload]
    if plan_id is not None:
        query = query.where(Plan.id == plan_id)
    session.execute(query).all()


def recompute_in(session: Session, plan_ids: set[int | None], *, today: date | None = None) -> list[Recomputed]:
    """Recompute inside the caller's transaction (``None`` in ``plan_ids``: every plan at once).

    A graph that can no longer be scheduled (a new dependency closing a cycle) refuses the write."""
    day = today or get_settings().today()
    targets: list[int | None] = [None] if None in plan_ids else [*sorted(p for p in plan_ids if p is not None)]
    reporting.forget_openings(session, targets)  # a write may bring a slot forward: the next scan looks again
    return [_recompute(session, pid, day) for pid in targets]


@retry_transient
def recompute(actor: Actor, *, plan_id: int | None = None, today: date | None = None,
              engine: Engine | None = None) -> Recomputed:
    """Recompute one plan (default: the latest)."""
    today = today or get_settings().today()
    with transaction(actor, "schedule.recompute", "plan", plan_id, engine=engine) as tx:
        require(actor, "schedule.run")
        pid = plan_id or default_plan_id(tx.session)
        tx.object_id = pid
        lock_plans(tx.session, pid)
        done = _recompute(tx.session, pid, today)
        tx.audit(after={"today": today, "changed": done.changed, "counts": done.counts})
        return done


@retry_transient
def recompute_all(actor: Actor, *, today: date | None = None, engine: Engine | None = None) -> Recomputed:
    """Recompute every plan in one pass (plans are disjoint components of one graph)."""
    today = today or get_settings().today()
    with transaction(actor, "schedule.recompute_all", "plan", "*", engine=engine) as tx:
        require(actor, "schedule.run")
        lock_plans(tx.session, None)
        done = _recompute(tx.session, None, today)
        tx.audit(after={"today": today, "tasks": done.tasks, "changed": done.changed, "counts": done.counts})
        return done


def preview(plan_id: int | None = None, *, today: date, engine: Engine | None = None) -> ScheduleResult:
    """Read-only computation for what-if questions (slips) in the web app."""
    with read_session(engine) as session:
        return compute(session, plan_id or default_plan_id(session), today)[0]
