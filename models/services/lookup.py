"""What a stable link names (``models/links.py``), resolved for the signed-in user, and the plans where a
user has work. Unknown or forged values resolve to None: the page says so in Chinese and shows nothing."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import read_session
from models.services.actor import Actor
from models.services.permissions import UNIT_SCOPED_ROLES, actor_unit_ids
from models.services.textinput import has_controls
from models.tables import Plan, Task, TaskUnit


@dataclass(frozen=True)
class LinkedTask:
    id: int
    code: str
    plan_id: int


def task(code: str | None, plan: str | None = None, *, engine: Engine | None = None) -> LinkedTask | None:
    """``?task=<编号>[&plan=<id>]``: the task, or None when unknown or ambiguous without a plan (then the
    newest plan holding that code is taken: links written by the app always carry the plan)."""
    if not code or len(code) > 60 or has_controls(code):
        return None
    query = select(col(Task.id), col(Task.code), col(Task.plan_id)).where(col(Task.code) == code.strip())
    if plan:
        if not plan.isdigit():
            return None
        query = query.where(col(Task.plan_id) == int(plan))
    with read_session(engine) as session:
        row = session.execute(query.order_by(col(Task.plan_id).desc()).limit(1)).first()
    return LinkedTask(row.id, row.code, row.plan_id) if row else None


def plans_with_work(actor: Actor, *, engine: Engine | None = None) -> list[int]:
    """Newest first: for departments and the staffing office the plans naming their unit; for everyone
    else every plan."""
    with read_session(engine) as session:
        if actor.role in UNIT_SCOPED_ROLES:
            units = actor_unit_ids(session, actor)
            query = (select(distinct(col(Task.plan_id))).join(TaskUnit, col(TaskUnit.task_id) == col(Task.id))
                     .where(col(TaskUnit.unit_id).in_(units)))
        else:
            query = select(col(Plan.id))
        return sorted((int(pid) for pid in session.execute(query).scalars()), reverse=True)
