"""Production mode end to end: Prefect server on PostgreSQL, prefect.yaml deployment, process worker.

The worker runs the deployed scan in a subprocess against the app database given only through its
environment (REFORM_DATABASE_URL), exactly like a worker on another machine.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import PG_URL, TODAY
from tests.factories import stop
from tests.integration.helpers_scan import alerts, count
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _admin() -> Engine:
    return create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    if not PG_URL:
        pytest.skip("REFORM_TEST_POSTGRES_URL not set: the production test needs PostgreSQL for Prefect")
    name = f"prefect_{uuid.uuid4().hex[:10]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    host = PG_URL.split("://", 1)[1]
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{host.rsplit('/', 1)[0]}/{name}",
           "PREFECT_UI_ENABLED": "false", "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 45
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            server.poll()
        if server.poll() is not None or time.time() >= deadline:
            pytest.skip(f"Prefect server did not start: {(tmp_path / 'server.log').read_text()[-800:]}")
        yield env
    finally:
        stop(server)
        log.close()
        with _admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _prefect(env: dict[str, str], *args: str, timeout: float = 60, ok_if: str | None = None) -> str:
    proc = subprocess.run([sys.executable, "-m", "prefect", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0 or (ok_if and ok_if in proc.stdout), proc.stdout[-1500:] + proc.stderr[-1500:]
    return proc.stdout


@pytest.fixture
def sqlite_app(demo_engine: Engine) -> Engine:
    """Skip before a Prefect server is started: one app backend is enough here (the scan runs on both)."""
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("one app backend is enough here; the scan itself is tested on both")
    return demo_engine


def test_deployed_scan_runs_on_a_process_worker(sqlite_app: Engine, prefect_server: dict[str, str],
                                                tmp_path: Path) -> None:
    demo_engine = sqlite_app
    env = {**prefect_server, "REFORM_CODE_DIR": str(ROOT), "PYTHONPATH": str(ROOT),
           "REFORM_DATABASE_URL": demo_engine.url.render_as_string(hide_password=False),
           "REFORM_HOME": os.environ["REFORM_HOME"]}
    _prefect(env, "work-pool", "create", "reform-pool", "--type", "process")
    # prefect 3.8.8's deploy command fails *after* creating the deployment, while printing next steps
    # (422 from /workers/filter with limit=None); the deployment itself is registered.
    _prefect(env, "--no-prompt", "deploy", "--name", "deadline-scan", ok_if="successfully created")
    _prefect(env, "deployment", "run", "deadline-scan/deadline-scan", "--param", f"today={TODAY.isoformat()}")
    worker = subprocess.run([sys.executable, "-m", "prefect", "worker", "start", "--pool", "reform-pool",
                             "--run-once"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=90)
    from models.tables import OpsRun

    assert count(demo_engine, OpsRun, OpsRun.kind == "scan", OpsRun.status == "success") == 1, \
        worker.stdout[-2000:] + worker.stderr[-2000:]
    assert ("四.4", "urging", TODAY.isoformat()) in alerts(demo_engine)
    request = urllib.request.Request(f"{env['PREFECT_API_URL']}/flow_runs/filter", method="POST",
                                     data=json.dumps({"limit": 10, "offset": 0}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        runs = json.loads(response.read())
    assert "COMPLETED" in [r["state_type"] for r in runs]  # the others are the cron schedule's next runs
