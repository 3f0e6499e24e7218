"""Append-only, hash-chained audit trail.

Each event is written in the same transaction as the change it records. The chain head row is locked
while appending so concurrent writers on PostgreSQL cannot fork the chain (SQLite writers are already
serialised by BEGIN IMMEDIATE). Database triggers refuse UPDATE, TRUNCATE and DELETE of rows at or above
the retention anchor, so the only way to remove rows is the audited retention purge.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.services.actor import Actor
from models.services.errors import Invalid
from models.tables import AuditEvent, AuditHead

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 184  # 《网络安全法》: logs kept ≥ 6 months; 6 natural months can be 184 days
HASHED_FIELDS = (
    "id", "ts", "actor_id", "actor_name", "actor_role", "unit_id", "action", "object_type", "object_id",
    "before", "after", "outcome", "client_addr", "session_id", "prev_hash",
)


def _canonical(event: AuditEvent) -> str:
    return json.dumps({k: getattr(event, k) for k in HASHED_FIELDS}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def _head(session: Session) -> AuditHead:
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1)
        session.add(head)
        session.flush()
    return head


def jsonable(value: Any) -> Any:
    """Make before/after snapshots JSON-safe (dates, decimals) so hashing is stable across databases.

    Control characters are made visible (``\\x00``): PostgreSQL refuses NUL in text and jsonb, and the
    record of a refused request carrying one must still be written."""
    if value is None:
        return {}
    return _visible(json.loads(json.dumps(value, default=str, ensure_ascii=False)))


_CONTROL = {c: f"\\x{c:02x}" for c in range(32) if c not in (9, 10, 13)}


def _visible(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_CONTROL)
    if isinstance(value, dict):
        return {visible(str(k)): _visible(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible(v) for v in value]
    return value


def visible(text: str) -> str:
    """A user-supplied string with control characters shown as ``\\xNN`` (for names in the audit trail)."""
    return text.translate(_CONTROL)


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "success",
) -> AuditEvent:
    head = _head(session)
    # Clip to the column widths: attacker-chosen values (a 500-character user name at login, a long
    # forwarded address) must never make the audit write fail — that would lose the record of the attempt
    # and surface a database error instead of the refusal.
    event = AuditEvent(
        id=head.last_id + 1,
        ts=datetime.now(UTC).isoformat(timespec="microseconds"),
        actor_id=actor.user_id,
        actor_name=visible(actor.username)[:60],
        actor_role=actor.role[:20],
        unit_id=actor.unit_id,
        action=action[:60],
        object_type=object_type[:30],
        object_id=None if object_id is None else visible(str(object_id))[:60],
        before=jsonable(before or {}),
        after=jsonable(after or {}),
        outcome=outcome,
        client_addr=visible(actor.client_addr)[:64] if actor.client_addr else None,
        session_id=actor.session_id[:64] if actor.session_id else None,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = compute_hash(event)
    session.add(event)
    head.last_id = event.id or 0
    head.last_hash = event.hash
    session.add(head)
    session.flush()
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Recompute the chain from the retention anchor; report modified, missing or re-ordered rows."""
    head = session.get(AuditHead, 1) or AuditHead(id=1)
    expected_prev, expected_id = head.anchor_hash, head.anchor_id + 1
    problems: list[str] = []
    checked = 0
    last_id = head.anchor_id
    while True:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.id) >= expected_id).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            if ev.id != expected_id:
                problems.append(f"审计记录缺失：#{expected_id}–#{(ev.id or 0) - 1}")
            if ev.prev_hash != expected_prev:
                problems.append(f"审计记录 #{ev.id} 的前序哈希不匹配（前一条被修改或删除）")
            if compute_hash(ev) != ev.hash:
                problems.append(f"审计记录 #{ev.id} 内容被修改")
            expected_prev, expected_id, last_id = ev.hash, (ev.id or 0) + 1, ev.id or 0
            checked += 1
        if len(problems) > 50:
            break
    if last_id != head.last_id or expected_prev != head.last_hash:
        problems.append(f"审计链末端不一致：应至 #{head.last_id}，实际至 #{last_id}（末尾记录被删除？）")
    return VerifyResult(ok=not problems, checked=checked, problems=problems)


def verify_chain(actor: Actor, *, engine: Engine | None = None) -> VerifyResult:
    """``verify`` for a signed-in auditor (审计 page): permission audit.verify, in a read session."""
    from models.db import read_session
    from models.services.permissions import require

    require(actor, "audit.verify")
    with read_session(engine) as session:
        return verify(session)


def purge_expired(session: Session, actor: Actor, *, retention_days: int) -> int:
    """Remove events older than the retention period by first moving the chain anchor (audited).

    Only the auditor role may purge (三权分立), and never below the legal minimum, whatever the caller
    passes: the database trigger would refuse too, but a clear message beats a trigger error.
    """
    from models.services.permissions import require

    require(actor, "audit.purge")
    if retention_days < MIN_RETENTION_DAYS:
        raise Invalid(f"审计日志保留期不得少于 {MIN_RETENTION_DAYS} 天")
    cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat()
    last_old = session.exec(
        select(func.max(AuditEvent.id)).where(AuditEvent.ts < cutoff)
    ).one()
    if not last_old:
        return 0
    anchor = session.get(AuditEvent, last_old)
    assert anchor is not None
    head = _head(session)
    removed_before = head.anchor_id
    head.anchor_id, head.anchor_hash = anchor.id or 0, anchor.hash
    session.add(head)
    session.flush()
    result = session.execute(delete(AuditEvent).where(col(AuditEvent.id) <= last_old))
    record(session, actor, "audit.purge", "audit", last_old,
           before={"anchor_id": removed_before}, after={"anchor_id": last_old, "retention_days": retention_days})
    assert isinstance(result, CursorResult)  # a DELETE returns a cursor result
    return int(result.rowcount or 0)
