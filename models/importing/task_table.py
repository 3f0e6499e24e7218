"""任务分工表: a table of tasks whose header row is found by meaning, in any column order.

Shared by .xlsx sheets and tables inside .docx.  Header cells are matched by synonyms
(改革任务/重点任务/工作任务/任务内容, 牵头单位/责任单位, 配合单位/参与单位, 完成时限/时间节点 …);
the header may sit below a title row.  When two task columns exist (重点任务 + 具体任务) the
first one groups the rows (a merged parent cell applies to every row it spans) and becomes the
parent task; a category column (改革类别/领域/专项) groups the rows the same way.  A row whose
cells all repeat one value (a merged band "一、机构改革") is a section.  A two-row header
(责任单位 spanning 牵头单位 | 配合单位 below it) takes the roles of the lower row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from models.importing.annotations import Annotation, extract_annotation, split_unit_list
from models.importing.builder import Draft, make_title
from models.importing.deadlines import DeadlineParse, parse_deadline, years_mentioned
from models.importing.model import ParsedTask
from models.importing.textnorm import cn_to_int, fold, int_to_cn

Cell = object  # str | int | float | datetime | date | None
SEQ, TASK, LEAD, RESPONSIBLE, SUPPORTING, DEADLINE, NOTE, CATEGORY = (
    "seq", "task", "lead", "responsible", "supporting", "deadline", "note", "category")
_HEADER_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (SEQ, re.compile(r"^(?:序号|编号|序|No\.?)$", re.I)),
    (NOTE, re.compile(r"领导$|责任人$|联系人$|联络员$")),  # people, not units: 牵头领导 must not fill leads
    (LEAD, re.compile(r"牵头(?:责任)?(?:单位|部门)?$|主责(?:单位|部门)|主办单位")),
    (SUPPORTING, re.compile(r"配合(?:单位|部门)|参与(?:单位|部门)|协办(?:单位|部门)|协助单位|支持单位|协同(?:单位|部门)"
                            r"|^配合$")),
    (RESPONSIBLE, re.compile(r"责任(?:单位|部门)|负责(?:单位|部门)|承办单位|实施(?:单位|主体)|^责任$")),
    (DEADLINE, re.compile(r"完成时限|时间节点|完成时间|时限要求|时限|完成期限|截止时间|进度安排|时间安排|完成日期"
                          r"|时间进度|进度要求|截止日期|办结时间|完成节点")),
    (TASK, re.compile(r"改革任务|重点任务|工作任务|任务内容|具体任务|任务名称|主要任务|工作内容|改革事项|工作措施"
                      r"|具体措施|主要措施|任务事项|重点工作|工作事项|具体工作|任务$|事项$|内容$")),
    (NOTE, re.compile(r"备注|说明|工作要求|成果形式|^进展|^灯色$|^进度$")),
    (CATEGORY, re.compile(r"类别$|类型$|领域$|板块$|专项$|方面$|分类$")),
]
HEADER_MESSAGE = "未找到表头：需要包含 任务/牵头单位/完成时限 等列"
_NOTE_ROW = re.compile(r"^\s*(?:注|备注|说明|填表说明|附注)\s*[:：]|^\s*注\s*\d")
_SECTION_CELL = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|第[一二三四五六七八九十]+部分)")


@dataclass
class Header:
    row: int
    columns: dict[int, str]  # column index -> role
    data_start: int = -1  # first data row (after a second header row); -1: the row after ``row``

    def __post_init__(self) -> None:
        if self.data_start < 0:
            self.data_start = self.row + 1

    def first(self, role: str) -> int | None:
        return next((c for c, r in sorted(self.columns.items()) if r == role), None)

    def all(self, role: str) -> list[int]:
        return [c for c, r in sorted(self.columns.items()) if r == role]


def find_header(rows: Sequence[Sequence[Cell]], *, search_rows: int = 30) -> Header | None:
    """The first row (of the first ``search_rows``) with a task column and a unit or time column."""
    for index, row in enumerate(rows[:search_rows]):
        columns = _header_roles(row)
        roles = set(columns.values())
        if TASK in roles and roles & {LEAD, RESPONSIBLE, DEADLINE}:
            header = Header(row=index, columns=columns)
            if index + 1 < len(rows):
                _merge_second_row(header, rows[index], rows[index + 1])
            return header
    return None


def _header_roles(row: Sequence[Cell]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for column, value in enumerate(row):
        label = re.sub(r"\s+", "", fold(str(value))) if value is not None else ""
        if not label or len(label) > 12:
            continue
        role = _role(label) or _role(re.sub(r"\([^()]*\)", "", label))  # 牵头部门（单位）
        if role is not None and not (role == SEQ and SEQ in columns.values()):
            columns[column] = role
    return columns


def _role(label: str) -> str | None:
    return next((r for r, pattern in _HEADER_WORDS if pattern.search(label)), None) if label else None


def _merge_second_row(header: Header, top: Sequence[Cell], below: Sequence[Cell]) -> None:
    """'责任单位' over '牵头单位 | 配合单位': the lower labels decide, data starts a row later.

    The lower row counts as a header only when every non-empty cell is either a header word or
    the value merged down from the cell above it.
    """
    roles = _header_roles(below)
    if not roles or set(roles.values()) <= {SEQ}:
        return
    for column, value in enumerate(below):
        text = _text(value)
        if text and column not in roles and (column >= len(top) or text != _text(top[column])):
            return
    for column, role in roles.items():
        if column >= len(top) or _text(below[column]) != _text(top[column]):
            header.columns[column] = role
    header.data_start = header.row + 2


def tasks_from_table(rows: Sequence[Sequence[Cell]], header: Header, *, default_year: int | None,
                     first_is_lead: bool = False) -> list[Draft]:
    """One task per data row; group cells and section bands become parent tasks.

    ``first_is_lead``: the plan says "排在第一位的为牵头单位", so without a 牵头 column or tag the
    first responsible unit of a row leads.
    """
    group_column, leaf_column, detail_columns = _task_layout(rows, header)
    seq_column = header.first(SEQ)
    year = default_year
    tasks: list[ParsedTask] = []
    drafts: list[Draft] = []
    codes: set[str] = set()
    section: ParsedTask | None = None
    group: ParsedTask | None = None
    group_value: str | None = None
    counters: dict[str | None, int] = {}
    groups_in: dict[str | None, int] = {}
    previous_seq: str | None = None
    by_code_so_far: dict[str, ParsedTask] = {}
    for row_number, row in enumerate(rows[header.data_start:], start=header.data_start + 1):
        texts = [_text(v) for v in row]
        if not any(texts):
            continue
        distinct = {t for t in texts if t}
        if len(distinct) == 1 and _NOTE_ROW.match(fold(next(iter(distinct)))):
            continue  # "注：1.牵头单位对任务落实负总责" below the table
        if len(distinct) == 1 and (_SECTION_CELL.match(next(iter(distinct))) or not texts[leaf_column]):
            title = next(iter(distinct))
            section = _group_task(title, None, sum(1 for t in tasks if t.level == 1), codes, level=1)
            tasks.append(section)
            drafts.append(_draft(section))
            group, group_value = None, None
            year = next(iter(years_mentioned(title)[-1:]), year)
            continue
        leaf_text = texts[leaf_column] if leaf_column < len(texts) else ""
        if not leaf_text or _looks_like_header(texts, header):
            continue
        seq = texts[seq_column] if seq_column is not None and seq_column < len(texts) else ""
        # a merged 序号 (same value as the row above) belongs to the group, not to this row
        merged_seq = not seq or seq == previous_seq
        previous_seq = seq or previous_seq
        written_code = "" if merged_seq else re.sub(r"[\s、.．,，]+$", "", seq)
        if "." in written_code:  # hierarchical 序号 ("2.1", or a 台账 exported by this system): the code itself
            parent = by_code_so_far.get(written_code.rsplit(".", 1)[0])
            code = _unique(written_code, codes)
        else:
            parent = section
            if group_column is not None and texts[group_column]:
                if texts[group_column] != group_value:
                    group_value = texts[group_column]
                    section_code = section.code if section else None
                    groups_in[section_code] = groups_in.get(section_code, 0) + 1
                    group = _group_task(group_value, section, groups_in[section_code] - 1, codes,
                                        level=(section.level + 1) if section else 1)
                    tasks.append(group)
                    drafts.append(_draft(group))
                parent = group
            parent_code = parent.code if parent else None
            counters[parent_code] = counters.get(parent_code, 0) + 1
            seq_label = written_code or str(counters[parent_code])
            code = _unique(f"{parent_code}.{seq_label}" if parent_code else seq_label, codes)
        details = [texts[c] for c in detail_columns if c < len(texts) and texts[c] and texts[c] != leaf_text]
        draft = _row_task(code, leaf_text, texts, row, header, parent, year, details=details)
        draft.task.source = f"表格第{row_number}行"
        by_code_so_far[code] = draft.task
        if first_is_lead and header.first(LEAD) is None and not draft.task.lead_units and draft.task.responsible_units:
            draft.task.lead_units = draft.task.responsible_units[:1]
            draft.task.responsible_units = draft.task.responsible_units[1:]
        if draft.task.deadline is not None:
            year = draft.task.deadline.year
        tasks.append(draft.task)
        drafts.append(draft)
    by_code = {d.task.code: d for d in drafts}
    for draft in drafts:
        draft.parent = by_code.get(draft.task.parent) if draft.task.parent else None
    return drafts


def _task_layout(rows: Sequence[Sequence[Cell]], header: Header) -> tuple[int | None, int, list[int]]:
    """(group column, task column, detail columns) of a table.

    A 类别/分类/板块/领域 column groups the rows.  With two task columns (改革任务 + 具体内容) the first
    one groups only when its cells repeat over rows (a merged 重点任务 spanning its 具体任务); when each
    row has its own value it is the task's title and the second column its content.
    """
    task_columns = header.all(TASK)
    category = header.first(CATEGORY)
    if len(task_columns) == 1:
        return category, task_columns[0], []
    first = task_columns[0]
    values = [_text(r[first]) for r in rows[header.data_start:] if first < len(r) and _text(r[first])]
    repeats = sum(1 for a, b in zip(values, values[1:], strict=False) if a == b)
    if category is None and repeats:
        return first, task_columns[-1], []
    return category, first, task_columns[1:]


def _draft(task: ParsedTask) -> Draft:
    return Draft(task=task, annotation=Annotation(), deadline=DeadlineParse(), own_text=task.text)


def _row_task(code: str, leaf_text: str, texts: list[str], row: Sequence[Cell], header: Header,
              parent: ParsedTask | None, year: int | None, *, details: Sequence[str] = ()) -> Draft:
    task = ParsedTask(code=code, title=make_title(leaf_text), text="\n".join([leaf_text, *details]),
                      parent=parent.code if parent else None, level=(parent.level + 1) if parent else 1)
    roles = {LEAD: task.lead_units, RESPONSIBLE: task.responsible_units, SUPPORTING: task.supporting_units}
    for column, role in sorted(header.columns.items()):
        if column >= len(texts) or not texts[column] or role not in roles:
            continue
        annotation = extract_annotation(texts[column])
        if annotation.explicit and annotation.has_units:  # "牵头：X；配合：Y" or "X（牵头）、Y"
            task.lead_units += annotation.lead
            task.responsible_units += annotation.responsible
            task.supporting_units += annotation.supporting
        named = set(task.unit_mentions)
        roles[role].extend(n for n in split_unit_list(texts[column]) if n not in named)
    if not (task.lead_units or task.responsible_units or task.supporting_units):
        inline = extract_annotation(leaf_text)
        task.lead_units, task.responsible_units = inline.lead, inline.responsible
        task.supporting_units = inline.supporting
    deadline_column = header.first(DEADLINE)
    value = row[deadline_column] if deadline_column is not None and deadline_column < len(row) else None
    if isinstance(value, (datetime, date)):
        day = value.date() if isinstance(value, datetime) else value
        parsed = DeadlineParse(date=day, text=day.isoformat())
    else:
        parsed = parse_deadline(texts[deadline_column] if deadline_column is not None and deadline_column < len(texts)
                                else leaf_text, default_year=year, allow_ongoing=True)
    task.deadline, task.deadline_text, task.ongoing = parsed.date, parsed.text, parsed.ongoing
    task.relative_to = parsed.relative.reference if parsed.relative else None
    return Draft(task=task, annotation=Annotation(), deadline=parsed, own_text=leaf_text)


def _group_task(title: str, parent: ParsedTask | None, index: int, codes: set[str], *, level: int) -> ParsedTask:
    match = _SECTION_CELL.match(fold(title))
    label = re.sub(r"[\s、.．第部分]", "", title[:match.end()]) if match else int_to_cn(index + 1)
    if parent is not None:
        label = f"({label})" if cn_to_int(label) else label
    code = _unique(f"{parent.code}.{label}" if parent else label, codes)
    body = title[match.end():] if match else title
    return ParsedTask(code=code, title=make_title(body), text=body, parent=parent.code if parent else None,
                      level=level, is_group=True)


def _looks_like_header(texts: list[str], header: Header) -> bool:
    """A repeated header row (tables split across pages repeat it)."""
    return find_header([texts], search_rows=1) is not None


def _unique(code: str, codes: set[str]) -> str:
    candidate, suffix = code, 2
    while candidate in codes:
        candidate, suffix = f"{code}-{suffix}", suffix + 1
    codes.add(candidate)
    return candidate


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y年%m月%d日")
    return str(value).strip()
