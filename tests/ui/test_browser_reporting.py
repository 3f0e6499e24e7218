"""报送要求 and 指标 in Chromium: the office opens an indicator task with a weekly duty, reads its missed slot,
the values and the pace chart as drawn, and the unit's report form offers the value. Screenshots go to
test-artifacts/screenshots/."""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from models.services import reporting, scan, tasks
from models.services.actor import Actor
from tests import factories as f
from tests.conftest import TODAY, needs_tool
from tests.factories import stop
from tests.ui.conftest import fresh_demo
from tests.ui.test_browser import ARGS, CHROMIUM, _login, _settle, _shot, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DAY = TODAY + timedelta(days=10)  # Tuesday 12-01: the Friday 11-27 slot was missed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    needs_tool(os.path.exists(CHROMIUM), "Debian chromium")
    home = tmp_path_factory.mktemp("browser-reporting")
    url, engine = fresh_demo(home)
    office = Actor.system("test")
    task = f.task(engine, "四.3")
    reporting.set_indicator(office, task_id=task.id, expected_version=task.version, today=TODAY, engine=engine,
                            indicator={"target": 90, "unit": "%", "direction": "ge", "baseline": 20,
                                       "baseline_on": "2026-09-01", "name": "信息共享覆盖率"})
    dept = f.actor(engine, "chengguan")
    task = f.task(engine, "四.3")
    tasks.report_progress(dept, task_id=task.id, expected_version=task.version, percent=60, value=41,
                          today=TODAY, engine=engine)
    task = f.task(engine, "四.3")
    reporting.audit_value(office, task_id=task.id, expected_version=task.version, value=38, reason="按平台统计核定",
                          today=TODAY + timedelta(days=2), engine=engine)
    task = f.task(engine, "四.3")  # the weekly duty from 11-23 on: the report of 11-21 came before it
    reporting.set_schedule(office, plan_id=task.plan_id, task_id=task.id, rules=[{"frequency": "weekly", "weekday": 5}],
                           expected_version=task.version, today=TODAY + timedelta(days=2), engine=engine)
    scan.run_scan(DAY, engine=engine)
    engine.dispose()
    proc, base = start_streamlit({**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home),
                                  "REFORM_TODAY": DAY.isoformat()})
    try:
        yield base
    finally:
        stop(proc)


def test_office_reads_slots_values_and_pace_chart(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 3600}, locale="zh-CN")
        page.set_default_timeout(20000)
        _login(page, server, "gaiban")
        page.get_by_role("link", name="任务").click()  # a typed URL would start a new session: navigate instead
        page.get_by_label("选择任务").click()
        page.keyboard.type("四.3 ")
        page.keyboard.press("Enter")
        _settle(page)
        expect(page.get_by_text("每周五（本任务）")).to_be_visible()
        expect(page.get_by_text("待报送 1 期；未报送 1 期")).to_be_visible()  # 11-27 missed, 12-04 open
        expect(page.get_by_text("报送要求：1期未按时报送").first).to_be_visible()  # the light's reason
        expect(page.get_by_test_id("stMetric").filter(has_text="审定值")).to_contain_text("38%")
        expect(page.get_by_test_id("stMetric").filter(has_text="最新填报值")).to_contain_text("41%")
        chart = page.locator(".js-plotly-plot").last
        chart.scroll_into_view_if_needed()
        expect(chart.get_by_text("序时进度")).to_be_visible()
        expect(chart.get_by_text("审定值")).to_be_visible()
        _shot(page, "reporting_01_task_detail")

        _login(page, server, "chengguan")
        page.get_by_role("link", name="本单位").click()
        _settle(page)
        page.get_by_role("combobox", name="任务", exact=True).click()
        page.keyboard.type("四.3 ")
        page.keyboard.press("Enter")
        _settle(page)
        expect(page.get_by_text("本次填报将计入")).to_be_visible()
        expect(page.get_by_label("指标值（信息共享覆盖率，目标 ≥90%）")).to_be_visible()
        _shot(page, "reporting_02_unit_report_form")
        browser.close()
