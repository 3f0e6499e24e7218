"""预警与督办: the alert list, one alert by id (a stable link), counts by level."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import read_session
from models.services.reads.common import Row, fetch
from models.tables import Alert, Task


def alerts(*, level: str | None = None, open_only: bool = False, limit: int = 500,
           engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        query: Select[Any] = (select(col(Alert.id), col(Alert.day), col(Alert.level), col(Alert.message),
                        col(Alert.acknowledged_at), col(Alert.notice_id), col(Task.id).label("task_id"),
                        col(Task.code), col(Task.title), col(Task.light))
                 .join(Task, col(Task.id) == col(Alert.task_id)).order_by(col(Alert.id).desc()).limit(limit))
        if level:
            query = query.where(col(Alert.level) == level)
        if open_only:
            query = query.where(col(Alert.acknowledged_at).is_(None))
        return fetch(s, query)


def alert_by_id(alert_id: int, engine: Engine | None = None) -> Row | None:
    """One alert with its task, for a stable link (``/alerts?alert=<id>``)."""
    with read_session(engine) as s:
        rows = fetch(s, select(col(Alert.id), col(Alert.day), col(Alert.level), col(Alert.message),
                               col(Alert.acknowledged_at), col(Alert.notice_id), col(Task.id).label("task_id"),
                               col(Task.code), col(Task.title), col(Task.light), col(Task.plan_id))
                     .join(Task, col(Task.id) == col(Alert.task_id)).where(col(Alert.id) == alert_id))
        return rows[0] if rows else None


def alert_counts(engine: Engine | None = None) -> dict[str, int]:
    with read_session(engine) as s:
        return {lvl: int(n) for lvl, n in s.execute(select(col(Alert.level), func.count())
                                                    .group_by(col(Alert.level)))}
