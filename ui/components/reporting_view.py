"""Reporting duties (报送要求) and indicators (指标任务) on the pages: a task's schedule, slots and indicator with
its pace chart; the office's forms (task and plan schedule, target, 审定值); the value a unit reports; the
importer's proposals on review. Pages call these with one line each."""
from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from models.importing.reporting import parse_rules_text
from models.reporting import DIRECTIONS, SLOT_STATES, fmt_value
from models.services import reporting
from models.services.permissions import has
from ui.components import tables
from ui.components.actions import act, call, today
from ui.components.charts import CHART_CONFIG, FONT
from ui.components.fmt import day, md

DIRECTION_CHOICES = {"ge": "≥ 达到…以上", "le": "≤ 控制在…以内"}


def _rules(text: str) -> list[dict[str, Any]] | None:
    try:
        return parse_rules_text(text)
    except ValueError as exc:
        st.error(str(exc))
        return None


def pace_chart(ind: dict[str, Any], start: date | None, deadline: date | None, as_of: date) -> go.Figure:
    """Planned pace (序时进度) from the baseline at the start to the target at the deadline, with the values."""
    fig = go.Figure()
    begin = ind.get("baseline_on") or start
    if begin and deadline and ind.get("baseline") is not None:
        fig.add_scatter(x=[begin, deadline], y=[ind["baseline"], ind["target"]], name="序时进度", mode="lines",
                        line=dict(color="#1f77b4", dash="dash"))
    for kind, name, color in (("reported", "填报值", "#ff7f0e"), ("audited", "审定值", "#2ca02c")):
        points = [v for v in ind["values"] if v["kind"] == kind]
        if points:
            fig.add_scatter(x=[v["as_of"] for v in points], y=[v["value"] for v in points], name=name,
                            mode="markers+lines", marker=dict(color=color, size=9))
    fig.add_hline(y=ind["target"], line_color="#d62728", line_dash="dot",
                  annotation_text=f"目标 {DIRECTIONS[ind['direction']]}{fmt_value(ind['target'], ind['unit'])}")
    fig.add_vline(x=as_of, line_color="#555", line_dash="dot")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10), font=FONT, yaxis_title=ind["unit"] or "值",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def task_duties(login: Any, task_id: int) -> None:
    """The task detail's 报送要求 and 指标 sections, with the office's forms."""
    info = call(reporting.detail, task_id, today=today())
    if info is None:
        return
    st.subheader("报送要求")
    source = "本任务" if info["own"] else ("继承方案" if info["inherited"] else "")
    st.markdown(f"**报送要求：** {md(info['text'])}" + (f"（{source}）" if source else ""))
    slots = info["slots"]
    if slots:
        states = [s["state"] for s in slots]
        st.caption("；".join(f"{label} {states.count(k)} 期" for k, label in SLOT_STATES.items() if states.count(k)))
        tables.show(tables.frame([{**s, "state": SLOT_STATES[s["state"]],
                                   "moved_from": f"{day(s['moved_from'])}（节假日顺延）" if s["moved_from"] else ""}
                                  for s in reversed(slots)],
                                 {"due_on": "应报日期", "opens_on": "起始日期", "state": "状态", "filed_on": "报送日期",
                                  "moved_from": "原定日期"}),
                    key=f"slots_{task_id}", file_name=f"{info['code']}_报送期次", height=240)
    elif info["text"] != "无":
        st.caption("报送期次将在窗口开始后由每日扫描生成。")
    if has(login.actor, "task.admin"):
        with st.expander("设置本任务报送要求（改革办）"):
            text = st.text_input("报送要求（如“每月5日前”“每周五”“每季度末”；“不单独报送”表示不继承方案；留空则继承方案）",
                                 value=reporting.describe(info["own"]) if info["own"] else "",
                                 key=f"duty_text_{task_id}")
            remind = st.number_input("到期前提醒（工作日）", 0, 30, value=3, key=f"duty_remind_{task_id}")
            if st.button("保存报送要求", key=f"duty_save_{task_id}"):
                rules = _rules(text)
                if rules is not None:
                    act("已保存报送要求。", reporting.set_schedule, login.actor, plan_id=info["plan_id"],
                        task_id=task_id, rules=[{**r, "remind_days": int(remind)} for r in rules],
                        expected_version=info["version"], today=today())
    _indicator(login, info)


