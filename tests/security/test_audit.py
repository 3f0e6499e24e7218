"""等保 安全审计 c (protect records), 数据完整性 (storage), 网络安全法 ≥ 6 months retention; ASVS 16.4.2.

Append-only is enforced by triggers; tampering is simulated by dropping the triggers first (what a DBA
or an attacker with DDL rights could do), and the hash chain must still reveal it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from models.db import is_sqlite, write_session
from models.services import audit
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.settings import Settings, get_settings
from models.tables import AuditHead
from tests.security.conftest import audit_count, audit_rows, chain_ok

AUDITOR = Actor(None, "shenji", "auditor")
CLERK = Actor(None, "clerk", "office")


def _append(engine: Engine, n: int, *, prefix: str = "test.event") -> None:
    for i in range(n):
        with write_session(engine) as session:
            audit.record(session, CLERK, f"{prefix}", "thing", i, after={"i": i})


def _raw(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql))


def _drop_triggers(engine: Engine) -> None:
    if is_sqlite(engine):
        for name in ("auditevent_no_update", "auditevent_no_delete", "audithead_anchor_guard"):
            _raw(engine, f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in ("auditevent_row_guard", "auditevent_truncate_guard"):
            _raw(engine, f"DROP TRIGGER IF EXISTS {name} ON auditevent")


# ---------------------------------------------------------------- append-only
TAMPERING = [
    "UPDATE auditevent SET outcome = 'success' WHERE id = 2",
    "UPDATE auditevent SET after = '{}'",
    "DELETE FROM auditevent WHERE id = 3",
    "DELETE FROM auditevent",
    "TRUNCATE auditevent",
    "TRUNCATE audithead",
    "UPDATE audithead SET anchor_id = 3",
]


def test_audit_rows_cannot_be_changed_or_removed(engine: Engine) -> None:
    """Each statement in its own transaction; one database per backend keeps the suite fast."""
    _append(engine, 5)
    tried = 0
    for statement in TAMPERING:
        if statement.startswith("TRUNCATE") and is_sqlite(engine):
            continue  # SQLite has no TRUNCATE; DELETE without WHERE is covered
        with pytest.raises(DBAPIError, match="append-only|184 days"):
            _raw(engine, statement)
        tried += 1
        assert audit_count(engine) == 5 and chain_ok(engine).ok, statement
    assert tried == (5 if is_sqlite(engine) else 7)


# ---------------------------------------------------------------- hash chain
def test_verify_detects_a_modified_row(engine: Engine) -> None:
    _append(engine, 6)
    assert chain_ok(engine).ok
    _drop_triggers(engine)
    _raw(engine, "UPDATE auditevent SET actor_name = 'someone-else' WHERE id = 3")
    result = chain_ok(engine)
    assert not result.ok and any("#3" in p and "修改" in p for p in result.problems)


def test_the_audit_page_verifies_the_chain_for_the_auditor_only(engine: Engine) -> None:
    _append(engine, 3)
    result = audit.verify_chain(AUDITOR, engine=engine)
    assert result.ok and result.checked == audit_count(engine)
    with pytest.raises(PermissionDenied):
        audit.verify_chain(CLERK, engine=engine)
    _drop_triggers(engine)
    _raw(engine, "UPDATE auditevent SET actor_name = 'someone-else' WHERE id = 2")
    assert not audit.verify_chain(AUDITOR, engine=engine).ok


def test_verify_detects_a_deleted_middle_row(engine: Engine) -> None:
    _append(engine, 6)
    _drop_triggers(engine)
    _raw(engine, "DELETE FROM auditevent WHERE id = 4")
    result = chain_ok(engine)
    assert not result.ok and any("缺失" in p for p in result.problems)


def test_verify_detects_a_deleted_last_row(engine: Engine) -> None:
    _append(engine, 6)
    _drop_triggers(engine)
    _raw(engine, "DELETE FROM auditevent WHERE id = 6")
    result = chain_ok(engine)
    assert not result.ok and any("末端" in p for p in result.problems)


def test_verify_detects_a_rehashed_forgery(engine: Engine) -> None:
    """Recomputing the forged row's own hash is not enough: the next row's prev_hash breaks."""
    _append(engine, 5)
    _drop_triggers(engine)
    row = audit_rows(engine, id=2)[0]
    row.outcome = "denied"
    forged_hash = audit.compute_hash(row)
    _raw(engine, f"UPDATE auditevent SET outcome = 'denied', hash = '{forged_hash}' WHERE id = 2")
    result = chain_ok(engine)
    assert not result.ok and any("#3" in p and "前序" in p for p in result.problems)


@contextmanager
def _cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REFORM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        yield
    finally:
        monkeypatch.delenv("REFORM_DATABASE_URL")
        get_settings.cache_clear()


def test_cli_audit_verify_exit_codes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.cli import app

    _append(engine, 4)
    with _cli_database(engine, monkeypatch):
        ok = CliRunner().invoke(app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "4" in ok.output
        _drop_triggers(engine)
        _raw(engine, "DELETE FROM auditevent WHERE id = 2")
        bad = CliRunner().invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "缺失" in bad.output


# ---------------------------------------------------------------- retention
def test_retention_setting_refuses_less_than_184_days() -> None:
    assert Settings().audit_retention_days >= 184
    with pytest.raises(ValidationError):
        Settings(audit_retention_days=183)
    assert Settings(audit_retention_days=184).audit_retention_days == 184


@contextmanager
def _clock(at: datetime) -> Iterator[None]:
    """Write audit rows "in the past" (the only way to get old rows without UPDATE)."""
    real = audit.datetime

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return at if tz is not None else at.replace(tzinfo=None)

    audit.datetime = Frozen  # type: ignore[misc]
    try:
        yield
    finally:
        audit.datetime = real  # type: ignore[misc]


def test_purge_expired_removes_only_rows_older_than_retention(engine: Engine) -> None:
    now = datetime.now(UTC)
    with _clock(now - timedelta(days=400)):
        _append(engine, 3, prefix="very.old")
    with _clock(now - timedelta(days=200)):
        _append(engine, 2, prefix="old")
    with _clock(now - timedelta(days=100)):
        _append(engine, 2, prefix="recent")
    _append(engine, 2, prefix="today")
    assert chain_ok(engine).ok

    with write_session(engine) as session:  # 365 days: only the 400-day-old rows go
        assert audit.purge_expired(session, AUDITOR, retention_days=365) == 3
    assert {e.action for e in audit_rows(engine)} == {"old", "recent", "today", "audit.purge"}
    result = chain_ok(engine)
    assert result.ok, result.problems
    assert audit_rows(engine, action="audit.purge")[0].actor_role == "auditor"

    with write_session(engine) as session:  # the legal minimum: 200-day-old rows go, 100-day-old stay
        assert audit.purge_expired(session, AUDITOR, retention_days=184) == 2
    assert [e.action for e in audit_rows(engine)].count("recent") == 2
    assert chain_ok(engine).ok


def test_purge_refuses_short_retention_and_non_auditors(engine: Engine) -> None:
    now = datetime.now(UTC)
    with _clock(now - timedelta(days=100)):
        _append(engine, 2)
    with write_session(engine) as session, pytest.raises(Invalid, match="184"):
        audit.purge_expired(session, AUDITOR, retention_days=90)
    for role in ("sysadmin", "secadmin", "office", "system"):
        with write_session(engine) as session, pytest.raises(PermissionDenied):
            audit.purge_expired(session, Actor(None, role, role), retention_days=184)
    assert audit_count(engine) == 2


def test_anchor_cannot_be_moved_onto_young_rows_even_directly(engine: Engine) -> None:
    """Defence in depth: the trigger refuses what purge_expired refuses, for code that bypasses it."""
    _append(engine, 3)
    with pytest.raises(DBAPIError, match="184 days"), write_session(engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        head.anchor_id = 2
        session.add(head)
        session.flush()


# ---------------------------------------------------------------- production grants (PostgreSQL)
def _grant_statements(app_role: str, audit_role: str) -> list[str]:
    """The GRANT/REVOKE statements of docs/SECURITY.md §3, applied to scratch roles."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md").read_text("utf-8")
    block = doc.split("```sql", 1)[1].split("```", 1)[0]
    statements = []
    for raw in block.split(";"):
        lines = [ln for ln in raw.splitlines() if ln.strip() and not ln.strip().startswith(("--", "\\"))]
        sql = " ".join(ln.strip() for ln in lines)
        if sql.startswith(("GRANT", "REVOKE")) and "SCHEMA public FROM PUBLIC" not in sql:
            statements.append(sql.replace("reform_app", app_role).replace("reform_audit", audit_role))
    return statements


