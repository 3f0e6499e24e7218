"""延期 / 调整 requests (申请): a unit on a task asks for a later deadline or a change of lead/units; the
office approves (the task changes, audited, the plan recomputes in the same transaction) or refuses with a
reason; the filing unit may withdraw while it is pending.

Guards: one open request per task and kind (a partial unique index backs the check against races); the
request and the task carry versions, so a decision on a stale view is refused; a unit files only on a task
it is on. Approving a 延期 always leaves an absolute deadline: a relative one ("调整到位后3个月内") or one
counted from the plan date would otherwise be recomputed over the approved date by the scheduler.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.services import files
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from models.services.permissions import UNIT_SCOPED_ROLES, actor_unit_ids, require, task_units
from models.services.tasks import EVIDENCE_KINDS, Upload
from models.services.textinput import refuse_controls
from models.services.units import names_of
from models.services.uow import Tx, transaction
from models.settings import get_settings
from models.tables import Evidence, Task, TaskRequest, TaskUnit, Unit, User
from models.vocabulary import FINISHED, RequestState

KINDS = {"extend": "延期", "adjust": "调整"}
STATES = RequestState.labels()
ROLES = ("lead", "responsible", "supporting")
NO_FIXED_DEADLINE = {"ongoing": "常态化", "none": "未规定时限"}


def _task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务不存在：#{task_id}")
    return task


def _request(session: Session, request_id: int) -> TaskRequest:
    req = session.get(TaskRequest, request_id)
    if req is None:
        raise NotFound(f"申请不存在：#{request_id}")
    return req


def _filing_unit(session: Session, actor: Actor, task: Task) -> int:
    require(actor, "task.report")
    if actor.unit_id is None:
        raise PermissionDenied("您的账户未关联单位，不能提出申请")
    if not task_units(session, task.id or 0, ROLES) & actor_unit_ids(session, actor):
        raise PermissionDenied(f"任务 {task.code} 不属于本单位，不能提出申请")
    return actor.unit_id


def _reason(reason: str, label: str = "申请理由") -> str:
    refuse_controls(label, reason, multiline=True)
    if not reason.strip():
        raise Invalid(f"请填写{label}")
    return reason.strip()[:2000]


def _check_extension(task: Task, new_deadline: date | None, today: date) -> None:
    if task.deadline_rule in NO_FIXED_DEADLINE:
        raise Invalid(f"任务 {task.code} 为{NO_FIXED_DEADLINE[task.deadline_rule]}任务，没有固定完成时限，无需申请延期")
    if task.status in FINISHED:
        raise Invalid(f"任务 {task.code} 已报告完成，不能申请延期")
    if not isinstance(new_deadline, date):
        raise Invalid("请填写申请延期后的完成时限")
    if new_deadline < today:
        raise Invalid(f"申请的完成时限 {new_deadline:%Y年%m月%d日} 早于今天")
    if task.deadline is not None and new_deadline <= task.deadline:
        raise Invalid(f"申请的完成时限须晚于现时限（{task.deadline:%Y年%m月%d日}）")


def _check_units(session: Session, task: Task, new_units: dict[str, list[int]]) -> dict[str, list[int]]:
    """Every role's unit ids exist and are not groups' duplicates; a unit keeps only its strongest role."""
    wanted = {role: [int(u) for u in new_units.get(role) or []] for role in ROLES}
    if not wanted["lead"]:
        raise Invalid("调整后须至少有一个牵头单位")
    ids = {u for units in wanted.values() for u in units}
    known = set(session.execute(sa_select(Unit.id).where(Unit.id.in_(ids))).scalars())  # type: ignore[call-overload,union-attr]
    if ids - known:
        raise Invalid(f"单位不存在：#{'、#'.join(str(u) for u in sorted(ids - known))}")
    seen: set[int] = set()
    out: dict[str, list[int]] = {}
    for role in ROLES:  # strongest role first
        out[role] = sorted(set(wanted[role]) - seen)
        seen |= set(out[role])
    if out == current_units(session, task.id or 0):
        raise Invalid("调整后的单位与现有安排相同")
    return out


def current_units(session: Session, task_id: int) -> dict[str, list[int]]:
    rows = session.execute(sa_select(TaskUnit.role, TaskUnit.unit_id).where(  # type: ignore[call-overload]
        TaskUnit.task_id == task_id, TaskUnit.unit_id.is_not(None))).all()  # type: ignore[union-attr]
    return {role: sorted({r.unit_id for r in rows if r.role == role}) for role in ROLES}


def snapshot(req: TaskRequest) -> dict[str, Any]:
    return {"kind": req.kind, "state": req.state, "task_id": req.task_id, "unit_id": req.unit_id,
            "new_deadline": req.new_deadline, "new_units": req.new_units, "version": req.version}


def _file(actor: Actor, kind: str, *, task_id: int, expected_version: int, reason: str,
          new_deadline: date | None = None, new_units: dict[str, list[int]] | None = None,
          evidence: Upload | None = None, today: date | None = None, engine: Engine | None = None) -> TaskRequest:
    from models.services.uploads import check_files

    checked = check_files([(evidence.filename, evidence.data)], allowed=EVIDENCE_KINDS) if evidence else []
    with transaction(actor, f"request.{kind}", "task", task_id, engine=engine) as tx:
        task = _task(tx.session, task_id)
        unit_id = _filing_unit(tx.session, actor, task)
        if task.version != expected_version:
            raise Conflict(f"任务 {task.code} 已被他人修改（版本 {task.version}），请刷新后重试")
        text = _reason(reason)
        today = today or get_settings().today()
        units: dict[str, list[int]] = {}
        if kind == "extend":
            _check_extension(task, new_deadline, today)
        else:
            units = _check_units(tx.session, task, new_units or {})
        if tx.session.exec(select(TaskRequest.id).where(TaskRequest.task_id == task_id, TaskRequest.kind == kind,
                                                        TaskRequest.state == RequestState.PENDING)).first() is not None:
            raise Invalid(f"任务 {task.code} 已有待审批的{KINDS[kind]}申请，请等待改革办审批或先撤回原申请")
        evidence_id = _store_evidence(tx, actor, task, evidence, checked[0]) if evidence else None
        req = TaskRequest(task_id=task_id, plan_id=task.plan_id, kind=kind, unit_id=unit_id, filed_by=actor.user_id,
                          filed_on=today, reason=text, old_deadline=task.deadline,
                          new_deadline=new_deadline if kind == "extend" else None, new_units=units,
                          evidence_id=evidence_id)
        tx.session.add(req)
        try:
            tx.session.flush()
        except IntegrityError:  # a concurrent filing won the partial unique index
            raise Invalid(f"任务 {task.code} 已有待审批的{KINDS[kind]}申请") from None
        tx.audit(after={**snapshot(req), "reason": text[:200]}, object_type="request", object_id=req.id)
        return req


def _store_evidence(tx: Tx, actor: Actor, task: Task, up: Upload, checked: tuple[str | None, str | None]) -> int:
    kind, refused = checked
    refuse_controls("附件文件名", up.filename)
    if refused is not None or kind is None:
        raise Invalid(f"附件“{up.filename[:60]}”被拒绝：{refused}")
    name, digest = files.store_after_commit(tx, "evidence", up.data, kind)
    ev = Evidence(task_id=task.id or 0, stored_name=name, original_name=up.filename[:200], kind=kind,
                  size=len(up.data), sha256=digest, uploaded_by=actor.user_id)
    tx.session.add(ev)
    tx.session.flush()
    return ev.id or 0


@retry_transient
def file_extension(actor: Actor, *, task_id: int, expected_version: int, new_deadline: date, reason: str,
                   evidence: Upload | None = None, today: date | None = None,
                   engine: Engine | None = None) -> TaskRequest:
    """延期申请: a later deadline, the reason and (optionally) one evidence file."""
    return _file(actor, "extend", task_id=task_id, expected_version=expected_version, reason=reason,
                 new_deadline=new_deadline, evidence=evidence, today=today, engine=engine)


@retry_transient
def file_adjustment(actor: Actor, *, task_id: int, expected_version: int, lead: Sequence[int],
                    responsible: Sequence[int] = (), supporting: Sequence[int] = (), reason: str,
                    evidence: Upload | None = None, today: date | None = None,
                    engine: Engine | None = None) -> TaskRequest:
    """调整申请: the complete new assignment of units (lead, responsible, supporting)."""
    units = {"lead": list(lead), "responsible": list(responsible), "supporting": list(supporting)}
    return _file(actor, "adjust", task_id=task_id, expected_version=expected_version, reason=reason,
                 new_units=units, evidence=evidence, today=today, engine=engine)


def _guarded(session: Session, req: TaskRequest, expected_version: int, values: dict[str, Any]) -> None:
    result = session.execute(update(TaskRequest).where(TaskRequest.id == req.id,  # type: ignore[arg-type]
                                                       TaskRequest.version == expected_version)  # type: ignore[arg-type]
                             .values(**values, version=expected_version + 1))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("该申请已被他人处理，请刷新后重试")
    session.refresh(req)


def _extension_values(task: Task, req: TaskRequest) -> dict[str, Any]:
    assert req.new_deadline is not None
    if task.status in FINISHED:
        raise Invalid(f"任务 {task.code} 已报告完成，延期申请无需批准，请驳回或由单位撤回")
    if task.deadline is not None and req.new_deadline <= task.deadline:
        raise Invalid(f"任务现时限（{task.deadline:%Y年%m月%d日}）已不早于申请的时限，请驳回")
    return {"deadline": req.new_deadline, "deadline_rule": "absolute", "provisional": False}


def _apply_adjustment(tx: Tx, task: Task, req: TaskRequest) -> None:
    names = {u.id: u.name for u in tx.session.exec(select(Unit)).all()}
    tx.session.execute(delete(TaskUnit).where(TaskUnit.task_id == task.id))  # type: ignore[arg-type]
    for role in ROLES:
        for unit_id in req.new_units.get(role) or []:
            tx.session.add(TaskUnit(task_id=task.id or 0, unit_id=unit_id, role=role,
                                    written_name=names.get(unit_id, f"#{unit_id}")[:120]))


@retry_transient
def decide(actor: Actor, *, request_id: int, expected_version: int, approve: bool, reason: str = "",
           today: date | None = None, engine: Engine | None = None) -> TaskRequest:
    """The office approves (the task changes in the same transaction) or refuses with a reason."""
    action = "request.approve" if approve else "request.refuse"
    with transaction(actor, action, "request", request_id, engine=engine) as tx:
        require(actor, "task.admin")
        req = _request(tx.session, request_id)
        if req.version != expected_version:
            raise Conflict("该申请已被他人处理或修改，请刷新后重试")
        if req.state != RequestState.PENDING:
            raise Invalid(f"该申请{STATES[req.state]}，不能再审批")
        note = reason.strip()
        refuse_controls("审批意见", note, multiline=True)
        if not approve and not note:
            raise Invalid("驳回申请必须填写理由")
        today = today or get_settings().today()
        task = _task(tx.session, req.task_id)
        before = {"request": snapshot(req), "task": {"deadline": task.deadline, "deadline_rule": task.deadline_rule,
                                                     "units": current_units(tx.session, task.id or 0),
                                                     "version": task.version}}
        after_task: dict[str, Any] = {}
        if approve:
            if req.kind == "extend":
                tx.reschedule(task.plan_id, today=today)  # the light, forecasts and dependants move with it
                values = _extension_values(task, req)
                after_task = {k: values[k] for k in ("deadline", "deadline_rule")}
            else:
                _apply_adjustment(tx, task, req)
                values = {}
                after_task = {"units": req.new_units}
            bumped = tx.session.execute(update(Task).where(Task.id == task.id, Task.version == task.version)  # type: ignore[arg-type]
                                        .values(**values, version=task.version + 1, updated_at=datetime.now(UTC)))
            if bumped.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"任务 {task.code} 已被他人修改，请刷新后重试")
            tx.session.refresh(task)
            after_task["version"] = task.version
            if before["task"]["deadline_rule"] != "absolute" and req.kind == "extend":
                after_task["note"] = "原相对/按方案计算的时限改为批准的固定日期"
        _guarded(tx.session, req, expected_version, {"state": "approved" if approve else "refused",
                                                     "decision_reason": note[:500] or None,
                                                     "decided_by": actor.user_id, "decided_on": today})
        tx.audit(before=before, after={"request": snapshot(req), "task": after_task, "reason": note[:200]})
        return req


@retry_transient
def withdraw(actor: Actor, *, request_id: int, expected_version: int, engine: Engine | None = None) -> TaskRequest:
    with transaction(actor, "request.withdraw", "request", request_id, engine=engine) as tx:
        require(actor, "task.report")
        req = _request(tx.session, request_id)
        if req.unit_id not in actor_unit_ids(tx.session, actor):
            raise PermissionDenied("只能撤回本单位提出的申请")
        if req.version != expected_version:
            raise Conflict("该申请已被他人处理或修改，请刷新后重试")
        if req.state != RequestState.PENDING:
            raise Invalid(f"该申请{STATES[req.state]}，不能撤回")
        before = snapshot(req)
        _guarded(tx.session, req, expected_version, {"state": "withdrawn"})
        tx.audit(before=before, after=snapshot(req))
        return req


def listing(actor: Actor, *, state: str | None = None, task_id: int | None = None, limit: int = 500,
            engine: Engine | None = None) -> list[dict[str, Any]]:
    """Requests newest first: the office sees all, a unit sees the ones it filed."""
    require(actor, "task.view")
    with read_session(engine) as session:
        query = select(TaskRequest)
        if actor.role in UNIT_SCOPED_ROLES:
            query = query.where(TaskRequest.unit_id.in_(actor_unit_ids(session, actor)))  # type: ignore[attr-defined]
        if state:
            query = query.where(TaskRequest.state == state)
        if task_id is not None:
            query = query.where(TaskRequest.task_id == task_id)
        rows = session.exec(query.order_by(TaskRequest.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
        names = names_of(session, [r.unit_id for r in rows]  # only the units listed (a province has 40 000)
                         + [u for r in rows for ids in (r.new_units or {}).values() for u in ids or []])
        users = {u.id: u.display_name for u in session.exec(select(User)).all()}
        tasks = {t.id: t for t in session.exec(select(Task).where(
            Task.id.in_({r.task_id for r in rows}))).all()} if rows else {}  # type: ignore[union-attr]
        out = []
        for r in rows:
            t = tasks.get(r.task_id)
            change = (f"{r.old_deadline or '未定'} → {r.new_deadline}" if r.kind == "extend" else
                      "；".join(f"{label}：{'、'.join(names.get(u, '') for u in r.new_units.get(role) or []) or '无'}"
                               for role, label in (("lead", "牵头"), ("responsible", "负责"), ("supporting", "配合"))))
            out.append({"id": r.id, "version": r.version, "kind": r.kind, "kind_label": KINDS[r.kind],
                        "task_id": r.task_id, "task_code": t.code if t else "", "task_title": t.title if t else "",
                        "task_version": t.version if t else 0, "unit": names.get(r.unit_id, ""), "unit_id": r.unit_id,
                        "filed_by": users.get(r.filed_by, ""), "filed_on": r.filed_on, "change": change,
                        "reason": r.reason, "evidence_id": r.evidence_id, "state": r.state,
                        "state_label": STATES[r.state], "decision_reason": r.decision_reason or "",
                        "decided_by": users.get(r.decided_by, ""), "decided_on": r.decided_on})
        return out


def extension_counts(session: Session, *, start: date | None, end: date) -> dict[int, int]:
    """Approved 延期 per filing unit decided in [start, end]: one indexed aggregate (ix_taskrequest_decided)."""
    query = (sa_select(TaskRequest.unit_id, func.count())  # type: ignore[call-overload]
             .where(TaskRequest.kind == "extend", TaskRequest.state == RequestState.APPROVED,
                    TaskRequest.decided_on <= end)  # type: ignore[operator]
             .group_by(TaskRequest.unit_id))
    if start is not None:
        query = query.where(TaskRequest.decided_on >= start)  # type: ignore[operator]
    return {int(unit_id): int(n) for unit_id, n in session.execute(query).all()}
