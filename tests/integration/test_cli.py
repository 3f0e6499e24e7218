"""The `reform` command line as an operator uses it, against a fresh SQLite home per test."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.db import engine_for
from models.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REFORM_HOME", str(tmp_path))
    monkeypatch.delenv("REFORM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    from ui.cli import app

    def invoke(*args: str) -> object:
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()
    engine_for.cache_clear()


def test_demo_then_task_list_json(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", "load", "--today", "2026-11-21").exit_code == 0
    result = cli("task", "list", "--json")
    rows = json.loads(result.stdout)
    first = next(r for r in rows if r["code"] == "三.1")
    assert set(first) >= {"code", "title", "units", "deadline", "status"}
    assert first["units"]["lead"] == ["县委机构编制委员会办公室", "县人力资源和社会保障局"]
    mine = json.loads(cli("task", "list", "--unit", "县城管局", "--json").stdout)  # a short name
    assert mine and all("县城市管理局" in sum(r["units"].values(), []) for r in mine)


def test_unknown_unit_is_a_clear_error(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo", "load", "--today", "2026-11-21")
    result = cli("task", "list", "--unit", "火星局")
    assert result.exit_code == 2 and "未知单位" in result.stderr


def test_plan_import_dry_run_writes_nothing_and_import_is_idempotent(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("db", "upgrade")
    plan = next((ROOT / "data" / "sample_plans").glob("*.txt"))
    dry = cli("plan", "import", str(plan), "--dry-run", "--json")
    assert dry.exit_code == 0
    parsed = json.loads(dry.stdout)
    assert set(parsed) == {"plan", "tasks", "warnings"} and parsed["tasks"]
    assert json.loads(cli("task", "list", "--json").stdout) == []
    refused = cli("plan", "import", str(plan))  # no units in this database: every name is unsettled (#14)
    assert refused.exit_code != 0 and "未对应到系统中的单位" in refused.stderr
    assert json.loads(cli("task", "list", "--json").stdout) == []
    assert "已导入方案" in cli("plan", "import", str(plan), "--unassigned-units").stdout
    again = cli("plan", "import", str(plan))
    assert again.exit_code == 0 and "未做任何更改" in again.stdout
    assert len(json.loads(cli("task", "list", "--json").stdout)) == len(parsed["tasks"])


@pytest.mark.parametrize("name,data", [("empty.docx", b""), ("fake.docx", b"MZ\x90\x00" + b"\x00" * 200),
                                       ("broken.xlsx", b"PK\x03\x04garbage")])
def test_bad_plan_files_exit_2_and_store_nothing(cli, tmp_path: Path, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    cli("db", "upgrade")
    path = tmp_path / name
    path.write_bytes(data)
    result = cli("plan", "import", str(path))
    assert result.exit_code == 2 and result.stderr.startswith("错误：")
    assert json.loads(cli("task", "list", "--json").stdout) == []


def test_schedule_json_summary(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo", "load", "--today", "2026-11-21")
    summary = json.loads(cli("schedule", "--json", "--today", "2026-11-21").stdout)
    assert set(summary["counts"]) >= {"done", "green", "yellow", "red", "at_risk"}
    assert "五.3" in summary["at_risk"]


def test_notice_issue_allocates_numbers_preview_does_not(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("demo", "load", "--today", "2026-11-21")
    out = tmp_path / "p.docx"
    assert cli("notice", "preview", "supervision", "--task", "四.4", "--out", str(out)).exit_code == 0
    first = cli("notice", "issue", "supervision", "--task", "四.4", "--out", str(tmp_path / "a.docx"),
                "--date", "2026-11-21")
    second = cli("notice", "issue", "urging", "--task", "六.1", "--out", str(tmp_path / "b.docx"),
                 "--date", "2026-11-21")
    numbers = re.findall(r"已印发 (\S+?)《", first.stdout + second.stdout)
    assert numbers == ["县改办督〔2026〕1号", "县改办函〔2026〕1号"]
    assert (tmp_path / "a.docx").stat().st_size > 5000
    missing = cli("notice", "issue", "supervision", "--task", "九.9", "--out", str(tmp_path / "c.docx"))
    assert missing.exit_code == 2 and "任务不存在" in missing.stderr


def test_user_add_requires_a_known_role_and_unit(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo", "load", "--today", "2026-11-21")
    ok = cli("user", "add", "newclerk", "--role", "department", "--unit", "县财政局")
    assert ok.exit_code == 0 and "初始口令" in ok.stdout
    assert cli("user", "add", "x", "--role", "god").exit_code == 2
    assert cli("user", "add", "y", "--role", "department").exit_code == 2  # no unit


def test_bad_configuration_is_refused_with_the_variable_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from models.settings import SettingsError, load_settings

    monkeypatch.setenv("REFORM_AUDIT_RETENTION_DAYS", "30")
    with pytest.raises(SettingsError, match="REFORM_AUDIT_RETENTION_DAYS"):
        load_settings()
    monkeypatch.setenv("REFORM_AUDIT_RETENTION_DAYS", "365")
    monkeypatch.setenv("REFORM_DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError, match="REFORM_DATABASE_URL"):
        load_settings()


def test_first_start_scans_once_so_the_demo_shows_alerts(cli) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from models.db import read_session
    from models.tables import Alert, OpsRun
    from ui.cli.run import _first_scan

    cli("demo", "load")
    _first_scan()
    _first_scan()  # a second start does not scan again (the 08:30 deployment takes over)
    with read_session() as session:
        assert len(session.exec(select(OpsRun).where(OpsRun.kind == "scan")).all()) == 1
        assert {a.level for a in session.exec(select(Alert)).all()} >= {"reminder", "urging"}


def test_office_scripts_evaluation_rounds_weights_and_request_lists(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo", "load", "--today", "2026-11-21")
    opened = cli("evaluation", "open", "2026年11月条块互评", "--start", "2026-11-01", "--end", "2026-11-15",
                 "--min", "0", "--max", "100")
    assert opened.exit_code == 0 and "0–100分" in opened.stdout
    again = cli("evaluation", "open", "2026年11月条块互评", "--start", "2026-11-01", "--end", "2026-11-15")
    assert again.exit_code == 2 and "已有名为" in again.stderr
    assert cli("evaluation", "close", "2026年11月条块互评").exit_code == 0
    closed = cli("evaluation", "close", "2026年11月条块互评")
    assert closed.exit_code == 2 and "已结束" in closed.stderr
    assert json.loads(cli("evaluation", "results", "2026年11月条块互评", "--json").stdout) == []
    assert "互评（peer）权重：0.2" in cli("ranking", "weights").stdout
    set_ = cli("ranking", "weights", "--peer", "0.3", "--extensions", "2")
    assert "互评（peer）权重：0.3" in set_.stdout and "延期（extensions）每次扣分：2" in set_.stdout
    bad = cli("ranking", "weights", "--on-time", "-1")
    assert bad.exit_code == 2 and "不能为负数" in bad.stderr
    listed = cli("request", "list")
    assert listed.exit_code == 0 and "共 0 项申请" in listed.stdout
    wrong = cli("request", "list", "--state", "done")
    assert wrong.exit_code == 2 and "申请状态只能是" in wrong.stderr
