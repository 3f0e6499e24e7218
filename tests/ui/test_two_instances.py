"""Two Streamlit instances on one PostgreSQL app database, as behind the production reverse proxy:
a department works on instance A, the office sees the change on instance B, and a session revoked
through the database ends on whichever instance the browser is using."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import needs_tool
from tests.factories import stop
from tests.ui.test_browser import ARGS, CHROMIUM, _login, _settle, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def pg_demo(demo_engine: Engine) -> Engine:
    if demo_engine.dialect.name != "postgresql":
        pytest.skip("the multi-instance topology uses PostgreSQL for the app database")
    return demo_engine


@pytest.fixture
def two_instances(pg_demo: Engine, tmp_path: Path) -> Iterator[tuple[str, str]]:
    needs_tool(Path(CHROMIUM).exists(), "Debian chromium")
    env = {**os.environ, "REFORM_DATABASE_URL": pg_demo.url.render_as_string(hide_password=False),
           "REFORM_HOME": str(tmp_path)}
    first, second = start_streamlit(env), start_streamlit(env)
    try:
        yield first[1], second[1]
    finally:
        stop(first[0], second[0])


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
