"""审计日志定期清理: the retention purge under the auditor's policy (daily 03:00).

The use case is ``models.services.retention.run_purge``: it does nothing unless an active auditor enabled
automatic purging, and never purges below the legal minimum (184 days).
"""
from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.schedules import Cron, Schedule

from flows.common import flow_ref, prefect_runner
from models.services import retention
from models.settings import get_settings


def schedule() -> Schedule:
    return Cron("0 3 * * *", timezone=get_settings().timezone)


@flow(name="audit-retention", log_prints=True)
def audit_retention() -> dict[str, Any]:
    """Purge audit events older than the auditor's retention period (skipped unless enabled)."""
    result = retention.run_purge(runner=prefect_runner, ref=flow_ref())
    print(result)
    return result
