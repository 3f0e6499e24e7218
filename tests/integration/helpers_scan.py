"""Helpers shared by the scan, notify and ranking tests (counts a user would notice)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from models.db import read_session, write_session
from models.tables import Alert, AuditEvent, Notice, NotificationChannel, Task, Unit


def alerts(engine: Engine, **where: Any) -> list[tuple[str, str, str]]:
    """(task code, level, day) for every alert, optionally filtered by Alert columns."""
    with read_session(engine) as s:
        q = select(Task.code, Alert.level, Alert.day).join(Task, Task.id == Alert.task_id)
        for k, v in where.items():
            q = q.where(getattr(Alert, k) == v)
        return [(r.code, r.level, r.day.isoformat()) for r in s.execute(q.order_by(Alert.id)).all()]


def count(engine: Engine, model: Any, *conds: Any) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(model).where(*conds)).scalar_one())


def audit_count(engine: Engine, action: str) -> int:
    return count(engine, AuditEvent, AuditEvent.action == action)


def notices(engine: Engine, kind: str) -> list[Notice]:
    with read_session(engine) as s:
        return list(s.execute(select(Notice).where(Notice.kind == kind).order_by(Notice.id)).scalars())


def add_channel(engine: Engine, unit_name: str, url: str) -> int:
    with write_session(engine) as s:
        unit = s.execute(select(Unit).where(Unit.name == unit_name)).scalar_one()
        ch = NotificationChannel(unit_id=unit.id, url=url, label=unit_name)
        s.add(ch)
        s.flush()
        return ch.id or 0


def lights(engine: Engine) -> dict[str, tuple[str, str]]:
    """code → (status, light) for leaf tasks."""
    with read_session(engine) as s:
        parents = {r for r in s.execute(select(Task.parent_id)).scalars() if r}
        return {t.code: (t.status, t.light) for t in s.execute(select(Task)).scalars() if t.id not in parents}
