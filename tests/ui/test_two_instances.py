"""Two Streamlit instances on one PostgreSQL app database, as behind the production reverse proxy:
a department works on instance A, the office sees the change on instance B, and a session revoked
through the database ends on whichever instance the browser is using."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.ui.test_browser import ARGS, CHROMIUM, ROOT, _free_port, _login, _settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def pg_demo(demo_engine: Engine) -> Engine:
    if demo_engine.dialect.name != "postgresql":
        pytest.skip("the multi-instance topology uses PostgreSQL for the app database")
    return demo_engine


@pytest.fixture
def two_instances(pg_demo: Engine, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    env = {**os.environ, "REFORM_DATABASE_URL": pg_demo.url.render_as_string(hide_password=False),
           "REFORM_HOME": str(tmp_path)}
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen([str(Path(sys.executable).parent / "streamlit"), "run", "ui/app.py",
                                       "--server.port", str(port), "--server.headless", "true",
                                       "--browser.gatherUsageStats", "false"],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            for _ in range(160):
                try:
                    if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).status == 200:
                        break
                except OSError:
                    time.sleep(0.25)
            else:
                pytest.fail(f"streamlit did not start at {base}")
        yield bases[0], bases[1]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def test_change_on_one_instance_is_seen_on_the_other(two_instances: tuple[str, str], pg_demo: Engine) -> None:
    from playwright.sync_api import expect, sync_playwright

    from models.services import accounts
    from tests.factories import actor

    a, b = two_instances
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        dept = browser.new_page(viewport={"width": 1400, "height": 2000}, locale="zh-CN")
        dept.set_default_timeout(20000)
        _login(dept, a, "chengguan")
        dept.get_by_role("link", name="本单位").click()
        dept.get_by_label("进展说明").fill("两台服务器共享同一数据库")
        dept.get_by_label("进展说明").press("Tab")
        _settle(dept)
        dept.get_by_role("button", name="提交进展").click()
        expect(dept.get_by_text("已报告任务").first).to_be_visible()

        office = browser.new_page(viewport={"width": 1400, "height": 2600}, locale="zh-CN")
        office.set_default_timeout(20000)
        _login(office, b, "gaiban")
        expect(office.get_by_text("两台服务器共享同一数据库").first).to_be_visible()

        # disabling the department user (a database change) ends its session on instance A at the next action
        sysadmin = actor(pg_demo, "sysadmin")
        accounts.set_active(sysadmin, actor(pg_demo, "chengguan").user_id or 0, False, engine=pg_demo)
        dept.get_by_role("link", name="任务").click()
        expect(dept.get_by_label("用户名")).to_be_visible()
        browser.close()
