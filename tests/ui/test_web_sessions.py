"""Chromium against ``streamlit run ui/webapp.py``: the session cookie keeps the user signed in across reloads,
new tabs and instances; links open what they name after login; logout and expiry end the session on every
instance; 我的待办 lists the user's items; a second plan leaves the departments' work in view; an import
draft survives a reload."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from models.db import engine_for, read_session, write_session
from models.demo.county import demo_password
from models.services import inbox
from models.services.permissions import actor_unit_ids
from models.settings import get_settings
from models.tables import Plan, Task, TaskUnit, User, UserSession
from tests.conftest import needs_tool
from tests.factories import actor, stop
from tests.ui.conftest import fresh_demo
from tests.ui.test_browser import ARGS, CHROMIUM, SHOTS, _login, _settle, start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PLAN_FILE = ROOT / "data" / "sample_plans" / "qinghe_brackets.txt"


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """Two web processes on one database, as behind the proxy (cookies are per host, not per port)."""
    needs_tool(Path(CHROMIUM).exists(), "Debian chromium")
    home = tmp_path_factory.mktemp("web-sessions")
    url, engine = fresh_demo(home)
    engine.dispose()
    env = {**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home)}
    first, base_a = start_streamlit(env)
    try:
        second, base_b = start_streamlit(env)
    except BaseException:
        stop(first)
        raise
    try:
        yield base_a, base_b, url
    finally:
        stop(first, second)


@pytest.fixture()
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
    ctx.set_default_timeout(30000)
    return ctx


def _sign_in_here(page, username: str) -> None:
    """Fill the login form shown at the current address (no navigation to the start page)."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("口令").fill(demo_password())
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出").wait_for()
    _settle(page)


def _session_cookie(ctx) -> dict:
    """The cookie the sign-in's background request set (it may still be in flight for a moment)."""
    for _ in range(50):
        found = [c for c in ctx.cookies() if c["name"] == "reform_session"]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("no session cookie was set after the sign-in")


def test_reload_and_new_tab_keep_the_session_and_the_page(two_instances, browser) -> None:
    from playwright.sync_api import expect

    base, other, _ = two_instances
    ctx = _context(browser)
    page = ctx.new_page()
    fetched: list[str] = []
    page.on("requestfinished", lambda r: fetched.append(r.url))
    page.goto(f"{base}/my_unit")  # signed out on 本单位: the login form, in Chinese, no "Page not found"
    page.get_by_label("用户名").wait_for()
    _settle(page)
    page.wait_for_load_state("networkidle")
    # while the user types, the browser already has the code of the first pages' charts and tables
    assert any("/static/js/PlotlyChart." in u for u in fetched) and any("/static/js/DataFrame." in u for u in fetched)
    assert "Page not found" not in page.inner_text("body")
    page.evaluate("window.reformBeforeLogin = 1")
    _sign_in_here(page, "chengguan")
    assert page.url.endswith("/my_unit")  # back where the user was
    assert page.evaluate("window.reformBeforeLogin") == 1  # the same document: signed in without a reload
    expect(page.get_by_text("本单位：县城市管理局")).to_be_visible()
    cookie = _session_cookie(ctx)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1
    page.reload()
    expect(page.get_by_text("本单位：县城市管理局")).to_be_visible()  # F5: same user, same page
    page.get_by_role("button", name="退出").wait_for()
    assert page.url.endswith("/my_unit")
    tab = ctx.new_page()
    tab.goto(f"{other}/handovers")  # a new tab, on the other instance
    tab.get_by_role("button", name="退出").wait_for()
    _settle(tab)
    assert "交接" in tab.inner_text("body") and page.get_by_label("用户名").count() == 0
    page.goto(f"{base}/no_such_page")  # a stale address goes to the start page, not an English dialog
    page.get_by_role("button", name="退出").wait_for()
    _settle(page)
    assert "Page not found" not in page.inner_text("body") and urlpath(page.url) == "/"
    page.screenshot(path=str(_shots() / "session_reload.png"))
    ctx.close()


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3].split("?")[0] if url.count("/") >= 3 else "/"


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_a_shared_task_link_opens_the_task_after_login(two_instances, browser) -> None:
    from playwright.sync_api import expect

    base, _, url = two_instances
    engine = engine_for(url)
    with read_session(engine) as s:
        target = s.exec(select(Task).join(TaskUnit, TaskUnit.task_id == Task.id)
                        .join(User, User.unit_id == TaskUnit.unit_id)
                        .where(User.username == "zhujian", Task.code.like("%.%")).order_by(Task.id.desc())).first()
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(f"{base}/tasks?task={target.code}")  # as pasted from a chat message, no plan id
    _sign_in_here(page, "chengguan")  # another unit's task: departments may read every task
    expect(page.get_by_role("heading", name=f"{target.code} {target.title}")).to_be_visible()
    assert f"task={target.code}" in unquote(page.url)  # (任务 is this user's start page, served at /)
    page.reload()
    expect(page.get_by_role("heading", name=f"{target.code} {target.title}")).to_be_visible()
    page.goto(f"{base}/tasks?task=九.99")  # a forged link: a Chinese message, nothing breaks
    page.get_by_text("链接所指的任务不存在或您无权查看").wait_for()
    assert "Traceback" not in page.inner_text("body")
    ctx.close()


