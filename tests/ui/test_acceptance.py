"""A reform played end to end in Chromium, on SQLite and on PostgreSQL, with ``today`` injected.

The office imports a 任务分工表 .xlsx and publishes it; departments report progress and report done in the
web app; a staff handover is started and confirmed by every party in the web app; the office closes one
report and returns another; after each action the office's 总览 shows the new lights at once (no scan in
between). The handover's 名册 and 交接确认书 are there to download, the next party is told by email, and
ten working days of scans produce the 提示 → 催办 → 督办通知单 → 约谈 ladder, received by a real SMTP
server. Screenshots go to test-artifacts/screenshots/acceptance-*.png.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from benchmarks.importing import make_xlsx
from models.db import engine_for, read_session
from models.demo.county import load_accounts
from models.migrate import upgrade
from models.services import admin, handovers
from models.services.actor import Actor
from models.tables import Alert, Notice, Plan, Task, Unit
from tests.conftest import BACKENDS, _create_postgres, _drop_postgres
from tests.factories import stop
from tests.mailbox import Mailbox, smtp_server
from tests.ui.test_browser import ARGS, CHROMIUM, SHOTS, _login, _settle, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
T0 = date(2026, 11, 23)  # a Monday: the web app's "today" (REFORM_TODAY)
ROWS = [["序号", "改革任务", "牵头单位", "配合单位", "完成时限"],
        [1, "完成城市管理人员划转", "县委编办", "县人社局、县住建局", "2026年11月30日前"],
        [2, "完成城市管理业务档案清理移交", "县住建局", "县档案局", "2026年11月20日前"],
        [3, "制定城市管理执法事项清单", "县城管局", "县司法局", "2026年12月31日前"],
        [4, "建立城市管理执法协作机制", "县城管局", "县市场监管局", "2026年11月10日前"],
        [5, "完成城市管理国有资产清查", "县财政局", "县住建局", "2026年11月27日前"]]
STAFF = [{"name": "张三", "gender": "男", "establishment_type": "行政", "post": "科员", "from_unit": "县住房和城乡建设局",
          "to_unit": "县城市管理局"},
         {"name": "李四", "gender": "女", "establishment_type": "事业", "post": "技术员", "from_unit": "县住房和城乡建设局",
          "to_unit": "县城市管理局"}]


@pytest.fixture(params=BACKENDS)
def county(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine, Path]]:
    """The demo county's units and accounts, no plan yet: the office is about to import its own."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (scripts/bootstrap.sh --dev installs it)")
    name = None
    if request.param == "postgres":
        url, name = _create_postgres()
    else:
        url = f"sqlite:///{tmp_path / 'county.db'}"
    upgrade(url)
    engine = engine_for(url)
    load_accounts(engine=engine)
    yield url, engine, tmp_path
    engine.dispose()
    engine_for.cache_clear()
    if name:
        _drop_postgres(name)


def metric(page, label: str) -> int:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return int(re.findall(r"\d+", box.get_by_test_id("stMetricValue").inner_text())[0])


def overview(page, base: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="总览").click()
    page.get_by_role("heading", name="总览").wait_for()
    _settle(page)
    return {label: metric(page, label) for label in ("任务总数", "已完成", "绿灯", "黄灯", "红灯", "待审核")}


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    _settle(page)
    page.screenshot(path=str(SHOTS / f"acceptance-{name}.png"), full_page=True)


def task_ids(engine: Engine) -> dict[str, int]:
    with read_session(engine) as s:
        return {t.code: t.id or 0 for t in s.exec(select(Task)).all()}


