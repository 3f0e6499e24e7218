"""三权分立 for role changes (issue #20 point 3).

Found by probing: ``set_role`` had no guard for the administrator roles, so sysadmin created a leader
(learning its first password), secadmin made it an auditor and it purged the audit trail; secadmin could
also demote the only auditor. Administrator roles now move only through the installer CLI (``system``),
and the last active auditor can never be removed.
"""
from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.services import accounts
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.tables import User
from tests.security.conftest import audit_rows, make_user

SYSTEM = Actor.system("test")


def _role(engine: Engine, user_id: int) -> tuple[str, bool]:
    with read_session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.role, user.is_active


def test_secadmin_cannot_turn_a_fresh_account_into_an_administrator(engine: Engine) -> None:
    sysadmin = make_user(engine, "sa", "sysadmin")
    sec = make_user(engine, "sec", "secadmin")
    make_user(engine, "aud", "auditor")
    mole, _password = accounts.create_user(sysadmin, username="mole", display_name="x", role="leader", engine=engine)
    for role in ("auditor", "secadmin", "sysadmin"):
        with pytest.raises(PermissionDenied, match="命令行"):
            accounts.set_role(sec, mole.id or 0, role, engine=engine)
    assert _role(engine, mole.id or 0) == ("leader", True)
    denied = audit_rows(engine, action="user.set_role", outcome="denied")
    assert len(denied) == 3 and all(e.actor_name == "sec" for e in denied)
    # business roles are still the security administrator's to grant
    accounts.set_role(sec, mole.id or 0, "office", engine=engine)
    assert _role(engine, mole.id or 0) == ("office", True)


def test_secadmin_cannot_demote_and_sysadmin_cannot_disable_administrators(engine: Engine) -> None:
    sysadmin = make_user(engine, "sa", "sysadmin")
    sec = make_user(engine, "sec", "secadmin")
    aud = make_user(engine, "aud", "auditor")
    with pytest.raises(PermissionDenied):
        accounts.set_role(sec, aud.user_id or 0, "leader", engine=engine)
    with pytest.raises(PermissionDenied):
        accounts.set_active(sysadmin, aud.user_id or 0, False, engine=engine)
    with pytest.raises(PermissionDenied):
        accounts.set_active(sysadmin, sec.user_id or 0, False, engine=engine)
    with pytest.raises(PermissionDenied):  # sysadmin never had the right to grant roles at all
        accounts.set_role(sysadmin, aud.user_id or 0, "leader", engine=engine)
    assert _role(engine, aud.user_id or 0) == ("auditor", True)
    assert _role(engine, sec.user_id or 0) == ("secadmin", True)


def test_the_last_active_auditor_cannot_be_removed_even_by_the_installer(engine: Engine) -> None:
    aud = make_user(engine, "aud", "auditor")
    with pytest.raises(Invalid, match="审计管理员"):
        accounts.set_role(SYSTEM, aud.user_id or 0, "leader", engine=engine)
    with pytest.raises(Invalid, match="审计管理员"):
        accounts.set_active(SYSTEM, aud.user_id or 0, False, engine=engine)
    assert _role(engine, aud.user_id or 0) == ("auditor", True)
    second = make_user(engine, "aud2", "auditor")
    accounts.set_role(SYSTEM, aud.user_id or 0, "leader", engine=engine)  # another auditor remains
    assert _role(engine, aud.user_id or 0) == ("leader", True)
    with pytest.raises(Invalid):
        accounts.set_active(SYSTEM, second.user_id or 0, False, engine=engine)


def test_installer_grants_administrator_roles_through_the_cli(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from models.db import engine_for
    from models.settings import get_settings
    from ui.cli import app

    monkeypatch.setenv("REFORM_HOME", str(tmp_path))
    monkeypatch.delenv("REFORM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["user", "add", "clerk", "--role", "leader"]).exit_code == 0
        ok = runner.invoke(app, ["user", "role", "clerk", "--role", "auditor"])
        assert ok.exit_code == 0, ok.output
        refused = runner.invoke(app, ["user", "role", "clerk", "--role", "leader"])
        assert refused.exit_code == 2 and "审计管理员" in refused.stderr
        missing = runner.invoke(app, ["user", "role", "nobody", "--role", "leader"])
        assert missing.exit_code == 2 and "用户不存在" in missing.stderr
        with read_session() as session:
            assert session.exec(select(User.role).where(User.username == "clerk")).one() == "auditor"
    finally:
        get_settings.cache_clear()
        engine_for.cache_clear()
