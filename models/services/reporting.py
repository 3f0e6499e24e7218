"""Reporting duties (报送要求 and their slots) and indicator tasks (指标任务): the service side.

The office sets a task's schedule, or a plan's (inherited by every task of the plan without its own);
the daily scan opens the slots whose window has started and reminds units before a slot is due; a
progress report filed inside a slot's window fills it (``on_report``, called by ``tasks`` in the same
transaction). A slot past its due day with no report is *missed*: the scheduler turns the task red
(``overlay``), which puts it on the escalation ladder (催办 → 督办通知单 → 约谈) like an overdue task, and
the rankings count it (``rankings.missed_reports``).

Indicator tasks carry a target and baseline; reports carry values; the office sets audited values (审定值).
The scheduler judges the latest value (audited over reported) against the planned pace (``indicator_inputs``).
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, DateTime, String, and_, delete, exists, func, literal, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models.db import gc_paused, read_session, retry_transient, write_session
from models.reporting import DIRECTIONS, FREQUENCIES, Rule, Slot, Target, fmt_value, slot_state, slots
from models.services import audit
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, NotFound
from models.services.permissions import require
from models.services.steps import step
from models.services.textinput import refuse_controls
from models.services.uow import Tx, transaction
from models.settings import get_settings
from models.tables import Alert, Indicator, IndicatorValue, Plan, ProgressReport, ReportSchedule, ReportSlot, Task
from models.vocabulary import FINISHED, AlertLevel
from models.workcalendar import Lag, WorkCalendar

NO_REPORTING = "none"
"""A task-level row with this frequency opts the task out of its plan's schedule."""
HORIZON_DAYS = 400
"""Slots are generated this far past today, so the slot open today (even a yearly one) is among them."""
SCAN_ACTOR = Actor.system("scan")


# ---------------------------------------------------------------- schedules
PLAN_STAGES = "按方案阶段"
"""A by-stage schedule without dates of its own: a report is due at the end of each of the plan's phases
(``Plan.phases``), read when the slots are generated, so a change of the phases moves the later slots."""


def phase_ends(phases: list[dict[str, Any]] | None) -> tuple[date, ...]:
    """The end days of a plan's phases (those that have one), in order."""
    return tuple(sorted({date.fromisoformat(str(p["end"])[:10]) for p in phases or [] if p.get("end")}))


def _rule(row: dict[str, Any] | ReportSchedule, ends: tuple[date, ...] = ()) -> Rule:
    """The rule of a schedule row; a by-stage row without dates takes ``ends``, its plan's phase ends."""
    data = row if isinstance(row, dict) else _row_dict(row)
    try:
        stages = tuple(s if isinstance(s, date) else date.fromisoformat(str(s)) for s in data.get("stages") or [])
    except ValueError:
        raise ValueError("阶段报送日期格式错误（应为 YYYY-MM-DD）") from None
    if data.get("frequency") == "stage" and not stages:
        if not ends:
            raise ValueError("按阶段报送须列出各阶段的报送日期，或在方案中列出各阶段及其结束日期")
        stages = ends
    day, weekday = data.get("day"), data.get("weekday")
    return Rule(str(data.get("frequency")), weekday=int(weekday) if weekday not in (None, "") else None,
                day=int(day) if day not in (None, "") else None, stages=stages)


def check_rules(rules: list[dict[str, Any]], ends: tuple[date, ...] = ()) -> list[dict[str, Any]]:
    """Validated, normalised rule dicts (Chinese message on bad input); one rule per frequency. ``ends``: the
    plan's phase ends, which a by-stage rule without dates follows (it is stored without dates)."""
    out: dict[str, dict[str, Any]] = {}
    for raw in rules:
        frequency = str(raw.get("frequency") or "").strip()
        if frequency == NO_REPORTING:
            out[frequency] = {"frequency": frequency, "weekday": None, "day": None, "stages": [], "remind_days": 0}
            continue
        try:
            rule = _rule(raw, ends)
        except ValueError as exc:
            raise Invalid(f"报送要求有误：{exc}") from None
        remind_raw = raw.get("remind_days")
        remind = 3 if remind_raw in (None, "") else int(str(remind_raw))
        if not 0 <= remind <= 30:
            raise Invalid("提前提醒天数须在 0–30 个工作日之间")
        out[rule.frequency] = {"frequency": rule.frequency, "weekday": rule.weekday, "day": rule.day,
                               # a by-stage rule without dates stays without: it follows the plan's phases
                               "stages": [d.isoformat() for d in rule.stages] if raw.get("stages") else [],
                               "remind_days": remind,
                               "source_text": (str(raw.get("source_text") or "")[:200] or None)}
    if NO_REPORTING in out and len(out) > 1:
        raise Invalid("“不报送”不能与其他报送频次同时设置")
    return list(out.values())


