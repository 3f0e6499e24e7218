"""Embedded mode: serve every deployment from this process against a local Prefect server.

``reform up`` (the run command) starts ``prefect server start`` with :func:`server_env` (SQLite under
``REFORM_HOME/prefect``, kept apart from the app database) and then ``python -m flows.serve`` /
:func:`main`, which registers the deployments with their schedules and executes their runs. In
production the same flows run from ``prefect.yaml`` deployments on the ``reform-pool`` work pool.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from models.settings import get_settings

WORK_POOL = "reform-pool"


def server_env(port: int = 4200) -> dict[str, str]:
    """Environment for the embedded ``prefect server start`` (Prefect's own SQLite database)."""
    home = (get_settings().home / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "PREFECT_SERVER_API_PORT": str(port), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}


def server_command(port: int = 4200) -> list[str]:
    return ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]


def deployments() -> list[Any]:
    """Deployments with their schedules; names match ``flows.registry`` and ``prefect.yaml``."""
    from flows.deadline_scan import SCHEDULE, deadline_scan
    from flows.handover import advance_handover, start_handover
    from flows.notices import issue_notices
    from flows.plan_import import plan_import
    from flows.reports import MONTHLY, QUARTERLY, WEEKLY, bulletin
    from flows.retention import SCHEDULE as RETENTION_SCHEDULE
    from flows.retention import audit_retention

    return [
        deadline_scan.to_deployment("deadline-scan", schedule=SCHEDULE),
        bulletin.to_deployment("bulletin", schedules=[WEEKLY, MONTHLY, QUARTERLY]),
        advance_handover.to_deployment("advance-handover"),
        start_handover.to_deployment("start-handover"),
        plan_import.to_deployment("plan-import"),
        issue_notices.to_deployment("issue-notices"),
        audit_retention.to_deployment("audit-retention", schedule=RETENTION_SCHEDULE),
    ]


def main() -> None:
    """Serve all deployments until interrupted (needs PREFECT_API_URL pointing at a running server)."""
    from prefect import serve

    os.chdir(Path(__file__).resolve().parents[1])
    serve(*deployments())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
