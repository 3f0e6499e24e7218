"""`reform notice issue|preview|void|list`: formal notices from the command line."""
from __future__ import annotations

from pathlib import Path

import typer

from ui.cli.common import friendly, parse_day

KIND_HELP = ("issue-plan|staff-transfer|establishment|supervision|urging|bulletin|staff-roster|asset-list|"
             "archive-list|handover-confirmation")


def _subject(task: str | None, handover: int | None, plan: int | None):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from models.db import read_session
    from models.services.errors import NotFound
    from models.services.notices import Subject
    from models.tables import Task

    task_id = None
    if task:
        with read_session() as session:
            query = select(Task).where(Task.code == task)
            if plan:
                query = query.where(Task.plan_id == plan)
            found = session.exec(query.order_by(Task.plan_id.desc())).first()  # type: ignore[attr-defined]
        if found is None:
            raise NotFound(f"任务不存在：{task}")
        task_id = found.id
    return Subject(task_id=task_id, handover_id=handover, plan_id=plan)


@friendly
def issue(kind: str = typer.Argument(..., help=KIND_HELP),
          task: str = typer.Option(None, "--task", help="任务编号，如 三.1"),
          handover: int = typer.Option(None, "--handover", help="交接事项编号"),
          plan: int = typer.Option(None, "--plan", help="方案编号"),
          out: Path = typer.Option(..., "--out", help="输出 .docx 或 .pdf（需 LibreOffice）"),
          date: str = typer.Option(None, "--date", help="成文日期 YYYY-MM-DD（默认今天）"),
          confirm: bool = typer.Option(False, "--confirm", help="同一事项已有同类公文或标题过长时仍印发")) -> None:
    """Issue a notice: allocate the next 文号, generate the GB/T 9704 .docx, store and write it."""
    from models.services import notices
    from models.services.actor import Actor

    notice = notices.issue(Actor.system("cli"), kind, _subject(task, handover, plan), today=parse_day(date),
                           confirm=confirm)
    fetch = notices.download_pdf if out.suffix.lower() == ".pdf" else notices.download
    _, data = fetch(Actor.system("cli"), notice.id or 0)
    out.write_bytes(data)
    typer.echo(f"已印发 {notice.doc_number}《{notice.title}》→ {out}")


@friendly
def preview(kind: str = typer.Argument(..., help=KIND_HELP),
            task: str = typer.Option(None, "--task"), handover: int = typer.Option(None, "--handover"),
            plan: int = typer.Option(None, "--plan"),
            out: Path = typer.Option(..., "--out", help="输出 .docx 或 .pdf（需 LibreOffice）")) -> None:
    """Render a notice without allocating a number (预览，不占用文号)."""
    from models.documents import render_pdf
    from models.services import notices
    from models.services.actor import Actor

    title, docx = notices.preview(Actor.system("cli"), kind, _subject(task, handover, plan))
    if out.suffix.lower() == ".pdf":
        pdf = render_pdf(docx)
        if pdf is None:
            typer.echo("错误：未安装 LibreOffice，无法生成 PDF；请输出 .docx", err=True)
            raise typer.Exit(2)
        out.write_bytes(pdf)
    else:
        out.write_bytes(docx)
    typer.echo(f"预览《{title}》→ {out}")


@friendly
def void(notice_id: int, reason: str = typer.Option(..., "--reason", help="作废原因")) -> None:
    """Void an issued notice; its number stays in the register, marked voided."""
    from models.services import notices
    from models.services.actor import Actor

    n = notices.void(Actor.system("cli"), notice_id, reason=reason)
    typer.echo(f"已作废 {n.doc_number}")


@friendly
def list_(year: int = typer.Option(None, help="年份")) -> None:
    """The 文号 register (发文登记簿)."""
    from models.db import read_session
    from models.services.notices import register as reg

    with read_session() as session:
        for n in reg(session, year=year):
            mark = "（已作废）" if n.status == "voided" else ""
            typer.echo(f"{n.doc_number:<22} {n.issued_at:%Y-%m-%d}  {n.title}{mark}")
