"""`reform plan import`: parse a published plan and (unless --dry-run) publish it."""
from __future__ import annotations

from pathlib import Path

import typer

plan_app = typer.Typer(help="方案 / plans", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from ui.cli import echo_json, friendly

    app.add_typer(plan_app, name="plan")

    @plan_app.command("import")
    @friendly
    def plan_import(
        file: Path = typer.Argument(..., help="实施方案文件（.docx / .txt / .xlsx）"),
        dry_run: bool = typer.Option(False, "--dry-run", help="只解析并输出，不写入数据库"),
        as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
        update: bool = typer.Option(False, "--update", help="文件有变化时按任务编号更新已有方案"),
    ) -> None:
        """Parse a plan into tasks, units, deadlines and dependencies; store it unless --dry-run.

        Re-importing the same file is a no-op; a changed version of an imported plan prints a diff.
        """
        from models.services.actor import Actor
        from models.services.uploads import parse_plan_upload

        if not file.is_file():
            typer.echo(f"错误：文件不存在：{file}", err=True)
            raise typer.Exit(2)
        parsed = parse_plan_upload(Actor.system("cli"), file.read_bytes(), file.name)  # limited worker process
        draft = parsed.to_dict()
        if dry_run:
            if as_json:
                echo_json(draft)
            else:
                _print_summary(draft)
            return
        _store(draft, parsed.fingerprint, file.name, update=update, as_json=as_json)


def _print_summary(draft: dict) -> None:
    plan = draft["plan"]
    typer.echo(f"方案：{plan.get('title')}  文号：{plan.get('doc_number') or '—'}  日期：{plan.get('date') or '—'}")
    for t in draft["tasks"]:
        lead = "、".join(t["lead_units"]) or "—"
        typer.echo(f"  {t['code']:<12} {t['deadline'] or '—':<10} 牵头：{lead}  {t['title'][:40]}")
    for w in draft["warnings"]:
        typer.echo(f"  ⚠ {w}")


def _store(draft: dict, fingerprint: str, filename: str, *, update: bool, as_json: bool) -> None:
    from sqlmodel import select

    from models.db import read_session
    from models.services.actor import Actor
    from models.services.plans import plan_diff, publish_plan
    from models.tables import Plan
    from ui.cli import echo_json

    with read_session() as session:
        same_file = session.exec(select(Plan).where(Plan.fingerprint == fingerprint)).first()
        earlier = session.exec(select(Plan).where(Plan.title == draft["plan"].get("title"))).first()
        diff = plan_diff(session, earlier.id or 0, draft) if earlier and not same_file else None
    if same_file:
        typer.echo(f"该文件已导入（方案 #{same_file.id}），未做任何更改")
        return
    if earlier is not None and diff is not None and not update:
        typer.echo(f"方案“{earlier.title}”已存在（#{earlier.id}），新文件与之相比：")
        typer.echo(f"  新增任务：{'、'.join(diff['added']) or '无'}")
        typer.echo(f"  删除任务：{'、'.join(diff['removed']) or '无'}")
        for line in diff["changed"]:
            typer.echo(f"  变更：{line}")
        typer.echo("未写入。如需按新文件导入为新版本，请加 --update。")
        return
    result = publish_plan(Actor.system("cli"), draft, source_filename=filename, fingerprint=fingerprint)
    if as_json:
        echo_json({"plan_id": result.plan.id, "tasks": result.tasks, "warnings": result.warnings + draft["warnings"]})
        return
    typer.echo(f"已导入方案 #{result.plan.id}：{result.plan.title}，任务 {result.tasks} 项")
    for w in result.warnings + draft["warnings"]:
        typer.echo(f"  ⚠ {w}")
