"""`reform user add|role|reset-2fa`: accounts the web app does not create (administrator roles among them)."""
from __future__ import annotations

import typer

from ui.cli.common import CLI_ACTOR_NAME, friendly


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

    _, password = create_user(Actor.system(CLI_ACTOR_NAME), username=username, display_name=name or username,
                              role=role, unit_name=unit, email=email)
    typer.echo(f"已创建用户 {username}；初始口令（首次登录须修改）：{password}")


@friendly
def user_role(
    username: str,
    role: str = typer.Option(..., help="office|department|staffing|leader|sysadmin|secadmin|auditor"),
) -> None:
    """Change a user's role; administrator roles are granted or withdrawn only here (修改角色)."""
    from models.services.accounts import set_role, user_id_for
    from models.services.actor import Actor

    set_role(Actor.system(CLI_ACTOR_NAME), user_id_for(username), role)
    typer.echo(f"已将用户 {username} 的角色改为 {role}")


@friendly
def user_reset_second_factor(username: str) -> None:
    """Clear a user's second factor (lost authenticator); they enrol again at the next login (重置第二因素)."""
    from models.services.accounts import user_id_for
    from models.services.actor import Actor
    from models.services.second_factor import reset

    reset(Actor.system(CLI_ACTOR_NAME), user_id_for(username))
    typer.echo(f"已重置用户 {username} 的第二因素；下次登录时须重新绑定身份验证器")
