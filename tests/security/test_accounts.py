"""等保 身份鉴别 a/b, 访问控制 b/c; ASVS 6.2, 6.3.1, 7.3, 7.4, 11.4.2.

Passwords are argon2id and policy-checked on the server; the lockout counter lives in the database;
sessions die on idle, on age, on logout, on disable and on role change. Time travel is done by writing
the timestamps in the database, which is exactly what the server trusts.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import engine_for, read_session, write_session
from models.demo.county import demo_password
from models.services import accounts
from models.services.accounts import LOGIN_FAILED, AuthFailed, SessionExpired, login, validate_session
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.services.passwords import BLOCKLIST_FILE, policy_problems, verify_password
from models.settings import Settings
from models.tables import User, UserSession
from tests.security.conftest import PRODUCTION_HASHER, STRONG, audit_rows, make_user

SYSTEM = Actor.system("test")


def _user(engine: Engine, username: str) -> User:
    with read_session(engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def _set_user(engine: Engine, username: str, **values: object) -> None:
    with write_session(engine) as session:
        session.execute(update(User).where(User.username == username).values(**values))  # type: ignore[arg-type]


# ---------------------------------------------------------------- hashing and policy
def test_password_stored_as_argon2id_only(engine: Engine) -> None:
    user, _ = accounts.create_user(SYSTEM, username="wangli", display_name="王丽", role="office",
                                   password=STRONG, engine=engine)
    stored = _user(engine, "wangli").password_hash
    assert stored.startswith("$argon2id$")
    assert STRONG not in stored
    assert verify_password(stored, STRONG) and not verify_password(stored, STRONG + "x")
    # the creation audit event carries no password material
    events = audit_rows(engine, action="user.create", object_id=str(user.id))
    assert len(events) == 1 and STRONG not in str(events[0].after) and "$argon2" not in str(events[0].after)


def test_production_hasher_is_argon2id_with_owasp_minimum_cost() -> None:
    from argon2 import Type

    params = PRODUCTION_HASHER
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2  # OWASP cheat sheet floor
    assert PRODUCTION_HASHER.hash("x").startswith("$argon2id$")


@pytest.mark.parametrize("password, problem", [
    ("Ab1!short", "长度"),                       # too short (default 12)
    ("alllowercaseletters", "三类"),             # one class only
    ("lowercase123456", "三类"),                 # two classes
    ("P@ssw0rd1234", "常见"),                     # policy-shaped but on the blocklist
    ("Admin@123456", "常见"),
    ("Aa@123456789", "常见"),
    ("Zhangsan#2026x", "用户名"),                # contains the user name
])
def test_policy_refuses_weak_passwords(password: str, problem: str) -> None:
    problems = policy_problems(password, Settings(), username="zhangsan")
    assert any(problem in p for p in problems), problems


def test_policy_accepts_strong_and_long_passphrases() -> None:
    assert policy_problems(STRONG, Settings()) == []
    passphrase = "Correct horse battery staple 2026 改革 督办 " * 2  # ≥ 64 characters must be accepted
    assert len(passphrase) >= 64 and policy_problems(passphrase, Settings()) == []


def test_policy_is_configurable_and_has_a_floor() -> None:
    assert policy_problems("Lv7#qiao-Duan", Settings()) == []
    assert policy_problems("Lv7#qiao-Duan", Settings(password_min_length=16))
    with pytest.raises(ValidationError):
        Settings(password_min_length=6)
    with pytest.raises(ValidationError):
        Settings(lockout_threshold=0)


def test_blocklist_has_hundreds_of_entries_including_chinese_typical() -> None:
    words = {w.strip().lower() for w in BLOCKLIST_FILE.read_text("utf-8").splitlines() if w.strip()}
    assert len(words) >= 300
    for typical in ("woaini1314", "5201314", "qq123456", "aa123456", "abc@123", "123456", "1qaz2wsx"):
        assert typical in words
    # the comparison is case-insensitive, so "Aa123456" style variants are caught too
    assert policy_problems("QQ123456", Settings()) and any("常见" in p for p in policy_problems("Qq123456", Settings()))


def test_weak_password_refused_by_service_and_audited(engine: Engine) -> None:
    with pytest.raises(Invalid, match="口令不符合要求"):
        accounts.create_user(SYSTEM, username="weak", display_name="弱", role="office",
                             password="woaini1314", engine=engine)
    assert audit_rows(engine, action="user.create", outcome="invalid")
    actor = make_user(engine, "changer", "office", password=STRONG)
    with pytest.raises(Invalid, match="口令不符合要求"):
        accounts.change_password(actor, old_password=STRONG, new_password="5201314", engine=engine)
    with pytest.raises(Invalid, match="原口令不正确"):
        accounts.change_password(actor, old_password="wrong", new_password="Another#Strong99", engine=engine)
    assert verify_password(_user(engine, "changer").password_hash, STRONG)


# ---------------------------------------------------------------- empty / default passwords
def test_no_empty_password_can_log_in(engine: Engine) -> None:
    make_user(engine, "nopass", "office")  # empty hash, e.g. a half-provisioned account
    for attempt in ("", " ", "nopass", "timing-equaliser-not-a-password"):
        with pytest.raises(AuthFailed):
            login("nopass", attempt, engine=engine)
    make_user(engine, "haspass", "office", password=STRONG)
    with pytest.raises(AuthFailed):
        login("haspass", "", engine=engine)
    assert not verify_password("", "")


def test_seeded_administrator_must_change_password_at_first_login(demo: Engine) -> None:
    first = login("sysadmin", demo_password(), engine=demo)
    assert first.must_change_password is True
    accounts.change_password(first.actor, old_password=demo_password(), new_password="Xin#Kou-ling2026",
                             engine=demo)
    assert login("sysadmin", "Xin#Kou-ling2026", engine=demo).must_change_password is False
    with pytest.raises(AuthFailed):
        login("sysadmin", demo_password(), engine=demo)


def test_password_older_than_max_age_forces_change(engine: Engine) -> None:
    make_user(engine, "old", "office", password=STRONG)
    _set_user(engine, "old", password_changed_at=datetime.now(UTC) - timedelta(days=89))
    assert login("old", STRONG, engine=engine).must_change_password is False
    _set_user(engine, "old", password_changed_at=datetime.now(UTC) - timedelta(days=91))
    assert login("old", STRONG, engine=engine).must_change_password is True
    # configurable: a 30-day policy flags a 31-day-old password
    make_user(engine, "old30", "office", password=STRONG)
    _set_user(engine, "old30", password_changed_at=datetime.now(UTC) - timedelta(days=31))
    assert login("old30", STRONG, engine=engine).must_change_password is False
    assert login("old30", STRONG, engine=engine,
                 settings=Settings(password_max_age_days=30)).must_change_password is True


# ---------------------------------------------------------------- lockout
def test_five_failures_lock_for_thirty_minutes_and_look_like_wrong_password(engine: Engine) -> None:
    make_user(engine, "target", "department", "县城市管理局", password=STRONG)
    messages = set()
    for i in range(5):
        with pytest.raises(AuthFailed) as exc:
            login("target", f"wrong-{i}", engine=engine)
        messages.add(exc.value.message)
        if i == 3:
            assert _user(engine, "target").failed_attempts == 4  # the counter is in the database
    locked_until = _user(engine, "target").locked_until
    assert locked_until is not None
    locked_until = locked_until.replace(tzinfo=UTC) if locked_until.tzinfo is None else locked_until
    assert timedelta(minutes=29) < locked_until - datetime.now(UTC) <= timedelta(minutes=30)
    # the right password is refused while locked, with the very same message as a wrong one
    with pytest.raises(AuthFailed) as exc:
        login("target", STRONG, engine=engine)
    messages.add(exc.value.message)
    with pytest.raises(AuthFailed) as exc:
        login("nobody-at-all", "whatever", engine=engine)
    messages.add(exc.value.message)
    assert messages == {LOGIN_FAILED}
    assert [e.after.get("reason") for e in audit_rows(engine, action="auth.login", outcome="denied")][-3:] == \
        ["bad_password", "locked", "unknown_user"]
    assert len(audit_rows(engine, action="auth.lockout")) == 1
    # once the lock has expired the right password works again and resets the counter
    _set_user(engine, "target", locked_until=datetime.now(UTC) - timedelta(seconds=1))
    assert login("target", STRONG, engine=engine).actor.username == "target"
    assert _user(engine, "target").failed_attempts == 0


def test_lockout_counter_survives_a_new_browser_session_and_process(engine: Engine) -> None:
    """Nothing about the counter is in memory: a fresh engine (≈ new process / browser) continues it."""
    make_user(engine, "persist", "office", password=STRONG)
    for i in range(3):
        with pytest.raises(AuthFailed):
            login("persist", f"bad{i}", engine=engine)
    url = engine.url.render_as_string(hide_password=False)
    engine_for.cache_clear()
    fresh = engine_for(url)
    assert fresh is not engine
    for i in range(2):
        with pytest.raises(AuthFailed):
            login("persist", f"bad-again{i}", engine=fresh)
    with pytest.raises(AuthFailed):
        login("persist", STRONG, engine=fresh)
    assert _user(fresh, "persist").locked_until is not None
    fresh.dispose()


def test_lockout_threshold_and_duration_are_configurable(engine: Engine) -> None:
    make_user(engine, "cfg", "office", password=STRONG)
    settings = Settings(lockout_threshold=2, lockout_minutes=5)
    for _ in range(2):
        with pytest.raises(AuthFailed):
            login("cfg", "nope", engine=engine, settings=settings)
    until = _user(engine, "cfg").locked_until
    assert until is not None
    until = until.replace(tzinfo=UTC) if until.tzinfo is None else until
    assert timedelta(minutes=4) < until - datetime.now(UTC) <= timedelta(minutes=5)


def test_disabled_account_cannot_log_in(engine: Engine) -> None:
    make_user(engine, "gone", "office", password=STRONG, is_active=False)
    with pytest.raises(AuthFailed) as exc:
        login("gone", STRONG, engine=engine)
    assert exc.value.message == LOGIN_FAILED


# ---------------------------------------------------------------- sessions
def _session_row(engine: Engine, token: str) -> UserSession:
    with read_session(engine) as session:
        return session.exec(select(UserSession).where(UserSession.token_hash == accounts._token_hash(token))).one()


def _age_session(engine: Engine, token: str, *, created: timedelta, seen: timedelta) -> None:
    now = datetime.now(UTC)
    with write_session(engine) as session:
        session.execute(update(UserSession).where(UserSession.token_hash == accounts._token_hash(token))  # type: ignore[arg-type]
                        .values(created_at=now - created, last_seen_at=now - seen))


def test_token_is_random_and_stored_only_as_hash(engine: Engine) -> None:
    make_user(engine, "tok", "office", password=STRONG)
    a, b = login("tok", STRONG, engine=engine), login("tok", STRONG, engine=engine)
    assert a.token != b.token and len(a.token) >= 43  # 32 random bytes, url-safe
    row = _session_row(engine, a.token)
    assert row.token_hash != a.token and a.token not in row.token_hash


def test_idle_timeout(engine: Engine) -> None:
    make_user(engine, "idle", "office", password=STRONG)
    token = login("idle", STRONG, engine=engine).token
    _age_session(engine, token, created=timedelta(minutes=40), seen=timedelta(minutes=29))
    assert validate_session(token, engine=engine).actor.username == "idle"
    _age_session(engine, token, created=timedelta(minutes=40), seen=timedelta(minutes=31))
    with pytest.raises(SessionExpired, match="长时间未操作"):
        validate_session(token, engine=engine)
    # configurable: a 10-minute policy ends an 11-minute idle session
    token2 = login("idle", STRONG, engine=engine).token
    _age_session(engine, token2, created=timedelta(minutes=11), seen=timedelta(minutes=11))
    assert validate_session(token2, engine=engine)  # default 30 min: fine (and refreshes last_seen)
    _age_session(engine, token2, created=timedelta(minutes=11), seen=timedelta(minutes=11))
    with pytest.raises(SessionExpired):
        validate_session(token2, engine=engine, settings=Settings(session_idle_minutes=10))


def test_validate_session_refreshes_last_seen(engine: Engine) -> None:
    make_user(engine, "active", "office", password=STRONG)
    token = login("active", STRONG, engine=engine).token
    _age_session(engine, token, created=timedelta(minutes=50), seen=timedelta(minutes=20))
    validate_session(token, engine=engine)
    seen = _session_row(engine, token).last_seen_at
    seen = seen.replace(tzinfo=UTC) if seen.tzinfo is None else seen
    assert datetime.now(UTC) - seen < timedelta(minutes=1)


def test_absolute_lifetime_even_when_active(engine: Engine) -> None:
    make_user(engine, "longday", "office", password=STRONG)
    token = login("longday", STRONG, engine=engine).token
    _age_session(engine, token, created=timedelta(hours=11, minutes=59), seen=timedelta(minutes=1))
    assert validate_session(token, engine=engine)
    _age_session(engine, token, created=timedelta(hours=12, minutes=1), seen=timedelta(minutes=1))
    with pytest.raises(SessionExpired, match="上限"):
        validate_session(token, engine=engine)


def test_logout_ends_the_session(engine: Engine) -> None:
    make_user(engine, "bye", "office", password=STRONG)
    token = login("bye", STRONG, engine=engine).token
    accounts.logout(token, engine=engine)
    with pytest.raises(SessionExpired):
        validate_session(token, engine=engine)
    assert audit_rows(engine, action="auth.logout")


def test_disabling_a_user_ends_all_their_sessions(engine: Engine) -> None:
    admin = make_user(engine, "sa", "sysadmin")
    victim = make_user(engine, "leaver", "department", "县城市管理局", password=STRONG)
    tokens = [login("leaver", STRONG, engine=engine).token for _ in range(2)]  # two browsers
    for t in tokens:
        validate_session(t, engine=engine)
    accounts.set_active(admin, victim.user_id or 0, False, engine=engine)
    for t in tokens:
        with pytest.raises(SessionExpired):
            validate_session(t, engine=engine)
    # re-enabling does not resurrect the old sessions
    accounts.set_active(admin, victim.user_id or 0, True, engine=engine)
    with pytest.raises(SessionExpired):
        validate_session(tokens[0], engine=engine)


def test_role_change_ends_sessions_at_next_action(engine: Engine) -> None:
    sec = make_user(engine, "sec", "secadmin")
    user = make_user(engine, "mover", "office", password=STRONG)
    token = login("mover", STRONG, engine=engine).token
    assert validate_session(token, engine=engine).actor.role == "office"
    accounts.set_role(sec, user.user_id or 0, "leader", engine=engine)
    with pytest.raises(SessionExpired, match="权限已变更"):
        validate_session(token, engine=engine)
    assert validate_session(login("mover", STRONG, engine=engine).token, engine=engine).actor.role == "leader"


def test_unknown_token_refused(engine: Engine) -> None:
    with pytest.raises(SessionExpired):
        validate_session("forged-token", engine=engine)


# ---------------------------------------------------------------- separation of account powers
def test_sysadmin_cannot_mint_or_take_over_administrator_accounts(engine: Engine) -> None:
    """Found by this suite: sysadmin could create an auditor (knowing its password) or reset one."""
    admin = make_user(engine, "sa", "sysadmin")
    auditor = make_user(engine, "aud", "auditor", password=STRONG)
    for role in ("auditor", "secadmin", "sysadmin"):
        with pytest.raises(PermissionDenied):
            accounts.create_user(admin, username=f"new-{role}", display_name="x", role=role, engine=engine)
    with pytest.raises(PermissionDenied):
        accounts.reset_password(admin, auditor.user_id or 0, engine=engine)
    assert login("aud", STRONG, engine=engine)  # password unchanged
    # ordinary accounts remain manageable by the sysadmin
    user, initial = accounts.create_user(admin, username="clerk", display_name="办事员", role="office",
                                         engine=engine)
    assert login("clerk", initial, engine=engine).must_change_password is True
    assert len(audit_rows(engine, action="user.create", outcome="denied")) == 3
