"""Notifications to units through apprise (email, DingTalk, WeCom, Feishu, json:// webhooks).

Each (topic, channel) pair is one ``Delivery`` row, so a re-run after a crash never re-sends what was
already sent: rows marked ``sent`` are skipped, ``pending``/``failed`` rows are retried (bounded, with
exponential backoff) until ``MAX_ATTEMPTS`` is reached. Sending happens outside any database
transaction, so a slow mail server never holds the SQLite write lock, and a failing channel is
recorded, never raised: a broken webhook must not stop the deadline scan.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import apprise
from sqlalchemy import Select, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, write_session
from models.settings import get_settings
from models.tables import Delivery, NotificationChannel, TaskUnit, UnitGroupMember

MAX_ATTEMPTS = 10
"""Attempts across all runs; after this a delivery stays ``failed`` for the office to look at."""
BACKOFF_S = 0.5
"""First retry delay inside one run; doubles each attempt (0.5, 1, 2 s …)."""


@dataclass(frozen=True)
class Message:
    """One notification: ``topic`` is the business key (e.g. ``alert:17``) that makes re-sends no-ops."""

    topic: str
    unit_ids: frozenset[int]
    subject: str
    body: str


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped}


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
    members: dict[int, set[int]] = {}
    for g in session.execute(sa_select(UnitGroupMember.group_id, UnitGroupMember.member_id)).all():  # type: ignore[call-overload]
        members.setdefault(g.group_id, set()).add(g.member_id)
    return {tid: frozenset(units | {m for u in units for m in members.get(u, ())}) for tid, units in direct.items()}


def send_one(url: str, subject: str, body: str) -> tuple[bool, str | None]:
    """One attempt on one apprise URL; apprise logs instead of raising, so capture its log."""
    ap = apprise.Apprise()
    if not ap.add(url):
        return False, f"无法识别的通知地址：{redact(url)}"
    with apprise.LogCapture(level=logging.WARNING) as log:
        try:
            ok = bool(ap.notify(title=subject, body=body))
        except Exception as exc:  # a plugin bug must not stop the scan
            return False, f"{type(exc).__name__}: {exc}"[:500]
        text = log.getvalue().strip() if hasattr(log, "getvalue") else ""
    return ok, None if ok else (text or "发送失败")[-500:]


def redact(url: str) -> str:
    """Channel URLs may carry tokens or passwords; keep only the scheme and host in errors."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split("?", 1)[0]
    return f"{scheme}://{host}/…"


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _plan(session: Session, messages: list[Message]) -> list[tuple[Delivery, str, str]]:
    """Create the Delivery rows (idempotently) and return those still to send, with URL and body."""
    unit_ids = {u for m in messages for u in m.unit_ids}
    channels: dict[int, list[NotificationChannel]] = {}
    if unit_ids:
        for ch in session.exec(select(NotificationChannel).where(
                NotificationChannel.unit_id.in_(unit_ids), NotificationChannel.enabled)).all():  # type: ignore[attr-defined]
            channels.setdefault(ch.unit_id, []).append(ch)
    rows, bodies = [], {}
    now = datetime.now(UTC)
    for m in messages:
        for unit_id in sorted(m.unit_ids):
            for ch in channels.get(unit_id, []):
                rows.append({"topic": m.topic[:120], "channel_id": ch.id, "unit_id": unit_id,
                             "subject": m.subject[:200], "status": "pending", "attempts": 0, "updated_at": now})
                bodies[(m.topic[:120], ch.id)] = (ch.url, m.body)
    if not rows:
        return []
    insert = _insert(session)
    for i in range(0, len(rows), 500):
        session.execute(insert(Delivery).values(rows[i:i + 500]).on_conflict_do_nothing())
    topics = list({r["topic"] for r in rows})
    todo = []
    for i in range(0, len(topics), 500):
        for d in session.exec(select(Delivery).where(
                Delivery.topic.in_(topics[i:i + 500]), Delivery.status != "sent",  # type: ignore[attr-defined]
                Delivery.attempts < MAX_ATTEMPTS)).all():
            if (d.topic, d.channel_id) in bodies:
                url, body = bodies[(d.topic, d.channel_id)]
                todo.append((d, url, body))
    return todo


def deliver(messages: Iterable[Message], *, engine: Engine | None = None, retries: int | None = None,
            backoff_s: float = BACKOFF_S) -> DeliveryStats:
    """Send every message to every enabled channel of its units; never raises for a channel failure."""
    msgs = list(messages)
    retries = get_settings().notify_retries if retries is None else retries
    with write_session(engine) as session:
        todo = _plan(session, msgs)
    stats = DeliveryStats()
    for delivery, url, body in todo:
        ok, error, attempts = False, None, delivery.attempts
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(backoff_s * 2 ** (attempt - 1))
            attempts += 1
            ok, error = send_one(url, delivery.subject, body)
            if ok or attempts >= MAX_ATTEMPTS:
                break
        with write_session(engine) as session:
            session.execute(update(Delivery).where(Delivery.id == delivery.id).values(  # type: ignore[arg-type]
                status="sent" if ok else "failed", attempts=attempts, last_error=None if ok else error,
                updated_at=datetime.now(UTC)))
        if ok:
            stats.sent += 1
        else:
            stats.failed += 1
            stats.errors.append(f"{delivery.topic} → {redact(url)}: {error}")
    total = sum(len(m.unit_ids) for m in msgs)
    stats.skipped = max(0, total - stats.sent - stats.failed)
    return stats


def deliveries(topic_prefix: str, *, engine: Engine | None = None) -> list[Delivery]:
    """Delivery rows whose topic starts with a prefix (for pages, the CLI and tests)."""
    with read_session(engine) as session:
        return list(session.exec(select(Delivery).where(
            Delivery.topic.startswith(topic_prefix)).order_by(Delivery.id)).all())  # type: ignore[attr-defined,arg-type]
