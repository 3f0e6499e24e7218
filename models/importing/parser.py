"""parse_plan: bytes of a .txt/.docx/.xlsx plan -> ParsedPlan (pure; no database)."""

from __future__ import annotations

import hashlib
import zipfile
from xml.etree.ElementTree import ParseError

from models.filesafety import UploadRejected, check_upload
from models.importing.annotations import first_unit_is_lead
from models.importing.builder import Draft, build_tasks
from models.importing.docx_reader import read_docx
from models.importing.metadata import PlanMeta, extract_metadata
from models.importing.model import ImportRejected, ParsedPlan
from models.importing.outline import build_outline, clean_lines
from models.importing.relations import resolve_relative, task_warnings
from models.importing.tables import HEADER_MESSAGE, find_header, tasks_from_table
from models.importing.text_reader import decode_text
from models.importing.xlsx_reader import read_xlsx

PLAN_KINDS = {"txt", "docx", "xlsx"}
_KIND_ERRORS = {"docx": "文件内容不是有效的 Word 文档（.docx）", "xlsx": "文件内容不是有效的 Excel 表格（.xlsx）"}


def parse_plan(data: bytes, filename: str, *, max_bytes: int = 20 * 1024 * 1024) -> ParsedPlan:
    """Parse a plan; raises ImportRejected with a Chinese message when the file cannot be used."""
    try:
        kind = check_upload(data, filename, allowed=PLAN_KINDS, max_bytes=max_bytes)
    except UploadRejected as exc:
        raise ImportRejected(exc.message) from exc
    fingerprint = hashlib.sha256(data).hexdigest()
    try:
        if kind == "xlsx":
            return _parse_workbook(data, fingerprint)
        if kind == "docx":
            content = read_docx(data)
            return _parse_document(content.lines, content.tables, fingerprint, join_wrapped=False)
    except (zipfile.BadZipFile, KeyError, ParseError, ValueError, EOFError, OSError) as exc:
        raise ImportRejected(_KIND_ERRORS[kind]) from exc
    text, warnings = decode_text(data)
    plan = _parse_document(clean_lines(text, join_wrapped=True), [], fingerprint, join_wrapped=True)
    plan.warnings[:0] = warnings
    return plan


def _parse_document(lines: list[str], tables: list[list[list[str]]], fingerprint: str, *,
                    join_wrapped: bool) -> ParsedPlan:
    if not join_wrapped:
        lines = [line for raw in lines for line in clean_lines(raw, join_wrapped=False)]
    if not lines:
        raise ImportRejected("文件中没有可识别的文字内容")
    outline = build_outline(lines)
    meta = extract_metadata(outline.preamble or lines[:20], outline.tail)
    plan = _plan(meta, fingerprint)
    drafts = _table_drafts(tables, meta.year_hint)
    if drafts and outline.roots:
        plan.warnings.append("文件含任务分工表，已按表格导入任务，正文条目未重复导入")
    if not drafts:
        drafts = build_tasks(outline, plan_year=meta.year_hint, first_is_lead=first_unit_is_lead("\n".join(lines)))
    _finish(plan, drafts, meta)
    if not plan.tasks:
        plan.warnings.append("未识别到任务：未找到带编号的任务条目、牵头单位或完成时限")
    return plan


def _finish(plan: ParsedPlan, drafts: list[Draft], meta: PlanMeta) -> None:
    resolve_relative(drafts, plan_date=meta.date, warnings=plan.warnings)
    plan.tasks = [d.task for d in drafts]
    plan.warnings.extend(task_warnings(plan.tasks))


def _table_drafts(tables: list[list[list[str]]], year: int | None) -> list[Draft]:
    drafts: list[Draft] = []
    for grid in tables:
        header = find_header(grid)
        if header is not None:
            drafts.extend(tasks_from_table(grid, header, default_year=year))
    return drafts


def _parse_workbook(data: bytes, fingerprint: str) -> ParsedPlan:
    sheets = read_xlsx(data)
    for sheet_title, rows in sheets:
        header = find_header(rows)
        if header is None:
            continue
        title_lines = [str(v).strip() for row in rows[:header.row] for v in row if v not in (None, "")]
        meta = extract_metadata(list(dict.fromkeys(title_lines)), [])
        meta.title = meta.title or sheet_title
        plan = _plan(meta, fingerprint)
        _finish(plan, tasks_from_table(rows, header, default_year=meta.year_hint), meta)
        if not plan.tasks:
            plan.warnings.append("表格中没有任务行")
        return plan
    raise ImportRejected(HEADER_MESSAGE)


def _plan(meta: PlanMeta, fingerprint: str) -> ParsedPlan:
    return ParsedPlan(title=meta.title, doc_number=meta.doc_number, issuer=meta.issuer, date=meta.date,
                      fingerprint=fingerprint, warnings=list(meta.warnings))