def _scope_version(session: Session, plan_id: int, task_id: int | None) -> tuple[Plan | Task, str]:
    if task_id is None:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"方案不存在：#{plan_id}")
        return plan, f"方案《{plan.title}》"
    task = session.get(Task, task_id)
    if task is None or task.plan_id != plan_id:
        raise NotFound(f"任务不存在：#{task_id}")
    return task, f"任务 {task.code}"


def describe(rows: list[dict[str, Any]]) -> str:
    """The rules as the office writes them: “每月5日前；每季度末”."""
    if not rows:
        return "无"
    return "；".join("不单独报送" if r["frequency"] == NO_REPORTING
                    else PLAN_STAGES if r["frequency"] == "stage" and not r.get("stages") else _rule(r).label()
                    for r in rows)


@retry_transient
def set_schedule(actor: Actor, *, plan_id: int, task_id: int | None = None, rules: list[dict[str, Any]],
                 expected_version: int, today: date | None = None, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Replace the schedule of a plan (``task_id`` None) or of one task. Open slots not yet filed whose due
    day is today or later are dropped and regenerated; filed and missed slots stay as history."""
    today = today or get_settings().today()
    with transaction(actor, "report.schedule", "task" if task_id else "plan", task_id or plan_id,
                     engine=engine) as tx:
        require(actor, "task.admin")
        owner, label = _scope_version(tx.session, plan_id, task_id)
        plan = owner if isinstance(owner, Plan) else tx.session.get(Plan, plan_id)
        checked = check_rules(rules, phase_ends(plan.phases if plan else []))
        if owner.version != expected_version:
            raise Conflict(f"{label}已被他人修改（版本 {owner.version}），请刷新后重试")
        tx.reschedule(plan_id, today=today)
        scope = ReportSchedule.task_id == task_id if task_id else ReportSchedule.task_id.is_(None)  # type: ignore[union-attr]
        old = [_row_dict(r) for r in tx.session.exec(select(ReportSchedule).where(
            ReportSchedule.plan_id == plan_id, scope)).all()]
        tx.session.execute(delete(ReportSchedule).where(ReportSchedule.plan_id == plan_id, scope))  # type: ignore[arg-type]
        for r in checked:
            tx.session.add(ReportSchedule(plan_id=plan_id, task_id=task_id, starts_on=today, **r))
        owner.version += 1
        tx.session.add(owner)
        tasks = sa_select(Task.id).where(Task.id == task_id) if task_id else sa_select(Task.id).where(  # type: ignore[call-overload]
            Task.plan_id == plan_id)
        tx.session.execute(delete(ReportSlot).where(ReportSlot.task_id.in_(tasks), ReportSlot.filed_on.is_(None),  # type: ignore[union-attr,attr-defined]
                                                    ReportSlot.due_on >= today))  # type: ignore[arg-type]
        tx.session.flush()
        opened = _open(tx.session, today, plan_id=plan_id)
        tx.audit(before={"rules": old, "version": expected_version},
                 after={"rules": checked, "text": describe(checked), "opened": opened, "version": owner.version})
        return checked


def _row_dict(r: ReportSchedule) -> dict[str, Any]:
    return {"frequency": r.frequency, "weekday": r.weekday, "day": r.day, "stages": list(r.stages or []),
            "remind_days": r.remind_days, "source_text": r.source_text}


def schedule_rows(session: Session, *, plan_id: int, task_id: int | None = None) -> list[dict[str, Any]]:
    scope = ReportSchedule.task_id == task_id if task_id else ReportSchedule.task_id.is_(None)  # type: ignore[union-attr]
    return [_row_dict(r) for r in session.exec(select(ReportSchedule).where(ReportSchedule.plan_id == plan_id, scope)
                                               .order_by(ReportSchedule.id)).all()]  # type: ignore[arg-type]


def store_from_draft(session: Session, plan: Plan, draft: dict[str, Any], today: date) -> int:
    """Schedules and indicators a reviewed draft carries (``plan.report_schedule``, per task
    ``report_schedule`` and ``indicator``), written by ``plans.publish_plan`` in its transaction."""
    stored = 0
    ends = phase_ends(plan.phases)
    for r in check_rules(list(draft.get("plan", {}).get("report_schedule") or []), ends):
        session.add(ReportSchedule(plan_id=plan.id or 0, task_id=None, starts_on=today, **r))
        stored += 1
    ids = dict(session.execute(sa_select(Task.code, Task.id).where(Task.plan_id == plan.id)).all())  # type: ignore[arg-type,call-overload,var-annotated]
    for t in draft.get("tasks") or []:
        task_id = ids.get(str(t.get("code")))
        for r in check_rules(list(t.get("report_schedule") or []), ends):
            session.add(ReportSchedule(plan_id=plan.id or 0, task_id=task_id, starts_on=today, **r))
            stored += 1
        if t.get("indicator"):
            session.add(Indicator(task_id=task_id or 0, **check_indicator(t["indicator"], code=str(t.get("code")))))
            stored += 1
    return stored


# ---------------------------------------------------------------- slots
@dataclass(frozen=True)
class _DueSchedules:
    """The schedules whose next opening day has come (or is unknown), and every schedule row (a task's own
    schedule replaces its plan's)."""

    rows: list[ReportSchedule]
    due: list[ReportSchedule]

    @property
    def plans(self) -> set[int]:
        return {r.plan_id for r in self.due if r.task_id is None}

    @property
    def task_ids(self) -> set[int]:
        return {r.task_id for r in self.due if r.task_id is not None}

    def tasks(self) -> Any:
        """The tasks these schedules cover, as a condition on Task (through the plan_id index)."""
        return or_(Task.plan_id.in_(self.plans), Task.id.in_(self.task_ids))  # type: ignore[attr-defined,union-attr]


def _due_schedules(session: Session, today: date) -> _DueSchedules:
    rows = list(session.exec(select(ReportSchedule)).all())
    return _DueSchedules(rows, [r for r in rows if r.frequency != NO_REPORTING
                                and (r.next_opens_on is None or r.next_opens_on <= today)])


def forget_openings(session: Session, plan_ids: list[int | None]) -> None:
    """The plans' (``None``: every plan's) schedules are looked at again by the next scan: a write may have
    brought a slot forward (a new or reopened task, an earlier start, new phases, another calendar)."""
    query = update(ReportSchedule).where(ReportSchedule.next_opens_on.is_not(None))  # type: ignore[union-attr]
    if None not in plan_ids:
        query = query.where(ReportSchedule.plan_id.in_(plan_ids))  # type: ignore[attr-defined]
    session.execute(query.values(next_opens_on=None))


@dataclass(frozen=True)
class _Due:
    task_id: int
    plan_id: int
    rules: tuple[tuple[Rule, int, date | None], ...]  # (rule, remind working days, first day it applies)
    start: date | None  # the task's own start (its plan's date without one)
    end: date | None  # the last day a report can fall due: the finish of a finished task


def _effective(session: Session, plan_id: int | None, task_ids: set[int] | None,
               due: _DueSchedules | None = None) -> list[_Due]:
    """Per leaf task with a schedule (its own, else its plan's): rules, first day and last day of reporting.
    ``due``: only the tasks of the schedules the scan found due."""
    rows = due.rows if due is not None else session.exec(
        select(ReportSchedule) if plan_id is None else select(ReportSchedule).where(ReportSchedule.plan_id == plan_id)).all()
    if not rows:
        return []
    own: dict[int, list[ReportSchedule]] = defaultdict(list)
    inherited: dict[int, list[ReportSchedule]] = defaultdict(list)
    for r in rows:
        (own[r.task_id] if r.task_id else inherited[r.plan_id]).append(r)
    child = aliased(Task)
    query = (sa_select(Task.id, Task.plan_id, Task.planned_start, Task.deadline, Task.status, Task.actual_finish,  # type: ignore[call-overload,misc]
                       Plan.start_date, Plan.issued_on)
             .join(Plan, Plan.id == Task.plan_id)
             .where(~exists().where(child.parent_id == Task.id),  # type: ignore[arg-type]
                    or_(Task.plan_id.in_(list(inherited)), Task.id.in_(list(own)))))  # type: ignore[attr-defined,union-attr]
    if plan_id is not None:
        query = query.where(Task.plan_id == plan_id)
    if task_ids is not None:
        query = query.where(Task.id.in_(task_ids))  # type: ignore[union-attr]
    if due is not None:
        query = query.where(due.tasks())
    staged = {r.plan_id for r in rows if r.frequency == "stage" and not r.stages}  # 按方案阶段: the phases' ends
    ends = {p: phase_ends(phases) for p, phases in session.execute(
        sa_select(Plan.id, Plan.phases).where(Plan.id.in_(staged)))} if staged else {}  # type: ignore[call-overload,union-attr]
    parsed = {r.id: (_rule(r, ends.get(r.plan_id, ())), r.remind_days, _day(r.starts_on) if r.starts_on else None)
              for r in rows if r.frequency != NO_REPORTING and not (r.frequency == "stage" and not r.stages
                                                                      and not ends.get(r.plan_id))}

    def rules_of(chosen: list[ReportSchedule]) -> tuple[tuple[Rule, int, date | None], ...]:
        return tuple(parsed[r.id] for r in chosen if r.id in parsed)

    plan_rules = {p: rules_of(chosen) for p, chosen in inherited.items()}  # once per plan, not per task
    out = []
    for t in session.execute(query).all():
        mine = own.get(t.id)
        rules = rules_of(mine) if mine else plan_rules.get(t.plan_id, ())
        if not rules:
            continue
        start = t.planned_start or t.start_date or t.issued_on
        # an open task owes its reports until it is finished, past its deadline too (overdue work still reports)
        end = (t.actual_finish or t.deadline) if t.status in FINISHED else None
        out.append(_Due(t.id, t.plan_id, rules, _day(start) if start else None, _day(end) if end else None))
    return out


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


@lru_cache(maxsize=65536)  # cleared with the calendar; keys are (rule, start): few distinct per county
def _cached_slots(rule: Rule, start: date, until: date, remind: int,
                  cal_key: tuple[Any, ...]) -> tuple[tuple[Slot, date], ...]:
    cal = _CALENDARS[cal_key]
    return tuple((s, max(s.opens_on, cal.sub_lag(s.due_on, Lag(remind, "workdays")) if remind else s.due_on))
                 for s in slots(rule, start=start, until=until, cal=cal))


_CALENDARS: dict[tuple[Any, ...], WorkCalendar] = {}


def _calendar(session: Session) -> tuple[Any, ...]:
    from models.services.scheduling import load_calendar

    cal = load_calendar(session)
    key = (tuple(sorted(cal.overrides.items())), tuple(sorted(cal.official_years)))
    if key not in _CALENDARS:
        _CALENDARS.clear()
        _cached_slots.cache_clear()
        _CALENDARS[key] = cal
    return key


def _open(session: Session, today: date, *, plan_id: int | None = None, task_ids: set[int] | None = None,
          scan: bool = False) -> int:
    """Insert every slot whose window has started by ``today`` and is not there yet; returns how many are new.

    Only slots after a task's latest stored one are candidates (one grouped query), so a day that opens
    nothing new writes nothing; the unique (task, due day) constraint still guards a concurrent opener
    (ON CONFLICT DO NOTHING). ``scan``: only the schedules whose next opening day has come, each of which
    then remembers its next one (``ReportSchedule.next_opens_on``)."""
    due = _due_schedules(session, today) if scan else None
    if due is not None and not due.due:
        return 0  # nothing opens today: not a task row read
    with gc_paused():  # ~100,000 task rows at province scale
        values, upcoming = _new_slots(session, today, plan_id, task_ids, due)
    if due is not None:
        _remember_openings(session, due, upcoming, today)
    if not values:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new = 0
    for i in range(0, len(values), 5000):
        stmt = insert(ReportSlot).values(values[i:i + 5000]).on_conflict_do_nothing(  # type: ignore[call-overload]
            index_elements=["task_id", "due_on"]).returning(ReportSlot.id)
        new += len(session.execute(stmt).all())
    return new


def _remember_openings(session: Session, due: _DueSchedules, upcoming: dict[int, tuple[int, date]],
                       today: date) -> None:
    """Each due schedule's next opening day: the earliest of its tasks' next slots (a task with its own
    schedule does not count for its plan's); with none, it is looked at again after the slot horizon."""
    own = {r.task_id for r in due.rows if r.task_id is not None}
    by_plan: dict[int, date] = {}
    for task_id, (plan_id, opens) in upcoming.items():
        if task_id not in own:
            by_plan[plan_id] = min(opens, by_plan.get(plan_id, opens))
    later = today + timedelta(days=HORIZON_DAYS)
    for r in due.due:
        own_next = upcoming.get(r.task_id) if r.task_id is not None else None
        day: date | None = by_plan.get(r.plan_id) if r.task_id is None else (own_next[1] if own_next else None)
        r.next_opens_on = day or later
        session.add(r)
    session.flush()


def _new_slots(session: Session, today: date, plan_id: int | None, task_ids: set[int] | None,
               due: _DueSchedules | None = None) -> tuple[list[dict[str, Any]], dict[int, tuple[int, date]]]:
    """The slots to insert, and per task (plan, the day its next slot opens) for tasks with a next slot."""
    dues = _effective(session, plan_id, task_ids, due)
    if not dues:
        return [], {}
    latest_q = sa_select(ReportSlot.task_id, func.max(ReportSlot.due_on)).group_by(ReportSlot.task_id)  # type: ignore[call-overload]
    if due is not None:
        latest_q = latest_q.where(ReportSlot.task_id.in_(sa_select(Task.id).where(due.tasks())))  # type: ignore[attr-defined,call-overload]
    elif task_ids is not None:
        latest_q = latest_q.where(ReportSlot.task_id.in_(task_ids))  # type: ignore[attr-defined]
    elif plan_id is not None:
        latest_q = latest_q.where(ReportSlot.task_id.in_(sa_select(Task.id).where(Task.plan_id == plan_id)))  # type: ignore[attr-defined,call-overload]
    latest = {t: _day(d) for t, d in session.execute(latest_q).all()}
    key = _calendar(session)
    until = today + timedelta(days=HORIZON_DAYS)
    values, upcoming = [], {}
    tomorrow = today + timedelta(days=1)
    for d in dues:
        after = latest.get(d.task_id)
        seen: set[date] = set()
        nexts = []
        for rule, remind, since in d.rules:
            known = [x for x in (d.start, since) if x is not None]
            if not known:
                continue  # neither the task nor the schedule says from when
            generated = _cached_slots(rule, max(known), until, remind, key)
            first = bisect_right(generated, after, key=lambda pair: pair[0].due_on) if after else 0
            for slot, remind_on in generated[first:]:
                if d.end is not None and (slot.moved_from or slot.due_on) > d.end:
                    break  # nominally due after the task finished: no more slots
                if slot.opens_on > today:
                    nexts.append(slot.opens_on)  # not open yet: the day it opens
                    break
                if slot.due_on in seen:
                    continue
                seen.add(slot.due_on)
                values.append({"task_id": d.task_id, "opens_on": slot.opens_on, "due_on": slot.due_on,
                               "frequency": rule.frequency, "moved_from": slot.moved_from, "remind_on": remind_on})
            else:
                if rule.frequency != "stage":  # a rhythm never runs out; past the generated ones, look tomorrow
                    nexts.append(tomorrow)
        if nexts:
            upcoming[d.task_id] = (d.plan_id, min(nexts))
    return values, upcoming


@step("open-report-slots", "生成报送期次")
@retry_transient
def open_slots(today: date, *, actor: Actor = SCAN_ACTOR, engine: Engine | None = None) -> dict[str, int]:
    """The scan's step: open the slots that started by today; one audit event when any is new."""
    with write_session(engine) as session:
        opened = _open(session, today, scan=True)
        if opened:
            audit.record(session, actor, "scan.report_slots", "scan", today.isoformat(),
                         after={"day": today, "opened": opened})
    return {"opened": opened}


REMINDER_LEVEL = AlertLevel.REPORT


@step("remind-report-slots", "报送提醒")
@retry_transient
def remind_slots(today: date, *, actor: Actor = SCAN_ACTOR, engine: Engine | None = None) -> dict[str, int]:
    """A 报送提醒 alert for each unfinished task with a slot due soon that was not reminded yet; the slot
    remembers the day (``reminded_on``), so a re-run the same day or later never reminds it twice."""
    due = and_(ReportSlot.filed_on.is_(None), ReportSlot.reminded_on.is_(None),  # type: ignore[union-attr]
               ReportSlot.remind_on <= today, ReportSlot.due_on >= today)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    with write_session(engine) as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        first_due = (sa_select(ReportSlot.task_id, func.min(ReportSlot.due_on).label("due_on"))  # type: ignore[call-overload]
                     .where(due).group_by(ReportSlot.task_id).subquery())
        message = (literal("【报送提醒】任务", String) + Task.code + literal("“", String) + func.substr(Task.title, 1, 150)
                   + literal("”应于", String) + func.cast(first_due.c.due_on, String)
                   + literal("前报送进展（报送要求），请按时填报。", String))
        source = (sa_select(Task.id, literal(REMINDER_LEVEL, String), literal(today, Date), message,  # type: ignore[call-overload]
                            literal(now, DateTime(timezone=True)))
                  .join(first_due, first_due.c.task_id == Task.id).where(Task.status.in_(("not_started", "in_progress"))))  # type: ignore[attr-defined]
        stmt = insert(Alert).from_select(["task_id", "level", "day", "message", "created_at"], source)
        alerted = len(session.execute(stmt.on_conflict_do_nothing().returning(Alert.id)).all())  # type: ignore[call-overload]
        marked = session.execute(update(ReportSlot).where(due).values(reminded_on=today)).rowcount  # type: ignore[attr-defined]
        if alerted or marked:
            audit.record(session, actor, "scan.report_reminders", "scan", today.isoformat(),
                         after={"day": today, "alerts": alerted, "slots": marked})
    return {"alerts": alerted, "slots": marked}


def on_report(tx: Tx, task: Task, report: ProgressReport, today: date, value: float | None) -> dict[str, Any]:
    """Inside a progress report's transaction: fill the slot it answers — the earliest missed one (a late
    filing: every period owes its report), else the open one whose window holds today — and record the
    reported indicator value."""
    session = tx.session
    _open(session, today, task_ids={task.id or 0})
    unfilled = select(ReportSlot).where(ReportSlot.task_id == task.id, ReportSlot.filed_on.is_(None),  # type: ignore[union-attr]
                                        ReportSlot.opens_on <= today).order_by(ReportSlot.due_on)  # type: ignore[arg-type]
    slot = (session.exec(unfilled.where(ReportSlot.due_on < today)).first()
            or session.exec(unfilled.where(ReportSlot.due_on >= today)).first())
    out: dict[str, Any] = {}
    if slot is not None:
        slot.filed_on, slot.report_id = today, report.id
        session.add(slot)
        out["slot"] = {"due_on": slot.due_on, "state": slot_state(slot.due_on, today, today)}
    if value is not None:
        indicator = session.exec(select(Indicator).where(Indicator.task_id == task.id)).first()
        if indicator is None:
            raise Invalid(f"任务 {task.code} 不是指标任务，不能填报指标值")
        session.add(IndicatorValue(task_id=task.id or 0, kind="reported", value=_finite(value), as_of=today,
                                   report_id=report.id, user_id=tx.actor.user_id))
        out["value"] = value
    session.flush()
    return out


def slot_rows(session: Session, task_id: int, today: date) -> list[dict[str, Any]]:
    rows = session.exec(select(ReportSlot).where(ReportSlot.task_id == task_id).order_by(ReportSlot.due_on)).all()  # type: ignore[arg-type]
    return [{"due_on": r.due_on, "opens_on": r.opens_on, "moved_from": r.moved_from, "frequency": r.frequency,
             "filed_on": r.filed_on, "state": slot_state(r.due_on, r.filed_on, today)} for r in rows]


def missed_by_task(session: Session, plan_id: int | None, today: date) -> dict[int, tuple[int, date]]:
    """task → (missed slots, earliest missed due day): one grouped query on the (task, due_on, filed_on) index."""
    query = (sa_select(ReportSlot.task_id, func.count(ReportSlot.id), func.min(ReportSlot.due_on))  # type: ignore[arg-type,call-overload]
             .where(ReportSlot.filed_on.is_(None), ReportSlot.due_on < today).group_by(ReportSlot.task_id))  # type: ignore[union-attr]
    if plan_id is not None:
        query = query.where(ReportSlot.task_id.in_(sa_select(Task.id).where(Task.plan_id == plan_id)))  # type: ignore[attr-defined,call-overload]
    return {t: (n, _day(first)) for t, n, first in session.execute(query).all()}


# ---------------------------------------------------------------- indicators
def _finite(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"指标值须为数字：{str(value)[:20]}") from None
    if number != number or abs(number) > 1e12:
        raise Invalid("指标值超出范围")
    return number


def check_indicator(raw: dict[str, Any], *, code: str = "") -> dict[str, Any]:
    direction = str(raw.get("direction") or "ge")
    direction = {"≥": "ge", ">=": "ge", "≤": "le", "<=": "le"}.get(direction, direction)
    if direction not in DIRECTIONS:
        raise Invalid(f"任务 {code} 指标方向只能是 ≥ 或 ≤".replace("任务  ", ""))
    unit = str(raw.get("unit") or "").strip()
    refuse_controls("指标单位", unit)
    if len(unit) > 12:
        raise Invalid("指标单位过长（最多12个字）")
    name = str(raw.get("name") or "").strip()[:120]
    refuse_controls("指标名称", name)
    baseline = raw.get("baseline")
    baseline_on = raw.get("baseline_on")
    try:
        baseline_day = date.fromisoformat(str(baseline_on)) if baseline_on not in (None, "") else None
    except ValueError:
        raise Invalid(f"基期日期格式错误：{baseline_on}（应为 YYYY-MM-DD）") from None
    return {"name": name, "target": _finite(raw.get("target")), "unit": unit, "direction": direction,
            "baseline": _finite(baseline) if baseline not in (None, "") else None, "baseline_on": baseline_day,
            "source_text": (str(raw.get("source_text") or "")[:200] or None)}


def _task_for_office(tx: Tx, task_id: int, expected_version: int, perm: str) -> Task:
    require(tx.actor, perm)
    task = tx.session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务不存在：#{task_id}")
    if task.version != expected_version:
        raise Conflict(f"任务 {task.code} 已被他人修改（版本 {task.version}），请刷新后重试")
    return task


@retry_transient
def set_indicator(actor: Actor, *, task_id: int, expected_version: int, indicator: dict[str, Any] | None,
                  today: date | None = None, engine: Engine | None = None) -> Task:
    """Make the task an indicator task (target, unit, direction, baseline), change it, or (``None``) clear it."""
    with transaction(actor, "indicator.set", "task", task_id, engine=engine) as tx:
        task = _task_for_office(tx, task_id, expected_version, "task.admin")
        values = check_indicator(indicator, code=task.code) if indicator is not None else None
        tx.reschedule(task.plan_id, today=today)
        current = tx.session.exec(select(Indicator).where(Indicator.task_id == task_id)).first()
        before = indicator_snapshot(current)
        if values is None:
            if current is not None:
                tx.session.delete(current)
        elif current is None:
            tx.session.add(Indicator(task_id=task_id, **values))
        else:
            for k, v in values.items():
                setattr(current, k, v)
            current.version += 1
            tx.session.add(current)
        task.version += 1
        tx.session.add(task)
        tx.session.flush()
        tx.audit(before=before, after={**(values or {}), "cleared": values is None, "version": task.version})
        return task


def indicator_snapshot(ind: Indicator | None) -> dict[str, Any]:
    if ind is None:
        return {}
    return {"target": ind.target, "unit": ind.unit, "direction": ind.direction, "baseline": ind.baseline,
            "baseline_on": ind.baseline_on, "name": ind.name}


@retry_transient
def audit_value(actor: Actor, *, task_id: int, expected_version: int, value: float, reason: str,
                as_of: date | None = None, today: date | None = None, engine: Engine | None = None) -> Task:
    """The office's 审定值: it outweighs reported values in the light from now on; a reason is required."""
    today = today or get_settings().today()
    with transaction(actor, "indicator.audit", "task", task_id, engine=engine) as tx:
        task = _task_for_office(tx, task_id, expected_version, "task.review")
        refuse_controls("审定理由", reason, multiline=True)
        if not reason.strip():
            raise Invalid("设置审定值必须填写理由")
        if tx.session.exec(select(Indicator).where(Indicator.task_id == task_id)).first() is None:
            raise Invalid(f"任务 {task.code} 不是指标任务")
        tx.reschedule(task.plan_id, today=today)
        number = _finite(value)
        before = latest_values(tx.session, {task_id}).get(task_id, {})
        tx.session.add(IndicatorValue(task_id=task_id, kind="audited", value=number, as_of=as_of or today,
                                      reason=reason.strip()[:500], user_id=actor.user_id))
        task.version += 1
        tx.session.add(task)
        tx.session.flush()
        tx.audit(before=before, after={"audited": number, "reason": reason.strip()[:200], "version": task.version})
        return task


def latest_values(session: Session, task_ids: set[int] | None = None) -> dict[int, dict[str, Any]]:
    """task → {"reported", "audited", "value" (audited if any, else reported), "as_of"} from the latest rows."""
    query = select(IndicatorValue).order_by(IndicatorValue.id)  # type: ignore[arg-type]
    if task_ids is not None:
        query = query.where(IndicatorValue.task_id.in_(task_ids))  # type: ignore[attr-defined]
    out: dict[int, dict[str, Any]] = {}
    for v in session.exec(query).all():
        entry = out.setdefault(v.task_id, {"reported": None, "audited": None})
        entry[v.kind] = v.value
        entry[f"{v.kind}_on"] = v.as_of
    for entry in out.values():
        entry["value"] = entry["audited"] if entry["audited"] is not None else entry["reported"]
    return out


@dataclass(frozen=True)
class IndicatorInput:
    percent: int | None
    start: date | None
    reached: bool
    label: str


def indicator_inputs(session: Session, plan_id: int | None) -> dict[int, IndicatorInput]:
    """task → what the scheduler uses in place of the reported percentage: the share of the way from
    baseline to target the latest value covers, paced from the baseline date."""
    query = select(Indicator)
    if plan_id is not None:
        query = query.where(Indicator.task_id.in_(sa_select(Task.id).where(Task.plan_id == plan_id)))  # type: ignore[attr-defined,call-overload]
    indicators = session.exec(query).all()
    if not indicators:
        return {}
    values = latest_values(session, {i.task_id for i in indicators})
    out = {}
    for ind in indicators:
        value = values.get(ind.task_id, {}).get("value")
        target = Target(ind.target, ind.direction, ind.baseline)
        label = (f"指标{DIRECTIONS[ind.direction]}{fmt_value(ind.target, ind.unit)}，"
                 f"现值{fmt_value(value, ind.unit) if value is not None else '未报'}")
        out[ind.task_id] = IndicatorInput(target.progress(value), ind.baseline_on,
                                          value is not None and target.reached(value), label)
    return out


def overlay(fields: dict[int, dict[str, Any]], rows: list[Any], result: Any, *, missed: dict[int, tuple[int, date]],
            indicators: dict[int, IndicatorInput]) -> None:
    """Adjust the scheduler's lights before the roll-up: a missed report slot makes an unfinished task red
    (its ladder starts like an overdue task's); an indicator task that reached its target is green."""
    for r in rows:
        if r.status in FINISHED:
            continue
        new = fields[r.id]
        ind = indicators.get(r.id)
        notes = []
        if ind is not None:
            if ind.reached and new["light"] == "yellow":
                new["light"] = "green"
            notes.append(ind.label + ("，已达到目标，可报告完成" if ind.reached else "（按指标值计算序时进度）"))
        if r.id in missed:
            count, first = missed[r.id]
            new["light"] = "red"
            notes.append(f"报送要求：{count}期未按时报送（最早应于{first.isoformat()}报送）")
        if notes:
            base = result._reason(new["_pos"])
            new["light_reason"] = "；".join([base, *notes])[:200]


def indicator_detail(session: Session, task_id: int) -> dict[str, Any] | None:
    ind = session.exec(select(Indicator).where(Indicator.task_id == task_id)).first()
    if ind is None:
        return None
    history = [{"kind": v.kind, "value": v.value, "as_of": v.as_of, "reason": v.reason}
               for v in session.exec(select(IndicatorValue).where(IndicatorValue.task_id == task_id)
                                     .order_by(IndicatorValue.id)).all()]  # type: ignore[arg-type]
    return {**indicator_snapshot(ind), "values": history, **latest_values(session, {task_id}).get(task_id, {})}


def detail(task_id: int, *, today: date | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """For the task page: the schedule (own or inherited), its slots with states, and the indicator."""
    today = today or get_settings().today()
    with read_session(engine) as session:
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(f"任务不存在：#{task_id}")
        own = schedule_rows(session, plan_id=task.plan_id, task_id=task_id)
        inherited = schedule_rows(session, plan_id=task.plan_id)
        return {"task_id": task_id, "code": task.code, "version": task.version, "plan_id": task.plan_id,
                "deadline": task.deadline, "planned_start": task.planned_start,
                "own": own, "inherited": inherited, "text": describe(own or inherited),
                "slots": slot_rows(session, task_id, today), "indicator": indicator_detail(session, task_id)}


def plan_schedule(plan_id: int, *, engine: Engine | None = None) -> dict[str, Any]:
    with read_session(engine) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"方案不存在：#{plan_id}")
        rows = schedule_rows(session, plan_id=plan_id)
        return {"plan_id": plan_id, "version": plan.version, "rules": rows, "text": describe(rows)}


__all__ = ["FREQUENCIES", "audit_value", "check_rules", "describe", "detail", "indicator_inputs", "missed_by_task",
           "on_report", "open_slots", "overlay", "plan_schedule", "remind_slots", "set_indicator", "set_schedule"]
