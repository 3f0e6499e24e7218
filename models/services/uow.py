"""The unit of work every service function uses: one transaction, exactly one audit event.

Refusals (permission, conflict, invalid input) roll the change back and are audited in their own
small transaction, so a forged request leaves a trace without leaving a change.

A write that changes what the scheduler reads calls ``tx.reschedule(plan_id)``: before the commit the
plan's forecasts, lights, at-risk flags and critical path are recomputed in the same transaction, so
when the service returns, every page already shows the consequences (GUIDE §2 rule 7).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import write_session
from models.services import audit
from models.services.actor import Actor
from models.services.errors import ServiceError


@dataclass
class Tx:
    session: Session
    actor: Actor
    action: str
    object_type: str
    object_id: object = None
    audited: int = 0
    events: list[int] = field(default_factory=list)
    replan: set[int | None] = field(default_factory=set)
    replan_day: date | None = None

    def reschedule(self, plan_id: int | None, *, today: date | None = None) -> None:
        """Recompute this plan (``None``: every plan) before the commit, as of ``today``.

        Call it before changing the plan's rows: it takes the plan's lock now, so two writers on the same
        plan queue up instead of deadlocking on each other's recomputed rows."""
        from models.services.scheduling import lock_plans

        if plan_id not in self.replan and None not in self.replan:
            lock_plans(self.session, plan_id)
        self.replan.add(plan_id)
        self.replan_day = today or self.replan_day
    after_commit: list[Callable[[], None]] = field(default_factory=list)  # e.g. move staged files into place
    on_failure: list[Callable[[], None]] = field(default_factory=list)    # e.g. remove staged files

    def audit(self, *, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              action: str | None = None, object_type: str | None = None, object_id: object = None) -> None:
        ev = audit.record(self.session, self.actor, action or self.action, object_type or self.object_type,
                          object_id if object_id is not None else self.object_id, before=before, after=after)
        self.audited += 1
        self.events.append(ev.id or 0)


def audit_refusal(actor: Actor, action: str, object_type: str, object_id: object, error: ServiceError,
                  *, engine: Engine | None = None) -> ServiceError:
    """Record a refused read (e.g. a download) in its own transaction; returns the error to raise."""
    with write_session(engine) as session:
        audit.record(session, actor, action, object_type, object_id, after={"message": error.message},
                     outcome=error.outcome)
    return error


@contextmanager
def transaction(actor: Actor, action: str, object_type: str, object_id: object = None,
                *, engine: Engine | None = None) -> Iterator[Tx]:
    tx: Tx | None = None
    try:
        with write_session(engine) as session:
            tx = Tx(session, actor, action, object_type, object_id)
            yield tx
            if tx.audited == 0:
                raise RuntimeError(f"service {action} changed data without an audit event")
            if tx.replan:
                from models.services.scheduling import recompute_in

                recompute_in(session, tx.replan, today=tx.replan_day)
    except ServiceError as exc:
        _run_all(tx.on_failure if tx else [])
        with write_session(engine) as session:
            audit.record(session, actor, action, object_type, object_id,
                         after={"message": exc.message}, outcome=exc.outcome)
        raise
    except BaseException:
        _run_all(tx.on_failure if tx else [])
        raise
    _run_all(tx.after_commit)


def _run_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()
