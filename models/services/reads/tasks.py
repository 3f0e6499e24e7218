"""任务 and the task lists of other screens: the filtered task table, one task's detail, neighbours, evidence,
history and audit trail, a unit's own tasks (本单位), tasks by status (办结审核) and red tasks (督办)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from models.db import read_session
from models.services.permissions import unit_and_groups
from models.services.queries import units_by_task
from models.services.reads.admin import audit_events
from models.services.reads.common import Row, attach_leads, fetch, leaf, phase_expr, plan_phases
from models.tables import Dependency, Evidence, Plan, ProgressReport, Task, TaskFollow, TaskUnit, Unit, User


def task_table(plan_id: int | None, *, unit_id: int | None = None, lights: tuple[str, ...] = (),
               phase: str | None = None, due_from: date | None = None, due_to: date | None = None, limit: int = 2000,
               follower_id: int | None = None, engine: Engine | None = None) -> tuple[list[Row], int]:
    """Filtered task list (leaf tasks), at most ``limit`` rows, plus the number of matches.

    ``follower_id``: the tasks this user follows (关注) come first, marked ``followed``."""
    with read_session(engine) as s:
        conds: list[ColumnElement[bool]] = [leaf(plan_id)]
        if unit_id is not None:
            conds.append(col(Task.id).in_(select(col(TaskUnit.task_id)).where(
                col(TaskUnit.unit_id).in_(unit_and_groups(s, unit_id)))))
        if lights:
            conds.append(col(Task.light).in_(lights))
        if phase:
            conds.append(phase_expr(plan_phases(s, plan_id)) == phase)
        if due_from:
            conds.append(col(Task.deadline) >= due_from)
        if due_to:
            conds.append(col(Task.deadline) <= due_to)
        total = int(s.execute(select(func.count()).where(*conds)).scalar_one())
        followed = col(Task.id).in_(select(col(TaskFollow.task_id)).where(col(TaskFollow.user_id) == (follower_id or 0)))
        rows = fetch(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline),
                               col(Task.deadline_text), col(Task.forecast_finish), col(Task.status), col(Task.percent),
                               col(Task.light), col(Task.at_risk), col(Task.critical), col(Task.is_milestone),
                               col(Task.plan_id), followed.label("followed"))
                     .where(*conds).order_by(*([followed.desc()] if follower_id else []), col(Task.id)).limit(limit))
        attach_leads(s, rows)
        return rows, total


def task_detail(task_id: int, engine: Engine | None = None) -> Row | None:
    with read_session(engine) as s:
        task = s.get(Task, task_id)
        if task is None:
            return None
        out = task.model_dump()
        out["units"] = units_by_task(s, [task_id]).get(task_id, {"lead": [], "responsible": [], "supporting": []})
        plan = s.get(Plan, task.plan_id)
        out["plan_title"] = plan.title if plan else ""
        return out


def task_choices(plan_id: int | None, *, limit: int = 5000, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(Task.id), col(Task.code), col(Task.title)).where(leaf(plan_id))
                     .order_by(col(Task.id)).limit(limit))


def task_labels(task_ids: list[int], engine: Engine | None = None) -> dict[int, Row]:
    with read_session(engine) as s:
        out: dict[int, Row] = {}
        for i in range(0, len(task_ids), 900):
            for r in s.execute(select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline))
                               .where(col(Task.id).in_(task_ids[i:i + 900]))):
                out[r.id] = dict(r._mapping)
        return out


def neighbours(task_id: int, engine: Engine | None = None) -> dict[str, list[Row]]:
    """Direct predecessors (up) and successors (down) with the lag."""
    with read_session(engine) as s:
        def side(mine: Mapped[int], other: Mapped[int]) -> list[Row]:
            return fetch(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.status),
                                   col(Task.forecast_finish), col(Dependency.lag_value), col(Dependency.lag_unit))
                         .join(Task, col(Task.id) == other).where(mine == task_id).order_by(col(Task.id)))
        return {"up": side(col(Dependency.succ_id), col(Dependency.pred_id)),
                "down": side(col(Dependency.pred_id), col(Dependency.succ_id))}


def evidence_of(task_id: int, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(Evidence.id), col(Evidence.original_name), col(Evidence.kind), col(Evidence.size),
                               col(Evidence.created_at))
                     .where(col(Evidence.task_id) == task_id).order_by(col(Evidence.id)))


def task_history(task_id: int, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(ProgressReport.created_at), col(ProgressReport.kind), col(ProgressReport.percent),
                               col(ProgressReport.note), col(Unit.name).label("unit"),
                               col(User.display_name).label("user"))
                     .outerjoin(Unit, col(Unit.id) == col(ProgressReport.unit_id))
                     .outerjoin(User, col(User.id) == col(ProgressReport.user_id))
                     .where(col(ProgressReport.task_id) == task_id).order_by(col(ProgressReport.id)))


def task_audit(task_id: int, engine: Engine | None = None) -> list[Row]:
    return audit_events(object_type="task", object_id=str(task_id), limit=200, engine=engine)


def my_tasks(unit_id: int, engine: Engine | None = None) -> list[Row]:
    """Tasks of a unit (directly or through a group it belongs to) with the unit's role."""
    with read_session(engine) as s:
        rows = fetch(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline),
                               col(Task.deadline_text), col(Task.status), col(Task.percent), col(Task.light),
                               col(Task.version), col(TaskUnit.role))
                     .join(TaskUnit, col(TaskUnit.task_id) == col(Task.id))
                     .where(col(TaskUnit.unit_id).in_(unit_and_groups(s, unit_id)))
                     .order_by(col(Task.deadline), col(Task.id)))
        best: dict[int, Row] = {}
        order = {"lead": 0, "responsible": 1, "supporting": 2}
        for r in rows:
            if r["id"] not in best or order[r["role"]] < order[best[r["id"]]["role"]]:
                best[r["id"]] = r
        return list(best.values())


def _led(s: Session, query: Select[Any]) -> list[Row]:
    rows = fetch(s, query)
    attach_leads(s, rows)
    return rows


def tasks_with_status(plan_id: int, status: str, *, limit: int = 500, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _led(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline), col(Task.percent),
                              col(Task.version), col(Task.light), col(Task.updated_at))
                    .where(col(Task.plan_id) == plan_id, col(Task.status) == status)
                    .order_by(col(Task.deadline), col(Task.id)).limit(limit))


def red_tasks(plan_id: int | None, *, limit: int = 500, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _led(s, select(col(Task.id), col(Task.code), col(Task.title), col(Task.deadline), col(Task.percent),
                              col(Task.red_since), col(Task.light_reason))
                    .where(leaf(plan_id), col(Task.light) == "red").order_by(col(Task.red_since), col(Task.id))
                    .limit(limit))
