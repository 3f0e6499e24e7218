"""In Chromium: a department's progress report, scrolled to the bottom of 本单位 on a laptop-sized window,
shows its confirmation as a toast inside the viewport, comes back with an empty note and no files, and a
second click on 提交进展 files nothing (the unchanged, empty report is refused in Chinese). Then the
office reviews the reported task on 办结审核 with its photo in view and closes it after a confirmation."""
from __future__ import annotations

import os

import pytest

from tests.conftest import needs_tool
from tests.factories import stop
from tests.ui.conftest import fresh_demo
from tests.ui.test_browser import ARGS, CHROMIUM, SHOTS, _login, _settle, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 270), (240, 244, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 460, 60), fill=(178, 34, 34))
    for i, width in enumerate((380, 300, 340, 220)):
        draw.rectangle((20, 90 + 40 * i, 20 + width, 110 + 40 * i), fill=(120, 144, 168))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_report_clears_its_form_and_confirms_in_view(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright
    from sqlmodel import select

    from models.db import engine_for, read_session
    from models.tables import Evidence, ProgressReport

    needs_tool(os.path.exists(CHROMIUM), "Debian chromium")
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

            # the department reports done with a photo; the office reviews it with the photo in view
            page.get_by_label("进展说明").fill("信息共享平台已上线，案件移送机制已印发")
            page.get_by_label("进展说明").press("Tab")
            _settle(page)
            with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
                page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
                    files=[{"name": "平台截图.png", "mimeType": "image/png", "buffer": _png()}])
            _settle(page)
            page.get_by_role("button", name="报告完成（提交改革办审核）").click()
            expect(page.get_by_test_id("stToast").filter(has_text="等待改革办审核")).to_be_visible()
            page.get_by_role("button", name="退出").click()
            page.set_viewport_size({"width": 1400, "height": 1600})
            _login(page, base, "gaiban")
            page.get_by_role("link", name="办结审核").click()
            expect(page.get_by_text("信息共享平台已上线，案件移送机制已印发").first).to_be_visible()
            expect(page.get_by_role("img", name="平台截图.png").or_(page.get_by_text("平台截图.png")).first).to_be_visible()
            _settle(page)
            page.screenshot(path=str(SHOTS / "review.png"), full_page=True)
            page.get_by_role("button", name="审核通过，办结…").click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("将办结任务")
            expect(dialog.get_by_role("button", name="确认办结")).to_be_visible()
            _settle(page)
            page.screenshot(path=str(SHOTS / "review_confirm.png"))
            dialog.get_by_role("button", name="确认办结").click()
            expect(page.get_by_test_id("stToast").filter(has_text="已办结")).to_be_visible()
            browser.close()
    finally:
        stop(proc)
    eng = engine_for(url)
    with read_session(eng) as s:
        reports = s.exec(select(ProgressReport).where(ProgressReport.note == note)).all()
        assert len(reports) == 1
        assert len(s.exec(select(Evidence).where(Evidence.report_id == reports[0].id)).all()) == 1
    eng.dispose()
