"""What every command shares: error mapping to exit code 2, date options, JSON output."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

import typer

from models.services.errors import ServiceError
from models.settings import SettingsError

F = TypeVar("F", bound=Callable[..., Any])
CLI_ACTOR_NAME = "cli"


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
