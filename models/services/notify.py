"""Notifications to units: email through apprise, group robots through ``robots`` (钉钉/企业微信/飞书).

Each (topic, channel) pair is one ``Delivery`` row with a state:
``pending`` → ``sending`` → ``sent``, or → ``failed`` (retried on a later scan day, with backoff) →
``given_up`` after ``REFORM_NOTIFY_MAX_ATTEMPTS``. ``sending`` is committed on its own before the send, so a
crash between the send and ``sent`` leaves the row ``sending``: it is never resent blindly, the 系统 page
shows it as uncertain for the office to resend. Sending happens outside any database transaction, in a
thread pool, with a per-channel timeout; an endpoint that does not answer is skipped for the rest of the
run, so a dead channel costs its timeout once. A failing channel is recorded, never raised.
"""
from __future__ import annotations

import html
import json
import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import apprise
from sqlalchemy import Select, and_, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, write_session
from models.secretbox import SecretError, decrypt
from models.services import robots
from models.services.permissions import group_members
from models.settings import get_settings
from models.tables import Delivery, NotificationChannel, TaskUnit, UnitGroupMember

BACKOFF_S = 0.5
"""Delay before an in-run retry of a channel that answered with an error; doubles each attempt."""
RETRY_CAP_DAYS = 7
"""A failed delivery is tried again 1, 2, 4, then every 7 scan days until it is given up."""
SENDING_STALE = timedelta(minutes=10)
"""A row still ``sending`` after this long was interrupted (crash): shown as uncertain, never resent blindly."""
OPEN = ("pending", "failed")
STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                 "given_up": "已放弃", "uncertain": "结果不确定"}


@dataclass(frozen=True)
class Message:
    """One notification: ``topic`` is the business key (e.g. ``alert:17``) that makes re-sends no-ops."""

    topic: str
    unit_ids: frozenset[int]
    subject: str
    body: str
    link: str | None = None


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    given_up: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped, "given_up": self.given_up}


def expand_groups(session: Session, unit_ids: Iterable[int]) -> set[int]:
    """A group (各镇人民政府) stands for its members; the group's own channels are kept too."""
    ids = set(unit_ids)
    if not ids:
        return ids
    rows = session.execute(sa_select(UnitGroupMember.group_id, UnitGroupMember.member_id)  # type: ignore[call-overload]
                           .where(UnitGroupMember.group_id.in_(ids))).all()  # type: ignore[attr-defined]
    return ids | {r.member_id for r in rows}


def task_recipients(session: Session, task_ids: Iterable[int] | Select[Any],
                    roles: tuple[str, ...] = ("lead", "responsible")) -> dict[int, frozenset[int]]:
    """Units answerable for each task (lead + responsible by default), groups expanded.

    ``task_ids`` may be a SELECT of ids, so 100 000 alerts never become a giant ``IN (…)`` list.
    """
    ids = task_ids if isinstance(task_ids, Select) else list(task_ids)
    if not isinstance(ids, Select) and not ids:
        return {}
    rows = session.connection().execute(sa_select(TaskUnit.task_id, TaskUnit.unit_id)  # type: ignore[call-overload]
                           .where(TaskUnit.task_id.in_(ids), TaskUnit.role.in_(roles),  # type: ignore[attr-defined]
                                  TaskUnit.unit_id.is_not(None))).all()  # type: ignore[union-attr]
    direct: dict[int, set[int]] = {}
    for r in rows:
        direct.setdefault(r.task_id, set()).add(r.unit_id)
    members = group_members(session)
    return {tid: frozenset(units | {m for u in units for m in members.get(u, ())}) for tid, units in direct.items()}


# ---------------------------------------------------------------- rendering and one attempt
def email_html(text: robots.Text) -> str:
    """HTML with one line per body line; the link is shown as its address so the plain part keeps it."""
    lines = "<br/>\n".join(html.escape(line) for line in text.lines)
    link = (f'<p>在系统中查看：<a href="{html.escape(text.link, quote=True)}">{html.escape(text.link)}</a></p>'
            if text.link else "")
    return (f"<html><body><p><b>{html.escape(text.subject)}</b></p>\n<p>{lines}</p>\n{link}\n"
            "<p>（本邮件由改革任务督办系统自动发送）</p></body></html>")


