"""Production mode end to end: Prefect server on PostgreSQL, ``reform deploy``, a process worker.

The worker runs each deployed use case in a subprocess against the app database given only through its
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
from sqlmodel import select

from models.db import read_session
from tests.conftest import PG_URL, TODAY
from tests.factories import stop
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
            pytest.fail(f"Prefect server did not start: {(tmp_path / 'server.log').read_text()[-800:]}")
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


def reform(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The ``reform`` CLI as an operator runs it, in its own process."""
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def app_env(prefect_server: dict[str, str], engine: Engine) -> dict[str, str]:
    """A worker machine's environment: the Prefect server, the app database, the file store."""
    return {**prefect_server, "PYTHONPATH": str(ROOT), "REFORM_HOME": os.environ["REFORM_HOME"],
            "REFORM_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"}


@pytest.fixture
def sqlite_app(demo_engine: Engine) -> Engine:
    """Skip before a Prefect server is started: one app backend is enough here (the scan runs on both)."""
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("one app backend is enough here; the scan itself is tested on both")
    return demo_engine


def test_reform_deploy_registers_six_deployments_and_each_runs_on_a_process_worker(
        sqlite_app: Engine, prefect_server: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import client
    from flows.registry import USE_CASES
    from models.settings import get_settings
    from tests import factories

    env = app_env(prefect_server, sqlite_app)
    deployed = reform(env, "deploy")
    assert deployed.returncode == 0 and f"已注册 {len(USE_CASES)} 个部署" in deployed.stdout, \
        deployed.stdout + deployed.stderr
    listed = reform(env, "flows", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {f"{name}/{name}" for name in USE_CASES}
    assert {r["work_pool"] for r in rows.values()} == {"reform-pool"}
    assert rows["deadline-scan/deadline-scan"]["schedules"] == ["30 8 * * *"]

    for key in ("PREFECT_API_URL", "PREFECT_HOME", "REFORM_DATABASE_URL"):
        monkeypatch.setenv(key, env[key])
    get_settings.cache_clear()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    archive, staff = factories.handover(sqlite_app, "archive"), factories.handover(sqlite_app, "staff")
    from models.importing import parse_plan

    sample = next((ROOT / "data" / "sample_plans").glob("*.txt"))
    parsed = parse_plan(sample.read_bytes(), sample.name)  # a reviewed draft, its unmatched units left unassigned
    reviewed = tmp_path / "reviewed.json"
    reviewed.write_text(json.dumps({**parsed.to_dict(), "unit_decisions": {
        n: {"action": "unassigned"} for t in parsed.tasks for n in t.unit_mentions}}, ensure_ascii=False), "utf-8")
    params = {"deadline-scan": {"today": TODAY.isoformat()},
              "bulletin": {"period": "week", "today": TODAY.isoformat()},
              "advance-handover": {"handover_id": staff.id},
              "start-handover": {"handover_id": archive.id, "expected_version": archive.version},
              "plan-import": {"path": str(reviewed)},
              "issue-notices": {"task_ids": [factories.task(sqlite_app, "四.4").id], "today": TODAY.isoformat()},
              "audit-retention": {}}
    assert set(params) == set(USE_CASES)
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "reform-pool"],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
            started = {name: client.run(name, p, wait=False) for name, p in params.items()}
            outcomes = {}
            deadline = time.time() + 240
            while len(outcomes) < len(started) and time.time() < deadline:
                for name, run in started.items():
                    state = client.status(run.id or "")
                    if state.state in {"Completed", "Failed", "Crashed"}:
                        outcomes[name] = state
                time.sleep(1)
            # the CLI with a server submits to it and waits for the outcome
            cli_scan = reform(env, "scan", "--today", TODAY.isoformat())
    finally:
        stop(worker)
        log.close()
        get_settings.cache_clear()
    detail = (tmp_path / "worker.log").read_text()[-2500:]
    assert {n: o.state for n, o in outcomes.items()} == dict.fromkeys(params, "Completed"), detail
    assert sum(outcomes["deadline-scan"].result["alerts"].values()) > 0
    assert outcomes["bulletin"].result["doc_number"] and outcomes["plan-import"].result["status"] == "created"
    assert outcomes["start-handover"].result["list_notice_id"]  # started by the system, list issued
    assert len(outcomes["issue-notices"].result["notice_ids"]) == 1
    assert cli_scan.returncode == 0, cli_scan.stdout[-800:] + cli_scan.stderr[-1500:]
    assert json.loads(cli_scan.stdout)["today"] == TODAY.isoformat()
    from models.tables import OpsRun

    with read_session(sqlite_app) as session:  # every run recorded under its flow-run id
        refs = {r.ref for r in session.exec(select(OpsRun)).all()}
    assert {o.id for o in outcomes.values()} <= refs
