"""In Chromium: a leader writes a 批示 and follows the task, the unit replies on its page, and the office's
考核排名 shows how every score is composed after a 互评 round. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models.db import engine_for, read_session
from models.services import evaluation
from models.tables import Instruction, InstructionTarget
from tests.factories import actor, task
from tests.ui.test_browser import ARGS, CHROMIUM, _login, _settle, _shot, server  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_instruction_reply_and_composed_ranking_in_the_browser(server: tuple[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, url = server
    engine = engine_for(url)
    office, zhen, cg = actor(engine, "gaiban"), actor(engine, "chengguanzhen"), actor(engine, "chengguan")
    rnd = evaluation.open_round(office, label="2026年11月条块互评", period_start=date(2026, 11, 1),
                                period_end=date(2026, 11, 15), scale_min=0, scale_max=100, engine=engine)
    evaluation.rate(zhen, round_id=rnd.id or 0, ratee_unit_id=cg.unit_id or 0, score=86, engine=engine)
    evaluation.close_round(office, round_id=rnd.id or 0, expected_version=1, engine=engine)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _login(page, base, "lingdao")
        page.get_by_role("link", name="领导批示").click()
        expect(page.get_by_role("heading", name="领导批示", exact=True)).to_be_visible()
        page.get_by_label("任务（已关注的在前）").click()
        page.keyboard.type("四.3 ")
        page.keyboard.press("Enter")
        _settle(page)
        page.get_by_label("批示内容").fill("请本周内报送整改方案。")
        page.get_by_role("button", name="下达批示").click()
        expect(page.get_by_text("批示已下达各责任单位").first).to_be_visible(timeout=30000)
        page.get_by_role("button", name="关注该任务").click()
        expect(page.get_by_text("已关注，该任务将排在您页面的前面").first).to_be_visible(timeout=30000)
        _shot(page, "18b_leader_instructions")
        page.get_by_role("button", name="退出").click()

        _login(page, base, "chengguan")
        page.get_by_role("link", name="领导批示").click()
        expect(page.get_by_text("请本周内报送整改方案。").first).to_be_visible()
        page.get_by_label("回复落实情况").first.fill("已制定整改方案，周五前报送。")
        page.get_by_role("button", name="提交回复").first.click()
        expect(page.get_by_text("已回复领导批示").first).to_be_visible(timeout=30000)
        _shot(page, "18b_department_reply")
        page.get_by_role("link", name="延期与调整").click()
        expect(page.get_by_role("heading", name="延期与调整申请")).to_be_visible()
        _shot(page, "18b_department_requests")
        page.get_by_role("button", name="退出").click()

        _login(page, base, "gaiban")
        page.get_by_role("link", name="考核排名").click()
        expect(page.get_by_text("互评权重 0.2（2026年11月条块互评）")).to_be_visible(timeout=30000)
        _settle(page)
        _shot(page, "18b_office_rankings_composition")
        page.get_by_role("link", name="条块互评").click()
        expect(page.get_by_role("heading", name="排名权重")).to_be_visible()
        _shot(page, "18b_office_evaluation")
        browser.close()
    with read_session(engine) as s:
        ins = s.exec(select(Instruction)).one()
        target = s.exec(select(InstructionTarget).where(InstructionTarget.instruction_id == ins.id)).one()
    assert (ins.task_id, ins.state) == (task(engine, "四.3").id, "answered")  # 四.3: 县城市管理局 only
    assert target.reply == "已制定整改方案，周五前报送。"
