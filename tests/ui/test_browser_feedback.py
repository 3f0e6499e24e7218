"""In Chromium: a department's progress report, scrolled to the bottom of 本单位 on a laptop-sized window,
shows its confirmation as a toast inside the viewport, comes back with an empty note and no files, and a
second click on 提交进展 files nothing (the unchanged, empty report is refused in Chinese)."""
from __future__ import annotations

import os

import pytest

from tests.factories import stop
from tests.ui.conftest import fresh_demo
from tests.ui.test_browser import ARGS, CHROMIUM, SHOTS, _login, _settle, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_report_clears_its_form_and_confirms_in_view(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright
    from sqlmodel import select

    from models.db import engine_for, read_session
    from models.tables import Evidence, ProgressReport

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed")
    url, engine = fresh_demo(tmp_path)
    engine.dispose()
    proc, base = start_streamlit({**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(tmp_path)})
    note = "执法车辆已完成统一标识喷涂"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.set_default_timeout(20000)
            _login(page, base, "chengguan")
            page.get_by_role("link", name="本单位").click()
            page.get_by_label("进展说明").fill(note)
            page.get_by_label("进展说明").press("Tab")
            _settle(page)
            with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
                page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
                    files=[{"name": "喷涂照片说明.txt", "mimeType": "text/plain", "buffer": "共32辆".encode()}])
            _settle(page)
            button = page.get_by_role("button", name="提交进展")
            button.scroll_into_view_if_needed()
            button.click()
            toast = page.get_by_test_id("stToast").filter(has_text="已报告任务")
            expect(toast).to_be_visible()
            box, view = toast.bounding_box(), page.viewport_size
            assert box and view and box["y"] >= 0 and box["y"] + box["height"] <= view["height"], box
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "feedback_toast.png"))
            _settle(page)
            expect(page.get_by_label("进展说明")).to_have_value("")  # the form is empty again
            expect(page.get_by_test_id("stFileUploaderFile")).to_have_count(0)

            page.get_by_role("button", name="提交进展").click()  # a second click on the cleared form
            expect(page.get_by_text("本次报告没有新内容").first).to_be_visible()
            browser.close()
    finally:
        stop(proc)
    eng = engine_for(url)
    with read_session(eng) as s:
        reports = s.exec(select(ProgressReport).where(ProgressReport.note == note)).all()
        assert len(reports) == 1
        assert len(s.exec(select(Evidence).where(Evidence.report_id == reports[0].id)).all()) == 1
    eng.dispose()