def plain(text: robots.Text) -> str:
    return "\n".join([*text.lines, *([f"在系统中查看：{text.link}"] if text.link else [])])


def _with_timeout(url: str, timeout_s: float) -> str:
    return f"{url}{'&' if '?' in url else '?'}cto={timeout_s:g}&rto={timeout_s:g}"


class _ThreadLog(logging.Handler):
    """apprise reports failures only in its log; keep this thread's records (sends run concurrently)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def send_apprise(url: str, text: robots.Text, *, timeout_s: float) -> robots.Outcome:
    """Email (HTML + plain part) or another apprise URL."""
    ap = apprise.Apprise()
    if not ap.add(_with_timeout(url, timeout_s)):
        return robots.Outcome(False, f"无法识别的通知地址：{redact(url)}")
    is_mail = url.startswith(("mailto://", "mailtos://"))
    body, fmt = (email_html(text), apprise.NotifyFormat.HTML) if is_mail else (plain(text), apprise.NotifyFormat.TEXT)
    logger, log = logging.getLogger("apprise"), _ThreadLog()
    logger.addHandler(log)
    try:
        ok = bool(ap.notify(title=text.subject, body=body, body_format=fmt))
    except Exception as exc:  # a plugin bug must not stop the scan
        return robots.Outcome(False, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        logger.removeHandler(log)
    if ok:
        return robots.Outcome(True)
    logged = "；".join(log.lines[-3:])
    lowered = logged.lower()
    down = any(word in lowered for word in ("connection", "timed out", "timeout", "refused", "unreachable"))
    return robots.Outcome(False, (logged or "发送失败")[-500:], down=down)


def redact(url: str) -> str:
    """Channel URLs may carry tokens or passwords; keep only the scheme and host in errors."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split("?", 1)[0]
    return f"{scheme}://{host}/…"


@dataclass(frozen=True)
class Target:
    """A channel resolved for sending (secrets decrypted in memory only)."""

    channel_id: int
    url: str
    timeout_s: float
    robot: robots.Robot | None = None
    error: str | None = None

    @property
    def endpoint(self) -> str:
        return redact(self.url)

    def send(self, text: robots.Text) -> robots.Outcome:
        if self.error:
            return robots.Outcome(False, self.error)
        if self.robot is not None:
            return robots.send(self.robot, text, timeout_s=self.timeout_s)
        return send_apprise(self.url, text, timeout_s=self.timeout_s)


def target(ch: NotificationChannel) -> Target:
    timeout = ch.timeout_s or get_settings().notify_timeout_s
    if ch.kind not in robots.KINDS:
        return Target(ch.id or 0, ch.url, timeout)
    try:
        secret = json.loads(decrypt(ch.secret_enc or "")) if ch.secret_enc else {}
    except SecretError as exc:
        return Target(ch.id or 0, ch.url, timeout, error=str(exc))
    robot = robots.Robot(ch.kind, ch.url.rstrip("/"), secret.get("token", ""), secret.get("secret", ""), ch.keyword)
    return Target(ch.id or 0, ch.url, timeout, robot=robot)


class Breaker:
    """Endpoints that did not answer in this run: later deliveries to them fail at once."""

    def __init__(self) -> None:
        self._down: dict[str, str] = {}
        self._lock = threading.Lock()

    def down(self, endpoint: str) -> str | None:
        with self._lock:
            return self._down.get(endpoint)

    def trip(self, endpoint: str, error: str) -> None:
        with self._lock:
            self._down.setdefault(endpoint, error)


