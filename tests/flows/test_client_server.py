"""The web app's path to a Prefect server (embedded mode, as ``make up`` runs it): ``flows.client.run``
creates a run of a served deployment, ``status`` and ``recent`` read it back (so a page reload loses
nothing), and the work lands in the app database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.tables import Notice
from tests import factories
from tests.conftest import TODAY
from tests.factories import stop, task
from tests.flows.test_production import ROOT, prefect_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


@pytest.fixture
def sqlite_app(demo_engine: Engine) -> Engine:
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("the client path is backend-independent; covered on SQLite")
    return demo_engine


def test_trigger_runs_on_the_served_deployment_and_status_is_read_back(
        sqlite_app: Engine, prefect_server: dict[str, str], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        tmp_path: Path) -> None:
    from flows import client

    env = {**prefect_server, "REFORM_DATABASE_URL": sqlite_app.url.render_as_string(hide_password=False),
           "REFORM_HOME": os.environ["REFORM_HOME"], "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 (closed below)
    serve = subprocess.Popen([sys.executable, "-m", "flows.serve"], env=env, cwd=ROOT, stdout=log,
                             stderr=subprocess.STDOUT)
    for key in ("PREFECT_API_URL", "PREFECT_HOME"):
        monkeypatch.setenv(key, prefect_server[key])
    monkeypatch.setenv("REFORM_DATABASE_URL", env["REFORM_DATABASE_URL"])  # outcomes are read from the app DB
    from models.settings import get_settings

    get_settings.cache_clear()
    # the session's prefect_test_harness (other flow tests) holds a settings context pointing at its own
    # server; point this test's Prefect client at the real server, as the environment does in production
    from prefect.settings import PREFECT_API_URL, temporary_settings

    settings = temporary_settings(updates={PREFECT_API_URL: prefect_server["PREFECT_API_URL"]})
    last_error: Exception | None = None
    with settings, log:
        try:
            task_ids = [task(sqlite_app, code).id for code in ("四.4", "六.1")]
            run_id = None
            deadline = time.time() + 60
            while run_id is None and time.time() < deadline:  # the serve process registers the deployments first
                try:
                    run_id = client.run("issue-notices", {"task_ids": task_ids, "today": TODAY.isoformat()},
                                        actor=factories.actor(sqlite_app, "gaiban"), wait=False).id
                except Exception as exc:  # noqa: BLE001 - deployment not registered yet
                    last_error = exc
                    time.sleep(1)
            assert run_id is not None, (repr(last_error), (tmp_path / "serve.log").read_text()[-1500:])
            state = client.status(run_id)
            while time.time() < deadline + 60 and state.state not in {"Completed", "Failed", "Crashed"}:
                time.sleep(1)
                state = client.status(run_id)
            assert state.state == "Completed", (state, (tmp_path / "serve.log").read_text()[-1500:])
            assert state.result["params"]["requested_by"] == "gaiban"  # the audit names who asked
            assert any(r["id"] == run_id and r["state"] == "Completed" for r in client.recent(["issue-notices"]))
        finally:
            stop(serve)
            get_settings.cache_clear()
    with read_session(sqlite_app) as s:
        issued = s.exec(select(Notice).where(Notice.kind == "supervision")).all()
    assert sorted(n.task_id for n in issued) == sorted(task_ids)
