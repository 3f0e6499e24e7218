"""Plotly figures and Graphviz text for the overview: built from small aggregated rows only."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from ui.components.labels import LIGHT_COLORS, LIGHTS, lag

CHART_CONFIG = {"displayModeBar": False, "locale": "zh-CN"}
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif", size=13)


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=50, b=10), font=FONT, legend_title_text="",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def lights_donut(counts: dict[str, int]) -> go.Figure:
    keys = ["done", "green", "yellow", "red"]
    fig = go.Figure(go.Pie(labels=[LIGHTS[k] for k in keys], values=[counts.get(k, 0) for k in keys], hole=0.55,
                           marker=dict(colors=[LIGHT_COLORS[k] for k in keys]), sort=False, textinfo="value+percent"))
    return _layout(fig, 280)


def phase_bars(rows: Sequence[dict[str, Any]]) -> go.Figure:
    df = pd.DataFrame(rows)
    fig = go.Figure()
    fig.add_bar(y=df["phase"], x=df["finished"], name="已完成", orientation="h", marker_color=LIGHT_COLORS["done"])
    fig.add_bar(y=df["phase"], x=df["total"] - df["finished"], name="未完成", orientation="h", marker_color="#9ecae1")
    fig.update_layout(barmode="stack", yaxis=dict(autorange="reversed"), xaxis_title="任务数")
    for _, r in df.iterrows():
        fig.add_annotation(y=r["phase"], x=r["total"], text=f"平均进度 {r['percent']:.0f}%", showarrow=False,
                           xanchor="left", xshift=6)
    return _layout(fig, 60 + 45 * max(len(df), 1))


def burnup(planned: Sequence[dict[str, Any]], actual: Sequence[dict[str, Any]], today: date) -> go.Figure:
    fig = go.Figure()
    for rows, name, color, dash in ((planned, "计划应完成（按截止日期累计）", "#1f77b4", "dash"),
                                    (actual, "实际已完成（累计）", "#d62728", "solid")):
        df = pd.DataFrame(list(rows), columns=["day", "n"])
        if not df.empty:
            df["cum"] = df["n"].cumsum()
            fig.add_scatter(x=df["day"], y=df["cum"], name=name, mode="lines", line=dict(color=color, dash=dash,
                            shape="hv"))
    fig.add_vline(x=today, line_color="#555", line_dash="dot")
    fig.add_annotation(x=today, y=1, yref="paper", text="今天", showarrow=False, yanchor="bottom")
    fig.update_layout(yaxis_title="任务数（累计）", xaxis_tickformat="%Y-%m")
    return _layout(fig, 340)


def _category(r: dict[str, Any]) -> str:
    if r["critical"]:
        return "关键路径"
    if r["at_risk"]:
        return "受前置影响有延误风险"
    if r["light"] == "red":
        return "红灯"
    return "里程碑"


CATEGORY_COLORS = {"关键路径": "#d62728", "受前置影响有延误风险": "#ff7f0e", "红灯": "#8c564b", "里程碑": "#1f77b4"}


def gantt(rows: Sequence[dict[str, Any]], deps: Sequence[dict[str, Any]], today: date) -> go.Figure:
    data = []
    for r in rows:
        end = r["end"] or r["start"]
        start = r["start"] or end
        if start is None or end is None:
            continue
        if end <= start:
            end = start + timedelta(days=1)
        data.append({"id": r["id"], "任务": f"{r['code']} {r['title'][:18]}", "开始": start, "结束": end,
                     "类别": _category(r), "截止": r["deadline"], "进度": f"{r['percent']}%"})
    if not data:
        return _layout(go.Figure(), 120)
    df = pd.DataFrame(data)
    fig = px.timeline(df, x_start="开始", x_end="结束", y="任务", color="类别", color_discrete_map=CATEGORY_COLORS,
                      hover_data={"截止": True, "进度": True, "开始": True, "结束": True, "类别": False})
    fig.update_yaxes(autorange="reversed", title=None)
    pos = {d["id"]: d for d in data}
    arrows = [dict(x=b["开始"], y=b["任务"], ax=a["结束"], ay=a["任务"], xref="x", yref="y", axref="x", ayref="y",
                   showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1, arrowcolor="#555", opacity=0.6)
              for dep in deps[:300]
              if (a := pos.get(dep["pred_id"])) and (b := pos.get(dep["succ_id"]))]
    fig.update_layout(annotations=arrows)  # one update: adding 300 annotations one by one takes a second
    fig.add_vline(x=today, line_color="#555", line_dash="dot")
    fig.update_layout(xaxis_tickformat="%Y-%m")
    return _layout(fig, 120 + 26 * len(df))


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def dependency_dot(rows: Sequence[dict[str, Any]], deps: Sequence[dict[str, Any]]) -> str:
    """Graphviz source: critical tasks red, at-risk orange, milestones as diamonds; edges labelled with lags."""
    lines = ['digraph G {', 'rankdir=LR;', 'node [shape=box, style="rounded,filled", fillcolor="#ffffff", '
             'fontname="Noto Sans CJK SC", fontsize=11];', 'edge [fontname="Noto Sans CJK SC", fontsize=9];']
    for r in rows:
        color = CATEGORY_COLORS[_category(r)]
        shape = ', shape=diamond' if r["is_milestone"] else ""
        fill = ', fillcolor="#fde0dd"' if r["critical"] else ""
        label = _dot_text(r["code"]) + "\\n" + _dot_text(r["title"][:14])
        lines.append(f'n{int(r["id"])} [label="{label}", color="{color}", penwidth=2{shape}{fill}];')
    for d in deps:
        label = _dot_text(lag(d["lag_value"], d["lag_unit"]))
        lines.append(f'n{int(d["pred_id"])} -> n{int(d["succ_id"])} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines)


def ranking_bars(df: pd.DataFrame) -> go.Figure:
    fig = px.bar(df, x="按期完成率", y="单位", orientation="h", color="按期完成率", color_continuous_scale="RdYlGn",
                 range_color=(0, 100), text="按期完成率")
    fig.update_traces(texttemplate="%{text:.0f}%", textposition="outside")
    fig.update_layout(yaxis=dict(autorange="reversed", title=None), coloraxis_showscale=False)
    return _layout(fig, 80 + 28 * len(df))
