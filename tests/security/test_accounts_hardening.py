"""Account edge cases found while hardening: parallel brute force, oversized input, password resets.

Each test here failed before the fix described in its docstring (see the commit message).
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy.engine import Engine

from models.services import accounts
from models.services.accounts import LOGIN_FAILED, AuthFailed, SessionExpired, login, validate_session
from models.settings import Settings
from tests.security.conftest import STRONG, audit_rows, make_user


def test_parallel_guessing_gets_no_more_than_threshold_attempts(engine: Engine) -> None:
    """PostgreSQL READ COMMITTED lost increments of failed_attempts when guesses ran in parallel, so a
    brute-forcer with 20 connections got far more than 5 guesses. The user row is now locked
    (SELECT … FOR UPDATE) for the duration of the check."""
    make_user(engine, "brute", "office", password=STRONG)
    barrier = threading.Barrier(20, timeout=60)
    results: list[str] = []
    lock = threading.Lock()

    def guess(i: int) -> None:
        barrier.wait()
        try:
            login("brute", f"guess-{i}", engine=engine, settings=Settings())
            outcome = "in"
        except AuthFailed as exc:
            outcome = exc.message
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [LOGIN_FAILED] * 20
    reasons = Counter(e.after.get("reason") for e in audit_rows(engine, action="auth.login", outcome="denied"))
    assert reasons == {"bad_password": 5, "locked": 15}
    assert len(audit_rows(engine, action="auth.lockout")) == 1


@pytest.mark.parametrize("username", ["x" * 61, "y" * 500, "a\nb\r\nINJECTED audit line", "名" * 80])
def test_oversized_or_odd_usernames_fail_like_any_wrong_login(engine: Engine, username: str) -> None:
    """A 61+ character user name overflowed audit columns on PostgreSQL (DataError → stack trace)."""
    with pytest.raises(AuthFailed) as exc:
        login(username, "whatever", client_addr="203.0.113.9" * 10, engine=engine)
    assert exc.value.message == LOGIN_FAILED
    row = audit_rows(engine, action="auth.login", outcome="denied")[-1]
    assert len(row.actor_name) <= 60 and row.after.get("reason") == "unknown_user"


def test_password_reset_ends_existing_sessions(engine: Engine) -> None:
    """Resetting a (possibly compromised) account's password left the intruder's sessions valid."""
    admin = make_user(engine, "sa", "sysadmin")
    victim = make_user(engine, "victim", "office", password=STRONG)
    token = login("victim", STRONG, engine=engine).token
    new_password = accounts.reset_password(admin, victim.user_id or 0, engine=engine)
    with pytest.raises(SessionExpired):
        validate_session(token, engine=engine)
    assert login("victim", new_password, engine=engine).must_change_password is True
