"""我的待办: what the signed-in user must do now, each item with the stable link that opens it.

- 待确认交接: handover steps that are the unit's turn (the first unconfirmed step of a running handover);
  a step after a rejection (退回) is marked as returned;
- 待报进展: open tasks the unit leads or is responsible for, due within ``due_soon_days`` or overdue;
- 被退回: tasks the office returned (their latest decision is 退回) and still open;
- 待签收: notices and alerts addressed to the unit and not signed for;
- 待审核 (office, ``task.review``): tasks reported done;
- 待报送: report slots (报送要求) of the unit's open tasks that are open now or missed, not yet filed;
- 待回复批示: leader instructions addressed to the unit that it has not answered.

Every part is one indexed SQL query, scoped to the actor's unit (and the group units it belongs to), with
a count in SQL and at most ``limit`` rows. Indexes relied on: ``ix_taskunit_unit_id``,
``ix_task_status``, ``ix_task_deadline``, ``ix_progressreport_task_id``, ``ix_receipt_unit_id``,
``ix_handoverstep_unit_id`` / ``ix_handoverstep_handover_id`` (all in ``models/tables.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import col

from models.db import read_session
from models.links import Link, alert_link, handover_link, notice_link, task_link
from models.services.actor import Actor
from models.services.handovers import is_current_step
from models.services.permissions import actor_unit_ids, has
from models.settings import get_settings
from models.tables import (
    Handover,
    HandoverStep,
    Instruction,
    InstructionTarget,
    Plan,
    ProgressReport,
    Receipt,
    ReportSlot,
    Task,
    TaskUnit,
)
from models.vocabulary import HandoverStatus, StepStatus

KINDS = {"step": "待确认交接", "returned": "被退回", "report": "待报进展", "slot": "待报送", "instruction": "待回复批示",
         "signoff": "待签收", "review": "待审核"}
OPEN = ("not_started", "in_progress")
_Rejected = aliased(HandoverStep)
_Later = aliased(ProgressReport)


@dataclass(frozen=True)
class Item:
    kind: str  # a key of KINDS
    title: str
    detail: str
    link: Link
    due: date | None = None
    overdue: bool = False


@dataclass
class Inbox:
    items: list[Item] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


Part = tuple[dict[str, int], list[Item]]


def _count(session: Any, query: Any) -> int:
    return int(session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar() or 0)


def _own_tasks(units: set[int]) -> Any:
    """Task ids the units lead or are responsible for (uses ix_taskunit_unit_id)."""
    return select(col(TaskUnit.task_id)).where(col(TaskUnit.unit_id).in_(units), col(TaskUnit.role).in_(("lead", "responsible")))


def _steps(session: Any, units: set[int], limit: int) -> Part:
    returned = exists().where(col(_Rejected.handover_id) == col(HandoverStep.handover_id),
                              col(_Rejected.status) == StepStatus.REJECTED)
    query: Select[Any] = (select(col(Handover.id), col(Handover.title), col(HandoverStep.party_role),
                                 returned.label("returned"))
                          .join(Handover, col(Handover.id) == col(HandoverStep.handover_id))
                          .where(col(HandoverStep.unit_id).in_(units), col(Handover.status) == HandoverStatus.IN_PROGRESS,
                                 is_current_step(HandoverStep)).order_by(col(Handover.id)))
    roles = {"sender": "移交方", "receiver": "接收方", "supervisor": "监督方"}
    items = [Item("returned" if r.returned else "step", r.title,
                  f"本单位作为{roles.get(r.party_role, r.party_role)}" + ("，交接被退回，请修改清单后重新确认"
                                                                        if r.returned else "，请核对清单后确认或退回"),
                  handover_link(r.id))
             for r in session.execute(query.limit(limit))]
    flags = query.with_only_columns(returned.label("returned")).subquery()
    counts = {"returned" if flag else "step": int(n) for flag, n in
              session.execute(select(flags.c.returned, func.count()).group_by(flags.c.returned))}
    return counts, items


def _tasks_to_report(session: Any, units: set[int], today: date, limit: int) -> Part:
    horizon = today + timedelta(days=get_settings().due_soon_days)
    query: Select[Any] = (select(col(Task.code), col(Task.title), col(Task.plan_id), col(Task.deadline), col(Task.percent), col(Plan.title).label("plan"))
             .join(Plan, col(Plan.id) == col(Task.plan_id))
             .where(col(Task.id).in_(_own_tasks(units)), col(Task.status).in_(OPEN), col(Task.deadline).is_not(None),
                    col(Task.deadline) <= horizon, ~exists().where(_latest_is_return()))  # those are 被退回
             .order_by(col(Task.deadline), col(Task.id)))
    items = [Item("report", f"{r.code} {r.title}",
                  f"{r.plan} · 截止 {r.deadline.isoformat()}" + ("，已逾期" if r.deadline < today else "")
                  + f" · 当前进度 {r.percent}%",
                  task_link(r.code, r.plan_id), r.deadline, r.deadline < today)
             for r in session.execute(query.limit(limit))]
    return {"report": _count(session, query)}, items


def _latest_is_return() -> Any:
    """The task's latest decision (退回/办结/报告完成/重新打开) is 退回 (uses ix_progressreport_task_id)."""
    return and_(col(ProgressReport.task_id) == col(Task.id), col(ProgressReport.kind) == "return",
                ~exists().where(col(_Later.task_id) == col(Task.id), col(_Later.id) > col(ProgressReport.id),
                                col(_Later.kind).in_(("return", "close", "report_done", "reopen"))))


