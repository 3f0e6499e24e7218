"""parse_plan: bytes of a .txt/.docx/.xlsx plan -> ParsedPlan (pure; no database).

A Word plan may hold both numbered body tasks and a 任务分工表.  When the table restates the
body (most of its rows match a body task) the source with more annotated tasks is imported;
when they differ (an appendix of extra tasks) both are, table codes prefixed "表1." — a small
table must not hide the body.  Every sheet of a workbook with a task header is imported; with
several, each sheet becomes a group whose code is the sheet name.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from xml.etree.ElementTree import ParseError

from models.filesafety import MAX_XML_PART, UploadRejected, check_upload
from models.importing.annotations import Annotation, first_unit_is_lead
from models.importing.builder import Draft, build_tasks
from models.importing.deadlines import DeadlineParse
from models.importing.docx_reader import read_docx
from models.importing.limits import check_structure
from models.importing.metadata import PlanMeta, extract_metadata
from models.importing.model import ImportRejected, ParsedPlan, ParsedTask
from models.importing.outline import build_outline, clean_lines
from models.importing.relations import attach_supporters, check_feasibility, resolve_relative, task_warnings
from models.importing.reporting import propose_indicator, propose_schedule
from models.importing.task_table import HEADER_MESSAGE, find_header, tasks_from_table
from models.importing.text_reader import decode_text
from models.importing.textnorm import fold
from models.importing.xlsx_reader import read_xlsx
from models.workcalendar import WorkCalendar

PLAN_KINDS = {"txt", "docx", "xlsx"}
_KIND_ERRORS = {"docx": "文件内容不是有效的 Word 文档（.docx）", "xlsx": "文件内容不是有效的 Excel 表格（.xlsx）"}


def parse_plan(data: bytes, filename: str, *, max_bytes: int = 20 * 1024 * 1024,
               calendar: WorkCalendar | None = None, max_xml_part: int = MAX_XML_PART) -> ParsedPlan:
    """Parse a plan; raises ImportRejected with a Chinese message when the file cannot be used.

    ``calendar``: the office's working-day calendar (entered 放假安排) for deadlines counted in
    working days from the plan's date; without it chinese-calendar's years and plain weekdays.
    Untrusted files are parsed through ``models.sandbox`` (a limited worker process), which calls this.
    """
    try:
        kind = check_upload(data, filename, allowed=PLAN_KINDS, max_bytes=max_bytes, max_xml_part=max_xml_part)
    except UploadRejected as exc:
        raise ImportRejected(exc.message) from exc
    fingerprint = hashlib.sha256(data).hexdigest()
    try:
        if kind in ("xlsx", "docx"):
            check_structure(data, kind)
        if kind == "xlsx":
            return _parse_workbook(data, fingerprint, calendar)
        if kind == "docx":
            content = read_docx(data)
            task_tables = {i for i, grid in enumerate(content.tables) if find_header(grid) is not None}
            lines = [line for line, table in zip(content.lines, content.table_of_line, strict=True)
                     if table not in task_tables]
            return _parse_document(lines, content.tables, fingerprint, join_wrapped=False, calendar=calendar)
    except (ImportRejected, MemoryError):
        raise
    except (zipfile.BadZipFile, KeyError, ParseError, ValueError, EOFError, OSError) as exc:
        raise ImportRejected(_KIND_ERRORS[kind]) from exc
    except Exception as exc:  # the readers fail in many ways on damaged files (lxml, openpyxl, zlib)
        raise ImportRejected(_KIND_ERRORS[kind] + "（文件已损坏或结构异常）") from exc
    text, warnings = decode_text(data)
    plan = _parse_document(clean_lines(text, join_wrapped=True), [], fingerprint, join_wrapped=True,
                           calendar=calendar)
    plan.warnings[:0] = warnings
    return plan


def _parse_document(lines: list[str], tables: list[list[list[str]]], fingerprint: str, *,
                    join_wrapped: bool, calendar: WorkCalendar | None) -> ParsedPlan:
    if not join_wrapped:
        lines = [line for raw in lines for line in clean_lines(raw, join_wrapped=False)]
    if not lines:
        raise ImportRejected("文件中没有可识别的文字内容")
    outline = build_outline(lines)
    meta = extract_metadata(outline.preamble or lines[:20], outline.tail)
    plan = _plan(meta, fingerprint)
    first_is_lead = first_unit_is_lead("\n".join(lines))
    tables_found = _table_drafts(tables, meta.year_hint, first_is_lead)
    body = build_tasks(outline, plan_year=meta.year_hint, first_is_lead=first_is_lead)
    drafts = _choose(body, tables_found, plan.warnings)
    _finish(plan, drafts, meta, calendar)
    plan.report_schedule = propose_schedule("\n".join(lines))
    if not plan.tasks:
        plan.warnings.append("未识别到任务：未找到带编号的任务条目、牵头单位或完成时限")
    return plan


def _finish(plan: ParsedPlan, drafts: list[Draft], meta: PlanMeta, calendar: WorkCalendar | None) -> None:
    drafts = attach_supporters(drafts, plan.warnings)
    resolve_relative(drafts, plan_date=meta.date, warnings=plan.warnings, calendar=calendar)
    plan.tasks = [d.task for d in drafts]
    for task in plan.tasks:
        task.source = task.source or f"正文 {task.code}"
        task.report_schedule = propose_schedule(task.text)
        task.indicator = propose_indicator(task.text)
    plan.warnings.extend(task_warnings(plan.tasks))
    plan.warnings.extend(check_feasibility(plan.tasks, meta.date))


def _table_drafts(tables: list[list[list[str]]], year: int | None, first_is_lead: bool) -> list[list[Draft]]:
    """The tasks of each table that has a task header."""
    found: list[list[Draft]] = []
    for grid in tables:
        header = find_header(grid)
        if header is not None:
            drafts = tasks_from_table(grid, header, default_year=year, first_is_lead=first_is_lead)
            if drafts:
                found.append(drafts)
    return found


def _choose(body: list[Draft], tables: list[list[Draft]], warnings: list[str]) -> list[Draft]:
    """Body tasks, table tasks or both (see the module docstring); the choice is reported."""
    table_drafts = [d for drafts in tables for d in drafts]
    if not table_drafts:
        return body
    body_count, table_count = _annotated_count(body), _annotated_count(table_drafts)
    if body_count == 0:
        if body:
            warnings.append("文件含任务分工表，已按表格导入任务，正文条目未重复导入")
        return _prefixed_tables(tables) if len(tables) > 1 else table_drafts
    if _overlap(body, table_drafts) >= 0.5:
        if table_count >= body_count:
            warnings.append(f"正文任务与任务分工表内容重复，已按表格导入（表格{table_count}项，正文{body_count}项）")
            return _prefixed_tables(tables) if len(tables) > 1 else table_drafts
        warnings.append(f"正文任务与任务分工表内容重复，已按正文导入（正文{body_count}项，表格{table_count}项）")
        return body
    warnings.append("正文和任务分工表均含不同的任务，已一并导入；表格任务编号以“表1.”等开头，请核对是否重复")
    return body + _prefixed_tables(tables)


def _prefixed_tables(tables: list[list[Draft]]) -> list[Draft]:
    drafts: list[Draft] = []
    for number, table in enumerate(tables, start=1):
        drafts.extend(prefix_drafts(table, f"表{number}", f"任务分工表{number}"))
    return drafts


def prefix_drafts(drafts: list[Draft], prefix: str, title: str) -> list[Draft]:
    """Put ``drafts`` under a new group task ``prefix`` (a table or a sheet) so codes stay unique."""
    group = Draft(task=ParsedTask(code=prefix, title=title, text=title, is_group=True),
                  annotation=Annotation(), deadline=DeadlineParse(), own_text=title)
    for draft in drafts:
        task = draft.task
        task.code = f"{prefix}.{task.code}"
        task.parent = f"{prefix}.{task.parent}" if task.parent else prefix
        task.level += 1
        for dependency in list(task.depends_on):
            task.depends_on[task.depends_on.index(dependency)] = type(dependency)(
                f"{prefix}.{dependency.code}", dependency.lag)
        if draft.parent is None:
            draft.parent = group
    return [group, *drafts]


def _annotated_count(drafts: list[Draft]) -> int:
    return sum(1 for d in drafts if not d.task.is_group and (d.task.unit_mentions or d.deadline.found))


def _overlap(body: list[Draft], table: list[Draft]) -> float:
    """Share of table rows whose title mostly reappears in a body task (character bigrams)."""
    body_grams = [_bigrams(d.own_text) for d in body if not d.task.is_group]
    rows = [d for d in table if not d.task.is_group]
    if not rows or not body_grams:
        return 0.0
    rows = rows[::max(1, len(rows) // 40)]  # a sample keeps huge tables linear
    matched = 0
    for row in rows:
        wanted = _bigrams(row.task.title)
        if wanted and any(len(wanted & grams) >= 0.6 * len(wanted) for grams in body_grams):
            matched += 1
    return matched / len(rows)


def _bigrams(text: str) -> set[str]:
    cleaned = re.sub(r"[^\u4e00-\u9fff]", "", fold(text))
    return {cleaned[i:i + 2] for i in range(len(cleaned) - 1)}


def _parse_workbook(data: bytes, fingerprint: str, calendar: WorkCalendar | None) -> ParsedPlan:
    """Every sheet with a task header (a 分工表 often has one sheet per 专项); metadata from the first."""
    found: list[tuple[str, list[Draft]]] = []
    meta: PlanMeta | None = None
    for sheet_title, rows in read_xlsx(data):
        header = find_header(rows)
        if header is None:
            continue
        title_lines = [str(v).strip() for row in rows[:header.row] for v in row if v not in (None, "")]
        sheet_meta = extract_metadata(list(dict.fromkeys(title_lines)), [])
        if meta is None:
            meta = sheet_meta
            meta.title = meta.title or sheet_title
        year = sheet_meta.year_hint or meta.year_hint
        notes = "\n".join(str(v) for row in rows for v in row if isinstance(v, str))
        found.append((sheet_title, tasks_from_table(rows, header, default_year=year,
                                                    first_is_lead=first_unit_is_lead(notes))))
    if meta is None:
        raise ImportRejected(HEADER_MESSAGE)
    plan = _plan(meta, fingerprint)
    found = [(title, drafts) for title, drafts in found if drafts]
    if len(found) > 1:
        plan.warnings.append(f"已导入 {len(found)} 个工作表的任务：{'、'.join(t for t, _ in found)}（任务编号以工作表名开头）")
        drafts = [d for title, sheet in found for d in prefix_drafts(sheet, _sheet_code(title), title)]
    else:
        drafts = found[0][1] if found else []
    _finish(plan, drafts, meta, calendar)
    if not plan.tasks:
        plan.warnings.append("表格中没有任务行")
    return plan


def _sheet_code(title: str) -> str:
    """A sheet name as a code prefix: no dots (they separate code levels) or spaces."""
    return re.sub(r"[.\s]+", "·", title.strip()).strip("·") or "表"


def _plan(meta: PlanMeta, fingerprint: str) -> ParsedPlan:
    return ParsedPlan(title=meta.title, doc_number=meta.doc_number, issuer=meta.issuer, date=meta.date,
                      fingerprint=fingerprint, warnings=list(meta.warnings))