def test_app_role_cannot_change_audit_rows(engine: Engine) -> None:
    """Grants are the second wall: even with the triggers gone, the application role is refused."""
    if is_sqlite(engine):
        pytest.skip("roles and grants are PostgreSQL features")
    _append(engine, 3)
    _drop_triggers(engine)
    suffix = engine.url.database or "x"
    app_role, audit_role = f"{suffix}_app", f"{suffix}_aud"
    statements = _grant_statements(app_role, audit_role)
    assert any("REVOKE UPDATE, DELETE, TRUNCATE ON auditevent" in s for s in statements)
    _raw(engine, f'CREATE ROLE "{app_role}" NOLOGIN')
    _raw(engine, f'CREATE ROLE "{audit_role}" NOLOGIN')
    try:
        for sql in statements:
            _raw(engine, sql)
        for sql in ("UPDATE auditevent SET outcome = 'x' WHERE id = 1", "DELETE FROM auditevent WHERE id = 1",
                    "TRUNCATE auditevent", "DELETE FROM audithead"):
            with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
                conn.execute(text(f'SET LOCAL ROLE "{app_role}"'))
                conn.execute(text(sql))
        with engine.begin() as conn:  # what the application does need still works
            conn.execute(text(f'SET LOCAL ROLE "{app_role}"'))
            assert conn.execute(text("SELECT count(*) FROM auditevent")).scalar() == 3
            conn.execute(text("UPDATE audithead SET last_id = last_id"))
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
            conn.execute(text(f'SET LOCAL ROLE "{audit_role}"'))
            conn.execute(text("INSERT INTO unit (name, kind, is_group) VALUES ('x', 'department', false)"))
        assert chain_ok(engine).ok
    finally:
        for role in (app_role, audit_role):
            _raw(engine, f'DROP OWNED BY "{role}"')
            _raw(engine, f'DROP ROLE "{role}"')
