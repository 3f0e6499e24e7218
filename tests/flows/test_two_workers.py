"""Multi-machine topology: two process workers on one work pool share scan and handover runs, and
every result lands in the one PostgreSQL app database (issue: scale / more than one machine).

Each worker gets its own REFORM_RUNNER_NAME, as two machines would have two host names; the scan
records it in OpsRun, so the test can see which worker ran which scan.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.tables import Notice, OpsRun
from tests.conftest import TODAY
from tests.factories import stop
from tests.flows.test_production import ROOT, _prefect, prefect_server, reform  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def _api(env: dict[str, str], path: str, body: dict) -> list[dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(f"{env['PREFECT_API_URL']}{path}", method="POST", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


@pytest.fixture
def pg_app(demo_engine: Engine) -> Engine:
    """Skip before a Prefect server is started: the multi-machine topology uses PostgreSQL."""
    if demo_engine.dialect.name != "postgresql":
        pytest.skip("the multi-machine topology uses PostgreSQL for the app database")
    return demo_engine


def test_two_workers_share_scan_and_handover_runs(pg_app: Engine, prefect_server: dict[str, str],  # noqa: F811
                                                  tmp_path: Path) -> None:
    demo_engine = pg_app
    env = {**prefect_server, "REFORM_CODE_DIR": str(ROOT), "PYTHONPATH": str(ROOT),
           "REFORM_DATABASE_URL": demo_engine.url.render_as_string(hide_password=False),
           "REFORM_HOME": os.environ["REFORM_HOME"], "PREFECT_WORKER_QUERY_SECONDS": "1",
           "PREFECT_WORKER_PREFETCH_SECONDS": "1"}
    deployed = reform(env, "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    days = [TODAY.replace(day=d) for d in (18, 19, 20, 21)]
    for day in days:
        _prefect(env, "deployment", "run", "deadline-scan/deadline-scan", "--param", f"today={day.isoformat()}")
    for handover_id in (1, 2):
        _prefect(env, "deployment", "run", "advance-handover/advance-handover", "--param", f"handover_id={handover_id}")
    logs = [open(tmp_path / f"w{i}.log", "wb") for i in (1, 2)]  # noqa: SIM115 (closed below)
    workers = [subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "reform-pool",
                                 "--name", f"worker-{i}", "--limit", "1"],
                                env={**env, "REFORM_RUNNER_NAME": f"machine-{i}"}, cwd=ROOT, stdout=logs[i - 1],
                                stderr=subprocess.STDOUT) for i in (1, 2)]
    try:
        deadline = time.time() + 150
        states: list[str] = []
        while time.time() < deadline:
            runs = _api(env, "/flow_runs/filter", {"limit": 50, "offset": 0,
                                                   "flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}})
            states = [r["state_type"] for r in runs]
            if len(states) >= 6 and all(s in {"COMPLETED", "FAILED", "CRASHED"} for s in states):
                break
            time.sleep(2)
    finally:
        stop(*workers)
        for log in logs:
            log.close()
    detail = "".join((tmp_path / f"w{i}.log").read_text()[-1500:] for i in (1, 2))
    assert states.count("COMPLETED") == 6, (states, detail)
    with read_session(demo_engine) as session:
        scans = session.exec(select(OpsRun).where(OpsRun.kind == "scan", OpsRun.status == "success")).all()
        runners = {run.stats.get("runner") for run in scans}
        lists = session.exec(select(Notice).where(Notice.idempotency_key.in_(["handover:1:list", "handover:2:list"]))).all()  # type: ignore[union-attr]
    assert sorted(run.stats["today"] for run in scans) == [d.isoformat() for d in days]
    assert runners == {"machine-1", "machine-2"}, detail
    assert len(lists) >= 1  # started handovers got their item list issued, whichever worker ran them
