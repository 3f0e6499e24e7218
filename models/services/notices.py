"""Issuing formal notices: 文号 allocation, document generation, storage, voiding.

Numbers are allocated per 机关代字 per year inside the issuing transaction (a row-locked counter),
so concurrent issuers never share or skip a number: a rolled-back issue rolls its number back too.
An optional idempotency key (e.g. ``supervision:task:17:2026-11-21``) makes re-runs return the notice
already issued instead of allocating a second number.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.services import files
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound, PermissionDenied
from models.services.handovers import PARTY_LABELS, items_of, steps_of
from models.services.permissions import actor_unit_ids, has, require
from models.services.queries import units_by_task
from models.services.tasks import STATUS_LABELS
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import DocNumberCounter, Handover, Notice, Plan, Task, Unit, User

SUBJECTS = {"issue-plan": "plan", "staff-transfer": "handover", "establishment": "handover",
            "supervision": "task", "urging": "task", "bulletin": "period", "staff-roster": "handover",
            "asset-list": "handover", "archive-list": "handover", "handover-confirmation": "handover"}


@dataclass(frozen=True)
class Subject:
    task_id: int | None = None
    handover_id: int | None = None
    plan_id: int | None = None


def allocate_number(session: Session, code: str, year: int) -> int:
    """Next sequence for (代字, year); the UPDATE row lock serialises concurrent issuers."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(DocNumberCounter).values(code=code, year=year, last_seq=0).on_conflict_do_nothing())
    return int(session.execute(
        update(DocNumberCounter).where(DocNumberCounter.code == code, DocNumberCounter.year == year)  # type: ignore[arg-type]
        .values(last_seq=DocNumberCounter.last_seq + 1).returning(DocNumberCounter.last_seq)  # type: ignore[call-overload]
    ).scalar_one())


def _unit_names(session: Session) -> dict[int, str]:
    return {u.id or 0: u.name for u in session.exec(select(Unit)).all()}


def task_data(session: Session, task: Task, today: date) -> dict[str, Any]:
    units = units_by_task(session, [task.id or 0]).get(task.id or 0, {"lead": [], "responsible": [], "supporting": []})
    overdue = (today - task.deadline).days if task.deadline and today > task.deadline else 0
    red_days = (today - task.red_since).days + 1 if task.red_since else 0
    return {"task": {"code": task.code, "title": task.title, "lead_units": units["lead"] + units["responsible"],
                     "supporting_units": units["supporting"], "deadline": task.deadline, "percent": task.percent,
                     "status_label": STATUS_LABELS.get(task.status, task.status), "days_overdue": overdue,
                     "light": task.light},
            "alert": {"level": "red" if task.light == "red" else task.light, "red_days": red_days}}


def handover_data(session: Session, ho: Handover) -> dict[str, Any]:
    names = _unit_names(session)
    users = {u.id: u.display_name for u in session.exec(select(User)).all()}
    task = session.get(Task, ho.task_id) if ho.task_id else None
    steps = steps_of(session, ho.id or 0)
    parties = [{"role": s.party_role, "role_label": PARTY_LABELS[s.party_role], "unit": names.get(s.unit_id, ""),
                "confirmed_by": users.get(s.confirmed_by) if s.status == "confirmed" else None,
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at and s.status == "confirmed" else None}
               for s in steps] or [
        {"role": "sender", "role_label": "移交方", "unit": names.get(ho.from_unit_id, ""), "confirmed_by": None,
         "confirmed_at": None},
        {"role": "receiver", "role_label": "接收方", "unit": names.get(ho.to_unit_id, ""), "confirmed_by": None,
         "confirmed_at": None}]
    return {"handover": {"id": ho.id, "kind": ho.kind, "title": ho.title, "from_unit": names.get(ho.from_unit_id),
                         "to_unit": names.get(ho.to_unit_id), "task_code": task.code if task else None,
                         "task_title": task.title if task else None, "items": items_of(session, ho.id or 0),
                         "declared_total": ho.declared_total or None, "parties": parties}}


