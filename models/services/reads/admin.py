"""Office administration screens: the audit trail (审计), user accounts (用户管理) and, on 导入, what a new
file would change in the plan already published under its title."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import read_session
from models.services.errors import ServiceError
from models.services.plans import plan_diff
from models.services.reads.common import Row, fetch
from models.tables import AuditEvent, Plan, Unit, User


def audit_events(*, action: str | None = None, actor: str | None = None, outcome: str | None = None,
                 object_type: str | None = None, object_id: str | None = None, since: date | None = None,
                 until: date | None = None, limit: int = 1000, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        query: Select[Any] = select(col(AuditEvent.id), col(AuditEvent.ts), col(AuditEvent.actor_name),
                                    col(AuditEvent.actor_role), col(AuditEvent.action), col(AuditEvent.object_type),
                                    col(AuditEvent.object_id), col(AuditEvent.outcome), col(AuditEvent.before),
                                    col(AuditEvent.after), col(AuditEvent.client_addr))
        if action:
            query = query.where(col(AuditEvent.action).contains(action))
        if actor:
            query = query.where(col(AuditEvent.actor_name) == actor)
        if outcome:
            query = query.where(col(AuditEvent.outcome) == outcome)
        if object_type:
            query = query.where(col(AuditEvent.object_type) == object_type)
        if object_id:
            query = query.where(col(AuditEvent.object_id) == object_id)
        if since:
            query = query.where(col(AuditEvent.ts) >= since.isoformat())
        if until:
            query = query.where(col(AuditEvent.ts) < date.fromordinal(until.toordinal() + 1).isoformat())
        return fetch(s, query.order_by(col(AuditEvent.id).desc()).limit(limit))


def users(engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(User.id), col(User.username), col(User.display_name), col(User.role),
                               col(Unit.name).label("unit"), col(User.is_active), col(User.locked_until),
                               col(User.must_change_password), col(User.failed_attempts))
                     .outerjoin(Unit, col(Unit.id) == col(User.unit_id)).order_by(col(User.id)))


def changes_against_published(draft: dict[str, Any], engine: Engine | None = None) -> dict[str, Any] | None:
    """When a plan with the draft's title is already published: what the new file would change."""
    title = (draft.get("plan") or {}).get("title")
    if not title:
        return None
    with read_session(engine) as s:
        plan = s.execute(select(Plan).where(col(Plan.title) == title).order_by(col(Plan.id).desc())).scalars().first()
        if plan is None:
            return None
        try:
            diff = plan_diff(s, plan.id or 0, draft)
        except ServiceError as exc:  # a bad date in the draft: the review table shows it
            return {"plan_id": plan.id, "error": exc.message}
        return {"plan_id": plan.id, "title": plan.title, **diff}
