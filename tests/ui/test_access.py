"""Authorization in three layers: the navigation lists only allowed pages, every page re-validates the
session and the permission at every run (a typed URL gives no data), and sessions end server-side."""
from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models.db import write_session
from models.services import accounts
from models.services.accounts import LOGIN_FAILED
from models.tables import UserSession
from tests import factories as f
from tests.ui.conftest import goto, login, session_token, texts
from ui.components.registry import CHANGE_PASSWORD, LOGIN, PAGES
from ui.components.session import TOKEN

UI = Path(__file__).resolve().parents[2] / "ui"
ROLES = {"office": "gaiban", "department": "chengguan", "staffing": "bianban", "leader": "lingdao",
         "secadmin": "anquan", "auditor": "shenji"}
FORBIDDEN = [(page.path, role) for page in PAGES for role, user in ROLES.items()
             if not page.allowed(accounts.Actor(1, user, role, 1))]


def run_page_directly(path: str, token: str | None) -> AppTest:
    """What a typed URL amounts to: the page script run on its own with whatever session the browser has."""
    at = AppTest.from_file(str(UI / path), default_timeout=30)
    if token:
        at.session_state[TOKEN] = token
    return at.run()


def shows_no_data(at: AppTest) -> bool:
    return not at.dataframe and not at.get("plotly_chart") and not at.metric and not at.get("arrow_data_frame")


@pytest.mark.parametrize(("path", "role"), FORBIDDEN)
def test_forbidden_page_gives_no_data_even_when_opened_directly(shared_db, path, role):
    token = session_token(ROLES[role])
    at = run_page_directly(path, token)
    assert not at.exception
    assert "无权访问此页面" in texts(at)
    assert shows_no_data(at)


def test_forbidden_page_is_not_in_the_navigation(shared_db):
    """Not listed, but its address answers (no English "Page not found"): the page refuses in Chinese."""
    at = login("chengguan")
    goto(at, "tasks")  # allowed pages are there
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    assert "无权访问此页面" in texts(at) and shows_no_data(at)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.title)
def test_no_session_no_data(shared_db, page):
    at = run_page_directly(page.path, None)
    assert "请先登录" in texts(at) and shows_no_data(at)


def test_wrong_password_and_locked_account_get_the_same_message(app_db):
    at = login("chengguan", "wrong-password")
    assert LOGIN_FAILED in texts(at)
    for _ in range(5):
        login("zhujian", "wrong-password")
    locked = login("zhujian")  # right password, but locked now
    assert LOGIN_FAILED in texts(locked)
    assert TOKEN not in locked.session_state


def test_disabling_a_user_ends_the_open_session_at_the_next_run(app_db):
    at = login("chengguan")
    goto(at, "my_unit")
    user = f.actor(app_db, "chengguan")
    accounts.set_active(f.actor(app_db, "sysadmin"), user.user_id, False)
    at.run()
    assert "会话已失效（账户已停用）" in texts(at)
    assert shows_no_data(at)


def test_idle_session_expires(app_db):
    at = login("gaiban")
    with write_session(app_db) as s:
        for row in s.exec(select(UserSession)).all():
            row.last_seen_at = datetime.now(UTC) - timedelta(hours=2)
            s.add(row)
    at.run()
    assert "长时间未操作" in texts(at)
    assert shows_no_data(at)


def test_logout_revokes_the_token_server_side(app_db):
    at = login("gaiban")
    token = at.session_state[TOKEN]
    at.button(key="logout").click().run()
    assert "正在退出登录" in texts(at)  # a browser posts to /session/end, which clears the cookie
    at.run()
    assert "登录" in [b.label for b in at.button]
    replay = run_page_directly("app_pages/overview.py", token)
    assert "请先登录" in texts(replay) or "会话已失效" in texts(replay)
    assert shows_no_data(replay)


def _first_action(path: Path) -> ast.stmt:
    """The first statement that does anything (docstring, imports and constants skipped)."""
    for stmt in ast.parse(path.read_text("utf-8")).body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Assign) and not any(isinstance(n, ast.Call) for n in ast.walk(stmt.value)):
            continue
        return stmt
    raise AssertionError(f"{path} does nothing")


def test_every_page_file_is_registered_and_guarded():
    registered = {p.path for p in PAGES} | {LOGIN.path, CHANGE_PASSWORD.path}
    files = {f"app_pages/{p.name}" for p in (UI / "app_pages").glob("*.py") if p.name != "__init__.py"}
    assert files == registered
    for path in registered - {LOGIN.path}:
        first = _first_action(UI / path)
        calls = [n for n in ast.walk(first) if isinstance(n, ast.Call)]
        assert calls and isinstance(calls[0].func, ast.Name) and calls[0].func.id == "guard", path


def test_no_user_text_reaches_raw_html():
    """Raw HTML only in the session hand-off, which carries the app's own values (tests/ui/test_session_cookie.py
    checks that they are escaped and that the return path cannot leave the app), and in the login page's
    module preload (file names of the installed Streamlit, checked below)."""
    for path in UI.rglob("*.py"):
        body = path.read_text("utf-8")
        assert "unsafe_allow_html" not in body, path
        assert "st.html(" not in body or path in {UI / "components" / "session.py", UI / "components" / "preload.py"}, path


def test_server_configuration_hides_errors_and_keeps_xsrf():
    import tomllib

    config = tomllib.loads((UI.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True and config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_signing_in_draws_the_first_page_in_the_same_tab_and_forgets_the_password(app_db) -> None:
    """No hand-off page and no reload (issue 17): the run after the password check is the first page, the
    cookie ticket waits for the browser in the same run, and the typed password is gone from the tab."""
    from ui.components import preload

    at = login("gaiban")
    assert at.title[0].value == "总览" and "正在进入系统" not in texts(at)
    assert "login_password" not in at.session_state and "login_username" not in at.session_state
    fresh = AppTest.from_file(str(UI / "app.py"), default_timeout=60).run()  # signed out: the login page
    scripts = [h.proto.body for h in fresh.get("html")]
    assert any(preload.preload_html() == body for body in scripts)
    assert set(preload.module_files()) and len(preload.module_files()) == len(preload.MODULES)  # all found
    for name in preload.module_files():
        assert re.fullmatch(r"[A-Za-z]+\.[A-Za-z0-9_-]+\.js", name)  # nothing to escape in what goes in
        assert f'import("/static/js/{name}")' in preload.preload_html()
