"""Read models for lists and exports (no writes). Unit filters accept canonical or short names."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session
from models.services.errors import Invalid
from models.services.units import alias_map
from models.tables import Task, TaskUnit, Unit, UnitGroupMember


def units_by_task(session: Session, task_ids: list[int] | None = None) -> dict[int, dict[str, list[str]]]:
    names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    query = select(TaskUnit)
    if task_ids is not None:
        query = query.where(TaskUnit.task_id.in_(task_ids))  # type: ignore[attr-defined]
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"lead": [], "responsible": [], "supporting": []})
    for tu in session.exec(query).all():
        out[tu.task_id][tu.role].append(names.get(tu.unit_id, tu.written_name) if tu.unit_id else tu.written_name)
    return out


def unit_id_for(session: Session, name: str) -> int:
    canonical = alias_map(session).get(name.strip())
    unit = session.exec(select(Unit).where(Unit.name == canonical)).first() if canonical else None
    if unit is None:
        raise Invalid(f"未知单位：{name}")
    return unit.id or 0


def task_ids_for_unit(session: Session, unit_id: int) -> set[int]:
    """Tasks of a unit, including tasks assigned to a group the unit belongs to."""
    groups = session.exec(select(UnitGroupMember.group_id).where(UnitGroupMember.member_id == unit_id)).all()
    rows = session.exec(select(TaskUnit.task_id).where(TaskUnit.unit_id.in_([unit_id, *groups]))).all()  # type: ignore[union-attr]
    return set(rows)


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