def _returned_tasks(session: Any, units: set[int], limit: int) -> Part:
    latest_is_return = _latest_is_return()
    query: Select[Any] = (select(col(Task.code), col(Task.title), col(Task.plan_id), col(ProgressReport.note), col(ProgressReport.created_at))
             .join(ProgressReport, latest_is_return)
             .where(col(Task.id).in_(_own_tasks(units)), col(Task.status).in_(OPEN)).order_by(col(ProgressReport.id).desc()))
    items = [Item("returned", f"{r.code} {r.title}", f"改革办退回：{(r.note or '').strip()[:80] or '（未说明原因）'}",
                  task_link(r.code, r.plan_id))
             for r in session.execute(query.limit(limit))]
    return {"returned": _count(session, query)}, items


def _to_sign(session: Any, units: set[int], today: date, limit: int) -> Part:
    query: Select[Any] = (select(col(Receipt.kind), col(Receipt.ref_id), col(Receipt.title), col(Receipt.due_on))
             .where(col(Receipt.unit_id).in_(units), col(Receipt.signed_at).is_(None)).order_by(col(Receipt.due_on), col(Receipt.id)))
    labels = {"notice": "督办通知单/催办函", "alert": "预警"}
    items = [Item("signoff", r.title, f"{labels.get(r.kind, r.kind)} · 请于 {r.due_on.isoformat()} 前签收"
                  + ("，已逾期" if r.due_on < today else ""),
                  (alert_link if r.kind == "alert" else notice_link)(r.ref_id, for_unit=True),
                  r.due_on, r.due_on < today)
             for r in session.execute(query.limit(limit))]
    return {"signoff": _count(session, query)}, items


def _slots(session: Any, units: set[int], today: date, limit: int) -> Part:
    """Report slots open now or missed (uses ix_reportslot_task_due_filed through the task ids)."""
    query: Select[Any] = (select(col(Task.code), col(Task.title), col(Task.plan_id), col(ReportSlot.due_on), col(Plan.title).label("plan"))
             .join(Task, col(Task.id) == col(ReportSlot.task_id)).join(Plan, col(Plan.id) == col(Task.plan_id))
             .where(col(ReportSlot.task_id).in_(_own_tasks(units)), col(ReportSlot.filed_on).is_(None),
                    col(ReportSlot.opens_on) <= today, col(Task.status).in_(OPEN))
             .order_by(col(ReportSlot.due_on), col(Task.id)))
    items = [Item("slot", f"{r.code} {r.title}",
                  f"{r.plan} · 报送要求：请于 {r.due_on.isoformat()} 前报送" + ("，已逾期未报" if r.due_on < today else ""),
                  task_link(r.code, r.plan_id), r.due_on, r.due_on < today)
             for r in session.execute(query.limit(limit))]
    return {"slot": _count(session, query)}, items


def _instructions(session: Any, units: set[int], limit: int) -> Part:
    query: Select[Any] = (select(col(Instruction.id), col(Instruction.author_name), col(Instruction.text), col(Task.code), col(Task.title))
             .join(InstructionTarget, col(InstructionTarget.instruction_id) == col(Instruction.id))
             .join(Task, col(Task.id) == col(Instruction.task_id))
             .where(col(InstructionTarget.unit_id).in_(units), col(InstructionTarget.replied_at).is_(None),
                    col(Instruction.state) == "open").order_by(col(Instruction.id)))
    items = [Item("instruction", f"{r.code} {r.title}",
                  f"{r.author_name or '领导'}批示：{(r.text or '').strip()[:60]}，请回复", Link("instructions"))
             for r in session.execute(query.limit(limit))]
    return {"instruction": _count(session, query)}, items


def _reviews(session: Any, limit: int) -> Part:
    query: Select[Any] = (select(col(Task.code), col(Task.title), col(Task.plan_id), col(Task.updated_at), col(Plan.title).label("plan"))
             .join(Plan, col(Plan.id) == col(Task.plan_id)).where(col(Task.status) == "pending_review")
             .order_by(col(Task.updated_at), col(Task.id)))
    items = [Item("review", f"{r.code} {r.title}", f"{r.plan} · 已上报完成，请审核", task_link(r.code, r.plan_id))
             for r in session.execute(query.limit(limit))]
    return {"review": _count(session, query)}, items


def for_actor(actor: Actor, *, today: date, limit: int = 100, engine: Engine | None = None) -> Inbox:
    """The actor's pending items (at most ``limit`` of each kind) and the full count of each kind."""
    inbox = Inbox(counts=dict.fromkeys(KINDS, 0))
    with read_session(engine) as session:
        units = actor_unit_ids(session, actor)
        parts: list[Part] = []
        if units and has(actor, "handover.confirm"):
            parts.append(_steps(session, units, limit))
        if units and has(actor, "task.report"):
            parts += [_returned_tasks(session, units, limit), _tasks_to_report(session, units, today, limit),
                      _slots(session, units, today, limit), _instructions(session, units, limit)]
        if units:
            parts.append(_to_sign(session, units, today, limit))
        if has(actor, "task.review"):
            parts.append(_reviews(session, limit))
    for counts, items in parts:
        inbox.items += items
        for kind, n in counts.items():
            inbox.counts[kind] += n
    return inbox


def count(actor: Actor, *, today: date, engine: Engine | None = None) -> int:
    """The badge: how many items wait (the same queries, rows not fetched beyond one)."""
    return for_actor(actor, today=today, limit=1, engine=engine).total
