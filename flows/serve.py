"""Embedded mode: serve every deployment from this process against a local Prefect server.

``reform up`` (the run command) starts ``prefect server start`` with :func:`server_env` (SQLite under
``REFORM_HOME/prefect``, kept apart from the app database) and then ``python -m flows.serve`` /
:func:`main`, which registers the deployments with their schedules and executes their runs. In
production the same deployments are registered on the ``reform-pool`` work pool by :func:`register`
(``reform deploy``) and run by process workers (``reform worker``).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from models.settings import get_settings

WORK_POOL = "reform-pool"
ROOT = Path(__file__).resolve().parents[1]


def server_env(port: int = 4200) -> dict[str, str]:
    """Environment for the embedded ``prefect server start`` (Prefect's own SQLite database)."""
    home = (get_settings().home / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "PREFECT_SERVER_API_PORT": str(port), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}


def server_command(port: int = 4200) -> list[str]:
    return ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]


def schedules_for(name: str) -> list[Any]:
    """The schedules of a use case's deployment, in the office's time zone (``REFORM_TIMEZONE``)."""
    if name == "deadline-scan":
        from flows.deadline_scan import schedule

        return [schedule()]
    if name == "bulletin":
        from flows.reports import schedules

        return schedules()
    if name == "audit-retention":
        from flows.retention import schedule as retention_schedule

        return [retention_schedule()]
    return []


def deployments(*, work_pool: str | None = None, code_dir: Path | None = None) -> list[Any]:
    """One deployment per use case in ``flows.registry``, with its schedules. Without ``work_pool`` they
    are served by this process (embedded); with it they run on that pool's process workers, which
    start the flows in ``code_dir``."""
    from flows.registry import USE_CASES, flow

    extra: dict[str, Any] = {}
    if work_pool:
        extra = {"work_pool_name": work_pool, "job_variables": {"working_dir": str(code_dir or ROOT)}}
    return [flow(name).to_deployment(name, schedules=schedules_for(name), description=uc.description, **extra)
            for name, uc in USE_CASES.items()]


def register(*, work_pool: str = WORK_POOL, code_dir: Path | None = None) -> list[str]:
    """Create the process work pool if missing and register every deployment on the server
    ``PREFECT_API_URL`` points at (what ``reform deploy`` runs). Uses the Python client with explicit
    values: Prefect 3.8.8's own ``prefect deploy`` fails on this server with a 422 (null limit/offset)."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    os.chdir(code_dir or ROOT)  # entrypoints are recorded relative to the code directory
    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name=work_pool, type="process"))
    ids = []
    for deployment in deployments(work_pool=work_pool, code_dir=code_dir):
        ids.append(str(deployment.apply()))
    return ids


def main() -> None:
    """Serve all deployments until interrupted (needs PREFECT_API_URL pointing at a running server)."""
    from prefect import serve

    os.chdir(ROOT)
    serve(*deployments())


if __name__ == "__main__":
    main()
