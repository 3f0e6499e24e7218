"""总览: light counts, phase progress, milestones, burn-up, the Gantt's focus tasks, risks, latest alerts and
activity."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import read_session
from models.services.reads.alerts import alerts
from models.services.reads.common import Row, attach_leads, fetch, leaf, phase_of, plan_phases
from models.tables import Dependency, Plan, ProgressReport, Task, Unit, User
from models.vocabulary import FINISHED


def light_counts(plan_id: int | None, engine: Engine | None = None) -> dict[str, int]:
    with read_session(engine) as s:
        out = {"done": 0, "green": 0, "yellow": 0, "red": 0}
        for light, n in s.execute(select(col(Task.light), func.count()).where(leaf(plan_id))
                                  .group_by(col(Task.light))):
            out[light] = int(n)
        out["at_risk"] = int(s.execute(select(func.count()).where(leaf(plan_id), col(Task.at_risk))).scalar_one())
        out["pending_review"] = int(s.execute(select(func.count()).where(
            leaf(plan_id), col(Task.status) == "pending_review")).scalar_one())
        out["total"] = out["done"] + out["green"] + out["yellow"] + out["red"]
        return out


def phase_progress(plan_id: int | None, engine: Engine | None = None) -> list[Row]:
    """Per phase: totals, finished, mean percent, ordered by the plan's phase order, then by name.

    SQL groups by (own phase, deadline) — a few hundred groups for 100 000 tasks — and the phase each
    group falls in is worked out here, instead of building a label string for every task in SQL."""
    with read_session(engine) as s:
        phases = plan_phases(s, plan_id)
        query = (select(col(Task.phase), col(Task.deadline), func.count().label("total"),
                        func.sum(case((col(Task.status).in_(FINISHED), 1), else_=0)).label("finished"),
                        func.sum(col(Task.percent)).label("percent_sum"))
                 .where(leaf(plan_id)).group_by(col(Task.phase), col(Task.deadline)))
        merged: dict[str, Row] = {}
        for r in s.execute(query):
            name = phase_of(r.phase, r.deadline, phases)
            m = merged.setdefault(name, {"phase": name, "total": 0, "finished": 0, "percent_sum": 0,
                                         "first_deadline": None})
            m["total"] += int(r.total)
            m["finished"] += int(r.finished or 0)
            m["percent_sum"] += int(r.percent_sum or 0)
            if r.deadline is not None and (m["first_deadline"] is None or r.deadline < m["first_deadline"]):
                m["first_deadline"] = r.deadline
        rows = [{"phase": m["phase"], "total": m["total"], "finished": m["finished"],
                 "percent": round(m["percent_sum"] / m["total"], 1), "first_deadline": m["first_deadline"]}
                for m in merged.values()]
        order = {p["name"]: i for i, p in enumerate(phases)}
        return sorted(rows, key=lambda r: (order.get(r["phase"], len(order)), str(r["phase"])))


def milestones(plan_id: int | None, *, limit: int = 200, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline),
                               col(Task.forecast_finish), col(Task.status), col(Task.percent), col(Task.light),
                               col(Task.at_risk))
                     .where(leaf(plan_id), col(Task.is_milestone)).order_by(col(Task.deadline), col(Task.id))
                     .limit(limit))


def burnup(plan_id: int | None, engine: Engine | None = None) -> dict[str, list[Row]]:
    """Tasks due per day (plan) and tasks finished per day (actual); the page accumulates them."""
    with read_session(engine) as s:
        planned = fetch(s, select(col(Task.deadline).label("day"), func.count().label("n"))
                        .where(leaf(plan_id), col(Task.deadline).is_not(None))
                        .group_by(col(Task.deadline)).order_by(col(Task.deadline)))
        actual = fetch(s, select(col(Task.actual_finish).label("day"), func.count().label("n"))
                       .where(leaf(plan_id), col(Task.status).in_(FINISHED), col(Task.actual_finish).is_not(None))
                       .group_by(col(Task.actual_finish)).order_by(col(Task.actual_finish)))
        return {"planned": planned, "actual": actual}


def focus_tasks(plan_id: int | None, *, cap: int = 120, path: tuple[int, ...] = (),
                engine: Engine | None = None) -> tuple[list[Row], int]:
    """Tasks worth drawing: the critical path (``path``, else tasks without float), at risk, red and
    milestones — at most ``cap`` of them, path first — and how many qualify."""
    with read_session(engine) as s:
        plan = s.get(Plan, plan_id) if plan_id is not None else None
        on_path = col(Task.id).in_(path) if path else col(Task.critical)
        wanted = and_(leaf(plan_id), or_(on_path, col(Task.at_risk), col(Task.is_milestone), col(Task.light) == "red"))
        total = int(s.execute(select(func.count()).where(wanted)).scalar_one())
        rank = case((on_path, 0), (col(Task.at_risk), 1), (col(Task.light) == "red", 2), else_=3)
        rows = fetch(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.planned_start),
                               col(Task.actual_start), col(Task.deadline), col(Task.forecast_finish),
                               col(Task.actual_finish), col(Task.status), col(Task.percent), col(Task.light),
                               col(Task.at_risk), col(Task.critical), col(Task.is_milestone))
                     .where(wanted).order_by(rank, col(Task.forecast_finish), col(Task.id)).limit(cap))
        start = plan.start_date if plan else None
        for r in rows:
            r["start"] = r["actual_start"] or r["planned_start"] or start
            r["end"] = r["actual_finish"] or r["forecast_finish"] or r["deadline"]
            if path:
                r["critical"] = r["id"] in path
        return rows, total


def dependencies_among(task_ids: list[int], engine: Engine | None = None) -> list[Row]:
    if not task_ids:
        return []
    with read_session(engine) as s:
        return fetch(s, select(col(Dependency.pred_id), col(Dependency.succ_id), col(Dependency.lag_value),
                               col(Dependency.lag_unit))
                     .where(col(Dependency.pred_id).in_(task_ids), col(Dependency.succ_id).in_(task_ids)))


def at_risk_list(plan_id: int | None, *, limit: int = 50, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        rows = fetch(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline),
                               col(Task.forecast_finish), col(Task.percent), col(Task.light), col(Task.at_risk),
                               col(Task.light_reason))
                     .where(leaf(plan_id), or_(col(Task.at_risk), col(Task.light) == "red"))
                     .order_by(col(Task.deadline), col(Task.id)).limit(limit))
        attach_leads(s, rows)
        return rows


def latest_alerts(*, limit: int = 20, engine: Engine | None = None) -> list[Row]:
    return alerts(limit=limit, engine=engine)


def latest_activity(*, plan_id: int | None = None, limit: int = 10, engine: Engine | None = None) -> list[Row]:
    """Latest progress reports and reviews, newest first (who, which task, what)."""
    with read_session(engine) as s:
        query: Select[Any] = (select(col(ProgressReport.id), col(ProgressReport.created_at), col(ProgressReport.kind),
                             col(ProgressReport.percent), col(ProgressReport.note), col(Task.id).label("task_id"),
                             col(Task.code), col(Task.title), col(Unit.name).label("unit"),
                             col(User.display_name).label("user"))
                      .join(Task, col(Task.id) == col(ProgressReport.task_id))
                      .outerjoin(Unit, col(Unit.id) == col(ProgressReport.unit_id))
                      .outerjoin(User, col(User.id) == col(ProgressReport.user_id))
                      .order_by(col(ProgressReport.id).desc()).limit(limit))
        if plan_id is not None:
            query = query.where(col(Task.plan_id) == plan_id)
        return fetch(s, query)
