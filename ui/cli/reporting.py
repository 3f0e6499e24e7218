"""`reform plan schedule-reports` (报送要求) and `reform task indicator` (指标任务): what the office scripts."""
from __future__ import annotations

from typing import Any

import typer

from ui.cli.common import echo_json, friendly, parse_day


def parse_rule(text: str) -> dict[str, Any]:
    """``monthly:5``, ``weekly:5``, ``quarterly``, ``quarterly:10``, ``yearly``, ``daily``,
    ``stage:2026-12-31,2027-06-30``, ``none`` — or the plan's own words ("每月5日前报送", "按季度报送")."""
    from models.importing.reporting import parse_rules_text

    kind, _, arg = text.strip().partition(":")
    if kind in {"weekly", "monthly", "quarterly", "yearly"} and arg and not arg.isdigit():
        raise ValueError(f"报送日须为数字：{text}")
    if kind == "weekly":
        return {"frequency": kind, "weekday": int(arg or 5)}
    if kind in {"monthly", "quarterly", "yearly"}:
        return {"frequency": kind, "day": int(arg or 0)}
    if kind == "stage":
        return {"frequency": kind, "stages": [s.strip() for s in arg.split(",") if s.strip()]}
    if kind in {"daily", "none"}:
        return {"frequency": kind}
    return parse_rules_text(text)[0]


@friendly
def schedule_reports(
    rule: list[str] = typer.Option([], "--rule", help="报送频次，可多次：monthly:5 / weekly:5 / quarterly / "
                                                      "yearly / daily / stage:日期,日期 / none，或原文“每月5日前报送”"),
    plan: int = typer.Option(None, "--plan", help="方案编号（默认最新方案）"),
    task: str = typer.Option(None, "--task", help="只设置该任务（任务编号）；不填则设置整个方案（任务继承）"),
    remind: int = typer.Option(3, "--remind", help="到期前几个工作日提醒"),
    show: bool = typer.Option(False, "--show", help="只显示当前报送要求"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """Set the reporting duty of a plan (inherited by its tasks) or of one task; the slots follow at once."""
    from models.services import reporting
    from models.services.actor import Actor

    actor = Actor.system("cli")
    pid, task_id = _scope(plan, task)
    current = reporting.detail(task_id) if task_id else reporting.plan_schedule(pid)
    if show:
        echo_json(current) if as_json else typer.echo(f"报送要求：{current['text']}")
        return
    try:
        rules = [{**parse_rule(r), "remind_days": remind} for r in rule]
    except ValueError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    stored = reporting.set_schedule(actor, plan_id=pid, task_id=task_id, rules=rules,
                                    expected_version=current["version"])
    scope = f"任务 {task}" if task else f"方案 #{pid}"
    echo_json(stored) if as_json else typer.echo(f"已设置{scope}的报送要求：{reporting.describe(stored)}")


@friendly
def task_indicator(
    code: str = typer.Argument(..., help="任务编号"),
    plan: int = typer.Option(None, "--plan", help="方案编号（默认最新方案）"),
    target: float = typer.Option(None, "--target", help="目标值"),
    unit: str = typer.Option("", "--unit", help="单位，如 %"),
    direction: str = typer.Option("ge", "--direction", help="ge（≥，达到…以上）或 le（≤，控制在…以内）"),
    baseline: float = typer.Option(None, "--baseline", help="基期值"),
    baseline_on: str = typer.Option(None, "--baseline-on", help="基期日期 YYYY-MM-DD"),
    name: str = typer.Option("", "--name", help="指标名称"),
    audited: float = typer.Option(None, "--audited", help="审定值（须同时填写 --reason）"),
    reason: str = typer.Option("", "--reason", help="审定理由"),
    clear: bool = typer.Option(False, "--clear", help="取消该任务的指标"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """Set a task's target and baseline, set an audited value (审定值), or show the indicator."""
    from models.services import reporting
    from models.services.actor import Actor

    actor = Actor.system("cli")
    pid, task_id = _scope(plan, code)
    assert task_id is not None
    current = reporting.detail(task_id)
    if clear or target is not None:
        spec = None if clear else {"target": target, "unit": unit, "direction": direction, "baseline": baseline,
                                    "baseline_on": parse_day(baseline_on), "name": name}
        reporting.set_indicator(actor, task_id=task_id, expected_version=current["version"], indicator=spec)
        current = reporting.detail(task_id)
    if audited is not None:
        reporting.audit_value(actor, task_id=task_id, expected_version=current["version"], value=audited,
                              reason=reason)
        current = reporting.detail(task_id)
    ind = current["indicator"]
    if as_json:
        echo_json(ind)
    elif ind is None:
        typer.echo(f"任务 {code} 不是指标任务")
    else:
        from models.reporting import DIRECTIONS, fmt_value

        typer.echo(f"任务 {code} 指标：{ind['name'] or '—'} {DIRECTIONS[ind['direction']]}"
                   f"{fmt_value(ind['target'], ind['unit'])}；基期值 {fmt_value(ind['baseline'], ind['unit'])}；"
                   f"填报值 {fmt_value(ind.get('reported'), ind['unit'])}；审定值 {fmt_value(ind.get('audited'), ind['unit'])}")


def _scope(plan: int | None, code: str | None) -> tuple[int, int | None]:
    from sqlmodel import select

    from models.db import read_session
    from models.services.errors import NotFound
    from models.services.scheduling import default_plan_id
    from models.tables import Task

    with read_session() as session:
        pid = plan or default_plan_id(session)
        if not code:
            return pid, None
        task = session.exec(select(Task).where(Task.plan_id == pid, Task.code == code)).first()
        if task is None:
            raise NotFound(f"方案 #{pid} 中没有编号为 {code} 的任务")
        return pid, task.id
