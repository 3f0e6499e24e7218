"""Daily deadline scan (每日督办扫描) at 08:30 Asia/Shanghai.

A thin wrapper: four Prefect tasks over the set-based steps in ``models.services.scan`` — never one
Prefect task per reform task. Every step is idempotent against the app database, so Prefect retries
(and a re-run after a crashed worker) never duplicate an alert, a 文号 or an email.
"""
from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.schedules import Cron

from flows.common import runner_name, today_of, warn_if_stale
from models.services import scan

SCHEDULE = Cron("30 8 * * *", timezone="Asia/Shanghai")

recompute_lights = task(scan.recompute_all, name="recompute-lights")
create_alerts = task(scan.create_alerts, name="create-alerts")
issue_supervision = task(scan.issue_supervision, name="issue-supervision-notices", retries=3,
                         retry_delay_seconds=[2, 10, 30])
notify_alerts = task(scan.notify_alerts, name="notify-units", retries=2, retry_delay_seconds=[5, 30])


@flow(name="deadline-scan", log_prints=True)
def deadline_scan(today: str | None = None) -> dict[str, Any]:
    """Recompute lights, create alerts, issue 督办通知单, notify units; recorded in OpsRun."""
    day = today_of(today)
    stale = warn_if_stale()
    run_id = scan.start_run("scan")
    stats: dict[str, Any] = {"today": day.isoformat(), "liveness": stale, "runner": runner_name()}
    try:
        stats["recompute"] = recompute_lights(day)
        stats["alerts"] = create_alerts(day)
        stats["notices"] = issue_supervision(day)
        stats["notify"] = notify_alerts(day).as_dict()
    except BaseException as exc:
        stats["error"] = f"{type(exc).__name__}: {exc}"[:500]
        scan.finish_run(run_id, "failed", stats)
        raise
    scan.finish_run(run_id, "success", stats)
    return stats


if __name__ == "__main__":
    deadline_scan()
