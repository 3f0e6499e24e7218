"""`reform` — the command-line entrypoint (命令行工具). Each command's docstring is its help text.

Commands only parse arguments, call services and map errors: a service error prints its Chinese
message and exits with code 2; nothing here holds business rules.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

import typer

from models.services.errors import ServiceError
from models.settings import SettingsError

app = typer.Typer(help="改革任务督办 Reform Tracker — 命令行工具", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库 / database", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 / demo data", no_args_is_help=True)
user_app = typer.Typer(help="用户 / users", no_args_is_help=True)
task_app = typer.Typer(help="任务 / tasks", no_args_is_help=True)
audit_app = typer.Typer(help="审计 / audit trail", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(task_app, name="task")
app.add_typer(audit_app, name="audit")

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Map expected failures to a message and exit code 2, never a stack trace."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ServiceError, SettingsError) as exc:
            typer.echo(f"错误：{getattr(exc, 'message', exc)}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"错误：日期格式应为 YYYY-MM-DD：{value}", err=True)
        raise typer.Exit(2) from None


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@db_app.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version (建立/升级数据库)."""
    from models.migrate import current, upgrade

    upgrade()
    typer.echo(f"数据库已是最新版本：{current()}")


@demo_app.command("load")
@friendly
def demo_load(today: str = typer.Option(None, help="演示数据的“今天” YYYY-MM-DD")) -> None:
    """Load the demo county (清河县城市管理体制改革) with units, users, tasks and handovers."""
    from models.migrate import upgrade
    from models.services.demo import demo_password, load_demo
    from models.settings import get_settings

    upgrade()
    plan = load_demo(today=parse_day(today) or get_settings().today())
    typer.echo(f"演示方案已就绪：#{plan.id} {plan.title}")
    typer.echo(f"演示账号口令：{demo_password()}（sysadmin 首次登录须修改口令）")


@user_app.command("add")
@friendly
def user_add(
    username: str,
    role: str = typer.Option(..., help="office|department|staffing|leader|sysadmin|secadmin|auditor"),
    name: str = typer.Option(None, "--name", help="显示名称"),
    unit: str = typer.Option(None, help="所属单位全称"),
    email: str = typer.Option(None),
) -> None:
    """Add a user with a random initial password that must be changed at first login (新增用户)."""
    from models.services.accounts import create_user
    from models.services.actor import Actor

    _, password = create_user(Actor.system("cli"), username=username, display_name=name or username, role=role,
                              unit_name=unit, email=email)
    typer.echo(f"已创建用户 {username}；初始口令（首次登录须修改）：{password}")


@user_app.command("role")
@friendly
def user_role(
    username: str,
    role: str = typer.Option(..., help="office|department|staffing|leader|sysadmin|secadmin|auditor"),
) -> None:
    """Change a user's role; administrator roles are granted or withdrawn only here (修改角色)."""
    from models.services.accounts import set_role, user_id_for
    from models.services.actor import Actor

    set_role(Actor.system("cli"), user_id_for(username), role)
    typer.echo(f"已将用户 {username} 的角色改为 {role}")


@user_app.command("reset-2fa")
@friendly
def user_reset_second_factor(username: str) -> None:
    """Clear a user's second factor (lost authenticator); they enrol again at the next login (重置第二因素)."""
    from models.services.accounts import user_id_for
    from models.services.actor import Actor
    from models.services.second_factor import reset

    reset(Actor.system("cli"), user_id_for(username))
    typer.echo(f"已重置用户 {username} 的第二因素；下次登录时须重新绑定身份验证器")


@task_app.command("list")
@friendly
def task_list(unit: str = typer.Option(None, help="只列出该单位（全称或简称）牵头/负责/配合的任务"),
              plan: int = typer.Option(None, help="方案编号"),
              as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    """List tasks with their units, deadline and status (任务清单)."""
    from models.services.queries import task_rows

    rows = task_rows(plan_id=plan, unit=unit)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        lead = "、".join(r["units"]["lead"]) or "—"
        typer.echo(f"{r['code']:<10} {r['status']:<14} {r['deadline'] or '—':<10}  {r['title']}  [牵头：{lead}]")


@audit_app.command("verify")
@friendly
def audit_verify() -> None:
    """Verify the audit hash chain; exit code 1 when any row was modified or deleted (审计链校验)."""
    from models.db import read_session
    from models.services.audit import verify

    with read_session() as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"审计链完整：已校验 {result.checked} 条记录")
        return
    for problem in result.problems:
        typer.echo(problem, err=True)
    raise typer.Exit(1)


def _register_optional() -> None:
    """Command groups owned by other parts of the product (plan import, schedule, notices, flows, bench)."""
    import importlib
    import pkgutil

    import ui.commands as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"ui.commands.{info.name}")
        module.register(app)


_register_optional()


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
