"""Audit retention (网络安全法: logs kept ≥ 6 months): the auditor's policy, the purge and its daily run.

Only the auditor may purge or set the policy (三权分立); a refusal is audited like any other. The daily
schedule (``flows/retention.py``) runs the purge on the auditor's behalf, and only while an active
auditor's policy says so: the policy row records who enabled it, and that account must still be an
active auditor when the schedule runs.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, retry_transient, write_session
from models.services import audit
from models.services.accounts import actor_for
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.services.permissions import has, require
from models.services.settings_store import get_value
from models.services.steps import Runner, direct, recorded, step
from models.services.uow import audit_refusal, transaction
from models.settings import get_settings
from models.tables import AppSetting, AuditEvent, User

POLICY_KEY = "audit_retention"


def policy(engine: Engine | None = None) -> dict[str, Any]:
    """The stored policy, or the default (no automatic purge, ``REFORM_AUDIT_RETENTION_DAYS``)."""
    with read_session(engine) as session:
        stored = get_value(session, POLICY_KEY)
    return {"auto_purge": bool(stored.get("auto_purge", False)),
            "retention_days": int(stored.get("retention_days", get_settings().audit_retention_days)),
            "set_by": stored.get("set_by"), "set_at": stored.get("set_at")}


@retry_transient
def set_policy(actor: Actor, *, auto_purge: bool, retention_days: int, engine: Engine | None = None) -> dict[str, Any]:
    with transaction(actor, "audit.retention_policy", "setting", POLICY_KEY, engine=engine) as tx:
        require(actor, "audit.purge")
        if retention_days < audit.MIN_RETENTION_DAYS:
            raise Invalid(f"审计日志保留期不得少于 {audit.MIN_RETENTION_DAYS} 天")
        before = get_value(tx.session, POLICY_KEY)
        value = {"auto_purge": auto_purge, "retention_days": retention_days, "set_by": actor.user_id,
                 "set_at": datetime.now(UTC).isoformat()}
        tx.session.merge(AppSetting(key=POLICY_KEY, value=value))
        tx.audit(before=before, after=value)
        return value


@retry_transient
def purge(actor: Actor, *, retention_days: int | None = None, engine: Engine | None = None) -> int:
    """Remove events older than the retention period; non-auditors are refused and the refusal audited."""
    days = retention_days or policy(engine)["retention_days"]
    if not has(actor, "audit.purge"):
        raise audit_refusal(actor, "audit.purge", "audit", None, PermissionDenied("只有审计管理员可以清理审计日志"),
                            engine=engine)
    if days < audit.MIN_RETENTION_DAYS:
        raise audit_refusal(actor, "audit.purge", "audit", None,
                            Invalid(f"审计日志保留期不得少于 {audit.MIN_RETENTION_DAYS} 天"), engine=engine)
    with write_session(engine) as session:
        return audit.purge_expired(session, actor, retention_days=days)


def run_purge(*, runner: Runner = direct, ref: str | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """The ``audit-retention`` use case (daily 03:00), recorded like every automated run."""
    with recorded("retention", {}, runner=runner, ref=ref, engine=engine) as run:
        run.stats.update(run(scheduled_purge, engine=engine))
        return run.stats


@step("audit-retention-purge", "清理过期审计日志")
def scheduled_purge(*, engine: Engine | None = None) -> dict[str, Any]:
    """What the daily schedule runs: the purge under the auditor's policy, or a recorded skip."""
    current = policy(engine)
    with read_session(engine) as session:
        user = session.get(User, current["set_by"]) if current["set_by"] else None
    if not current["auto_purge"] or user is None or user.role != "auditor" or not user.is_active:
        return {"purged": 0, "skipped": "审计管理员未启用自动清理（或启用人已不是在用的审计管理员）"}
    removed = purge(actor_for(user, client_addr="schedule"), retention_days=current["retention_days"], engine=engine)
    return {"purged": removed, "retention_days": current["retention_days"], "auditor": user.username}


def recent_purges(engine: Engine | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Purge runs for the 审计 page (the purge events themselves are in the trail)."""
    with read_session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.purge")
                            .order_by(AuditEvent.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
    return [{"ts": r.ts, "actor": r.actor_name, "outcome": r.outcome, "after": r.after} for r in rows]
