"""Issuing formal notices: 文号 allocation, document generation, storage, voiding.

Numbers are allocated per 机关代字 per year inside the issuing transaction (a row-locked counter),
so concurrent issuers never share or skip a number: a rolled-back issue rolls its number back too.
An optional idempotency key (e.g. ``supervision:task:17:2026-11-21``) makes re-runs return the notice
already issued instead of allocating a second number.

Before a number is taken the laid-out document is checked: a placeholder left anywhere refuses the issue;
a second notice of the same kind for the same subject, or a title that pushes the body off page 1, needs
``confirm=True`` (automation passes ``reuse_existing=True`` and gets the notice that exists).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.links import printable, task_url
from models.services import files, signoff
from models.services.actor import Actor
from models.services.errors import Invalid, NeedsConfirmation, NotFound, PermissionDenied
from models.services.handovers import PARTY_LABELS, items_of, steps_of
from models.services.permissions import actor_unit_ids, has, require
from models.services.queries import units_by_task
from models.services.tasks import STATUS_LABELS
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import DocNumberCounter, Handover, HolidayOverride, Notice, OfficialYear, Plan, Task, Unit, User
from models.vocabulary import STAFFING_NOTICE_KINDS, Role

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
                     "light": task.light, "url": printable(task_url(task.code, task.plan_id))},
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
    """Plan and its tasks; group headings (tasks with children) are marked and never counted as tasks."""
    tasks = list(session.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)).all())  # type: ignore[arg-type]
    units = units_by_task(session, [t.id or 0 for t in tasks])
    parents = {t.parent_id for t in tasks if t.parent_id}
    empty: dict[str, list[str]] = {"lead": [], "responsible": [], "supporting": []}
    return {"plan": {"title": plan.title, "doc_number": plan.doc_number, "issuer": plan.issuer, "date": plan.issued_on},
            "tasks": [{"code": t.code, "title": t.title, "is_group": t.id in parents,
                       "lead_units": units.get(t.id or 0, empty)["lead"] + units.get(t.id or 0, empty)["responsible"],
                       "supporting_units": units.get(t.id or 0, empty)["supporting"], "deadline": t.deadline,
                       "deadline_text": t.deadline_text} for t in tasks]}


@lru_cache(maxsize=4)
def _calendar(overrides: tuple[tuple[date, bool], ...], years: tuple[int, ...]) -> Any:
    """The office calendar, built once per set of 放假安排 (a batch of 1,000 notices shares it)."""
    from models.workcalendar import WorkCalendar

    return WorkCalendar(dict(overrides), official_years=years)


def reply_by(session: Session, today: date, deadline: date | None) -> date:
    """The reply-by date of a 催办函/督办通知单: N working days (office calendar, default 5) after the
    issue date, but no later than a deadline still ahead; always after the issue date."""
    from models.services.agencies import reply_workdays

    overrides = tuple(sorted((o.day, o.is_workday) for o in session.exec(select(HolidayOverride)).all()))
    years = tuple(sorted(y.year for y in session.exec(select(OfficialYear)).all()))
    due: date = _calendar(overrides, years).add_workdays(today, reply_workdays(session))
    if deadline is not None and today < deadline < due:
        due = deadline
    return due


def subject_data(session: Session, kind: str, subject: Subject, today: date) -> dict[str, Any]:
    need = SUBJECTS.get(kind)
    if need is None:
        raise Invalid(f"未知公文类型：{kind}（可选：{'、'.join(SUBJECTS)}）")
    if need == "task":
        task = session.get(Task, subject.task_id) if subject.task_id else None
        if task is None:
            raise NotFound("请指定存在的任务（--task）")
        data = task_data(session, task, today)
        return {**data, "reply_by": reply_by(session, today, task.deadline)}
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
    if actor.role == Role.STAFFING and kind not in STAFFING_NOTICE_KINDS:
        raise PermissionDenied("编办只能印发人员划转、编制调整类公文")


def _render(session: Session, kind: str, doc_number: str | None, today: date, data: dict[str, Any],
            overrides: dict[str, Any]) -> Any:
    from models.documents import NoticeContext, draft, load_template
    from models.services.agencies import current

    template = load_template(kind, agencies=current(session))
    context = NoticeContext(doc_number=doc_number, issue_date=today, data=data,
                            recipients=overrides.get("recipients"), cc=overrides.get("cc"),
                            extra_body=overrides.get("extra_body"))
    return template, draft(kind, context, template)


def _refuse_placeholders(found: list[str]) -> None:
    if found:
        raise Invalid(f"公文中仍有未替换的占位符：{'、'.join(found)}。请在“系统 → 发文机关设置”或模板中补全后再印发。")


def _same_subject(session: Session, kind: str, subject: Subject, title: str) -> Notice | None:
    """The issued (not voided) notice of this kind for this subject, if any (bulletins: same title)."""
    query = select(Notice).where(Notice.kind == kind, Notice.status == "issued")
    if subject.task_id or subject.handover_id or subject.plan_id:
        query = query.where(Notice.task_id == subject.task_id, Notice.handover_id == subject.handover_id,
                            Notice.plan_id == subject.plan_id)
    else:
        query = query.where(Notice.title == title[:300])
    return session.exec(query.order_by(Notice.id)).first()  # type: ignore[arg-type]


def duplicate_message(existing: Notice) -> str:
    from models.documents import KINDS

    label = KINDS[existing.kind].label if existing.kind in KINDS else existing.kind
    return (f"该事项已印发{label}：{existing.doc_number}《{existing.title}》（{existing.issued_at:%Y-%m-%d}）。"
            "如确需再次印发，请确认后重试。")


def next_numbers(kind: str, count: int = 1, *, year: int, engine: Engine | None = None) -> list[str]:
    """The 文号 the next ``count`` notices of ``kind`` would get (for a confirmation before issuing; the
    number itself is allocated only when the notice is issued, so a concurrent issuer may take one)."""
    from models.documents import format_doc_number, load_template
    from models.services.agencies import current

    with read_session(engine) as session:
        code = load_template(kind, agencies=current(session)).code
        counter = session.get(DocNumberCounter, (code, year))
        last = counter.last_seq if counter is not None else 0
    return [format_doc_number(code, year, last + i) for i in range(1, count + 1)]


def preview(actor: Actor, kind: str, subject: Subject = Subject(), *, data: dict[str, Any] | None = None,
            overrides: dict[str, Any] | None = None, today: date | None = None,
            engine: Engine | None = None) -> tuple[str, bytes]:
    """Render without allocating a number; returns (title, docx bytes)."""
    got = inspect(actor, kind, subject, data=data, overrides=overrides, today=today, engine=engine)
    return got.title, got.docx


@dataclass(frozen=True)
class Inspection:
    """A preview with what issuing would say: refusals, questions and notes, and the notice that exists."""

    title: str
    docx: bytes
    placeholders: list[str]
    warnings: list[str]
    notes: list[str]
    existing: str | None


def inspect(actor: Actor, kind: str, subject: Subject = Subject(), *, data: dict[str, Any] | None = None,
            overrides: dict[str, Any] | None = None, today: date | None = None,
            engine: Engine | None = None) -> Inspection:
    """Render without allocating a number, and report what the issue would check."""
    try:
        _check_issue(actor, kind)
    except PermissionDenied as exc:
        from models.services.uow import audit_refusal

        raise audit_refusal(actor, "notice.preview", "notice", kind, exc, engine=engine) from None
    today = today or get_settings().today()
    with read_session(engine) as session:
        data = data if data is not None else subject_data(session, kind, subject, today)
        _, doc = _render(session, kind, None, today, data, overrides or {})
        existing = _same_subject(session, kind, subject, doc.title)
        return Inspection(doc.title, doc.docx, doc.findings.placeholders, doc.findings.warnings, doc.findings.notes,
                          duplicate_message(existing) if existing else None)


def by_key(key: str, engine: Engine | None = None) -> Notice | None:
    with read_session(engine) as session:
        return session.exec(select(Notice).where(Notice.idempotency_key == key)).first()


@retry_transient
def _issue_once(actor: Actor, kind: str, subject: Subject, data: dict[str, Any] | None,
                overrides: dict[str, Any], idempotency_key: str | None, today: date,
                engine: Engine | None, confirm: bool, reuse_existing: bool) -> Notice:
    from models.documents import format_doc_number

    with transaction(actor, "notice.issue", "notice", engine=engine) as tx:
        _check_issue(actor, kind)
        if idempotency_key:
            existing = tx.session.exec(select(Notice).where(Notice.idempotency_key == idempotency_key)).first()
            if existing is not None:
                tx.object_id = existing.id
                tx.audit(action="notice.issue_repeat", after={"doc_number": existing.doc_number, "key": idempotency_key})
                return existing
        payload = data if data is not None else subject_data(tx.session, kind, subject, today)
        template, doc = _render(tx.session, kind, None, today, payload, overrides)
        _refuse_placeholders(doc.findings.placeholders)
        existing = _same_subject(tx.session, kind, subject, doc.title)
        if existing is not None and reuse_existing:
            tx.object_id = existing.id
            tx.audit(action="notice.issue_reuse", after={"doc_number": existing.doc_number, "key": idempotency_key})
            return existing
        questions = doc.findings.warnings + ([duplicate_message(existing)] if existing else [])
        if questions and not confirm:
            raise NeedsConfirmation("；".join(questions))
        code = template.code
        seq = allocate_number(tx.session, code, today.year)
        number = format_doc_number(code, today.year, seq)
        _, doc = _render(tx.session, kind, number, today, payload, overrides)
        _refuse_placeholders(doc.findings.placeholders)
        title, docx = doc.title, doc.docx
        stored, digest = files.store_after_commit(tx, "notices", docx, "docx")  # visible only once committed
        notice = Notice(kind=kind, code=code, year=today.year, seq=seq, doc_number=number, title=title[:300],
                        recipients=doc.recipients, context={"overrides": overrides, "issuer": doc.issuer,
                                                            "confirmed": bool(questions)},
                        stored_name=stored, sha256=digest,
                        task_id=subject.task_id, handover_id=subject.handover_id, plan_id=subject.plan_id,
                        idempotency_key=idempotency_key, issued_by=actor.user_id)
        tx.session.add(notice)
        try:
            tx.session.flush()
        except IntegrityError:
            files.remove_stored("notices", stored)
            raise
        tx.object_id = notice.id
        signoff.open_for_notice(tx.session, notice, today)  # 督办通知单/催办函 wait for the units' 签收
        tx.audit(after={"doc_number": number, "kind": kind, "title": title, "sha256": digest})
        return notice


def issue(actor: Actor, kind: str, subject: Subject = Subject(), *, data: dict[str, Any] | None = None,
          overrides: dict[str, Any] | None = None, idempotency_key: str | None = None, today: date | None = None,
          engine: Engine | None = None, confirm: bool = False, reuse_existing: bool | None = None) -> Notice:
    """Issue with a 文号. ``confirm`` answers the questions (duplicate, long title) a first call raised as
    :class:`NeedsConfirmation`; ``reuse_existing`` returns the notice of this kind and subject that exists
    instead. Automation (a call with an ``idempotency_key``) reuses by default, so a flow never issues a
    second identical notice and never stops to ask."""
    today = today or get_settings().today()
    if reuse_existing is None:
        reuse_existing = idempotency_key is not None and not confirm
    try:
        return _issue_once(actor, kind, subject, data, overrides or {}, idempotency_key, today, engine, confirm,
                           reuse_existing)
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


def download_pdf(actor: Actor, notice_id: int, *, engine: Engine | None = None) -> tuple[str, bytes]:
    """The issued notice as PDF, converted by LibreOffice from the stored .docx (so the pages are the same)
    and kept beside it; the same access check as the .docx."""
    from models.documents import render_pdf

    name, docx = download(actor, notice_id, engine=engine)
    with read_session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None and notice.stored_name is not None
        pdf_name = notice.stored_name.rsplit(".", 1)[0] + ".pdf"
    try:
        return name.removesuffix(".docx") + ".pdf", files.read_stored("notices", pdf_name)
    except (FileNotFoundError, OSError, ValueError):
        pass
    pdf = render_pdf(docx)
    if pdf is None:
        raise Invalid("本机未安装 LibreOffice，无法生成 PDF，请下载 .docx")
    files.write_stored("notices", pdf_name, pdf)
    return name.removesuffix(".docx") + ".pdf", pdf


def register(session: Session, *, year: int | None = None, limit: int = 500) -> list[Notice]:
    query = select(Notice)
    if year:
        query = query.where(Notice.year == year)
    return list(session.exec(query.order_by(Notice.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
