"""The `reform` typer application: every command group and command registered here, explicitly.

The commands are plain module-level functions, one module per group (``ui/cli/<group>.py``), so tests and
scripts can import and call them directly; this module only names them on the command line.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from models.settings import SettingsError
from ui.cli import (
    audit,
    bench,
    calendar,
    db,
    demo,
    flows,
    notice,
    ops,
    plan,
    reporting,
    run,
    schedule,
    supervision,
    task,
    user,
)

app = typer.Typer(help="改革任务督办 Reform Tracker — 命令行工具", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库 / database", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 / demo data", no_args_is_help=True)
user_app = typer.Typer(help="用户 / users", no_args_is_help=True)
task_app = typer.Typer(help="任务 / tasks", no_args_is_help=True)
audit_app = typer.Typer(help="审计 / audit trail", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历 / working-day calendar", no_args_is_help=True)
handover_app = typer.Typer(help="交接流程 / handover processes", no_args_is_help=True)
flows_app = typer.Typer(help="自动化流程 / Prefect deployments", no_args_is_help=True)
notice_app = typer.Typer(help="公文 / notices", no_args_is_help=True)
plan_app = typer.Typer(help="方案 / plans", no_args_is_help=True)
request_app = typer.Typer(help="延期/调整申请 / extension and adjustment requests", no_args_is_help=True)
evaluation_app = typer.Typer(help="条块互评 / two-way evaluation rounds", no_args_is_help=True)
ranking_app = typer.Typer(help="考核排名 / ranking settings", no_args_is_help=True)

# (application, command name, function), in the order `reform --help` lists them.
COMMANDS: list[tuple[typer.Typer, str, Callable[..., Any]]] = [
    (db_app, "upgrade", db.db_upgrade),
    (demo_app, "load", demo.demo_load),
    (user_app, "add", user.user_add),
    (user_app, "role", user.user_role),
    (user_app, "reset-2fa", user.user_reset_second_factor),
    (task_app, "list", task.task_list),
    (audit_app, "verify", audit.audit_verify),
    (app, "bench", bench.bench),
    (calendar_app, "import", calendar.import_year),
    (demo_app, "generate", demo.generate),
    (app, "scan", flows.scan_cmd),
    (app, "bulletin", flows.bulletin_cmd),
    (handover_app, "advance", flows.handover_advance),
    (app, "worker", flows.worker_cmd),
    (app, "deploy", flows.deploy_cmd),
    (flows_app, "list", flows.flows_list),
    (notice_app, "issue", notice.issue),
    (notice_app, "preview", notice.preview),
    (notice_app, "void", notice.void),
    (notice_app, "list", notice.list_),
    (app, "backup", ops.backup_cmd),
    (app, "restore", ops.restore_cmd),
    (app, "recover", ops.recover_cmd),
    (plan_app, "import", plan.plan_import),
    (plan_app, "schedule-reports", reporting.schedule_reports),
    (task_app, "indicator", reporting.task_indicator),
    (app, "up", run.up),
    (app, "schedule", schedule.schedule),
    (request_app, "list", supervision.request_list),
    (evaluation_app, "open", supervision.evaluation_open),
    (evaluation_app, "close", supervision.evaluation_close),
    (evaluation_app, "results", supervision.evaluation_results),
    (ranking_app, "weights", supervision.ranking_weights),
]
GROUPS = [(db_app, "db"), (demo_app, "demo"), (user_app, "user"), (task_app, "task"), (audit_app, "audit"),
          (calendar_app, "calendar"), (handover_app, "handover"), (flows_app, "flows"), (notice_app, "notice"),
          (plan_app, "plan"), (request_app, "request"), (evaluation_app, "evaluation"), (ranking_app, "ranking")]

for group, name in GROUPS:
    app.add_typer(group, name=name)
for target, name, function in COMMANDS:
    target.command(name)(function)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
