"""Every table can be exported: one helper shows a DataFrame and offers it as .xlsx."""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import pandas as pd
import streamlit as st


def frame(rows: Sequence[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    """Pick and rename columns (code name → Chinese header) in the given order."""
    df = pd.DataFrame(list(rows), columns=list(columns))
    for col in df.columns:  # pandas 3 infers "str" columns: empty cells must read "" rather than None/nan
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].astype(object).where(df[col].notna(), "")
    return df.rename(columns=columns)


def xlsx_bytes(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    out = io.BytesIO()
    clean = df.copy()
    for col in clean.columns:  # Excel cannot store timezone-aware datetimes
        if isinstance(clean[col].dtype, pd.DatetimeTZDtype):
            clean[col] = clean[col].dt.tz_localize(None)
        elif clean[col].dtype == object:
            clean[col] = clean[col].map(lambda v: v.replace(tzinfo=None) if isinstance(v, datetime) else v)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        clean.to_excel(writer, index=False, sheet_name=sheet[:31])
    return out.getvalue()


PAGE_SIZE = 200


def pager(total: int, *, key: str, size: int = PAGE_SIZE, noun: str = "项") -> int:
    """A page number for a long list (its total shown); returns the offset of the page's first row."""
    pages = max(1, -(-total // size))
    if pages == 1:
        st.caption(f"共 {total} {noun}")
        return 0
    page = st.number_input(f"共 {total} {noun}，每页 {size} {noun}；页码（共 {pages} 页）", min_value=1, max_value=pages,
                           value=1, step=1, key=key)
    return (int(page) - 1) * size


LIGHT_COLUMN, PROGRESS_COLUMN = "灯色", "进度%"
# a light as a coloured cell: the tint behind the word, the word in the light's own colour
LIGHT_STYLES = {"红灯": "background-color:#fde0dd;color:#b2182b;font-weight:600",
                "黄灯": "background-color:#fff3bf;color:#8a6d00;font-weight:600",
                "绿灯": "background-color:#e5f5e0;color:#1b7837;font-weight:600",
                "已完成": "background-color:#eeeeee;color:#555555"}


def light_cells(df: pd.DataFrame) -> pd.DataFrame | Any:
    """A table with a 灯色 column comes back as a Styler that colours each light's cell."""
    if LIGHT_COLUMN not in df.columns:
        return df
    return df.style.map(lambda v: LIGHT_STYLES.get(str(v), ""), subset=[LIGHT_COLUMN])


def progress_columns(df: pd.DataFrame) -> dict[str, Any]:
    """进度% drawn as a bar with the number beside it."""
    if PROGRESS_COLUMN not in df.columns or not pd.api.types.is_numeric_dtype(df[PROGRESS_COLUMN]):
        return {}
    return {PROGRESS_COLUMN: st.column_config.ProgressColumn(PROGRESS_COLUMN, min_value=0, max_value=100,
                                                             format="%d%%")}


def show(df: pd.DataFrame, *, key: str, file_name: str, height: int | Literal["auto", "stretch", "content"] = "auto",
         export: Callable[[], pd.DataFrame] | None = None, **kwargs: Any) -> None:
    """``export``: the whole list for the Excel file when ``df`` is one page of it (built on download)."""
    if df.empty:
        st.caption("（暂无数据）")
        return
    config = {**progress_columns(df), **kwargs.pop("column_config", {})}
    st.dataframe(light_cells(df), hide_index=True, height=height, key=f"{key}_table", column_config=config, **kwargs)
    export_button(df, key=key, file_name=file_name, whole=export)


def export_button(df: pd.DataFrame, *, key: str, file_name: str,
                  whole: Callable[[], pd.DataFrame] | None = None) -> None:
    """导出 Excel of ``df`` (or of ``whole()``, built only when the button is pressed)."""
    st.download_button("导出 Excel", data=lambda: xlsx_bytes(whole() if whole else df), file_name=f"{file_name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", icon=":material/download:", on_click="ignore")


PICK = "选择"


def pick(df: pd.DataFrame, ids: Sequence[Any], *, key: str, height: int | Literal["auto"] = "auto") -> list[Any]:
    """Rows ticked in a leading checkbox column: nothing is ticked at first, and there is no "select all"
    (a multiselect offers one, and Enter picks it), so a bulk action only covers rows the user ticked."""
    shown = df.copy()
    shown.insert(0, PICK, False)
    edited = st.data_editor(shown, hide_index=True, key=key, height=height, disabled=list(df.columns),
                            column_config={**progress_columns(df),
                                           PICK: st.column_config.CheckboxColumn(PICK, default=False)})
    return [i for i, ticked in zip(ids, edited[PICK], strict=True) if bool(ticked)]
