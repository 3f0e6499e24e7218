"""签收: every 督办通知单, 催办函 and alert addressed to a unit waits for that unit to sign for it.

A receipt is opened per (notice or alert, unit) when the notice is issued or the alert is raised; the unit
signs with one click (user and time recorded, audited). Unsigned after ``REFORM_SIGNOFF_WORKDAYS`` working
days, the scan alerts the office once per receipt. Rankings show each unit's 签收 rate beside on-time rates.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, retry_transient, write_session
from models.links import alert_link, notice_link
from models.services import audit
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound, PermissionDenied
from models.services.notify import Message, task_recipients
from models.services.permissions import actor_unit_ids, require
from models.services.settings_store import special_unit_id
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Alert, HolidayOverride, Notice, OfficialYear, Receipt, Task, Unit, User
from models.vocabulary import NoticeKind
from models.workcalendar import WorkCalendar

SIGNED_NOTICE_KINDS = {k.value: k.label for k in (NoticeKind.SUPERVISION, NoticeKind.URGING)}
KIND_LABELS = {"notice": "公文", "alert": "预警"}


@lru_cache(maxsize=4)
def _calendar(overrides: frozenset[tuple[date, bool]], years: frozenset[int]) -> WorkCalendar:
    return WorkCalendar(dict(overrides), official_years=years)


def calendar(session: Session) -> WorkCalendar:
    """The working-day calendar, built once per set of office overrides (issuing 1,000 notices stays cheap)."""
    overrides = frozenset((o.day, o.is_workday) for o in session.exec(select(HolidayOverride)).all())
    years = frozenset(y.year for y in session.exec(select(OfficialYear)).all())
    return _calendar(overrides, years)


def due_on(session: Session, opened: date) -> date:
    return calendar(session).add_workdays(opened, get_settings().signoff_workdays)


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """A group unit (各镇人民政府) has no users of its own: its members sign, each for itself."""
    groups = set(session.execute(sa_select(Unit.id).where(Unit.is_group)).scalars())  # type: ignore[call-overload]
    rows = [r for r in rows if r["unit_id"] not in groups]
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    made = 0
    for i in range(0, len(rows), 500):
        made += len(session.execute(insert(Receipt).values(rows[i:i + 500]).on_conflict_do_nothing()
                                    .returning(Receipt.id)).all())  # type: ignore[call-overload]
    return made


def open_for_notice(session: Session, notice: Notice, today: date) -> int:
    """Called inside the issuing transaction: the task's lead and responsible units must sign."""
    if notice.kind not in SIGNED_NOTICE_KINDS or not notice.task_id or notice.id is None:
        return 0
    units = task_recipients(session, [notice.task_id]).get(notice.task_id, frozenset())
    due = due_on(session, today)
    task = session.get(Task, notice.task_id)
    about = f"任务{task.code}“{task.title}”" if task else notice.title
    title = f"{SIGNED_NOTICE_KINDS[notice.kind]} {notice.doc_number}（{about}）"[:300]
    return _insert(session, [{"kind": "notice", "ref_id": notice.id, "unit_id": u, "task_id": notice.task_id,
                              "title": title, "opened_on": today, "due_on": due} for u in sorted(units)])


def open_for_alerts(today: date, *, engine: Engine | None = None) -> int:
    """One receipt per (alert of ``today``, lead/responsible unit); idempotent."""
    with write_session(engine) as session:
        alerts = session.connection().execute(sa_select(Alert.id, Alert.task_id, Alert.message)  # type: ignore[call-overload]
                                              .where(Alert.day == today)).all()
        if not alerts:
            return 0
        recipients = task_recipients(session, sa_select(Alert.task_id)  # type: ignore[call-overload]
                                     .where(Alert.day == today))
        due = due_on(session, today)
        return _insert(session, [{"kind": "alert", "ref_id": a.id, "unit_id": u, "task_id": a.task_id,
                                  "title": a.message[:300], "opened_on": today, "due_on": due}
                                 for a in alerts for u in sorted(recipients.get(a.task_id, ()))])


