"""`reform schedule`: recompute a plan and print the summary the flows and web app also use."""
from __future__ import annotations

import typer

from models.settings import get_settings
from ui.cli.common import echo_json, friendly, parse_day


@friendly
def schedule(plan: int = typer.Option(None, "--plan", help="方案编号（默认最新方案）"),
             today: str = typer.Option(None, help="按此日期计算 YYYY-MM-DD"),
             as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    """Recompute forecasts, critical path and traffic lights; print counts, critical path, at-risk tasks."""
    from models.services.actor import Actor
    from models.services.scheduling import recompute

    done = recompute(Actor.system("cli"), plan_id=plan, today=parse_day(today) or get_settings().today())
    summary = done.summary()
    if as_json:
        echo_json(summary)
        return
    counts = summary.get("counts", {})
    typer.echo("红黄绿灯：" + "  ".join(f"{k} {v}" for k, v in counts.items()))
    typer.echo("关键路径：" + " → ".join(map(str, summary.get("critical_path", []))))
    risky = summary.get("at_risk", [])
    typer.echo("预警（受前置任务影响可能逾期）：" + ("、".join(map(str, risky)) if risky else "无"))
    if summary.get("provisional"):
        typer.echo("注意：部分日期按工作日推算（该年度放假安排尚未录入），为暂定日期")
