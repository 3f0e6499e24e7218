"""Task reporting and review: the task state machine (办结审核) with version checks.

Departments report progress and report done on their own tasks; the leading-group office closes a
reported task or returns it with a reason. Every transition is one audited transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import retry_transient
from models.services import files, reporting
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from models.services.permissions import has, require, require_task_actor
from models.services.textinput import refuse_controls
from models.services.uow import Tx, transaction
from models.settings import get_settings
from models.tables import Dependency, Evidence, ProgressReport, Task
from models.vocabulary import FINISHED, TaskStatus  # noqa: F401 - FINISHED re-exported for the read modules

STATUS_LABELS = TaskStatus.labels()
# (current status, action) -> new status
TRANSITIONS: dict[tuple[str, str], str] = {
    ("not_started", "progress"): "in_progress",
    ("in_progress", "progress"): "in_progress",
    ("not_started", "report_done"): "pending_review",
    ("in_progress", "report_done"): "pending_review",
    ("pending_review", "close"): "done",
    ("pending_review", "return"): "in_progress",
    ("done", "reopen"): "in_progress",
    # a milestone task is done once every handover of it has completed (no office review: the parties signed)
    ("not_started", "handover_milestone"): "done",
    ("in_progress", "handover_milestone"): "done",
    ("pending_review", "handover_milestone"): "done",
}
ACTION_LABELS = {"progress": "报告进展", "report_done": "报告完成", "close": "办结", "return": "退回", "reopen": "重新打开",
                 "handover_milestone": "交接完成自动办结"}
EVIDENCE_KINDS = {"pdf", "docx", "xlsx", "png", "jpg", "txt"}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def next_status(current: str, action: str) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Invalid(f"当前状态“{STATUS_LABELS.get(current, current)}”不能{ACTION_LABELS.get(action, action)}") from None


def snapshot(task: Task) -> dict[str, Any]:
    return {"status": task.status, "percent": task.percent, "version": task.version,
            "actual_finish": task.actual_finish}


def _load(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务不存在：#{task_id}")
    return task


def _apply(session: Session, task: Task, expected_version: int, values: dict[str, Any]) -> None:
    """Guarded update: ``WHERE version = expected``; zero rows means someone else changed it first."""
    values = {**values, "version": expected_version + 1, "updated_at": datetime.now(UTC)}
    result = session.execute(
        update(Task).where(Task.id == task.id, Task.version == expected_version).values(**values)  # type: ignore[arg-type]
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"任务 {task.code} 已被他人修改，请刷新后重试")
    session.refresh(task)


def _store_evidence(tx: Tx, actor: Actor, task: Task, report: ProgressReport,
                    uploads: Sequence[Upload], checked: Sequence[tuple[str | None, str | None]]) -> list[str]:
    """Refuse the batch if any file was refused, then stage each: the files move into the store only when
    the transaction commits, and are removed when it fails (``files.store_after_commit``)."""
    for up, (_kind, refused) in zip(uploads, checked, strict=True):
        if refused is not None:
            raise Invalid(f"附件“{up.filename[:60]}”被拒绝：{refused}")
    names = []
    for up, (kind, _refused) in zip(uploads, checked, strict=True):
        assert kind is not None
        name, digest = files.store_after_commit(tx, "evidence", up.data, kind)
        tx.session.add(Evidence(task_id=task.id or 0, report_id=report.id, stored_name=name,
                             original_name=up.filename[:200], kind=kind, size=len(up.data), sha256=digest,
                             uploaded_by=actor.user_id))
        names.append(up.filename[:200])
    return names


def _transition(actor: Actor, action: str, *, task_id: int, expected_version: int, percent: int | None,
                note: str, uploads: Sequence[Upload], today: date | None, engine: Engine | None,
                value: float | None = None) -> Task:
    from models.services.uploads import check_files

    # hostile files are parsed in the limited worker, before the write transaction holds any lock
    checked = check_files([(up.filename, up.data) for up in uploads], allowed=EVIDENCE_KINDS)
    return _transition_tx(actor, action, task_id=task_id, expected_version=expected_version, percent=percent,
                          note=note, uploads=uploads, checked=checked, today=today, engine=engine, value=value)


def _transition_tx(actor: Actor, action: str, *, task_id: int, expected_version: int, percent: int | None,
                   note: str, uploads: Sequence[Upload], checked: Sequence[tuple[str | None, str | None]],
                   today: date | None, engine: Engine | None, value: float | None = None) -> Task:
    with transaction(actor, f"task.{action}", "task", task_id, engine=engine) as tx:
        task = _load(tx.session, task_id)
        if action in {"progress", "report_done"}:
            require_task_actor(tx.session, actor, task)
        else:
            require(actor, "task.review")
        if task.version != expected_version:
            raise Conflict(f"任务 {task.code} 已被他人修改（版本 {task.version}），请刷新后重试")
        refuse_controls("说明", note, multiline=True)
        for up in uploads:
            refuse_controls("附件文件名", up.filename)
        new_status = next_status(task.status, action)
        if action in {"return", "reopen"} and not note.strip():
            raise Invalid("退回或重新打开必须填写原因")
        today = today or get_settings().today()
        tx.reschedule(task.plan_id, today=today)  # lights, forecasts and dependants move with this change
        before = snapshot(task)
        values: dict[str, Any] = {"status": new_status}
        if action == "progress":
            if percent is None or not 0 <= percent <= 100:
                raise Invalid("完成比例须在 0–100 之间")
            if percent == 100:
                raise Invalid("完成比例 100% 请使用“报告完成”")
            if percent == task.percent and not note.strip() and not uploads and value is None:
                raise Invalid(f"本次报告没有新内容：完成比例仍为 {percent}%，也没有填写进展说明、指标值或上传佐证材料。"
                              "请调整完成比例或填写进展说明后再提交。")
            values["percent"] = percent
            values["actual_start"] = task.actual_start or today
        elif action == "report_done":
            values.update(percent=100, actual_finish=today, actual_start=task.actual_start or today)
        elif action in {"return", "reopen"}:
            values.update(actual_finish=None, percent=min(task.percent, 95))
        _apply(tx.session, task, expected_version, values)
        report = ProgressReport(task_id=task_id, user_id=actor.user_id, unit_id=actor.unit_id, kind=action,
                                percent=task.percent, note=note.strip()[:2000])
        tx.session.add(report)
        tx.session.flush()
        evidence = _store_evidence(tx, actor, task, report, uploads, checked) if uploads else []
        # a report fills the report slot it answers and carries the indicator value (报送要求, 指标任务)
        filed = reporting.on_report(tx, task, report, today, value) if action in {"progress", "report_done"} else {}
        tx.audit(before=before, after={**snapshot(task), "note": note.strip()[:200], "evidence": evidence, **filed})
        return task


def complete_by_handover(tx: Tx, task: Task, *, handover_id: int, today: date) -> list[int]:
    """Close a milestone task inside the handover's transaction: the state machine's ``handover_milestone``
    transition under the same version guard and audit as any other transition. Returns the released
    successors (the tasks that depend on this one)."""
    new_status = next_status(task.status, "handover_milestone")
    tx.reschedule(task.plan_id, today=today)
    before = snapshot(task)
    _apply(tx.session, task, task.version, {"status": new_status, "percent": 100, "actual_finish": today,
                                            "actual_start": task.actual_start or today})
    released = [d.succ_id for d in tx.session.exec(select(Dependency).where(Dependency.pred_id == task.id)).all()]
    tx.audit(action="task.handover_milestone", object_type="task", object_id=task.id, before=before,
             after={**snapshot(task), "released": released, "handover": handover_id})
    return released


@retry_transient
def report_progress(actor: Actor, *, task_id: int, expected_version: int, percent: int, note: str = "",
                    uploads: Sequence[Upload] = (), today: date | None = None, engine: Engine | None = None,
                    value: float | None = None) -> Task:
    """``value``: the indicator's value for an indicator task (指标任务), recorded with this report."""
    return _transition(actor, "progress", task_id=task_id, expected_version=expected_version, percent=percent,
                       note=note, uploads=uploads, today=today, engine=engine, value=value)


