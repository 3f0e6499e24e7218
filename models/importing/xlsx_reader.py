"""Excel 任务分工表: every sheet as a grid of values with merged ranges filled in.

openpyxl leaves all but the top-left cell of a merged range empty; a merged parent cell
(重点任务 spanning five rows) must apply to every row it spans, so the top-left value is copied
over the whole range.  ``data_only`` reads cached formula results instead of formulas.
"""

from __future__ import annotations

import io
import warnings

from openpyxl import load_workbook

from models.importing.task_table import Cell


def read_xlsx(data: bytes) -> list[tuple[str, list[list[Cell]]]]:
    """(sheet title, rows) for every worksheet, merged cells filled."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions/styles
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    sheets: list[tuple[str, list[list[Cell]]]] = []
    try:
        for sheet in workbook.worksheets:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            for merged in sheet.merged_cells.ranges:
                value = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(rows) else None
                for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
                    row = rows[r]
                    if len(row) < merged.max_col:
                        row.extend([None] * (merged.max_col - len(row)))
                    for c in range(merged.min_col - 1, merged.max_col):
                        row[c] = value
            sheets.append((sheet.title, rows))
    finally:
        workbook.close()
    return sheets
