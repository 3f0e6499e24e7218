"""The office's view of deliveries that did not arrive, and the audited resend.

Failed, given-up and uncertain (``sending`` after a crash) deliveries are listed; a resend is a service
call (permission, audit, commit) that puts the row back to ``pending`` and sends it once, right away.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound, PermissionDenied
from models.services.notify import SENDING_STALE, STATUS_LABELS, DeliveryStats, send_claimed, shown_status
from models.services.permissions import has
from models.services.units import names_of
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Delivery, NotificationChannel

RESENDABLE = ("failed", "given_up", "uncertain")


def _may_resend(actor: Actor) -> None:
    if not (has(actor, "config.manage") or has(actor, "alert.manage")):
        raise PermissionDenied("无权重发通知")


def problems(*, engine: Engine | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Failed, given-up and uncertain deliveries, newest first (no secrets: channel label and kind only)."""
    now = datetime.now(UTC)
    with read_session(engine) as session:
        channels = {c.id: c for c in session.exec(select(NotificationChannel)).all()}
        rows = session.exec(select(Delivery).where(or_(
            Delivery.status.in_(("failed", "given_up")),  # type: ignore[attr-defined]
            (Delivery.status == "sending") & (Delivery.updated_at < now - SENDING_STALE)))  # type: ignore[arg-type]
            .order_by(Delivery.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
        units = names_of(session, (d.unit_id for d in rows))
    out = []
    for d in rows:
        ch = channels.get(d.channel_id)
        status = shown_status(d, now)
        out.append({"id": d.id, "topic": d.topic, "unit": units.get(d.unit_id, ""), "subject": d.subject,
                    "channel": (ch.label or ch.kind) if ch else "", "status": status,
                    "status_label": STATUS_LABELS[status], "attempts": d.attempts, "last_error": d.last_error or "",
                    "retry_on": d.retry_on, "updated_at": d.updated_at})
    return out


@retry_transient
def _reopen(actor: Actor, delivery_id: int, engine: Engine | None) -> None:
    with transaction(actor, "delivery.resend", "delivery", delivery_id, engine=engine) as tx:
        _may_resend(actor)
        d = tx.session.get(Delivery, delivery_id)
        if d is None:
            raise NotFound("通知记录不存在")
        status = shown_status(d)
        if status not in RESENDABLE:
            raise Invalid(f"该通知{STATUS_LABELS.get(status, status)}，无需重发")
        before = {"status": status, "attempts": d.attempts, "last_error": d.last_error}
        d.status, d.retry_on, d.updated_at = "pending", None, datetime.now(UTC)
        tx.session.add(d)
        tx.audit(before=before, after={"status": "pending", "topic": d.topic, "unit_id": d.unit_id})


def resend(actor: Actor, delivery_id: int, *, engine: Engine | None = None) -> DeliveryStats:
    """Audited decision to resend, then one send attempt now (its outcome is recorded on the row)."""
    _reopen(actor, delivery_id, engine)
    return send_claimed([delivery_id], today=get_settings().today(), engine=engine, retries=0)
