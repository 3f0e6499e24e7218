"""The `reform` commands as plain functions: imported and called directly (no CliRunner), their effect read
back from the database, their errors mapped to exit code 2 as on the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer

from models.db import engine_for, read_session
from models.settings import get_settings
from models.tables import User
from ui.cli import audit, bench, db, demo, task, user


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REFORM_HOME", str(tmp_path))
    monkeypatch.delenv("REFORM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    engine_for.cache_clear()


def _user(username: str) -> User | None:
    from sqlmodel import select

    with read_session() as session:
        return session.exec(select(User).where(User.username == username)).first()


def test_commands_called_directly_change_the_database(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db.db_upgrade()
    demo.demo_load(today="2026-11-21")
    capsys.readouterr()
    task.task_list(unit="县城管局", plan=None, as_json=True)
    rows = json.loads(capsys.readouterr().out)
    assert rows and all("县城市管理局" in sum(r["units"].values(), []) for r in rows)

    user.user_add("zhangsan", role="office", name="张三", unit=None, email=None)
    assert "已创建用户 zhangsan" in capsys.readouterr().out
    added = _user("zhangsan")
    assert added is not None and added.display_name == "张三" and added.role == "office"
    user.user_role("zhangsan", role="leader")
    changed = _user("zhangsan")
    assert changed is not None and changed.role == "leader"

    audit.audit_verify()  # the writes above went through the services: the chain holds
    assert "审计链完整" in capsys.readouterr().out


def test_a_service_error_in_a_direct_call_exits_2_with_its_message(home: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db.db_upgrade()
    with pytest.raises(typer.Exit) as exited:
        task.task_list(unit="火星局", plan=None, as_json=False)
    assert exited.value.exit_code == 2 and "未知单位" in capsys.readouterr().err


def test_bench_without_the_benchmarks_package_says_so_and_exits_2(monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "benchmarks", None)  # as in an installed copy: the package does not ship
    with pytest.raises(typer.Exit) as exited:
        bench.bench(as_json=False, quick=True, only=None, tasks=None)
    assert exited.value.exit_code == 2 and "未找到基准测试包 benchmarks" in capsys.readouterr().err


def test_every_command_is_a_module_level_function_of_a_group_module() -> None:
    from ui.cli.app import app

    def commands(typer_app: typer.Typer) -> list:  # type: ignore[type-arg]
        found = [c.callback for c in typer_app.registered_commands]
        for group in typer_app.registered_groups:
            assert group.typer_instance is not None
            found += commands(group.typer_instance)
        return found

    callbacks = commands(app)
    assert len(callbacks) == 33
    for fn in callbacks:
        assert fn is not None and "<locals>" not in fn.__qualname__, fn
        module = sys.modules[fn.__module__]
        assert fn.__module__.startswith("ui.cli.") and getattr(module, fn.__name__) is fn, fn.__qualname__