def confirm_pending_step(page, base: str, username: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    _login(page, base, username)
    page.get_by_role("link", name="本单位").click()
    page.get_by_role("heading", name=re.compile("^本单位：")).wait_for()
    page.get_by_role("button", name="确认无误").first.click()
    expect(page.get_by_text(expected).first).to_be_visible()
    page.get_by_role("button", name="退出").click()


def report_done(page, base: str, username: str, code: str, note: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    _login(page, base, username)
    page.get_by_role("link", name="本单位").click()
    page.get_by_role("heading", name=re.compile("^本单位：")).wait_for()
    _settle(page)
    page.get_by_role("combobox", name="任务", exact=True).click()
    page.keyboard.type(f"{code} ")
    page.keyboard.press("Enter")
    _settle(page)
    page.get_by_label("进展说明").fill(note)
    page.get_by_label("进展说明").press("Tab")
    _settle(page)
    page.get_by_role("button", name="报告完成（提交改革办审核）").click()
    expect(page.get_by_text(f"已报告任务 {code} 完成，等待改革办审核。").first).to_be_visible()


def test_a_reform_played_in_the_browser_takes_effect_at_once(county: tuple[str, Engine, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, engine, tmp = county
    xlsx = tmp / "清河县城市管理执法体制改革任务分工表.xlsx"
    xlsx.write_bytes(make_xlsx(ROWS, title="清河县城市管理执法体制改革任务分工表"))
    with smtp_server() as mailbox:
        _play(url, engine, xlsx, mailbox, expect, sync_playwright)


def _play(url: str, engine: Engine, xlsx: Path, mailbox: Mailbox, expect, sync_playwright) -> None:  # type: ignore[no-untyped-def]
    system = Actor.system("test")
    for unit, address in (("县住房和城乡建设局", "zj@qinghe.gov.cn"), ("县城市管理局", "cg@qinghe.gov.cn"),
                          ("县人力资源和社会保障局", "rs@qinghe.gov.cn")):
        admin.add_channel(system, unit_name=unit, url=mailbox.url(address), engine=engine)
    home = xlsx.parent / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    proc, base = start_streamlit({**env, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home),
                                  "REFORM_TODAY": T0.isoformat()})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 2200}, locale="zh-CN")
            page.set_default_timeout(30000)

            # 1. the office imports the 任务分工表 and publishes it: lights are there at once
            _login(page, base, "gaiban")
            page.get_by_role("link", name="导入").click()
            _settle(page)
            with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
                page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(xlsx))
            expect(page.get_by_text("任务清单（5 项）")).to_be_visible()
            page.get_by_role("button", name="发布方案").click()
            expect(page.get_by_text("已发布《清河县城市管理执法体制改革任务分工表》，共 5 项任务。").first).to_be_visible()
            # 2 and 4 overdue; 1 and 5 due within 7 days; 3 on track
            assert overview(page, base) == {"任务总数": 5, "已完成": 0, "绿灯": 1, "黄灯": 2, "红灯": 2, "待审核": 0}
            shot(page, "01-published")

            # 2. the office starts a staff handover for task 1 in the web app: the roster is issued at once
            ids = task_ids(engine)
            with read_session(engine) as s:
                unit = {u.name: u.id or 0 for u in s.exec(select(Unit)).all()}
            handovers.create_handover(system, kind="staff", title="县住建局城市管理人员划转县城市管理局",
                                      from_unit_id=unit["县住房和城乡建设局"], to_unit_id=unit["县城市管理局"],
                                      task_id=ids["1"], items=STAFF, declared_total={"count": 2}, engine=engine)
            page.get_by_role("link", name="交接").click()
            page.get_by_role("button", name="启动交接（冻结参与方并通知移交方确认）").click()
            expect(page.get_by_text("已生成交接清单并通知移交方确认").first).to_be_visible()
            expect(page.get_by_role("button", name=re.compile("人员划转名册"))).to_be_visible()
            assert any("已启动" in m for m in mailbox.to("zj@qinghe.gov.cn"))
            page.get_by_role("button", name="退出").click()

            # 3. 县住建局 reports task 2 done and confirms the roster as sender; the receiver is told
            report_done(page, base, "zhujian", "2", "档案已清点，移交清单已签字")
            shot(page, "02-department-reported")
            page.get_by_role("button", name="确认无误").first.click()
            expect(page.get_by_text("已确认。已通知下一方确认。").first).to_be_visible()
            page.get_by_role("button", name="退出").click()
            assert any("【待确认】" in m and "接收方" in m for m in mailbox.to("cg@qinghe.gov.cn"))
            _login(page, base, "gaiban")
            # 已完成 counts reported (待审核) and closed tasks alike
            assert overview(page, base) == {"任务总数": 5, "已完成": 1, "绿灯": 1, "黄灯": 2, "红灯": 1, "待审核": 1}
            page.get_by_role("button", name="退出").click()

            # 4. 县城管局 reports task 3 done and confirms receipt; 编办 and 人社局 countersign
            report_done(page, base, "chengguan", "3", "执法事项清单已形成初稿")
            page.get_by_role("button", name="确认无误").first.click()
            expect(page.get_by_text("已确认。已通知下一方确认。").first).to_be_visible()
            page.get_by_role("button", name="退出").click()
            confirm_pending_step(page, base, "bianban", "已确认。已通知下一方确认。")
            confirm_pending_step(page, base, "renshe", "已确认。交接已全部完成，交接确认书已生成。")
            assert any("交接完成" in m for m in mailbox.to("zj@qinghe.gov.cn"))

            # 5. the office sees the handover's task done, then closes task 2 and returns task 3
            _login(page, base, "gaiban")
            assert overview(page, base) == {"任务总数": 5, "已完成": 3, "绿灯": 0, "黄灯": 1, "红灯": 1, "待审核": 2}
            shot(page, "03-handover-done")
            page.get_by_role("link", name="办结审核").click()
            page.locator(f".st-key-review_{ids['2']}_close button").click()
            expect(page.get_by_role("dialog")).to_contain_text("将办结任务")
            page.locator(f".st-key-review_{ids['2']}_close_confirm button").click()
            expect(page.get_by_text("任务 2 已办结。").first).to_be_visible()
            page.locator(f".st-key-review_{ids['3']}_reason input").fill("清单未经司法局合法性审查")
            page.locator(f".st-key-review_{ids['3']}_reason input").press("Tab")
            _settle(page)
            page.locator(f".st-key-review_{ids['3']}_return button").click()
            expect(page.get_by_text("任务 3 已退回责任单位重办").first).to_be_visible()
            assert overview(page, base) == {"任务总数": 5, "已完成": 2, "绿灯": 1, "黄灯": 1, "红灯": 1, "待审核": 0}
            page.get_by_role("link", name="交接").click()
            expect(page.get_by_role("button", name=re.compile("交接确认书"))).to_be_visible()
            shot(page, "04-documents")

            # 6. ten working days of scans: 提示 → 催办 → 督办通知单 (3rd working day) → 约谈 (10th)
            from flows import client

            os.environ["REFORM_DATABASE_URL"] = url  # the scan runs in-process on this county's database
            from models.settings import get_settings

            get_settings.cache_clear()
            try:
                for day in range(15):
                    client.run("deadline-scan", {"today": (T0 + timedelta(days=day)).isoformat()})
            finally:
                os.environ.pop("REFORM_DATABASE_URL", None)
                get_settings.cache_clear()
            with read_session(engine) as s:
                ladder = {(a.level, a.day) for a in s.exec(select(Alert).where(Alert.task_id == ids["4"])).all()}
                supervision = s.exec(select(Notice).where(Notice.kind == "supervision")).all()
                plan = s.exec(select(Plan)).one()
            assert ("urging", T0) in ladder
            assert ("supervision", date(2026, 11, 26)) in ladder  # Thu: three working days after Mon
            assert ("interview", date(2026, 12, 7)) in ladder  # Mon: ten working days
            # task 4 and, once overdue after 11-27, task 5: one 督办通知单 each, never a second
            assert sorted(n.task_id for n in supervision) == [ids["4"], ids["5"]] and plan.title.startswith("清河县")
            assert any("【催办】" in m and "4" in m for m in mailbox.to("cg@qinghe.gov.cn"))
            assert any("【约谈】" in m for m in mailbox.to("cg@qinghe.gov.cn"))
            page.get_by_role("link", name="预警与督办").click()
            _settle(page)
            assert metric(page, "约谈") >= 1 and metric(page, "督办") >= 1
            shot(page, "05-ladder")
            browser.close()
    finally:
        stop(proc)
