"""The web app under test: a fresh demo database per module, the app pointed at it through the settings."""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from models.db import engine_for
from models.demo.county import demo_password, load_demo
from models.migrate import upgrade
from models.settings import get_settings
from tests.conftest import TODAY

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")
PASSWORD = demo_password()


def fresh_demo(tmp: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp / f'ui-{uuid.uuid4().hex[:8]}.db'}"
    upgrade(url)
    engine = engine_for(url)
    load_demo(today=TODAY, engine=engine)
    return url, engine


def _pointed_at(tmp: Path) -> Iterator[Engine]:
    url, engine = fresh_demo(tmp)
    previous = os.environ.get("REFORM_DATABASE_URL")
    os.environ["REFORM_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield engine
    finally:
        if previous is None:
            os.environ.pop("REFORM_DATABASE_URL", None)
        else:
            os.environ["REFORM_DATABASE_URL"] = previous
        get_settings.cache_clear()
        engine.dispose()


@pytest.fixture()
def app_db(tmp_path: Path) -> Iterator[Engine]:
    """A fresh demo database the app itself uses (services called without an engine go to it)."""
    yield from _pointed_at(tmp_path)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One demo database for a module of tests that only read (logins and audit rows aside)."""
    yield from _pointed_at(tmp_path_factory.mktemp("ui-shared"))


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def allow_code_reuse(username: str) -> None:
    """Test setup: forget the last accepted TOTP step, so several logins within one 30-second step work
    (in real use each code is accepted once; the tests of that are in tests/security)."""
    from sqlalchemy import update

    from models.db import write_session
    from models.tables import User

    with write_session() as session:
        session.execute(update(User).where(User.username == username).values(totp_last_step=None))  # type: ignore[arg-type]


def _secret(username: str) -> str:
    from sqlmodel import select

    from models.db import read_session
    from models.tables import User

    with read_session() as session:
        user = session.exec(select(User).where(User.username == username)).one()
    secret = user.totp_secret or user.totp_pending_secret
    assert secret, f"{username} has no TOTP secret"
    return secret


def login(username: str, password: str = PASSWORD) -> AppTest:
    """Sign in through the login page, second factor included: at the first login the page shows the
    secret (as text next to the QR code) and the code is computed from it with pyotp, as an authenticator
    app would; later logins use the enrolled secret."""
    import pyotp

    at = app().run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    if any(w.key == "totp_code" for w in at.text_input):
        shown = re.search(r"密钥：([A-Z2-7]{16,})", texts(at))
        secret = shown.group(1) if shown else _secret(username)
        allow_code_reuse(username)
        at.text_input(key="totp_code").input(pyotp.TOTP(secret).now())
        at.button(key="totp_submit").click().run()
        if any(b.key == "totp_continue" for b in at.button):
            at.button(key="totp_continue").click().run()
        assert not at.exception, at.exception
    return entered(at)


def entered(at: AppTest) -> AppTest:
    """After the login the next run draws the first page with the tab's token (a browser also sends the
    cookie ticket in the background, ui/components/session.py; AppTest has no cookies)."""
    assert not at.exception, at.exception
    assert "正在进入系统" not in texts(at)  # no hand-off page in between any more (issue 17)
    return at


def session_token(username: str, password: str = PASSWORD) -> str:
    """A full session token from the services (password, then the second factor when required)."""
    import pyotp

    from models.services import accounts, second_factor

    result = accounts.login(username, password)
    if result.second_factor:
        second_factor.enrolment(result.token)
        allow_code_reuse(username)
        second_factor.verify(result.token, pyotp.TOTP(_secret(username)).now())
    return result.token


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything a user reads on the page (titles, markdown, captions, alerts, metrics)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # markdown escapes of user text


def toasts(at: AppTest) -> str:
    """The toasts of the last run (shown over the page, wherever the user has scrolled to)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(t.value) for t in at.toast))