@retry_transient
def sign(actor: Actor, receipt_id: int, *, engine: Engine | None = None) -> Receipt:
    """One click by a user of the addressed unit (or of a group containing it)."""
    with transaction(actor, "signoff.sign", "receipt", receipt_id, engine=engine) as tx:
        require(actor, "task.report")
        receipt = tx.session.get(Receipt, receipt_id)
        if receipt is None:
            raise NotFound("签收事项不存在")
        if receipt.unit_id not in actor_unit_ids(tx.session, actor):
            raise PermissionDenied("该通知不是发给本单位的，不能代为签收")
        if receipt.signed_at is not None:
            raise Invalid("该通知已签收")
        receipt.signed_by, receipt.signed_at = actor.user_id, datetime.now(UTC)
        tx.session.add(receipt)
        tx.audit(after={"kind": receipt.kind, "ref_id": receipt.ref_id, "unit_id": receipt.unit_id,
                        "title": receipt.title})
        return receipt


def _rows(session: Session, query: Any, today: date) -> list[dict[str, Any]]:
    from models.services.units import names_of

    receipts = session.exec(query).all()
    units = names_of(session, (r.unit_id for r in receipts))
    signers = {r.signed_by for r in receipts if r.signed_by is not None}
    users = {u.id: u.display_name for u in session.exec(select(User).where(User.id.in_(signers))).all()}  # type: ignore[union-attr]
    task_ids = sorted({r.task_id for r in receipts if r.task_id is not None})
    codes: dict[int, str] = {}
    for i in range(0, len(task_ids), 900):
        codes.update({r.id: r.code for r in session.execute(sa_select(Task.id, Task.code)  # type: ignore[call-overload]
                                                             .where(Task.id.in_(task_ids[i:i + 900]))).all()})  # type: ignore[union-attr]
    out = []
    for r in receipts:
        out.append({"id": r.id, "kind": r.kind, "kind_label": KIND_LABELS[r.kind], "ref_id": r.ref_id,
                    "unit": units.get(r.unit_id, ""), "unit_id": r.unit_id, "task_code": codes.get(r.task_id, ""),
                    "title": r.title, "opened_on": r.opened_on, "due_on": r.due_on,
                    "signed": r.signed_at is not None, "signed_by": users.get(r.signed_by, ""),
                    "signed_at": r.signed_at, "overdue": r.signed_at is None and today > r.due_on})
    return out


def for_units(unit_ids: set[int], *, today: date, engine: Engine | None = None, limit: int = 300) -> list[dict[str, Any]]:
    """What a department sees: its receipts, unsigned first, newest first."""
    with read_session(engine) as session:
        query = (select(Receipt).where(Receipt.unit_id.in_(unit_ids))  # type: ignore[attr-defined]
                 .order_by(Receipt.signed_at.is_not(None), Receipt.id.desc()).limit(limit))  # type: ignore[union-attr]
        return _rows(session, query, today)


def mine(actor: Actor, *, today: date, engine: Engine | None = None) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        units = actor_unit_ids(session, actor)
    return for_units(units, today=today, engine=engine) if units else []


def register(*, today: date, kind: str | None = None, signed: bool | None = None, engine: Engine | None = None,
             limit: int = 1000) -> list[dict[str, Any]]:
    """The office's list: 已签收/未签收 per notice (or alert) and unit."""
    with read_session(engine) as session:
        query = select(Receipt)
        if kind:
            query = query.where(Receipt.kind == kind)
        if signed is not None:
            query = query.where(Receipt.signed_at.is_not(None) if signed else Receipt.signed_at.is_(None))  # type: ignore[union-attr]
        return _rows(session, query.order_by(Receipt.id.desc()).limit(limit), today)  # type: ignore[union-attr]