def attempt(tgt: Target, text: robots.Text, breaker: Breaker, retries: int,
            backoff_s: float) -> tuple[robots.Outcome, int]:
    """Send with in-run retries for answered errors; returns the outcome and how many tries were made."""
    tries, outcome = 0, robots.Outcome(False, "未发送")
    for n in range(retries + 1):
        known = breaker.down(tgt.endpoint)
        if known:
            return robots.Outcome(False, f"本次运行已跳过（渠道无应答）：{known}"[:500], down=True), tries
        if n:
            time.sleep(backoff_s * 2 ** (n - 1))
        tries += 1
        outcome = tgt.send(text)
        if outcome.ok or tgt.error:
            break
        if outcome.down:
            breaker.trip(tgt.endpoint, outcome.error or "")
            break
    return outcome, tries


# ---------------------------------------------------------------- planning, claiming, recording
def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _plan(session: Session, messages: list[Message], today: date, include_due: bool) -> list[int]:
    """Create the Delivery rows (idempotently) and return the ids due to be sent now."""
    unit_ids = {u for m in messages for u in m.unit_ids}
    channels: dict[int, list[int]] = {}
    if unit_ids:
        for ch in session.exec(select(NotificationChannel).where(
                NotificationChannel.unit_id.in_(unit_ids), NotificationChannel.enabled)).all():  # type: ignore[attr-defined]
            channels.setdefault(ch.unit_id, []).append(ch.id or 0)
    now = datetime.now(UTC)
    rows = [{"topic": m.topic[:120], "channel_id": cid, "unit_id": unit_id, "subject": m.subject[:200],
             "status": "pending", "attempts": 0, "updated_at": now, "body": m.body, "link": m.link}
            for m in messages for unit_id in sorted(m.unit_ids) for cid in channels.get(unit_id, [])]
    insert = _insert(session)
    for i in range(0, len(rows), 500):
        session.execute(insert(Delivery).values(rows[i:i + 500]).on_conflict_do_nothing())
    due = and_(Delivery.status.in_(OPEN),  # type: ignore[attr-defined]
               or_(Delivery.retry_on.is_(None),  # type: ignore[union-attr]
                   Delivery.retry_on <= today))  # type: ignore[arg-type,operator]
    enabled = sa_select(NotificationChannel.id).where(NotificationChannel.enabled)  # type: ignore[call-overload]
    ids: set[int] = set()
    topics = sorted({str(r["topic"]) for r in rows})
    for i in range(0, len(topics), 500):
        ids |= set(session.execute(sa_select(Delivery.id).where(  # type: ignore[call-overload]
            due, Delivery.topic.in_(topics[i:i + 500]), Delivery.channel_id.in_(enabled))).scalars())  # type: ignore[attr-defined]
    if include_due:
        ids |= set(session.execute(sa_select(Delivery.id).where(  # type: ignore[call-overload]
            due, Delivery.channel_id.in_(enabled))).scalars())  # type: ignore[attr-defined]
    return sorted(ids)


def _claim(ids: list[int], engine: Engine | None) -> list[tuple[Delivery, NotificationChannel]]:
    """Mark ``sending`` in its own commit, before anything leaves the building."""
    claimed: list[int] = []
    with write_session(engine) as session:
        for i in range(0, len(ids), 500):
            claimed += session.execute(update(Delivery).where(
                Delivery.id.in_(ids[i:i + 500]), Delivery.status.in_(OPEN))  # type: ignore[union-attr,attr-defined]
                .values(status="sending", updated_at=datetime.now(UTC))
                .returning(Delivery.id)).scalars().all()  # type: ignore[call-overload]
    out: list[tuple[Delivery, NotificationChannel]] = []
    with read_session(engine) as session:
        for i in range(0, len(claimed), 500):
            out += [(d, c) for d, c in session.execute(
                sa_select(Delivery, NotificationChannel).join(
                    NotificationChannel, NotificationChannel.id == Delivery.channel_id)  # type: ignore[arg-type]
                .where(Delivery.id.in_(claimed[i:i + 500]))).all()]  # type: ignore[union-attr]
    return out


