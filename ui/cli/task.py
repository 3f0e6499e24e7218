"""`reform task list` (the indicator command of a task lives with the reporting commands)."""
from __future__ import annotations

import typer

from ui.cli.common import echo_json, friendly


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