def plan_data(session: Session, plan: Plan) -> dict[str, Any]:
    tasks = list(session.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)).all())  # type: ignore[arg-type]
    units = units_by_task(session, [t.id or 0 for t in tasks])
    empty: dict[str, list[str]] = {"lead": [], "responsible": [], "supporting": []}
    return {"plan": {"title": plan.title, "doc_number": plan.doc_number, "issuer": plan.issuer, "date": plan.issued_on},
            "tasks": [{"code": t.code, "title": t.title,
                       "lead_units": units.get(t.id or 0, empty)["lead"] + units.get(t.id or 0, empty)["responsible"],
                       "supporting_units": units.get(t.id or 0, empty)["supporting"], "deadline": t.deadline,
                       "deadline_text": t.deadline_text} for t in tasks]}


def subject_data(session: Session, kind: str, subject: Subject, today: date) -> dict[str, Any]:
    need = SUBJECTS.get(kind)
    if need is None:
        raise Invalid(f"未知公文类型：{kind}（可选：{'、'.join(SUBJECTS)}）")
    if need == "task":
        task = session.get(Task, subject.task_id) if subject.task_id else None
        if task is None:
            raise NotFound("请指定存在的任务（--task）")
        return {**task_data(session, task, today), "reply_by": today}
    if need == "handover":
        ho = session.get(Handover, subject.handover_id) if subject.handover_id else None
        if ho is None:
            raise NotFound("请指定存在的交接事项（--handover）")
        return handover_data(session, ho)
    if need == "plan":
        plan = session.get(Plan, subject.plan_id) if subject.plan_id else \
            session.exec(select(Plan).order_by(Plan.id.desc())).first()  # type: ignore[union-attr]
        if plan is None:
            raise NotFound("请指定存在的方案（--plan）")
        return plan_data(session, plan)
    raise Invalid("工作进展通报请通过通报流程生成（reform bulletin）或提供通报数据")


def _check_issue(actor: Actor, kind: str) -> None:
    require(actor, "notice.issue")
    if actor.role == "staffing" and kind not in {"staff-transfer", "establishment", "staff-roster"}:
        raise PermissionDenied("编办只能印发人员划转、编制调整类公文")


def _render(kind: str, doc_number: str | None, today: date, data: dict[str, Any], overrides: dict[str, Any]) -> tuple[bytes, str, list[str], Any]:
    from models.documents import NoticeContext, load_template, notice_title, render_notice

    template = load_template(kind)
    context = NoticeContext(doc_number=doc_number, issue_date=today, data=data,
                            recipients=overrides.get("recipients"), cc=overrides.get("cc"),
                            extra_body=overrides.get("extra_body"))
    return (render_notice(kind, context, template), notice_title(kind, context, template),
            list(context.recipients or template.recipients), template)


def preview(actor: Actor, kind: str, subject: Subject = Subject(), *, data: dict[str, Any] | None = None,
            overrides: dict[str, Any] | None = None, today: date | None = None,
            engine: Engine | None = None) -> tuple[str, bytes]:
    """Render without allocating a number; returns (title, docx bytes)."""
    try:
        _check_issue(actor, kind)
    except PermissionDenied as exc:
        from models.services.uow import audit_refusal

        raise audit_refusal(actor, "notice.preview", "notice", kind, exc, engine=engine) from None
    today = today or datetime.now(get_settings().tz).date()
    with read_session(engine) as session:
        data = data if data is not None else subject_data(session, kind, subject, today)
    docx, title, _, _ = _render(kind, None, today, data, overrides or {})
    return title, docx


def by_key(key: str, engine: Engine | None = None) -> Notice | None:
    with read_session(engine) as session:
        return session.exec(select(Notice).where(Notice.idempotency_key == key)).first()


