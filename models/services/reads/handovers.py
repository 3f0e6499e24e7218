"""交接 and 本单位: handovers with party names and whose turn it is, their steps and items, the steps that are
a unit's turn now, and the handovers sent back to their sender."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, inspect, or_, select, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.db import read_session
from models.services.handovers import is_current_step, items_of
from models.services.permissions import unit_and_groups
from models.services.reads.common import Row, fetch
from models.tables import AuditEvent, Handover, HandoverStep, Task, Unit, User


def _handover_scope(s: Session, unit_id: int | None) -> list[ColumnElement[bool]]:
    if unit_id is None:
        return []
    mine = unit_and_groups(s, unit_id)
    return [or_(col(Handover.from_unit_id).in_(mine), col(Handover.to_unit_id).in_(mine),
                col(Handover.id).in_(select(col(HandoverStep.handover_id)).where(col(HandoverStep.unit_id).in_(mine))))]


def handover_count(*, unit_id: int | None = None, engine: Engine | None = None) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(Handover).where(*_handover_scope(s, unit_id)))
                   .scalar_one())


def handover_list(*, unit_id: int | None = None, limit: int | None = None, offset: int = 0,
                  engine: Engine | None = None) -> list[Row]:
    """Handovers with party names; scoped to a unit's own ones (as sender, receiver or countersigner).

    One query: names and the task code by join, the confirmation count aggregated per handover and the party
    whose turn it is (the current step) joined, so a province's 4 800 handovers — or a page of them
    (``limit``/``offset``, ordered by id) — cost one round trip."""
    with read_session(engine) as s:
        confirmed = func.sum(case((col(HandoverStep.status) == "confirmed", 1), else_=0))
        stats = (select(col(HandoverStep.handover_id), func.count().label("steps"), confirmed.label("confirmed_n"))
                 .group_by(col(HandoverStep.handover_id)).subquery("stats"))
        sender, receiver, waiting_unit = aliased(Unit), aliased(Unit), aliased(Unit)
        waiting = aliased(HandoverStep)
        query = (select(*inspect(Handover).columns, col(sender.name).label("from_unit"),
                        col(receiver.name).label("to_unit"), col(Task.code).label("task_code"), stats.c.steps,
                        stats.c.confirmed_n, col(waiting.party_role).label("open_role"),
                        col(waiting_unit.name).label("open_unit"))
                 .outerjoin(sender, col(sender.id) == col(Handover.from_unit_id))
                 .outerjoin(receiver, col(receiver.id) == col(Handover.to_unit_id))
                 .outerjoin(Task, col(Task.id) == col(Handover.task_id))
                 .outerjoin(stats, stats.c.handover_id == col(Handover.id))
                 .outerjoin(waiting, and_(col(waiting.handover_id) == col(Handover.id), is_current_step(waiting)))
                 .outerjoin(waiting_unit, col(waiting_unit.id) == col(waiting.unit_id))
                 .where(*_handover_scope(s, unit_id)).order_by(col(Handover.id)).offset(offset).limit(limit))
        out = []
        for r in fetch(s, query):
            steps, done = int(r.pop("steps") or 0), int(r.pop("confirmed_n") or 0)
            role, unit = r.pop("open_role"), r.pop("open_unit")
            running = r["status"] == "in_progress" and role is not None
            r.update(from_unit=r["from_unit"] or "", to_unit=r["to_unit"] or "",
                     confirmed=f"{done}/{steps}" if steps else "",
                     waiting_role=role if running else None, waiting_unit=(unit or "") if running else "")
            out.append(r)
        return out


def steps_with_names(handover_id: int, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return fetch(s, select(col(HandoverStep.id), col(HandoverStep.seq), col(HandoverStep.party_role),
                               col(HandoverStep.unit_id), col(Unit.name).label("unit"), col(HandoverStep.status),
                               col(User.display_name).label("confirmed_by"), col(HandoverStep.confirmed_at),
                               col(HandoverStep.reject_reason))
                     .join(Unit, col(Unit.id) == col(HandoverStep.unit_id))
                     .outerjoin(User, col(User.id) == col(HandoverStep.confirmed_by))
                     .where(col(HandoverStep.handover_id) == handover_id).order_by(col(HandoverStep.seq)))


def pending_steps(unit_id: int, engine: Engine | None = None) -> list[Row]:
    """Handover steps that are the unit's turn now (the current step of a running handover)."""
    with read_session(engine) as s:
        rows = fetch(s, select(col(Handover.id).label("handover_id"), col(Handover.title), col(Handover.kind),
                               col(Handover.version), col(Handover.declared_total),
                               col(HandoverStep.id).label("step_id"), col(HandoverStep.seq),
                               col(HandoverStep.party_role), col(HandoverStep.status).label("step_status"),
                               col(HandoverStep.reject_reason))
                     .join(Handover, col(Handover.id) == col(HandoverStep.handover_id))
                     .where(col(Handover.status) == "in_progress",
                            col(HandoverStep.unit_id).in_(unit_and_groups(s, unit_id)), is_current_step(HandoverStep))
                     .order_by(col(Handover.id)))
        for r in rows:
            r["declared_total"] = dict(r["declared_total"] or {})
        return rows


def handover_items(handover_id: int, engine: Engine | None = None) -> list[dict[str, Any]]:
    with read_session(engine) as s:
        return items_of(s, handover_id)


def handover_returns(ids: list[int] | None = None, engine: Engine | None = None) -> dict[int, Row]:
    """Handovers sent back to the sender and not yet resubmitted: who returned them (party, unit, person,
    time) and why. A returned handover waits for its sender again, with the returning step marked rejected."""
    sender = aliased(HandoverStep)
    with read_session(engine) as s:
        rejected = fetch(s, select(col(HandoverStep.handover_id), col(HandoverStep.party_role),
                                   col(HandoverStep.reject_reason), col(Unit.name).label("unit"))
                         .join(Unit, col(Unit.id) == col(HandoverStep.unit_id))
                         .join(Handover, col(Handover.id) == col(HandoverStep.handover_id))
                         .where(col(HandoverStep.status) == "rejected", col(Handover.status) == "in_progress",
                                true() if ids is None else col(Handover.id).in_(ids))
                         .where(~exists().where(col(sender.handover_id) == col(Handover.id),
                                                col(sender.party_role) == "sender", col(sender.status) == "confirmed")))
        if not rejected:
            return {}
        by_id = {r["handover_id"]: r for r in rejected}
        events = s.execute(select(col(AuditEvent.object_id),
                                  func.coalesce(col(User.display_name), col(AuditEvent.actor_name)).label("actor_name"),
                                  col(AuditEvent.ts))
                           .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
                           .where(col(AuditEvent.action) == "handover.reject", col(AuditEvent.outcome) == "success",
                                  col(AuditEvent.object_id).in_([str(i) for i in by_id]))
                           .order_by(col(AuditEvent.id)))
        for e in events:
            row = by_id.get(int(e.object_id))
            if row is not None:
                row.update(by=e.actor_name, at=e.ts)
        return by_id
