"""Benchmark of the plan importer, and the in-memory plan documents it (and the tests) use.

``bench`` times a ~50 KB .docx and .txt plan and a 5,000-row 任务分工表 .xlsx; medians of a few
runs, since the machine is shared.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Sequence

from docx import Document
from openpyxl import Workbook

from models.importing import parse_plan
from models.importing.textnorm import int_to_cn

_UNITS = ["县委编办", "县城管局", "县财政局", "县人力社保局", "县住房和城乡建设局", "县司法局", "县档案馆"]
_DEADLINES = ["2019年年底前", "2019年9月底前", "上半年", "三季度", "2019年10月31日前", "年内", "20199月底前"]


def make_docx(lines: Sequence[str | tuple[str, str]], *, tables: Sequence[Sequence[Sequence[str]]] = (),
              merges: Sequence[tuple[int, int, int, int, int]] = ()) -> bytes:
    """A .docx with one paragraph per line (``(style, text)`` applies a style) then the tables.

    ``merges`` are (table index, row, col, row2, col2) ranges merged in Word (gridSpan/vMerge).
    """
    document = Document()
    for line in lines:
        style, text = line if isinstance(line, tuple) else (None, line)
        document.add_paragraph(text, style=style)
    for index, rows in enumerate(tables):
        table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        for t, r1, c1, r2, c2 in merges:
            if t == index:
                merged = table.cell(r1, c1).merge(table.cell(r2, c2))
                merged.text = rows[r1][c1]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_workbook(sheets: Sequence[tuple[str, Sequence[Sequence[object]], Sequence[str]]]) -> bytes:
    """A workbook with one worksheet per (title, rows, merged ranges like "B4:B6")."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, merges in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for cell_range in merges:
            sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_xlsx(rows: Sequence[Sequence[object]], *, merges: Sequence[str] = (), title: str = "任务分工") -> bytes:
    """A one-sheet .xlsx; the value of a merged range's top-left cell is kept."""
    return make_workbook([(title, rows, merges)])


def plan_lines(target_chars: int) -> list[str]:
    """A numbered plan with bracket annotations, about ``target_chars`` characters long."""
    lines = ["清河县人民政府办公室关于印发《清河县机构改革实施方案》的通知", "清政办发〔2019〕12号",
             "2019年3月15日", "清河县机构改革实施方案", "一、主要任务"]
    size, section, item = 0, 0, 0
    while size < target_chars:
        if item % 8 == 0:
            section += 1
            lines.append(f"（{int_to_cn(section)}）推进第{section}项改革")
        item += 1
        lead, support = _UNITS[item % len(_UNITS)], _UNITS[(item + 2) % len(_UNITS)]
        line = (f"{item % 8 + 1}．完成第{item}项改革任务，做好人员划转、资产清查和档案移交等衔接工作，"
                "确保工作平稳过渡。"
                f"（{lead}牵头，{support}、各乡镇人民政府配合，{_DEADLINES[item % len(_DEADLINES)]}完成）")
        lines.append(line)
        size += len(line)
    return lines


def task_table_rows(count: int) -> list[list[object]]:
    rows: list[list[object]] = [["清河县机构改革任务分工表"], ["序号", "改革任务", "牵头单位", "配合单位", "完成时限"]]
    for index in range(1, count + 1):
        rows.append([index, f"完成第{index}项改革任务，做好衔接工作", _UNITS[index % len(_UNITS)],
                     f"{_UNITS[(index + 1) % len(_UNITS)]}、{_UNITS[(index + 3) % len(_UNITS)]}",
                     _DEADLINES[index % len(_DEADLINES)]])
    return rows


def bench(*, quick: bool = False) -> dict[str, float]:
    """Median seconds to import a ~50 KB docx/txt plan and a 5,000-row xlsx."""
    repeats = 3 if quick else 7
    text_lines = plan_lines(17_000)  # ~17k CJK characters = ~50 KB in UTF-8
    docx = make_docx(text_lines)
    txt = "\n".join(text_lines).encode("utf-8")
    xlsx = make_xlsx(task_table_rows(1_000 if quick else 5_000))
    return {
        "import_docx_s": _median(lambda: parse_plan(docx, "plan.docx"), repeats),
        "import_txt_50k_s": _median(lambda: parse_plan(txt, "plan.txt"), repeats),
        "import_xlsx_5k_s": _median(lambda: parse_plan(xlsx, "plan.xlsx"), max(2, repeats // 2)),
    }


def _median(run: object, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)