@retry_transient
def _issue_once(actor: Actor, kind: str, subject: Subject, data: dict[str, Any] | None,
                overrides: dict[str, Any], idempotency_key: str | None, today: date,
                engine: Engine | None) -> Notice:
    from models.documents import format_doc_number, load_template

    with transaction(actor, "notice.issue", "notice", engine=engine) as tx:
        _check_issue(actor, kind)
        if idempotency_key:
            existing = tx.session.exec(select(Notice).where(Notice.idempotency_key == idempotency_key)).first()
            if existing is not None:
                tx.object_id = existing.id
                tx.audit(action="notice.issue_repeat", after={"doc_number": existing.doc_number, "key": idempotency_key})
                return existing
        payload = data if data is not None else subject_data(tx.session, kind, subject, today)
        code = load_template(kind).code
        seq = allocate_number(tx.session, code, today.year)
        number = format_doc_number(code, today.year, seq)
        docx, title, recipients, _ = _render(kind, number, today, payload, overrides)
        stored, digest = files.store_after_commit(tx, "notices", docx, "docx")  # visible only once committed
        notice = Notice(kind=kind, code=code, year=today.year, seq=seq, doc_number=number, title=title[:300],
                        recipients=recipients, context={"overrides": overrides}, stored_name=stored, sha256=digest,
                        task_id=subject.task_id, handover_id=subject.handover_id, plan_id=subject.plan_id,
                        idempotency_key=idempotency_key, issued_by=actor.user_id)
        tx.session.add(notice)
        try:
            tx.session.flush()
        except IntegrityError:
            files.remove_stored("notices", stored)
            raise
        tx.object_id = notice.id
        tx.audit(after={"doc_number": number, "kind": kind, "title": title, "sha256": digest})
        return notice


def issue(actor: Actor, kind: str, subject: Subject = Subject(), *, data: dict[str, Any] | None = None,
          overrides: dict[str, Any] | None = None, idempotency_key: str | None = None, today: date | None = None,
          engine: Engine | None = None) -> Notice:
    today = today or datetime.now(get_settings().tz).date()
    try:
        return _issue_once(actor, kind, subject, data, overrides or {}, idempotency_key, today, engine)
    except IntegrityError:
        # a concurrent run issued the same idempotency key first: return that one
        existing = by_key(idempotency_key, engine) if idempotency_key else None
        if existing is None:
            raise
        return existing


@retry_transient
def void(actor: Actor, notice_id: int, *, reason: str, engine: Engine | None = None) -> Notice:
    """A voided number stays in the register, marked voided, and is never reused."""
    with transaction(actor, "notice.void", "notice", notice_id, engine=engine) as tx:
        require(actor, "notice.issue")
        notice = tx.session.get(Notice, notice_id)
        if notice is None:
            raise NotFound("公文不存在")
        if notice.status == "voided":
            raise Invalid("该文号已作废")
        if not reason.strip():
            raise Invalid("作废必须填写原因")
        notice.status, notice.void_reason = "voided", reason.strip()[:300]
        tx.session.add(notice)
        tx.audit(before={"status": "issued"}, after={"status": "voided", "reason": notice.void_reason,
                                                      "doc_number": notice.doc_number})
        return notice


def _may_read(session: Session, actor: Actor, notice: Notice) -> bool:
    if has(actor, "notice.issue") or actor.role == "leader":
        return True
    if not has(actor, "notice.view"):
        return False
    mine = actor_unit_ids(session, actor)
    if notice.handover_id:
        ho = session.get(Handover, notice.handover_id)
        if ho and ({ho.from_unit_id, ho.to_unit_id} & mine or
                   any(s.unit_id in mine for s in steps_of(session, ho.id or 0))):
            return True
    if notice.task_id:
        from models.services.permissions import task_units

        return bool(task_units(session, notice.task_id, ("lead", "responsible", "supporting")) & mine)
    return False


def download(actor: Actor, notice_id: int, *, engine: Engine | None = None) -> tuple[str, bytes]:
    """Access is re-checked on every download; the file name is built by the server."""
    with read_session(engine) as session:
        notice = session.get(Notice, notice_id)
        from models.services.uow import audit_refusal

        if notice is None or notice.stored_name is None:
            raise audit_refusal(actor, "notice.download", "notice", notice_id, NotFound("公文不存在"), engine=engine)
        if not _may_read(session, actor, notice):
            raise audit_refusal(actor, "notice.download", "notice", notice_id, PermissionDenied("无权下载该公文"),
                                engine=engine)
        safe_title = "".join(ch for ch in notice.title if ch not in '\\/:*?"<>|\r\n\t')[:60]
        return f"{notice.doc_number}_{safe_title}.docx", files.read_stored("notices", notice.stored_name)


def register(session: Session, *, year: int | None = None, limit: int = 500) -> list[Notice]:
    query = select(Notice)
    if year:
        query = query.where(Notice.year == year)
    return list(session.exec(query.order_by(Notice.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