def _indicator(login: Any, info: dict[str, Any]) -> None:
    ind = info["indicator"]
    task_id = info["task_id"]
    if ind is not None:
        st.subheader("指标")
        unit = ind["unit"]
        c = st.columns(4)
        c[0].metric("目标值", f"{DIRECTIONS[ind['direction']]}{fmt_value(ind['target'], unit)}")
        c[1].metric("基期值", fmt_value(ind["baseline"], unit), help=f"基期：{day(ind['baseline_on']) or '—'}")
        c[2].metric("最新填报值", fmt_value(ind.get("reported"), unit))
        c[3].metric("审定值", fmt_value(ind.get("audited"), unit))
        if ind["name"]:
            st.caption(f"指标名称：{md(ind['name'])}")
        st.plotly_chart(pace_chart(ind, info["planned_start"], info["deadline"], today()),
                        key=f"pace_{task_id}", config=CHART_CONFIG)
        audited = [v for v in ind["values"] if v["kind"] == "audited"]
        if audited:
            st.caption("审定记录：" + "；".join(f"{day(v['as_of'])} {fmt_value(v['value'], unit)}（{md(v['reason'])}）"
                                            for v in audited))
    if has(login.actor, "task.review") and ind is not None:
        with st.expander("设置审定值（改革办）"):
            value = st.number_input("审定值", value=float(ind.get("value") or 0.0), key=f"audit_value_{task_id}")
            reason = st.text_input("审定理由（必填）", key=f"audit_reason_{task_id}")
            if st.button("保存审定值", key=f"audit_save_{task_id}"):
                act("已保存审定值。", reporting.audit_value, login.actor, task_id=task_id,
                    expected_version=info["version"], value=float(value), reason=reason, today=today(),
                    clear=(f"audit_reason_{task_id}",))
    if has(login.actor, "task.admin"):
        with st.expander("设置指标目标（改革办）" if ind else "设为指标任务（改革办）"):
            cur = ind or {}
            c1, c2, c3 = st.columns(3)
            target = c1.number_input("目标值", value=float(cur.get("target") or 0.0), key=f"ind_target_{task_id}")
            unit = c2.text_input("单位", value=cur.get("unit") or "%", key=f"ind_unit_{task_id}")
            direction = c3.selectbox("方向", list(DIRECTION_CHOICES), format_func=DIRECTION_CHOICES.__getitem__,
                                     index=0 if cur.get("direction", "ge") == "ge" else 1, key=f"ind_dir_{task_id}")
            c4, c5, c6 = st.columns(3)
            baseline = c4.number_input("基期值", value=float(cur.get("baseline") or 0.0), key=f"ind_base_{task_id}")
            baseline_on = c5.date_input("基期日期", value=cur.get("baseline_on"), key=f"ind_base_on_{task_id}",
                                        format="YYYY-MM-DD")
            name = c6.text_input("指标名称", value=cur.get("name") or "", key=f"ind_name_{task_id}")
            if st.button("保存指标", key=f"ind_save_{task_id}"):
                act("已保存指标。", reporting.set_indicator, login.actor, task_id=task_id,
                    expected_version=info["version"], today=today(),
                    indicator={"target": target, "unit": unit, "direction": direction, "baseline": baseline,
                               "baseline_on": baseline_on, "name": name})


def plan_duties(login: Any, plan_id: int) -> None:
    """The office's plan-wide schedule, inherited by every task without its own."""
    if not has(login.actor, "task.admin"):
        return
    info = call(reporting.plan_schedule, plan_id)
    if info is None:
        return
    with st.expander(f"方案报送要求：{info['text']}（各任务继承，任务可单独设置）"):
        text = st.text_input("报送要求（如“每月5日前；每季度末”）", value=info["text"] if info["rules"] else "",
                             key=f"plan_duty_text_{plan_id}")
        remind = st.number_input("到期前提醒（工作日）", 0, 30, value=3, key=f"plan_duty_remind_{plan_id}")
        if st.button("保存方案报送要求", key=f"plan_duty_save_{plan_id}"):
            rules = _rules(text)
            if rules is not None:
                act("已保存方案报送要求。", reporting.set_schedule, login.actor, plan_id=plan_id,
                    rules=[{**r, "remind_days": int(remind)} for r in rules], expected_version=info["version"],
                    today=today())


