"""A real browser: a department signs for a 督办通知单 on 本单位, then the office sees it signed."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from models.services import notices
from models.services.notices import Subject
from tests.conftest import TODAY
from tests.factories import actor, stop, task
from tests.ui.conftest import fresh_demo
from tests.ui.test_browser import ARGS, CHROMIUM, _login, _settle, _shot, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    home = tmp_path_factory.mktemp("browser-signoff")
    url, engine = fresh_demo(home)
    notice = notices.issue(actor(engine, "gaiban"), "supervision", Subject(task_id=task(engine, "四.3").id),
                           today=TODAY, engine=engine)
    engine.dispose()
    proc, base = start_streamlit({**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home)})
    try:
        yield base, url, notice.doc_number
    finally:
        stop(proc)


def test_department_signs_for_a_supervision_notice_and_the_office_sees_it(server: tuple[str, str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright
    from sqlmodel import select

    from models.db import engine_for, read_session
    from models.tables import Receipt

    base, url, doc_number = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2600}, locale="zh-CN")
        page.set_default_timeout(20000)

        _login(page, base, "chengguan")
        page.get_by_role("link", name="本单位").click()
        expect(page.get_by_text(f"督办通知单 {doc_number}").first).to_be_visible()
        sign = page.get_by_role("button", name="签收", exact=True)
        expect(sign).to_have_count(1)  # only the notice waits: no scan has run
        sign.click()
        expect(page.get_by_text(f"已签收：督办通知单 {doc_number}").first).to_be_visible()
        _settle(page)
        expect(page.get_by_role("button", name="签收", exact=True)).to_have_count(0)
        expect(page.get_by_text("没有待签收的督办通知单、催办函或预警。")).to_be_visible()
        _shot(page, "20_department_signed")
        page.get_by_role("button", name="退出").click()

        _login(page, base, "gaiban")
        page.get_by_role("link", name="预警与督办").click()
        expect(page.get_by_role("heading", name="签收情况")).to_be_visible()
        line = page.get_by_text(f"督办通知单 {doc_number}").first
        expect(line).to_be_visible()
        expect(page.get_by_text("县城市管理局 已签收（李建国（县城管局））").first).to_be_visible()
        _shot(page, "21_office_sees_signed")
        browser.close()
    with read_session(engine_for(url)) as s:
        signed = [r for r in s.exec(select(Receipt).where(Receipt.kind == "notice")).all() if r.signed_at]
    assert len(signed) == 1 and signed[0].signed_by is not None
