"""Read models for lists and exports (no writes). Unit filters accept canonical or short names."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import read_session
from models.services.errors import Invalid
from models.services.permissions import unit_and_groups
from models.services.units import alias_map
from models.tables import Task, TaskUnit, Unit


def units_by_task(session: Session, task_ids: list[int] | None = None) -> dict[int, dict[str, list[str]]]:
    """Unit names of each task by role (lead / responsible / supporting), in assignment order; a name the
    plan wrote that matches no unit is kept as written. Every task for ``task_ids=None``."""
    query = (select(TaskUnit.task_id, TaskUnit.role, TaskUnit.written_name, Unit.name)
             .outerjoin(Unit, col(Unit.id) == col(TaskUnit.unit_id)).order_by(col(TaskUnit.id)))
    chunks = [query] if task_ids is None else [query.where(col(TaskUnit.task_id).in_(task_ids[i:i + 900]))
                                               for i in range(0, len(task_ids), 900)]
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"lead": [], "responsible": [], "supporting": []})
    for chunk in chunks:
        for task_id, role, written, name in session.exec(chunk):
            out[task_id][role].append(name or written)
    return out


def unit_id_for(session: Session, name: str) -> int:
    canonical = alias_map(session).get(name.strip())
    unit = session.exec(select(Unit).where(Unit.name == canonical)).first() if canonical else None
    if unit is None:
        raise Invalid(f"未知单位：{name}")
    return unit.id or 0


def task_ids_for_unit(session: Session, unit_id: int) -> set[int]:
    """Tasks of a unit, including tasks assigned to a group the unit belongs to."""
    mine = unit_and_groups(session, unit_id)
    return set(session.exec(select(TaskUnit.task_id).where(col(TaskUnit.unit_id).in_(mine))).all())


def task_rows(*, plan_id: int | None = None, unit: str | None = None, engine: Engine | None = None) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        query = select(Task)
        if plan_id is not None:
            query = query.where(Task.plan_id == plan_id)
        tasks = list(session.exec(query.order_by(Task.plan_id, Task.id)).all())  # type: ignore[arg-type]
        if unit:
            wanted = task_ids_for_unit(session, unit_id_for(session, unit))
            tasks = [t for t in tasks if t.id in wanted]
        units = units_by_task(session, None if len(tasks) > 500 else [t.id or 0 for t in tasks])
        return [{"id": t.id, "plan_id": t.plan_id, "code": t.code, "title": t.title,
                 "units": units.get(t.id or 0, {"lead": [], "responsible": [], "supporting": []}),
                 "deadline": t.deadline.isoformat() if t.deadline else None, "deadline_text": t.deadline_text,
                 "status": t.status, "percent": t.percent, "light": t.light, "at_risk": t.at_risk} for t in tasks]
