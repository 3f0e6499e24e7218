"""`reform calendar import`: enter a year's 放假安排 for years the calendar package does not know."""
from __future__ import annotations

from pathlib import Path

import typer

from ui.cli.common import friendly


@friendly
def import_year(file: Path = typer.Argument(..., help="国务院办公厅放假安排通知（文本文件）"),
                year: int = typer.Option(..., "--year", help="年份")) -> None:
    """Import a year's holiday arrangement; dates in that year stop being provisional."""
    from models.services.actor import Actor
    from models.services.calendar import import_arrangement

    count = import_arrangement(Actor.system("cli"), year=year, text=file.read_text("utf-8"))
    typer.echo(f"已录入 {year} 年放假安排：{count} 天（放假及调休上班）")
