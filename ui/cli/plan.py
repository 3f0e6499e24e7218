"""`reform plan import`: parse a published plan and (unless --dry-run) publish it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ui.cli.common import echo_json, friendly
from ui.cli.flows import run_use_case


@friendly
def plan_import(
    file: Path = typer.Argument(..., help="实施方案文件（.docx / .txt / .xlsx）"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只解析并输出，不写入数据库"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    update: bool = typer.Option(False, "--update", help="文件有变化时按任务编号更新已有方案"),
    unassigned_units: bool = typer.Option(False, "--unassigned-units",
                                          help="未能对应到系统单位的名称保留原文、暂不指定单位（默认拒绝导入并列出这些名称）"),
) -> None:
    """Parse a plan into tasks, units, deadlines and dependencies; store it unless --dry-run.

    Re-importing the same file is a no-op; a changed version of an imported plan prints a diff.
    """
    from models.services.actor import Actor
    from models.services.uploads import parse_plan_upload

    if not file.is_file():
        typer.echo(f"错误：文件不存在：{file}", err=True)
        raise typer.Exit(2)
    params: dict[str, Any] = {"path": str(file.resolve()), "update": update}
    if dry_run or unassigned_units:  # parsed here (in the limited worker process) to print or mark it
        parsed = parse_plan_upload(Actor.system("cli"), file.read_bytes(), file.name)
        draft = parsed.to_dict()
        if dry_run:
            echo_json(draft) if as_json else _print_summary(draft)
            return
        names = {n for t in draft["tasks"]
                 for n in t["lead_units"] + t["responsible_units"] + t["supporting_units"]}
        draft["unit_decisions"] = {n: {"action": "unassigned"} for n in names}  # settled on purpose
        params = {"draft": draft, "fingerprint": parsed.fingerprint, "source_filename": file.name,
                  "update": update}
    result = run_use_case("plan-import", params)
    echo_json(result) if as_json else _print_result(result)


def _print_summary(draft: dict[str, Any]) -> None:
    plan = draft["plan"]
    typer.echo(f"方案：{plan.get('title')}  文号：{plan.get('doc_number') or '—'}  日期：{plan.get('date') or '—'}")
    for t in draft["tasks"]:
        lead = "、".join(t["lead_units"]) or "—"
        typer.echo(f"  {t['code']:<12} {t['deadline'] or '—':<10} 牵头：{lead}  {t['title'][:40]}")
    for w in draft["warnings"]:
        typer.echo(f"  ⚠ {w}")


def _print_result(result: dict[str, Any]) -> None:
    if result["status"] == "unchanged":
        typer.echo(f"该文件已导入（方案 #{result['plan_id']}），未做任何更改")
        return
    if result["status"] == "changed":
        diff = result["diff"]
        typer.echo(f"方案“{result['title']}”已存在（#{result['plan_id']}），新文件与之相比：")
        typer.echo(f"  新增任务：{'、'.join(diff['added']) or '无'}")
        typer.echo(f"  删除任务：{'、'.join(diff['removed']) or '无'}")
        for line in diff["changed"]:
            typer.echo(f"  变更：{line}")
        typer.echo("未写入。如需按新文件导入为新版本，请加 --update。")
        return
    typer.echo(f"已导入方案 #{result['plan_id']}：{result['title']}，任务 {result['tasks']} 项")
    for w in result["warnings"]:
        typer.echo(f"  ⚠ {w}")
