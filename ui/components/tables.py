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


def show(df: pd.DataFrame, *, key: str, file_name: str, height: int | Literal["auto", "stretch", "content"] = "auto",
         export: Callable[[], pd.DataFrame] | None = None, **kwargs: Any) -> None:
    """``export``: the whole list for the Excel file when ``df`` is one page of it (built on download)."""
    if df.empty:
        st.caption("（暂无数据）")
        return
    st.dataframe(df, hide_index=True, height=height, key=f"{key}_table", **kwargs)
    st.download_button("导出 Excel", data=lambda: xlsx_bytes(export() if export else df), file_name=f"{file_name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", icon=":material/download:", on_click="ignore")
