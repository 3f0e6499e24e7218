"""A real browser against ``streamlit run``: a department reports progress and confirms a handover step,
then the office sees the change on 总览. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.browser import ARGS, CHROMIUM, launch
from models.demo.county import demo_password
from tests.conftest import needs_tool
from tests.factories import stop
from tests.ui.conftest import fresh_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"


def start_streamlit(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """``streamlit run ui/webapp.py`` (the app and its session routes) on a free port, once healthy."""
    try:
        return launch(env)
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    needs_tool(Path(CHROMIUM).exists(), "Debian chromium")
    home = tmp_path_factory.mktemp("browser-home")
    url, engine = fresh_demo(home)
    engine.dispose()
    proc, base = start_streamlit({**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home)})
    try:
        yield base, url
    finally:
        stop(proc)


def _login(page, base: str, username: str) -> None:
    """Password, then for administrators the second factor: the first login shows a QR code and the secret
    as text; the code is computed from it with pyotp, as the authenticator app on a phone would."""
    import re

    import pyotp

    page.goto(base)
    signed_in, form = page.get_by_role("button", name="退出"), page.get_by_label("用户名")
    form.or_(signed_in).first.wait_for(timeout=30000)
    if not form.count():  # the cookie session of a previous user whose 退出 had not gone through yet
        signed_in.click()
        form.wait_for(timeout=30000)
    form.fill(username)
    page.get_by_label("口令").fill(demo_password())
    page.get_by_role("button", name="登录").click()
    code_field = page.get_by_label("动态验证码")
    signed_in.or_(code_field).first.wait_for(timeout=20000)
    if code_field.count():
        shown = re.search(r"密钥：([A-Z2-7]{16,})", page.inner_text("body"))  # first login: enrolment
        if shown:
            _SECRETS[username] = shown.group(1)
        code_field.fill(pyotp.TOTP(_SECRETS[username]).now())
        page.get_by_role("button", name="验证").click()
        keep = page.get_by_role("button", name="我已保存恢复码，进入系统")
        keep.or_(signed_in).first.wait_for(timeout=20000)
        if keep.count():
            keep.click()
    signed_in.wait_for(timeout=20000)
    _settle(page)


_SECRETS: dict[str, str] = {}


def _settle(page) -> None:
    """Wait until the script run has finished (Streamlit shows a running indicator while it works)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=30000)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _settle(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_department_reports_and_confirms_then_office_sees_it(server: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright
    from sqlmodel import select

    from models.db import engine_for, read_session
    from models.tables import Evidence, Task

    server, url = server
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2600}, locale="zh-CN")
        page.set_default_timeout(20000)
        page.goto(server)
        page.get_by_label("用户名").wait_for()
        _shot(page, "01_login")

        _login(page, server, "chengguan")
        _shot(page, "02_department_tasks")
        page.get_by_role("link", name="本单位").click()
        expect(page.get_by_text("本单位：县城市管理局")).to_be_visible()
        slider = page.get_by_role("slider", name="完成比例（%）")
        start = int(slider.input_value())
        slider.focus()
        for _ in range(7):
            page.keyboard.press("ArrowRight")
        target = start + 7
        expect(slider).to_have_value(str(target))
        page.get_by_label("进展说明").fill("已完成阶段性工作，正在推进")
        page.get_by_label("进展说明").press("Tab")
        _settle(page)  # the note change reruns the script; upload into the settled page
        with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
            page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
                files=[{"name": "现场核查说明.txt", "mimeType": "text/plain", "buffer": "监督员已到岗。".encode()}])
        _settle(page)  # the upload reruns the script; report only after it has finished
        page.get_by_role("button", name="提交进展").click()
        done = page.get_by_text(re.compile(rf"已报告任务 \S+ 进展 {target}%")).first
        expect(done).to_be_visible()
        code = re.search(r"已报告任务 (\S+) 进展", done.inner_text()).group(1)  # type: ignore[union-attr]
        page.get_by_role("button", name="确认无误").first.click()
        expect(page.get_by_text("已确认。").first).to_be_visible()
        _shot(page, "03_department_my_unit")
        page.get_by_role("link", name="交接").click()
        expect(page.get_by_role("heading", name="交接", exact=True)).to_be_visible()
        _shot(page, "04_department_handovers")
        page.get_by_role("button", name="退出").click()

        _login(page, server, "gaiban")
        expect(page.get_by_role("heading", name="总览")).to_be_visible()
        expect(page.get_by_text(f"报告进展 {code}").first).to_be_visible()
        expect(page.get_by_text(f"进度 {target}%").first).to_be_visible()
        _shot(page, "05_office_overview")
        with read_session(engine_for(url)) as s:
            evidence = s.exec(select(Evidence)).one()
            task_code = s.get(Task, evidence.task_id).code  # type: ignore[union-attr]
        assert evidence.original_name == "现场核查说明.txt" and task_code == code
        page.get_by_role("link", name="任务").click()  # a typed URL would start a new session: navigate instead
        picker = page.get_by_label("选择任务")
        picker.click()
        page.keyboard.type(f"{code} ")
        page.keyboard.press("Enter")
        _settle(page)
        expect(page.get_by_role("button", name="现场核查说明.txt", exact=False)).to_be_visible()
        _shot(page, "05b_office_task_detail")
        for link, name in (("任务", "06_office_tasks"), ("交接", "07_office_handovers"),
                           ("预警与督办", "08_office_alerts"), ("考核排名", "09_office_rankings"),
                           ("公文", "10_office_notices"), ("导入", "11_office_import")):
            page.get_by_role("link", name=link).click()
            expect(page.get_by_role("heading", name=link if link != "导入" else "导入方案", exact=True)).to_be_visible()
            if link == "公文":
                page.get_by_role("button", name="预览").click()
                expect(page.get_by_text("文号在正式印发时分配")).to_be_visible(timeout=60000)
                page.get_by_text("第 1 页").wait_for(timeout=60000)
            if link == "导入":
                _settle(page)
                with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
                    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
                        str(ROOT / "data" / "sample_plans" / "qinghe_brackets.txt"))
                expect(page.get_by_text("任务清单（22 项）")).to_be_visible(timeout=30000)
                expect(page.get_by_text("个单位名称待确认")).to_be_visible()  # publishing waits for them (#14)
            _shot(page, name)
        page.get_by_role("button", name="其余名称暂不指定单位").click()
        _settle(page)
        page.get_by_role("button", name="发布方案").click()
        expect(page.get_by_text("已发布《清河县城市管理综合执法体制改革实施方案》").first).to_be_visible(timeout=30000)
        browser.close()
    assert time.monotonic() - started < 90


def test_security_and_audit_pages_in_the_browser(server: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2600}, locale="zh-CN")
        page.set_default_timeout(20000)
        _login(page, base, "anquan")
        expect(page.get_by_role("heading", name="系统管理")).to_be_visible()
        _shot(page, "12_secadmin_system")
        page.get_by_role("button", name="退出").click()
        _login(page, base, "shenji")
        expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
        page.get_by_role("button", name="校验审计链").click()
        expect(page.get_by_text("校验通过")).to_be_visible()
        _shot(page, "13_auditor_audit")
        browser.close()
