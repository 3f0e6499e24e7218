"""How a ranking score is made: the weights in a caption and each unit's components in its row."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services.scorecard import describe


def legend_caption(legend: list[dict[str, Any]]) -> None:
    parts = []
    for c in legend:
        if c["kind"] == "count":
            parts.append(f"{c['label']}每次扣 {c['weight']:g} 分")
        else:
            parts.append(f"{c['label']}权重 {c['weight']:g}" + (f"（{c['source']}）" if c.get("source") else ""))
    st.caption("得分构成：" + "；".join(parts) + "。比率指标按权重加权平均，单位缺少的指标不计入；改革办可在“条块互评”页调整权重。")


def with_composition(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the ranking table: the composition text and the figures as columns."""
    return [{**u, "composition": describe(u.get("components") or []),
             "peer": (u.get("figures") or {}).get("peer"), "extensions": (u.get("figures") or {}).get("extensions")}
            for u in units]
