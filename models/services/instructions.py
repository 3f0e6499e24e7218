"""领导批示 and 关注.

A leader (``instruction.write``; leaders still hold no task permission) writes an instruction on a task. It is
addressed to the task's lead and responsible units (groups stand for their members), shown to them in the
app and sent through the units' notification channels (``notify.deliver``: email, robots) once the
instruction is committed. Each addressed unit replies (回复); when every unit has replied the instruction is
``answered``; the office or a leader then closes it (``closed``). Leaders keep a follow list (关注); followed
tasks come first on their pages.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.links import app_url
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from models.services.notify import DeliveryStats, Message, deliver, task_recipients
from models.services.permissions import UNIT_SCOPED_ROLES, actor_unit_ids, has, require
from models.services.textinput import refuse_controls
from models.services.units import names_of
from models.services.uow import transaction
from models.tables import Instruction, InstructionTarget, Task, TaskFollow, Unit, User
from models.vocabulary import InstructionState

STATES = InstructionState.labels()
MAX_TEXT = 2000


def _text(label: str, value: str) -> str:
    refuse_controls(label, value, multiline=True)
    if not value.strip():
        raise Invalid(f"请填写{label}")
    if len(value.strip()) > MAX_TEXT:
        raise Invalid(f"{label}不能超过 {MAX_TEXT} 字")
    return value.strip()


def _task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务不存在：#{task_id}")
    return task


def _instruction(session: Session, instruction_id: int) -> Instruction:
    ins = session.get(Instruction, instruction_id, with_for_update=True)  # replies from several units queue up
    if ins is None:
        raise NotFound(f"批示不存在：#{instruction_id}")
    return ins


def _message(ins: Instruction, task: Task, unit_ids: frozenset[int]) -> Message:
    return Message(f"instruction:{ins.id}", unit_ids, f"【领导批示】{task.code} {task.title}"[:200],
                   f"{ins.author_name}对任务{task.code}“{task.title}”作出批示：\n{ins.text}\n"
                   "请登录系统在“领导批示”页面回复落实情况。", app_url("instructions"))


@retry_transient
def _write(actor: Actor, task_id: int, text: str, engine: Engine | None) -> tuple[Instruction, Message]:
    with transaction(actor, "instruction.write", "task", task_id, engine=engine) as tx:
        require(actor, "instruction.write")
        task = _task(tx.session, task_id)
        body = _text("批示内容", text)
        groups = set(tx.session.execute(sa_select(Unit.id).where(Unit.is_group)).scalars())  # type: ignore[call-overload]
        units = frozenset(u for u in task_recipients(tx.session, [task_id]).get(task_id, frozenset())
                          if u not in groups)
        if not units:
            raise Invalid(f"任务 {task.code} 尚未明确牵头或负责单位，批示无法下达")
        author = tx.session.get(User, actor.user_id) if actor.user_id else None
        ins = Instruction(task_id=task_id, author_id=actor.user_id,
                          author_name=(author.display_name if author else actor.username)[:60], text=body)
        tx.session.add(ins)
        tx.session.flush()
        for unit_id in sorted(units):
            tx.session.add(InstructionTarget(instruction_id=ins.id or 0, unit_id=unit_id))
        tx.audit(after={"text": body[:200], "units": sorted(units)}, object_type="instruction", object_id=ins.id)
        return ins, _message(ins, task, units)


def write(actor: Actor, *, task_id: int, text: str, engine: Engine | None = None) -> tuple[Instruction, DeliveryStats]:
    """Record the instruction, then send it through the units' channels (a failing channel is recorded on
    its delivery row and retried by the daily scan, never raised)."""
    ins, message = _write(actor, task_id, text, engine)
    return ins, deliver([message], engine=engine)


@retry_transient
def reply(actor: Actor, *, instruction_id: int, text: str, engine: Engine | None = None) -> Instruction:
    """One reply per addressed unit; the instruction is ``answered`` when every unit has replied."""
    with transaction(actor, "instruction.reply", "instruction", instruction_id, engine=engine) as tx:
        require(actor, "task.report")
        ins = _instruction(tx.session, instruction_id)
        targets = tx.session.exec(select(InstructionTarget).where(
            InstructionTarget.instruction_id == instruction_id)).all()
        mine = [t for t in targets if t.unit_id in actor_unit_ids(tx.session, actor)]
        if not mine:
            raise PermissionDenied("该批示未下达本单位，不能回复")
        if ins.state == InstructionState.CLOSED:
            raise Invalid("该批示已办结，不能再回复")
        target = mine[0]
        if target.replied_at is not None:
            raise Invalid("本单位已回复该批示")
        body = _text("回复内容", text)
        target.reply, target.replied_by, target.replied_at = body, actor.user_id, datetime.now(UTC)
        tx.session.add(target)
        before = {"state": ins.state, "version": ins.version}
        if all(t.replied_at is not None for t in targets):
            ins.state = "answered"
        ins.version += 1
        tx.session.add(ins)
        tx.audit(before=before, after={"state": ins.state, "version": ins.version, "unit_id": target.unit_id,
                                       "reply": body[:200]})
        return ins


@retry_transient
def close(actor: Actor, *, instruction_id: int, expected_version: int, note: str = "",
          engine: Engine | None = None) -> Instruction:
    """The office (task.admin) or a leader closes an answered instruction."""
    with transaction(actor, "instruction.close", "instruction", instruction_id, engine=engine) as tx:
        if not (has(actor, "task.admin") or has(actor, "instruction.write")):
            raise PermissionDenied("无权办结批示")
        ins = _instruction(tx.session, instruction_id)
        if ins.version != expected_version:
            raise Conflict("该批示已有新的回复或已被处理，请刷新后重试")
        if ins.state != InstructionState.ANSWERED:
            raise Invalid(f"该批示{STATES[ins.state]}，{'各单位全部回复后才能办结' if ins.state == 'open' else '不能再办结'}")
        refuse_controls("办结意见", note, multiline=True)
        before = {"state": ins.state, "version": ins.version}
        ins.state, ins.closed_by, ins.closed_at = "closed", actor.user_id, datetime.now(UTC)
        ins.close_note, ins.version = note.strip()[:500] or None, ins.version + 1
        tx.session.add(ins)
        tx.audit(before=before, after={"state": "closed", "version": ins.version, "note": note.strip()[:200]})
        return ins


@retry_transient
def follow(actor: Actor, *, task_id: int, on: bool = True, engine: Engine | None = None) -> bool:
    """关注 / 取消关注 a task; returns whether the task is followed now."""
    with transaction(actor, "task.follow" if on else "task.unfollow", "task", task_id, engine=engine) as tx:
        require(actor, "instruction.write")
        if actor.user_id is None:
            raise PermissionDenied("系统账户不能关注任务")
        _task(tx.session, task_id)
        existing = tx.session.get(TaskFollow, (actor.user_id, task_id))
        if on and existing is None:
            tx.session.add(TaskFollow(user_id=actor.user_id, task_id=task_id))
        elif not on and existing is not None:
            tx.session.execute(delete(TaskFollow).where(TaskFollow.user_id == actor.user_id,  # type: ignore[arg-type]
                                                        TaskFollow.task_id == task_id))  # type: ignore[arg-type]
        tx.audit(before={"followed": existing is not None}, after={"followed": on})
        return on


def followed_ids(user_id: int | None, *, engine: Engine | None = None) -> list[int]:
    if user_id is None:
        return []
    with read_session(engine) as session:
        return list(session.exec(select(TaskFollow.task_id).where(TaskFollow.user_id == user_id)
                                 .order_by(TaskFollow.created_at.desc())).all())  # type: ignore[attr-defined]


def listing(actor: Actor, *, state: str | None = None, task_id: int | None = None, limit: int = 300,
            engine: Engine | None = None) -> list[dict[str, Any]]:
    """Instructions newest first, each with its units and replies; a unit sees those addressed to it.
    For a leader, instructions on followed tasks come first."""
    require(actor, "task.view")
    with read_session(engine) as session:
        query = select(Instruction)
        if actor.role in UNIT_SCOPED_ROLES:
            query = query.where(Instruction.id.in_(select(InstructionTarget.instruction_id).where(  # type: ignore[union-attr]
                InstructionTarget.unit_id.in_(actor_unit_ids(session, actor)))))  # type: ignore[attr-defined]
        if state:
            query = query.where(Instruction.state == state)
        if task_id is not None:
            query = query.where(Instruction.task_id == task_id)
        rows = session.exec(query.order_by(Instruction.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
        ids = [r.id for r in rows]
        targets = session.exec(select(InstructionTarget).where(
            InstructionTarget.instruction_id.in_(ids)).order_by(InstructionTarget.id)).all() if ids else []  # type: ignore[attr-defined,arg-type]
        names = names_of(session, [x.unit_id for x in targets])  # only the addressed units
        task_ids = {r.task_id for r in rows}
        tasks = {t.id: t for t in session.exec(select(Task).where(Task.id.in_(task_ids))).all()} if rows else {}  # type: ignore[union-attr]
        followed = set(session.exec(select(TaskFollow.task_id).where(TaskFollow.user_id == actor.user_id)).all()) \
            if actor.user_id else set()
        mine = actor_unit_ids(session, actor)
    out = []
    for r in rows:
        t = tasks.get(r.task_id)
        units = [{"unit": names.get(x.unit_id, ""), "unit_id": x.unit_id, "reply": x.reply or "",
                  "replied_at": x.replied_at, "mine": x.unit_id in mine} for x in targets if x.instruction_id == r.id]
        out.append({"id": r.id, "version": r.version, "task_id": r.task_id, "task_code": t.code if t else "",
                    "task_title": t.title if t else "", "author": r.author_name, "text": r.text,
                    "created_at": r.created_at, "state": r.state, "state_label": STATES[r.state],
                    "units": units, "replied": sum(1 for u in units if u["replied_at"]),
                    "close_note": r.close_note or "", "followed": r.task_id in followed})
    out.sort(key=lambda r: not r["followed"])  # stable: newest first within each group
    return out