def retry_day(today: date, attempts: int) -> date:
    return today + timedelta(days=min(RETRY_CAP_DAYS, 2 ** max(0, attempts - 1)))


def _result_row(d: Delivery, outcome: robots.Outcome, tries: int, today: date, max_attempts: int) -> dict[str, Any]:
    attempts = d.attempts + tries
    now = datetime.now(UTC)
    if outcome.ok:
        return {"id": d.id, "status": "sent", "attempts": attempts, "last_error": None, "retry_on": None,
                "sent_at": now, "updated_at": now}
    status = "given_up" if attempts >= max_attempts else "failed"
    return {"id": d.id, "status": status, "attempts": attempts, "last_error": (outcome.error or "发送失败")[:500],
            "retry_on": None if status == "given_up" else retry_day(today, attempts), "sent_at": None,
            "updated_at": now}


def _record(rows: list[dict[str, Any]], engine: Engine | None) -> None:
    if rows:
        with write_session(engine) as session:
            session.execute(update(Delivery), rows)


def send_claimed(ids: list[int], *, today: date, engine: Engine | None = None, retries: int | None = None,
                 backoff_s: float = BACKOFF_S) -> DeliveryStats:
    """Claim, send concurrently, record. Results are written in batches from this thread only."""
    s = get_settings()
    retries = s.notify_retries if retries is None else retries
    stats = DeliveryStats()
    work = _claim(ids, engine)
    if not work:
        return stats
    breaker, targets = Breaker(), dict[int, Target]()
    for _, ch in work:
        targets.setdefault(ch.id or 0, target(ch))
    pending: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=min(s.notify_workers, len(work))) as pool:
        futures = {pool.submit(attempt, targets[ch.id or 0], robots.Text(d.subject, tuple(d.body.split("\n")), d.link),
                               breaker, retries, backoff_s): d for d, ch in work}
        for future in as_completed(futures):
            d = futures[future]
            outcome, tries = future.result()
            row = _result_row(d, outcome, tries, today, s.notify_max_attempts)
            pending.append(row)
            if row["status"] == "sent":
                stats.sent += 1
            else:
                stats.failed += 1
                stats.given_up += row["status"] == "given_up"
                stats.errors.append(f"{d.topic} → {targets[d.channel_id].endpoint}: {row['last_error']}")
            if len(pending) >= 200:
                _record(pending, engine)
                pending = []
    _record(pending, engine)
    return stats


def deliver(messages: Iterable[Message], *, engine: Engine | None = None, retries: int | None = None,
            backoff_s: float = BACKOFF_S, today: date | None = None, include_due: bool = False) -> DeliveryStats:
    """Send every message to every enabled channel of its units; never raises for a channel failure.

    ``include_due`` (the daily scan) also retries earlier failures whose backoff day has come.
    """
    msgs = list(messages)
    today = today or get_settings().today()
    with write_session(engine) as session:
        ids = _plan(session, msgs, today, include_due)
    stats = send_claimed(ids, today=today, engine=engine, retries=retries, backoff_s=backoff_s)
    planned = sum(len(m.unit_ids) for m in msgs)
    stats.skipped = max(0, planned - stats.sent - stats.failed)
    return stats


def deliveries(topic_prefix: str, *, engine: Engine | None = None) -> list[Delivery]:
    """Delivery rows whose topic starts with a prefix (for pages, the CLI and tests)."""
    with read_session(engine) as session:
        return list(session.exec(select(Delivery).where(
            Delivery.topic.startswith(topic_prefix)).order_by(Delivery.id)).all())  # type: ignore[arg-type]


def shown_status(d: Delivery, now: datetime | None = None) -> str:
    """``sending`` for longer than a run takes means the run died mid-send: the outcome is uncertain."""
    now = now or datetime.now(UTC)
    updated = d.updated_at if d.updated_at.tzinfo else d.updated_at.replace(tzinfo=UTC)
    return "uncertain" if d.status == "sending" and now - updated > SENDING_STALE else d.status
