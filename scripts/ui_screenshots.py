"""The README's page screenshots (docs/screenshots/*.png) from a fresh demo county, with a returned
handover and a task reported done so 交接 and 办结审核 show them. Needs Debian's Chromium.

    .venv/bin/python scripts/ui_screenshots.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PAGES = (("交接", "handovers"), ("办结审核", "review"), ("预警与督办", "alerts"), ("公文", "notices"))


def _prepare(home: Path) -> str:
    """A demo database whose stored files live in ``home`` (the server's REFORM_HOME)."""
    from sqlmodel import select

    from models.db import read_session
    from models.services import handovers, tasks
    from models.tables import HandoverStep
    from tests import factories as f
    from tests.ui.conftest import fresh_demo

    url, engine = fresh_demo(home)
    ho = f.handover(engine, "staff")
    with read_session(engine) as s:
        step = s.exec(select(HandoverStep).where(HandoverStep.handover_id == ho.id, HandoverStep.status == "pending")
                      .order_by(HandoverStep.seq)).first()  # type: ignore[arg-type]
    assert step is not None
    handovers.reject_step(f.actor(engine, "chengguan"), handover_id=ho.id or 0, step_id=step.id or 0,
                          expected_version=ho.version, reason="名册少一人（王志刚）", engine=engine)
    t = f.task(engine, "五.4")
    tasks.report_done(f.actor(engine, "chengguan"), task_id=t.id or 0, expected_version=t.version,
                      note="协管员管理办法已由县政府办公室印发（清政办发〔2026〕21号）", engine=engine)
    engine.dispose()
    return url


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="reform-shots-"))
    os.environ["REFORM_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from tests.factories import stop
    from tests.ui.test_browser import ARGS, CHROMIUM, _login, _settle, start_streamlit

    url = _prepare(home)
    proc, base = start_streamlit({**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home)})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
            page.set_default_timeout(30000)
            _login(page, base, "chengguan")
            page.get_by_role("link", name="本单位").click()
            page.get_by_role("heading", name="待本单位确认的交接").wait_for()
            _settle(page)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / "my_unit.png"), full_page=True)
            page.get_by_role("button", name="退出").click()
            _login(page, base, "gaiban")
            page.set_viewport_size({"width": 1400, "height": 4400})  # charts draw only once in view
            _settle(page)
            page.locator(".js-plotly-plot .main-svg").nth(3).wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / "overview.png"), full_page=True)
            page.set_viewport_size({"width": 1400, "height": 1800})
            for link, name in PAGES:
                page.get_by_role("link", name=link).click()
                page.get_by_role("heading", name=link, exact=True).wait_for()
                _settle(page)
                if link == "交接":
                    page.get_by_role("combobox", name="选择交接事项").click()
                    page.get_by_role("option", name="人员划转", exact=False).first.click()
                    _settle(page)
                if link == "公文":
                    page.get_by_role("button", name="正式印发（分配文号）…").click()
                    page.get_by_role("dialog").get_by_role("button", name="取消").wait_for()
                    _settle(page)
                page.wait_for_timeout(800)
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=link != "公文")
            browser.close()
    finally:
        stop(proc)
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
