"""Start-up recovery: finish or discard what killed processes left behind (issue #20 point 5).

Run once by every process that serves the product (``reform up``, the web app, ``reform recover``):
staged files are published when their row committed and deleted otherwise, partial and unreferenced
files are removed, and run records left "running" by a killed scan are closed as failed, so the
operations check sees the failure instead of a run that never ends.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, retry_transient, write_session
from models.services import audit, files
from models.services.actor import Actor
from models.settings import get_settings
from models.tables import Evidence, Notice, OpsRun

STALE_MESSAGE = "进程中断，运行未完成（启动时清理）"


def _referenced(engine: Engine | None) -> dict[str, set[str]]:
    with read_session(engine) as session:
        evidence = set(session.exec(select(Evidence.stored_name)).all())
        notices = {n for n in session.exec(select(Notice.stored_name)).all() if n}
    return {"evidence": evidence, "notices": notices}


@retry_transient
def close_stale_runs(*, engine: Engine | None = None, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(minutes=get_settings().stale_run_minutes)
    with write_session(engine) as session:
        result = session.execute(update(OpsRun).where(OpsRun.status == "running", OpsRun.started_at < cutoff)  # type: ignore[arg-type]
                                 .values(status="failed", finished_at=now, stats={"error": STALE_MESSAGE}))
        closed = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if closed:
            audit.record(session, Actor.system("startup"), "ops.recover_runs", "opsrun", None,
                         after={"closed": closed})
    return closed


def recover(*, engine: Engine | None = None) -> dict[str, Any]:
    """Sweep stored files and close stale run records; returns what was done."""
    stats: dict[str, Any] = dict(files.sweep(_referenced(engine)))
    stats["closed_runs"] = close_stale_runs(engine=engine)
    if any(stats[k] for k in ("published", "removed_staged", "removed_partial", "removed_orphans")):
        with write_session(engine) as session:
            audit.record(session, Actor.system("startup"), "ops.recover_files", "files", None, after=stats)
    return stats