@retry_transient
def report_done(actor: Actor, *, task_id: int, expected_version: int, note: str = "",
                uploads: Sequence[Upload] = (), today: date | None = None, engine: Engine | None = None,
                value: float | None = None) -> Task:
    return _transition(actor, "report_done", task_id=task_id, expected_version=expected_version, percent=None,
                       note=note, uploads=uploads, today=today, engine=engine, value=value)


@retry_transient
def review(actor: Actor, *, task_id: int, expected_version: int, decision: str, reason: str = "",
           today: date | None = None, engine: Engine | None = None) -> Task:
    if decision not in {"close", "return", "reopen"}:
        raise Invalid("审核结论只能是 办结 / 退回 / 重新打开")
    return _transition(actor, decision, task_id=task_id, expected_version=expected_version, percent=None,
                       note=reason, uploads=(), today=today, engine=engine)


def evidence_for_download(actor: Actor, evidence_id: int, *, engine: Engine | None = None) -> tuple[str, bytes]:
    """Re-check access on every download; the name offered to the browser is built by the server."""
    from models.db import read_session
    from models.services.permissions import UNIT_SCOPED_ROLES, actor_unit_ids, task_units
    from models.services.uow import audit_refusal

    with read_session(engine) as session:
        ev = session.get(Evidence, evidence_id)
        if ev is None:
            raise audit_refusal(actor, "evidence.download", "evidence", evidence_id, NotFound("附件不存在"),
                                engine=engine)
        task = _load(session, ev.task_id)
        allowed = has(actor, "task.view") and (
            actor.role not in UNIT_SCOPED_ROLES
            or bool(task_units(session, task.id or 0, ("lead", "responsible", "supporting")) & actor_unit_ids(session, actor)))
        if allowed:
            download = f"{task.code}_佐证材料_{ev.id}.{ev.kind}"
            return download, files.read_stored("evidence", ev.stored_name)
    raise audit_refusal(actor, "evidence.download", "evidence", evidence_id,
                        PermissionDenied("无权下载其他单位任务的佐证材料"), engine=engine)


def history(session: Session, task_id: int) -> list[ProgressReport]:
    return list(session.exec(select(ProgressReport).where(ProgressReport.task_id == task_id)
                             .order_by(ProgressReport.id)).all())  # type: ignore[arg-type]
