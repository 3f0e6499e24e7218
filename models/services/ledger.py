"""The office's 台账: any plan as a 任务分工表 .xlsx in the standard columns, and a blank template.

The workbook is read back by the importer (``models.importing``): 序号 holds the full task code, so a
re-import keeps every code and parent; 完成时限 holds the deadline as the plan wrote it when that
phrase still gives the same date (else the date itself); 进展 and 灯色 are for reading and are
ignored on import.  A title row and the plan's date row let relative deadlines resolve as before.
Reading only: nothing is written to the database, so there is no audit event.
"""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from models.db import read_session
from models.services.actor import Actor
from models.services.errors import NotFound
from models.services.permissions import require
from models.services.tasks import STATUS_LABELS
from models.tables import Plan, Task, TaskUnit

HEADER = ("序号", "类别", "任务", "具体内容", "牵头", "责任", "配合", "完成时限", "进展", "灯色")
WIDTHS = (12, 18, 40, 50, 22, 22, 26, 20, 14, 8)
ROLE_COLUMN = {"lead": 4, "responsible": 5, "supporting": 6}
LIGHT_LABELS = {"green": "绿", "yellow": "黄", "red": "红", "done": "完成"}
TEMPLATE_NOTE = ("注：1.每行一项任务，“类别”相同的任务归为一组；2.多个单位用“、”分隔；"
                 "3.完成时限可写“2027年6月底前”“印发之日起30个工作日内”“长期坚持”等。")


def export_plan(actor: Actor, plan_id: int, *, engine: Engine | None = None) -> bytes:
    """The plan as a 任务分工表 workbook (see the module docstring)."""
    require(actor, "dashboard.view")
    with read_session(engine) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"方案不存在：{plan_id}")
        tasks = list(session.exec(select(Task).where(Task.plan_id == plan_id).order_by(Task.id)).all())  # type: ignore[arg-type]
        ids = [t.id for t in tasks]
        query = select(TaskUnit).where(col(TaskUnit.task_id).in_(ids)).order_by(col(TaskUnit.id))
        units = list(session.exec(query).all()) if ids else []
    by_id = {t.id: t for t in tasks}
    names: dict[tuple[int, str], list[str]] = {}
    for link in units:
        names.setdefault((link.task_id, link.role), []).append(link.written_name)
    rows = []
    for task in tasks:
        parent = by_id.get(task.parent_id) if task.parent_id else None
        row: list[object] = [task.code, parent.title if parent else "", task.title,
                             task.text if task.text and task.text != task.title else "", "", "", "",
                             _deadline_cell(task, plan.issued_on), _progress(task), LIGHT_LABELS.get(task.light, "")]
        for role, column in ROLE_COLUMN.items():
            row[column] = "、".join(names.get((task.id or 0, role), []))
        rows.append(row)
    return _workbook(plan.title, plan.issued_on, rows)


def blank_template() -> bytes:
    """An empty 任务分工表 with the standard columns and a note on how to fill it in."""
    return _workbook("（方案名称）任务分工表", None, [], note=TEMPLATE_NOTE)


def _deadline_cell(task: Task, issued_on: date | None) -> str:
    """The plan's own phrase when it still means the stored date; the date otherwise."""
    from models.importing.deadlines import parse_deadline

    text = task.deadline_text or ""
    if task.deadline_rule == "ongoing" or task.deadline is None:
        return text
    parsed = parse_deadline(text, default_year=task.deadline.year) if text else None
    if parsed is not None and (parsed.date == task.deadline or (parsed.relative is not None and issued_on)):
        return text
    return f"{task.deadline.year}年{task.deadline.month}月{task.deadline.day}日"


def _progress(task: Task) -> str:
    return f"{STATUS_LABELS.get(task.status, task.status)} {task.percent}%"


def _workbook(title: str, issued_on: date | None, rows: list[list[object]], *, note: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分工"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"{issued_on.year}年{issued_on.month}月{issued_on.day}日" if issued_on else "印发日期："])
    sheet.append(list(HEADER))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    if note:
        sheet.append([note])
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