def value_input(task_id: int) -> float | None:
    """On the unit's report form: the slot this report fills and, for an indicator task, the value it carries."""
    info = call(reporting.detail, task_id, today=today())
    if info is None:
        return None
    waiting = [s for s in info["slots"] if s["state"] in ("missed", "open")]
    if waiting:
        first = waiting[0]
        st.caption(f"报送要求：{md(info['text'])}。本次填报将计入 {day(first['due_on'])} 一期"
                   + ("（已逾期，记为补报）" if first["state"] == "missed" else "") + "。")
    ind = info["indicator"]
    if ind is None:
        return None
    label = f"指标值（{ind['name'] or '本期'}，目标 {DIRECTIONS[ind['direction']]}{fmt_value(ind['target'], ind['unit'])}）"
    value = st.number_input(label, value=None, key=f"report_value_{task_id}", placeholder="请填写本期指标值")
    return None if value is None else float(value)


def _number(cell: Any) -> float | None:
    """A table cell as a number: blank, cleared (NaN) or unreadable cells are no target."""
    try:
        value = float(cell)
    except (TypeError, ValueError):
        if str(cell or "").strip():
            st.error(f"目标值须为数字：{str(cell)[:20]}")
        return None
    return None if value != value else value


def review_proposals(current: dict[str, Any]) -> dict[str, Any]:
    """Import review: the proposed plan rhythm and per-task schedules and targets, editable; returns the draft
    with the office's choices (blank = none)."""
    meta = dict(current.get("plan") or {})
    st.subheader("报送要求与指标（系统建议，可修改）")
    proposed = reporting.describe(meta.get("report_schedule") or [])
    plan_text = st.text_input("方案报送要求（各任务继承；如“每月5日前；每季度末”，留空为无）",
                              value="" if proposed == "无" else proposed, key="import_plan_duty")
    plan_rules = _rules(plan_text) if plan_text.strip() else []
    meta["report_schedule"] = plan_rules or []
    rows = [{"code": t["code"], "title": t["title"][:40], "duty": reporting.describe(t.get("report_schedule") or [])
             if t.get("report_schedule") else "", "name": (t.get("indicator") or {}).get("name") or "",
             "target": (t.get("indicator") or {}).get("target"), "unit": (t.get("indicator") or {}).get("unit") or "",
             "direction": DIRECTIONS[(t.get("indicator") or {}).get("direction") or "ge"]
             if t.get("indicator") else ""} for t in current["tasks"] if not t.get("group")]
    proposals = [r for r in rows if r["duty"] or r["target"] is not None]
    st.caption(f"识别到 {len(proposals)} 项任务含报送要求或量化指标；可在下表为任一任务填写或清空。")
    edited = st.data_editor(tables.frame(rows, {"code": "编号", "title": "任务", "duty": "报送要求", "name": "指标名称",
                                                "target": "目标值", "unit": "单位", "direction": "方向"}),
                            hide_index=True, key="import_duties", disabled=["编号", "任务"], height=260,
                            column_config={"方向": st.column_config.SelectboxColumn(options=["", "≥", "≤"]),
                                           "目标值": st.column_config.NumberColumn()})
    by_code = {str(r["编号"]): r for r in edited.to_dict("records")}
    tasks = []
    for t in current["tasks"]:
        r = by_code.get(str(t["code"]))
        if r is None:
            tasks.append(t)
            continue
        duty = str(r.get("报送要求") or "").strip()
        rules = (_rules(duty) or []) if duty else []
        target = _number(r.get("目标值"))
        old = t.get("indicator") or {}
        indicator = {**old, "name": r.get("指标名称") or "", "target": target, "unit": r.get("单位") or "",
                     "direction": "le" if r.get("方向") == "≤" else "ge"} if target is not None else None
        tasks.append({**t, "report_schedule": rules, "indicator": indicator})
    return {**current, "plan": meta, "tasks": tasks}
