"""Daily deadline scan (每日督办扫描) at 08:30 in the office's time zone.

The use case is ``models.services.scan.run_scan``; this flow runs its steps as Prefect tasks (never one
Prefect task per reform task). Every step is idempotent against the app database, so Prefect retries
(and a re-run after a crashed worker) never duplicate an alert, a 文号 or an email.
"""
from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.schedules import Cron, Schedule

from flows.common import flow_ref, prefect_runner
from models.services import scan
from models.settings import get_settings


def schedule() -> Schedule:
    return Cron("30 8 * * *", timezone=get_settings().timezone)


@flow(name="deadline-scan", log_prints=True)
def deadline_scan(today: str | None = None) -> dict[str, Any]:
    """Recompute lights, create alerts, issue 督办通知单, notify units; recorded in OpsRun."""
    stats = scan.run_scan(today, runner=prefect_runner, ref=flow_ref())
    if stats.get("liveness"):
        print(stats["liveness"])
    return stats


if __name__ == "__main__":
    deadline_scan()
