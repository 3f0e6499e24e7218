"""The daily deadline scan: traffic lights → alerts → 督办通知单 → notifications.

Everything is set-based (a handful of statements over all tasks), so 100 000 tasks cost the same
number of round trips as 10. Each step is idempotent on its own and reads what it needs from the
database, so a scan killed at any point and re-run leaves exactly one alert per (task, level, day)
(unique constraint + ``ON CONFLICT DO NOTHING``), one notice per idempotency key and one delivery per
(topic, channel). Escalation (GUIDE §4): 提示 for yellow → 催办 on the first red day → 督办通知单
after N red days → 约谈 flag after M red days; ``pending_review`` and ``done`` are never alerted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, String, and_, exists, func, literal, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models.db import read_session, retry_transient, write_session
from models.links import alert_link, task_url
from models.services import audit, notices, reporting, scheduling, signoff
from models.services.actor import Actor
from models.services.errors import ServiceError
from models.services.notice_batches import batch_key
from models.services.notify import DeliveryStats, Message, deliver, task_recipients
from models.services.steps import Runner, direct, parse_day, recorded, step
from models.settings import get_settings
from models.tables import Alert, OpsRun, Task
from models.vocabulary import ESCALATION, UNFINISHED, AlertLevel
from models.workcalendar import Lag, WorkCalendar

LEVEL_LABELS = {level.value: level.label for level in ESCALATION}
ALERT_LABELS = AlertLevel.labels()
REMINDER_EVERY_DAYS = 7
"""A yellow task is reminded at most once a week: a daily 提示 for the same task is noise."""
LIVENESS_HOURS = 26
"""A daily scan plus two hours of slack: missing one run by a little is not yet an incident."""
SCAN_ACTOR = Actor.system("scan")


@dataclass(frozen=True)
class Escalation:
    """Days a task must have been red (counted from ``red_since``) before each formal step: working days
    of the office calendar by default (``REFORM_ESCALATION_DAY_BASIS=days`` counts calendar days)."""

    supervision_after: int
    interview_after: int
    basis: str = "workdays"

    @classmethod
    def from_settings(cls) -> Escalation:
        s = get_settings()
        return cls(s.supervision_after_red_days, s.interview_after_red_days, s.escalation_day_basis)

    def red_since_at_most(self, today: date, days: int, calendar: WorkCalendar) -> date:
        """The latest first-red day that has been red for ``days`` (working) days by ``today``."""
        if self.basis == "days":
            return today - timedelta(days=days)
        return calendar.sub_lag(today, Lag(days, "workdays"))

    @property
    def unit_label(self) -> str:
        return "个工作日" if self.basis == "workdays" else "天"


# ---------------------------------------------------------------- step 1: traffic lights
@step("recompute-lights", "重新计算红黄绿灯")
def recompute_all(today: date, *, actor: Actor = SCAN_ACTOR, engine: Engine | None = None) -> dict[str, Any]:
    """Recompute every plan in one pass; a plan that cannot be scheduled is reported, not fatal."""
    try:
        done = scheduling.recompute_all(actor, today=today, engine=engine)
    except ServiceError as exc:
        return {"tasks": 0, "changed": 0, "errors": [exc.message]}
    return {"tasks": done.tasks, "changed": done.changed, "counts": done.counts, "errors": []}


# ---------------------------------------------------------------- step 2: alerts
def _leaf_unfinished() -> Any:
    child = aliased(Task)
    return and_(col(Task.status).in_(UNFINISHED), ~exists().where(col(child.parent_id) == Task.id))


def _no_alert_since(level: str, since: Any) -> Any:
    return ~exists().where(col(Alert.task_id) == Task.id, col(Alert.level) == level, col(Alert.day) >= since)


def _conditions(today: date, esc: Escalation, calendar: WorkCalendar) -> dict[str, Any]:
    """Per level, which tasks get an alert today. Formal steps (督办通知单, 约谈) happen on working days
    only, so no notice is dated on a weekend or holiday; they follow on the next working day."""
    red_since = func.coalesce(Task.red_since, literal(today, Date))
    red = and_(col(Task.light) == "red", _leaf_unfinished())
    levels = {
        "reminder": and_(col(Task.light) == "yellow", _leaf_unfinished(),
                         _no_alert_since("reminder", literal(today - timedelta(days=REMINDER_EVERY_DAYS - 1), Date))),
        "urging": and_(red, _no_alert_since("urging", red_since)),
    }
    if esc.basis == "days" or calendar.is_workday(today):
        for level, after in (("supervision", esc.supervision_after), ("interview", esc.interview_after)):
            cutoff = literal(esc.red_since_at_most(today, after, calendar), Date)
            levels[level] = and_(red, red_since <= cutoff, _no_alert_since(level, red_since))
    return levels


def _message(level: str, esc: Escalation) -> Any:
    title = func.substr(Task.title, 1, 200)
    tail = {"reminder": "”即将到期或进度滞后，请抓紧推进。",
            "urging": "”已亮红灯（逾期或进度严重滞后），请立即办理并报告进展。",
            "supervision": f"”红灯已持续{esc.supervision_after}{esc.unit_label}以上，已印发督办通知单，请限期办结。",
            "interview": f"”红灯已持续{esc.interview_after}{esc.unit_label}以上，列入约谈名单。"}[level]
    return (literal(f"【{LEVEL_LABELS[level]}】任务", String) + Task.code + literal("“", String) + title
            + literal(tail, String))


@step("create-alerts", "生成预警")
@retry_transient
def create_alerts(today: date, *, actor: Actor = SCAN_ACTOR, escalation: Escalation | None = None,
                  engine: Engine | None = None) -> dict[str, int]:
    """One INSERT … SELECT … ON CONFLICT DO NOTHING per level; one audit event when anything is new."""
    esc = escalation or Escalation.from_settings()
    now = datetime.now(UTC)
    created = dict.fromkeys(LEVEL_LABELS, 0)  # a level not due today (督办 on a weekend) reports 0
    with write_session(engine) as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for level, condition in _conditions(today, esc, scheduling.load_calendar(session)).items():
            source = sa_select(col(Task.id), literal(level, String), literal(today, Date), _message(level, esc),
                               literal(now, DateTime(timezone=True))).where(condition)
            stmt = insert(Alert).from_select(["task_id", "level", "day", "message", "created_at"], source)
            created[level] = len(session.execute(stmt.on_conflict_do_nothing().returning(col(Alert.id))).all())
        if sum(created.values()):
            audit.record(session, actor, "scan.alerts", "scan", today.isoformat(),
                         after={"day": today, "created": created})
    return created


# ---------------------------------------------------------------- step 3: 督办通知单
def supervision_key(task_id: int, day: date) -> str:
    return batch_key("supervision", task_id, day)


@step("issue-supervision-notices", "印发督办通知单", retries=3, retry_delays=(2, 10, 30))
def issue_supervision(today: date, *, actor: Actor = SCAN_ACTOR, engine: Engine | None = None) -> list[int]:
    """Issue a 督办通知单 for each supervision alert still without one; returns the notice ids.

    The idempotency key is checked before issuing so a re-run after a crash neither allocates a
    second 文号 nor writes a second audit event; the alert is linked to the notice afterwards.
    """
    with read_session(engine) as session:
        pending = session.exec(select(Alert).where(Alert.level == "supervision", Alert.notice_id.is_(None))  # type: ignore[union-attr]
                               .order_by(Alert.id)).all()  # type: ignore[arg-type]
    ids: list[int] = []
    for alert in pending:
        key = supervision_key(alert.task_id, alert.day)
        notice = notices.by_key(key, engine) or notices.issue(
            actor, "supervision", notices.Subject(task_id=alert.task_id), idempotency_key=key, today=alert.day,
            engine=engine)
        _link(alert.id or 0, notice.id or 0, engine)
        ids.append(notice.id or 0)
    return ids


@retry_transient
def _link(alert_id: int, notice_id: int, engine: Engine | None) -> None:
    """Bookkeeping only (the notice's own audit event names the task and day), so no extra event."""
    with write_session(engine) as session:
        session.execute(update(Alert).where(Alert.id == alert_id).values(notice_id=notice_id))  # type: ignore[arg-type]


# ---------------------------------------------------------------- step 4: notifications
def alert_messages(today: date, *, engine: Engine | None = None) -> list[Message]:
    """Today's alerts as messages to the lead and responsible units (groups expanded), with the task's link."""
    with read_session(engine) as session:
        rows = session.connection().execute(sa_select(Alert.id, Alert.task_id, Alert.level, Alert.message, Alert.notice_id,  # type: ignore[call-overload]
                                         Task.code, Task.title, Task.deadline, Task.percent, Task.light_reason,
                                         Task.plan_id)
                               .join(Task, Task.id == Alert.task_id).where(Alert.day == today)
                               .order_by(Alert.id)).all()
        recipients = task_recipients(session, sa_select(col(Alert.task_id)).where(col(Alert.day) == today))
        numbers = _doc_numbers(session, [r.notice_id for r in rows if r.notice_id])
    messages = []
    for r in rows:
        units = recipients.get(r.task_id)
        if not units:
            continue
        lines = [r.message, "", f"任务编号：{r.code}", f"任务名称：{r.title}",
                 f"完成时限：{r.deadline.isoformat() if r.deadline else '—'}", f"当前进度：{r.percent}%"]
        if r.light_reason:
            lines.append(f"情况说明：{r.light_reason}")
        if r.notice_id in numbers:
            lines.append(f"督办通知单文号：{numbers[r.notice_id]}")
        lines += ["", f"请登录改革任务督办系统“本单位”页签收并填报进展：{alert_link(r.id, for_unit=True).url}",
                  "（本消息由系统自动发送）"]
        subject = f"【{ALERT_LABELS.get(r.level, r.level)}】任务{r.code}：{r.title}"[:200]
        messages.append(Message(f"alert:{r.id}", units, subject, "\n".join(lines), task_url(r.code, r.plan_id)))
    return messages


def _doc_numbers(session: Session, notice_ids: list[int]) -> dict[int, str]:
    from models.tables import Notice

    if not notice_ids:
        return {}
    rows = session.execute(sa_select(Notice.id, Notice.doc_number).where(Notice.id.in_(notice_ids))).all()  # type: ignore[call-overload,union-attr]
    return {r.id: r.doc_number for r in rows}


@step("notify-units", "通知责任单位", retries=2, retry_delays=(5, 30))
def notify_alerts(today: date, *, engine: Engine | None = None, retries: int | None = None,
                  backoff_s: float | None = None) -> DeliveryStats:
    """Open 签收 receipts for today's alerts, alert the office about overdue ones, send all of it and retry
    earlier failures whose backoff day has come (``models.services.notify``)."""
    kwargs: dict[str, Any] = {} if backoff_s is None else {"backoff_s": backoff_s}
    signoff.open_for_alerts(today, engine=engine)
    messages = alert_messages(today, engine=engine) + signoff.escalate_overdue(today, actor=SCAN_ACTOR, engine=engine)
    return deliver(messages, engine=engine, retries=retries, today=today, include_due=True, **kwargs)


# ---------------------------------------------------------------- the use case
def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def liveness(session: Session, now: datetime, *, kind: str = "scan") -> str | None:
    """An operations alert when no scan succeeded in the last 26 hours (Prefect may lose late runs)."""
    last = session.execute(sa_select(func.max(col(OpsRun.finished_at)))
                           .where(col(OpsRun.kind) == kind, col(OpsRun.status) == "success")).scalar()
    if last is None:
        return "运维告警：督办扫描从未成功运行，请检查 Prefect 服务与工作进程（reform worker）。"
    last = _aware(last)
    if _aware(now) - last <= timedelta(hours=LIVENESS_HOURS):
        return None
    local = last.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")
    return (f"运维告警：督办扫描已超过{LIVENESS_HOURS}小时未成功运行（最近一次成功：{local}），"
            "请检查 Prefect 服务与工作进程。")


def check_liveness(*, engine: Engine | None = None) -> str | None:
    with read_session(engine) as session:
        return liveness(session, datetime.now(get_settings().tz))


def run_scan(today: str | date | None = None, *, runner: Runner = direct, ref: str | None = None,
             engine: Engine | None = None, retries: int | None = None,
             backoff_s: float | None = None) -> dict[str, Any]:
    """The daily deadline scan — the one implementation: the CLI, the web app's 立即扫描 and the
    ``deadline-scan`` flow all run these steps (the flow passes a runner that makes each a Prefect task)."""
    params = {"today": today.isoformat() if isinstance(today, date) else today}
    with recorded("scan", params, runner=runner, ref=ref, engine=engine) as run:
        day = parse_day(today)
        run.stats.update(today=day.isoformat(), liveness=check_liveness(engine=engine))
        run.stats["report_slots"] = run(reporting.open_slots, day, engine=engine)  # before lights: missed → red
        run.stats["recompute"] = run(recompute_all, day, engine=engine)
        run.stats["report_reminders"] = run(reporting.remind_slots, day, engine=engine)
        run.stats["alerts"] = run(create_alerts, day, engine=engine)
        run.stats["notices"] = run(issue_supervision, day, engine=engine)
        kwargs: dict[str, Any] = {} if backoff_s is None else {"backoff_s": backoff_s}
        run.stats["notify"] = run(notify_alerts, day, engine=engine, retries=retries, **kwargs).as_dict()
        return run.stats


def open_alerts(session: Session, *, day: date | None = None) -> list[Alert]:
    """Alerts for pages and the CLI, newest first."""
    query = select(Alert)
    if day is not None:
        query = query.where(Alert.day == day)
    return list(session.exec(query.order_by(Alert.id.desc())).all())  # type: ignore[union-attr]


__all__ = ["Escalation", "LEVEL_LABELS", "alert_messages", "check_liveness", "create_alerts", "issue_supervision",
           "liveness", "notify_alerts", "parse_day", "recompute_all", "run_scan", "supervision_key"]
