"""The login page's second factor (issue #20 point 7): the demo's administrators enrol at first login."""
from __future__ import annotations

import pyotp
from sqlalchemy.engine import Engine

from tests.ui.conftest import PASSWORD, app, entered, texts


def test_administrator_enrols_with_the_qr_code_and_gets_in_only_with_a_code(app_db: Engine) -> None:
    at = app().run()
    at.text_input(key="login_username").input("shenji")
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    assert "绑定身份验证器" in texts(at) and [e for e in at.main if getattr(e, "type", None) == "image"]  # QR
    secret = texts(at).split("密钥：", 1)[1].split()[0]
    at.text_input(key="totp_code").input("000000")
    at.button(key="totp_submit").click().run()
    assert "验证码错误" in texts(at) and "审计日志" not in texts(at)
    at.text_input(key="totp_code").input(pyotp.TOTP(secret).now())
    at.button(key="totp_submit").click().run()
    assert "恢复码" in texts(at) and len(at.code[0].value.splitlines()) == 10
    at.button(key="totp_continue").click().run()
    entered(at)
    assert not at.exception and "审计日志" in texts(at)


def test_a_department_user_turns_the_second_factor_on_for_their_own_account(app_db: Engine) -> None:
    from tests.ui.conftest import goto, login

    at = goto(login("chengguan"), "change_password")
    at.button(key="mfa_enable").click().run()
    assert "已开启第二因素认证" in texts(at)
    again = app().run()
    again.text_input(key="login_username").input("chengguan")
    again.text_input(key="login_password").input(PASSWORD)
    again.button(key="login_submit").click().run()
    assert "绑定身份验证器" in texts(again)  # the next login enrols
