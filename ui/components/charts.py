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
    """The colour a task is drawn in: its light, with 受前置影响有延误风险 between red and yellow. The critical
    path is not a colour but an outline, so a red task on the path is still red."""
    if r["light"] == "red":
        return "红灯"
    if r["at_risk"]:
        return "有延误风险"
    return {"yellow": "黄灯", "done": "已完成"}.get(r["light"] or "", "绿灯")


CATEGORY_COLORS = {"红灯": LIGHT_COLORS["red"], "有延误风险": "#ff7f0e", "黄灯": LIGHT_COLORS["yellow"],
                   "绿灯": LIGHT_COLORS["green"], "已完成": LIGHT_COLORS["done"]}
CRITICAL_OUTLINE = "#1a1a1a"
DAY_MS = 86_400_000


def _pale(color: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _gantt_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    data = []
    for r in rows:
        end = r["end"] or r["start"]
        start = r["start"] or end
        if start is None or end is None:
            continue
        if end <= start:
            end = start + timedelta(days=1)
        data.append({**r, "label": f"{r['code']} {r['title'][:18]}", "s": start, "e": end,
                     "category": _category(r), "days": (end - start).days})
    return data


def gantt(rows: Sequence[dict[str, Any]], deps: Sequence[dict[str, Any]], today: date) -> go.Figure:
    """Bars in the colour of the task's light (as the legend says) with the done part filled solid and the
    rest pale; the critical path outlined in black; milestones as diamonds on their date; dependencies as
    arrows from a predecessor's end to its successor's start."""
    data = _gantt_rows(rows)
    if not data:
        return _layout(go.Figure(), 120)
    fig = go.Figure()
    order = [d["label"] for d in data]
    for category, color in CATEGORY_COLORS.items():
        mine = [d for d in data if d["category"] == category and not d["is_milestone"]]
        if not mine:
            continue
        hover = [f"{d['label']}<br>{d['s']} 至 {d['e']}<br>截止 {d['deadline'] or '—'} · 进度 {d['percent']}%"
                 + ("<br>关键路径" if d["critical"] else "") for d in mine]
        fig.add_bar(y=[d["label"] for d in mine], base=[d["s"].isoformat() for d in mine],
                    x=[d["days"] * DAY_MS for d in mine], orientation="h", name=f"{category}（计划工期）",
                    legendgroup=category, showlegend=False,
                    marker=dict(color=_pale(color),  # not marker opacity: it would fade the outline too
                                line=dict(color=[CRITICAL_OUTLINE if d["critical"] else color for d in mine],
                                          width=[2.5 if d["critical"] else 0.5 for d in mine])),
                    hovertext=hover, hoverinfo="text")
        fig.add_bar(y=[d["label"] for d in mine], base=[d["s"].isoformat() for d in mine],
                    x=[max(d["days"] * d["percent"] / 100, 0) * DAY_MS for d in mine], orientation="h",
                    name=category, legendgroup=category,  # the legend swatch is the solid colour
                    marker=dict(color=color), width=0.35, hovertext=hover, hoverinfo="text")
    stones = [d for d in data if d["is_milestone"]]
    if stones:
        fig.add_scatter(x=[d["e"].isoformat() for d in stones], y=[d["label"] for d in stones], mode="markers",
                        name="里程碑", marker=dict(symbol="diamond", size=15,
                                                   color=[CATEGORY_COLORS[d["category"]] for d in stones],
                                                   line=dict(color=[CRITICAL_OUTLINE if d["critical"] else "#ffffff"
                                                                    for d in stones], width=2)),
                        hovertext=[f"里程碑 {d['label']}<br>{d['e']} · 进度 {d['percent']}%" for d in stones],
                        hoverinfo="text")
    fig.add_scatter(x=[None], y=[None], mode="markers", name="关键路径（黑色边框）",
                    marker=dict(symbol="square", size=13, color="rgba(0,0,0,0)",
                                line=dict(color=CRITICAL_OUTLINE, width=2.5)))
    pos = {d["id"]: d for d in data}
    arrows = [dict(x=(b["e"] if b["is_milestone"] else b["s"]).isoformat(), y=b["label"], ax=a["e"].isoformat(),
                   ay=a["label"], xref="x", yref="y",
                   axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.4, arrowwidth=1.3,
                   arrowcolor="#444444", standoff=2, text="")
              for dep in deps[:300]
              if (a := pos.get(dep["pred_id"])) and (b := pos.get(dep["succ_id"]))]
    fig.update_layout(annotations=arrows)  # one update: adding 300 annotations one by one takes a second
    fig.add_vline(x=today.isoformat(), line_color="#555", line_dash="dot")
    fig.update_layout(barmode="overlay", xaxis=dict(type="date", tickformat="%Y-%m"),
                      yaxis=dict(categoryorder="array", categoryarray=order, autorange="reversed", title=None))
    return _layout(fig, 140 + 26 * len(data))


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def dependency_dot(rows: Sequence[dict[str, Any]], deps: Sequence[dict[str, Any]]) -> str:
    """Graphviz source in the Gantt's colours (the light as fill), the critical path outlined in black,
    milestones as diamonds; edges labelled with lags."""
    lines = ['digraph G {', 'rankdir=LR;', 'node [shape=box, style="rounded,filled", fillcolor="#ffffff", '
             'fontname="Noto Sans CJK SC", fontsize=11];', 'edge [fontname="Noto Sans CJK SC", fontsize=9];']
    for r in rows:
        color = CRITICAL_OUTLINE if r["critical"] else CATEGORY_COLORS[_category(r)]
        shape = ', shape=diamond' if r["is_milestone"] else ""
        fill = f', fillcolor="{CATEGORY_COLORS[_category(r)]}40"'
        width = 3 if r["critical"] else 1.5
        label = _dot_text(r["code"]) + "\\n" + _dot_text(r["title"][:14])
        lines.append(f'n{int(r["id"])} [label="{label}", color="{color}", penwidth={width}{shape}{fill}];')
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
