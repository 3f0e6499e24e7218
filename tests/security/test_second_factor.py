"""等保 2.0 level 3 身份鉴别 d (two factors, one cryptographic) — TOTP for administrators (issue #20 point 7).

Codes are computed with pyotp from the secret the enrolment shows (what an authenticator app does).
"""
from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from models.db import read_session
from models.services import second_factor as mfa
from models.services.accounts import AuthFailed, SessionExpired, login, validate_session
from models.services.errors import Invalid, PermissionDenied
from models.services.second_factor import SecondFactorFailed
from models.settings import Settings
from models.tables import User
from tests.security.conftest import STRONG, audit_rows, make_user


def _user(engine: Engine, user_id: int) -> User:
    with read_session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def _enrol(engine: Engine, username: str) -> tuple[str, list[str]]:
    first = login(username, STRONG, engine=engine)
    assert first.second_factor == "enrol"
    enrolment = mfa.enrolment(first.token, engine=engine)
    assert enrolment is not None and enrolment.qr_png.startswith(b"\x89PNG")
    assert enrolment.uri.startswith("otpauth://totp/") and enrolment.secret in enrolment.uri
    done = mfa.verify(first.token, pyotp.TOTP(enrolment.secret).now(), engine=engine)
    assert len(done.recovery_codes) == 10 and validate_session(first.token, engine=engine)
    return enrolment.secret, done.recovery_codes


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_administrators_cannot_get_a_session_with_the_password_alone(engine: Engine, role: str) -> None:
    make_user(engine, "admin", role, password=STRONG)
    pending = login("admin", STRONG, engine=engine)
    assert pending.second_factor == "enrol"
    with pytest.raises(SessionExpired, match="第二因素"):
        validate_session(pending.token, engine=engine)
    _enrol(engine, "admin")
    again = login("admin", STRONG, engine=engine)
    assert again.second_factor == "verify" and mfa.enrolment(again.token, engine=engine) is None


def test_codes_are_single_use_and_recovery_codes_work_once(engine: Engine) -> None:
    make_user(engine, "sec", "secadmin", password=STRONG)
    secret, recovery = _enrol(engine, "sec")
    now = time.time() + 60  # a fresh time step (the enrolment used the current one)
    code = pyotp.TOTP(secret).at(now)
    assert mfa.verify(login("sec", STRONG, engine=engine).token, code, engine=engine, now=now)
    with pytest.raises(SecondFactorFailed):  # the same code again (replay)
        mfa.verify(login("sec", STRONG, engine=engine).token, code, engine=engine, now=now)
    token = login("sec", STRONG, engine=engine).token
    assert mfa.verify(token, recovery[0].upper(), engine=engine).token == token
    with pytest.raises(SecondFactorFailed):
        mfa.verify(login("sec", STRONG, engine=engine).token, recovery[0], engine=engine)


def test_wrong_codes_lock_the_account_like_wrong_passwords(engine: Engine) -> None:
    make_user(engine, "aud", "auditor", password=STRONG)
    secret, _ = _enrol(engine, "aud")
    settings = Settings()
    spare = login("aud", STRONG, engine=engine).token  # a pending login opened before the lockout
    for _ in range(settings.lockout_threshold):
        with pytest.raises(SecondFactorFailed):
            mfa.verify(login("aud", STRONG, engine=engine).token, "000000", engine=engine, settings=settings)
    assert len(audit_rows(engine, action="auth.lockout")) == 1
    with pytest.raises(AuthFailed):  # the right password no longer opens even a pending login
        login("aud", STRONG, engine=engine)
    with pytest.raises(SecondFactorFailed):  # and a right code is refused while locked
        mfa.verify(spare, pyotp.TOTP(secret).at(time.time() + 90), engine=engine, now=time.time() + 90)
    reasons = [e.after["reason"] for e in audit_rows(engine, action="auth.second_factor", outcome="denied")]
    assert reasons[-1] == "locked" and reasons.count("bad_code") == settings.lockout_threshold


def test_password_success_does_not_reset_the_counter_of_wrong_codes(engine: Engine) -> None:
    sa = make_user(engine, "sa", "sysadmin", password=STRONG)
    _enrol(engine, "sa")
    for _ in range(Settings().lockout_threshold - 1):
        with pytest.raises(SecondFactorFailed):
            mfa.verify(login("sa", STRONG, engine=engine).token, "123456", engine=engine)
    assert _user(engine, sa.user_id or 0).failed_attempts == Settings().lockout_threshold - 1  # survived the new logins


def test_optional_for_other_users_and_not_removable_for_administrators(engine: Engine) -> None:
    clerk = make_user(engine, "clerk", "office", password=STRONG)
    assert login("clerk", STRONG, engine=engine).second_factor is None
    assert not mfa.is_enabled(clerk, engine=engine)
    mfa.set_optional(clerk, enabled=True, engine=engine)
    assert mfa.is_enabled(clerk, engine=engine)
    secret, _ = _enrol(engine, "clerk")
    with pytest.raises(Invalid, match="验证码"):
        mfa.set_optional(clerk, enabled=False, code="000000", engine=engine)
    mfa.set_optional(clerk, enabled=False, code=pyotp.TOTP(secret).at(time.time() + 30), engine=engine)
    assert not mfa.is_enabled(clerk, engine=engine)
    assert login("clerk", STRONG, engine=engine).second_factor is None
    admin = make_user(engine, "sa", "sysadmin", password=STRONG)
    with pytest.raises(PermissionDenied):
        mfa.set_optional(admin, enabled=False, engine=engine)
    with pytest.raises(PermissionDenied):
        mfa.reset(admin, clerk.user_id or 0, engine=engine)


def test_lost_authenticator_is_reset_only_through_the_cli(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from models.db import engine_for
    from models.settings import get_settings
    from ui.cli import app

    monkeypatch.setenv("REFORM_HOME", str(tmp_path))
    monkeypatch.delenv("REFORM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        eng = engine_for(get_settings().url)
        make_user(eng, "sec", "secadmin", password=STRONG)
        _enrol(eng, "sec")
        done = runner.invoke(app, ["user", "reset-2fa", "sec"])
        assert done.exit_code == 0, done.output
        assert login("sec", STRONG, engine=eng).second_factor == "enrol"
        assert runner.invoke(app, ["user", "reset-2fa", "nobody"]).exit_code == 2
    finally:
        get_settings.cache_clear()
        engine_for.cache_clear()


def test_pending_login_expires(engine: Engine) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from models.db import write_session
    from models.tables import UserSession

    make_user(engine, "aud", "auditor", password=STRONG)
    pending = login("aud", STRONG, engine=engine)
    with write_session(engine) as session:
        session.execute(update(UserSession).values(created_at=datetime.now(UTC) - timedelta(minutes=11)))
    with pytest.raises(SecondFactorFailed, match="过期"):
        mfa.enrolment(pending.token, engine=engine)
