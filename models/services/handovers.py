"""Handover processes with multi-party sign-off, kept entirely in the database.

Steps run in order: the sender confirms the list, the receiver confirms receipt, then each
supervising office countersigns. A rejection (with a reason) sends the list back to the sender. When
the last handover of a task completes, the task's handover milestone is finished and its dependants are
released. Waiting for people is rows in ``handoverstep``, never a paused flow.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models.db import retry_transient
from models.services import tasks
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from models.services.handover_items import SUPERVISORS, check_declared, normalise_items, totals
from models.services.permissions import has, require
from models.services.settings_store import special_unit_id
from models.services.uow import Tx, transaction
from models.settings import get_settings
from models.tables import Handover, HandoverItem, HandoverStep, Task
from models.vocabulary import HandoverStatus, PartyRole, StepStatus, TaskStatus

PARTY_LABELS = PartyRole.labels()


@dataclass
class StepOutcome:
    handover: Handover
    completed: bool = False
    task_completed: bool = False
    released_task_ids: list[int] = field(default_factory=list)


def _load(session: Session, handover_id: int) -> Handover:
    ho = session.get(Handover, handover_id)
    if ho is None:
        raise NotFound(f"交接事项不存在：#{handover_id}")
    return ho


def items_of(session: Session, handover_id: int) -> list[dict[str, Any]]:
    rows = session.exec(select(HandoverItem).where(HandoverItem.handover_id == handover_id)
                        .order_by(HandoverItem.seq)).all()  # type: ignore[arg-type]
    return [dict(r.data) for r in rows]


def steps_of(session: Session, handover_id: int) -> list[HandoverStep]:
    return list(session.exec(select(HandoverStep).where(HandoverStep.handover_id == handover_id)
                             .order_by(HandoverStep.seq)).all())  # type: ignore[arg-type]


def current_step(steps: list[HandoverStep]) -> HandoverStep | None:
    """Whose turn it is: the first unconfirmed step (``steps`` in ``seq`` order); None once all confirmed."""
    return next((s for s in steps if s.status != StepStatus.CONFIRMED), None)


def is_current_step(step: type[HandoverStep]) -> ColumnElement[bool]:
    """``current_step`` in SQL, for ``step`` (``HandoverStep`` or an alias of it): unconfirmed, and no earlier
    step of its handover is unconfirmed."""
    earlier = aliased(HandoverStep)
    return and_(col(step.status) != StepStatus.CONFIRMED,
                ~exists().where(col(earlier.handover_id) == col(step.handover_id), col(earlier.seq) < col(step.seq),
                                col(earlier.status) != StepStatus.CONFIRMED))


def _bump(session: Session, ho: Handover, expected_version: int, **values: Any) -> None:
    result = session.execute(update(Handover).where(Handover.id == ho.id, Handover.version == expected_version)  # type: ignore[arg-type]
                             .values(version=expected_version + 1, **values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"交接事项“{ho.title}”已被他人处理，请刷新后重试")
    session.refresh(ho)


def _replace_items(session: Session, ho: Handover, items: list[dict[str, Any]]) -> None:
    session.execute(delete(HandoverItem).where(HandoverItem.handover_id == ho.id))  # type: ignore[arg-type]
    for seq, row in enumerate(items, start=1):
        session.add(HandoverItem(handover_id=ho.id or 0, seq=seq, data=row))


@retry_transient
def create_handover(actor: Actor, *, kind: str, title: str, from_unit_id: int, to_unit_id: int,
                    task_id: int | None = None, items: list[dict[str, Any]] | None = None,
                    declared_total: dict[str, Any] | None = None, engine: Engine | None = None) -> Handover:
    with transaction(actor, "handover.create", "handover", engine=engine) as tx:
        require(actor, "handover.admin")
        if kind not in SUPERVISORS:
            raise Invalid(f"未知交接类型：{kind}")
        if from_unit_id == to_unit_id:
            raise Invalid("移交方与接收方不能是同一单位，请重新选择接收方")
        clean = normalise_items(kind, items or [])
        if declared_total:
            check_declared(kind, clean, declared_total)
        ho = Handover(kind=kind, title=title.strip()[:200], from_unit_id=from_unit_id, to_unit_id=to_unit_id,
                      task_id=task_id, declared_total=dict(declared_total or {}))
        tx.session.add(ho)
        tx.session.flush()
        _replace_items(tx.session, ho, clean)
        tx.object_id = ho.id
        tx.audit(after={"kind": kind, "title": ho.title, "items": len(clean), "totals": totals(kind, clean)})
        return ho


def _may_edit(session: Session, actor: Actor, ho: Handover) -> None:
    if has(actor, "handover.admin"):
        return
    require(actor, "handover.edit")
    if actor.unit_id != ho.from_unit_id:
        raise PermissionDenied("只有移交方或改革办可以修改交接清单")


@retry_transient
def set_items(actor: Actor, *, handover_id: int, expected_version: int, items: list[dict[str, Any]],
              declared_total: dict[str, Any] | None = None, engine: Engine | None = None) -> Handover:
    """Edit the list before the sender confirms it (a rejection reopens editing).

    Before the start the declared total (申报合计) is set with the list (``None`` clears it). Once the
    handover has started it is fixed: the edited list must add up to it, and only the office changes it,
    with a reason (:func:`set_declared_total`)."""
    with transaction(actor, "handover.set_items", "handover", handover_id, engine=engine) as tx:
        ho = _load(tx.session, handover_id)
        _may_edit(tx.session, actor, ho)
        steps = steps_of(tx.session, handover_id)
        if ho.status == HandoverStatus.COMPLETED or any(s.party_role == "sender" and s.status == StepStatus.CONFIRMED for s in steps):
            raise Invalid("移交方已确认清单，不能再修改；如需修改请由后续方退回")
        clean = normalise_items(ho.kind, items)
        if ho.status != HandoverStatus.DRAFT:
            if declared_total is not None and dict(declared_total) != dict(ho.declared_total or {}):
                raise PermissionDenied("交接已启动，申报合计不能随清单修改；如确需调整，请由改革办填写原因后调整")
            declared_total = dict(ho.declared_total or {})
        if declared_total:
            check_declared(ho.kind, clean, declared_total)
        before = {"items": len(items_of(tx.session, handover_id)), "declared_total": ho.declared_total}
        _replace_items(tx.session, ho, clean)
        _bump(tx.session, ho, expected_version, declared_total=dict(declared_total or {}))
        tx.audit(before=before, after={"items": len(clean), "declared_total": ho.declared_total,
                                       "totals": totals(ho.kind, clean)})
        return ho


@retry_transient
def set_declared_total(actor: Actor, *, handover_id: int, expected_version: int, declared_total: dict[str, Any],
                       reason: str, engine: Engine | None = None) -> Handover:
    """The office corrects the declared total of a started handover, with a reason (audited)."""
    with transaction(actor, "handover.set_declared", "handover", handover_id, engine=engine) as tx:
        require(actor, "handover.admin")
        ho = _load(tx.session, handover_id)
        if not reason.strip():
            raise Invalid("调整申报合计必须填写原因")
        if ho.status == HandoverStatus.COMPLETED:
            raise Invalid("交接已完成，申报合计不能再调整")
        if not declared_total:
            raise Invalid("申报合计不能为空")
        before = {"declared_total": ho.declared_total}
        _bump(tx.session, ho, expected_version, declared_total=dict(declared_total))
        tx.audit(before=before, after={"declared_total": ho.declared_total, "reason": reason.strip()[:500]})
        return ho


@retry_transient
def start(actor: Actor, *, handover_id: int, expected_version: int, engine: Engine | None = None) -> Handover:
    """Freeze the party list and open the first step; the flow then issues the list and notifies."""
    with transaction(actor, "handover.start", "handover", handover_id, engine=engine) as tx:
        require(actor, "handover.admin")
        ho = _load(tx.session, handover_id)
        if ho.status != HandoverStatus.DRAFT:
            raise Invalid("该交接事项已启动")
        items = items_of(tx.session, handover_id)
        if not items:
            raise Invalid("交接清单为空，不能启动")
        if ho.declared_total:
            check_declared(ho.kind, items, ho.declared_total)
        parties: list[tuple[str, int]] = [("sender", ho.from_unit_id), ("receiver", ho.to_unit_id)]
        for key in SUPERVISORS[ho.kind]:
            unit_id = special_unit_id(tx.session, key)
            if unit_id is None:
                raise Invalid(f"尚未在系统设置中指定监督单位：{key}")
            parties.append(("supervisor", unit_id))
        for seq, (role, unit_id) in enumerate(parties, start=1):
            tx.session.add(HandoverStep(handover_id=handover_id, seq=seq, party_role=role, unit_id=unit_id))
        _bump(tx.session, ho, expected_version, status="in_progress", started_at=datetime.now(UTC))
        tx.audit(before={"status": "draft"}, after={"status": "in_progress", "parties": parties})
        return ho


def _step_for_actor(session: Session, actor: Actor, ho: Handover, step_id: int,
                    expected_version: int) -> HandoverStep:
    require(actor, "handover.confirm")
    steps = steps_of(session, ho.id or 0)
    step = next((s for s in steps if s.id == step_id), None)
    if step is None:
        raise NotFound("交接步骤不存在")
    if actor.unit_id != step.unit_id:
        raise PermissionDenied("只能确认本单位负责的交接步骤")
    if ho.version != expected_version:  # before the turn check, so every backend reports a lost race alike
        raise Conflict(f"交接事项“{ho.title}”已被他人处理，请刷新后重试")
    if ho.status != HandoverStatus.IN_PROGRESS:
        raise Invalid("该交接事项不在办理中")
    if current_step(steps) is not step:
        raise Invalid("尚未轮到本步骤（须按 移交方→接收方→监督方 顺序确认）")
    return step


def _complete_task_if_done(tx: Tx, ho: Handover, today: date) -> tuple[bool, list[int]]:
    if ho.task_id is None:
        return False, []
    siblings = tx.session.exec(select(Handover).where(Handover.task_id == ho.task_id)).all()
    if any(h.status != HandoverStatus.COMPLETED for h in siblings):
        return False, []
    task = tx.session.get(Task, ho.task_id)
    if task is None or task.status == TaskStatus.DONE:
        return False, []
    return True, tasks.complete_by_handover(tx, task, handover_id=ho.id or 0, today=today)


@retry_transient
def confirm_step(actor: Actor, *, handover_id: int, step_id: int, expected_version: int,
                 today: date | None = None, engine: Engine | None = None) -> StepOutcome:
    with transaction(actor, "handover.confirm", "handover", handover_id, engine=engine) as tx:
        ho = _load(tx.session, handover_id)
        step = _step_for_actor(tx.session, actor, ho, step_id, expected_version)
        items = items_of(tx.session, handover_id)
        if ho.declared_total:
            check_declared(ho.kind, items, ho.declared_total)
        now = datetime.now(UTC)
        step.status, step.confirmed_by, step.confirmed_at, step.reject_reason = "confirmed", actor.user_id, now, None
        step.version += 1
        tx.session.add(step)
        tx.session.flush()
        done = current_step(steps_of(tx.session, handover_id)) is None
        values: dict[str, Any] = {"status": "completed", "completed_at": now} if done else {}
        _bump(tx.session, ho, expected_version, **values)
        tx.audit(after={"step": step.seq, "party": step.party_role, "completed": done,
                        "totals": totals(ho.kind, items)})
        outcome = StepOutcome(ho, completed=done)
        if done:
            outcome.task_completed, outcome.released_task_ids = _complete_task_if_done(
                tx, ho, today or get_settings().today())
        return outcome


@retry_transient
def reject_step(actor: Actor, *, handover_id: int, step_id: int, expected_version: int, reason: str,
                engine: Engine | None = None) -> Handover:
    """Send the list back to the sender; every earlier confirmation is withdrawn."""
    with transaction(actor, "handover.reject", "handover", handover_id, engine=engine) as tx:
        ho = _load(tx.session, handover_id)
        step = _step_for_actor(tx.session, actor, ho, step_id, expected_version)
        if not reason.strip():
            raise Invalid("退回必须填写原因")
        if step.party_role == "sender":
            raise Invalid("移交方可直接修改清单，无需退回")
        for s in steps_of(tx.session, handover_id):
            if s.seq < step.seq:
                s.status, s.confirmed_by, s.confirmed_at = "pending", None, None
                s.version += 1
                tx.session.add(s)
        step.status, step.reject_reason = "rejected", reason.strip()[:500]
        step.version += 1
        tx.session.add(step)
        _bump(tx.session, ho, expected_version)
        tx.audit(after={"step": step.seq, "party": step.party_role, "reason": step.reject_reason})
        return ho