def unit_rates(session: Session, *, as_of: date) -> dict[int, dict[str, Any]]:
    """unit → addressed, signed, overdue (unsigned past due), rate — counting receipts opened by ``as_of``."""
    end = datetime.combine(as_of, datetime.max.time(), tzinfo=get_settings().tz)
    rows = session.execute(sa_select(Receipt.unit_id, Receipt.signed_at, Receipt.due_on)  # type: ignore[call-overload]
                           .where(Receipt.opened_on <= as_of)).all()
    stats: dict[int, dict[str, Any]] = defaultdict(lambda: {"addressed": 0, "signed": 0, "overdue": 0})
    for r in rows:
        s = stats[r.unit_id]
        s["addressed"] += 1
        signed_at = r.signed_at if r.signed_at is None or r.signed_at.tzinfo else r.signed_at.replace(tzinfo=UTC)
        if signed_at is not None and signed_at <= end:
            s["signed"] += 1
        elif as_of > r.due_on:
            s["overdue"] += 1
    for s in stats.values():
        s["rate"] = round(s["signed"] / s["addressed"], 4) if s["addressed"] else None
    return dict(stats)


def by_unit(*, today: date, engine: Engine | None = None) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        from models.services.units import names_of

        rates = unit_rates(session, as_of=today)
        names = names_of(session, rates)
    return sorted(({"unit": names.get(uid, ""), **s} for uid, s in rates.items()),
                  key=lambda r: (-(r["overdue"]), r["rate"] if r["rate"] is not None else 1, r["unit"]))


def _office_units(session: Session) -> frozenset[int]:
    office = special_unit_id(session, "office")
    if office is not None:
        return frozenset({office})
    return frozenset(u for u in session.exec(select(User.unit_id).where(User.role == "office")).all() if u)


def escalate_overdue(today: date, *, actor: Actor, engine: Engine | None = None) -> list[Message]:
    """Mark receipts still unsigned past their due day (once each) and return the office's messages."""
    with write_session(engine) as session:
        late = session.exec(select(Receipt).where(Receipt.signed_at.is_(None), Receipt.due_on < today,  # type: ignore[union-attr]
                                                  Receipt.overdue_on.is_(None))  # type: ignore[union-attr]
                           .order_by(Receipt.id)).all()  # type: ignore[arg-type]
        if not late:
            return []
        ids = [r.id for r in late]
        for i in range(0, len(ids), 500):
            session.execute(update(Receipt).where(Receipt.id.in_(ids[i:i + 500])).values(overdue_on=today))  # type: ignore[union-attr]
        audit.record(session, actor, "signoff.overdue", "scan", today.isoformat(), after={"day": today,
                                                                                          "receipts": len(ids)})
        office = _office_units(session)
        names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    if not office:
        return []
    days = get_settings().signoff_workdays
    return [Message(f"signoff:overdue:{r.id}", office, f"【未签收】{names.get(r.unit_id, '')}：{r.title}"[:200],
                    f"{names.get(r.unit_id, '')}超过{days}个工作日未签收（{r.opened_on.isoformat()}下达，"
                    f"签收期限{r.due_on.isoformat()}）。\n事项：{r.title}\n请督促该单位登录系统签收。",
                    (alert_link(r.ref_id) if r.kind == "alert" else notice_link(r.ref_id)).url) for r in late]


def unsigned_count(unit_ids: set[int], *, engine: Engine | None = None) -> int:
    if not unit_ids:
        return 0
    with read_session(engine) as session:
        return int(session.execute(sa_select(func.count()).select_from(Receipt).where(
            Receipt.unit_id.in_(unit_ids), Receipt.signed_at.is_(None))).scalar_one())  # type: ignore[attr-defined,union-attr]


__all__ = ["by_unit", "escalate_overdue", "for_units", "mine", "open_for_alerts", "open_for_notice",
           "register", "sign", "unit_rates", "unsigned_count"]