def test_logout_and_expiry_end_the_session_on_every_instance(two_instances, browser) -> None:
    base, other, url = two_instances
    engine = engine_for(url)
    ctx = _context(browser)
    a = ctx.new_page()
    _login(a, base, "zhujian")
    b = ctx.new_page()
    b.goto(f"{other}/inbox")
    b.get_by_role("button", name="退出").wait_for()
    a.get_by_role("button", name="退出").click()  # on instance A
    a.get_by_label("用户名").wait_for()
    _settle(a)
    assert not [c for c in ctx.cookies() if c["name"] == "reform_session"]  # the cookie is gone
    b.reload()  # instance B, other tab: signed out too
    b.get_by_label("用户名").wait_for()
    # the open tab notices without a click too (its quiet check runs every minute)
    _login(a, base, "zhujian")
    b.goto(f"{other}/my_unit")
    b.get_by_role("button", name="退出").wait_for()
    with write_session(engine) as s:  # idle for longer than the limit
        s.execute(update(UserSession).where(UserSession.revoked_at.is_(None))
                  .values(last_seen_at=datetime.now(UTC) - timedelta(hours=2)))
    for page in (a, b):
        page.reload()
        page.get_by_label("用户名").wait_for()
        _settle(page)
        assert "长时间未操作" in page.inner_text("body")
    a.screenshot(path=str(_shots() / "session_expired.png"))
    ctx.close()


@pytest.mark.parametrize("username", ["chengguan", "gaiban", "bianban"])
def test_the_inbox_lists_exactly_the_users_items(two_instances, browser, username) -> None:
    base, _, url = two_instances
    engine = engine_for(url)
    expected = inbox.for_actor(actor(engine, username), today=get_settings().today(), engine=engine)
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(f"{base}/inbox")
    _sign_in_here(page, username)
    if expected.items:
        page.get_by_text(expected.items[-1].title).first.wait_for()
        page.get_by_role("link", name="打开").nth(len(expected.items) - 1).wait_for()
    else:
        page.get_by_text("目前没有需要您处理的事项").wait_for()
    main = page.inner_text("[data-testid='stMain']")
    assert all(i.title in main for i in expected.items)
    assert page.get_by_role("link", name="打开").count() == len(expected.items)  # nothing else listed
    assert (f"我的待办 · {expected.total}" in page.inner_text("[data-testid='stSidebar']")) == bool(expected.total)
    page.screenshot(path=str(_shots() / f"inbox_{username}.png"))
    if expected.items:  # one click opens the first item where it is handled
        first = expected.items[0]
        page.get_by_role("link", name="打开").first.click()
        page.wait_for_url(re.compile(re.escape(f"/{first.link.page}")))
        _settle(page)
        if first.link.page == "tasks":
            page.get_by_role("heading", name=first.title).wait_for()
    ctx.close()


def _plan_choice(page) -> str:
    """The value shown in the 方案 selectbox."""
    box = page.locator("[data-testid='stSelectbox']").first
    field = box.locator("input")
    return (field.first.input_value() if field.count() else "") + box.inner_text().replace("方案", "", 1)


def test_import_draft_survives_reload_and_a_second_plan_keeps_departments_work(two_instances, browser) -> None:
    from playwright.sync_api import expect

    base, other, url = two_instances
    engine = engine_for(url)
    ctx = _context(browser)
    page = ctx.new_page()
    _login(page, base, "gaiban")
    page.goto(f"{base}/import_plan")
    page.get_by_role("button", name="退出").wait_for()
    _settle(page)
    with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(PLAN_FILE))
    heading = page.get_by_text(re.compile(r"任务清单（\d+ 项）"))
    heading.wait_for()
    count = heading.inner_text()
    page.reload()  # the parsed draft is kept on the server
    expect(page.get_by_text(count)).to_be_visible()
    tab = ctx.new_page()  # and in a new tab on the other instance
    tab.goto(f"{other}/import_plan")
    expect(tab.get_by_text(count)).to_be_visible()
    tab.close()
    decide = page.get_by_role("button", name="其余名称暂不指定单位")
    if decide.count():
        decide.click()
        _settle(page)
    page.get_by_role("button", name="发布方案").click()
    page.get_by_text(re.compile("已发布《")).first.wait_for()
    page.reload()
    _settle(page)
    assert not page.get_by_text(count).count()  # published: the draft is gone
    with read_session(engine) as s:
        assert s.execute(select(func.count()).select_from(Plan)).scalar_one() == 2
    # the office's overview stays on one plan (charts readable); its choice is remembered
    page.goto(f"{base}/overview")
    page.get_by_role("button", name="退出").wait_for()
    _settle(page)
    assert "全部方案" not in _plan_choice(page) and _plan_choice(page)
    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").wait_for()
    for username in ("chengguan", "zhujian"):
        with read_session(engine) as s:  # leaf tasks naming the unit (or its group), in every plan
            units = actor_unit_ids(s, actor(engine, username))
            parents = {t.parent_id for t in s.exec(select(Task)).all()}
            own = {tu.task_id for tu in s.exec(select(TaskUnit)).all() if tu.unit_id in units} - parents
        _login(page, base, username)
        page.goto(f"{base}/tasks")
        page.get_by_role("button", name="退出").wait_for()
        _settle(page)
        shown = int(re.search(r"共 (\d+) 项任务", page.inner_text("body")).group(1))
        assert shown == len(own) > 0  # their tasks across both plans, never "共 0 项任务"
        assert "全部方案" in _plan_choice(page)
        page.screenshot(path=str(_shots() / f"tasks_two_plans_{username}.png"))
        page.get_by_role("button", name="退出").click()
        page.get_by_label("用户名").wait_for()
    ctx.close()
