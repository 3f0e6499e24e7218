"""审计日志定期清理: the retention purge under the auditor's policy (daily 03:00).

The flow only wraps ``retention.scheduled_purge``: it does nothing unless an active auditor enabled
automatic purging, and never purges below the legal minimum (184 days).
"""
from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.schedules import Cron

from models.services import retention

SCHEDULE = Cron("0 3 * * *", timezone="Asia/Shanghai")


@task(name="audit-retention-purge")
def purge() -> dict[str, Any]:
    return retention.scheduled_purge()


@flow(name="audit-retention", log_prints=True)
def audit_retention() -> dict[str, Any]:
    """Purge audit events older than the auditor's retention period (skipped unless enabled)."""
    result = purge()
    print(result)
    return result
