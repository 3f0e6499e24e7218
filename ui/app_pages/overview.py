"""总览: lights, progress by phase and milestone, burn-up, Gantt of the critical path, dependency graph,
at-risk tasks, latest alerts and latest activity."""
from __future__ import annotations

import streamlit as st

from models.services.permissions import has
from models.services.reads.overview import (
    at_risk_list,
    burnup,
    dependencies_among,
    focus_tasks,
    latest_activity,
    latest_alerts,
    light_counts,
    milestones,
    phase_progress,
)
from ui.components import charts, tables
from ui.components.actions import today
from ui.components.charts import CHART_CONFIG
from ui.components.fmt import md, when
from ui.components.labels import ACTION_LABELS, ALERT_LEVELS, STATUS_LABELS, light
from ui.components.ops import show_health
from ui.components.reads import critical_path, current_plan, read
from ui.components.session import guard

GANTT_CAP = 120

login = guard("dashboard.view")
st.title("总览")
if has(login.actor, "schedule.run"):  # whoever runs the automation is told when it fails
    show_health()
plan = current_plan("overview_plan", allow_all=True)
if plan is None:
    st.stop()
pid = plan["id"]
st.caption(f"{plan['title']}" + (f"（{plan['doc_number']}）" if plan["doc_number"] else "")
           + f" · 数据截至 {today():%Y年%m月%d日}")

counts = read(light_counts, plan_id=pid)
cols = st.columns(7)
for col, (label, value) in zip(cols, [("任务总数", counts["total"]), ("已完成", counts["done"]),
                                      ("绿灯", counts["green"]), ("黄灯", counts["yellow"]),
                                      ("红灯", counts["red"]), ("有延误风险", counts["at_risk"]),
                                      ("待审核", counts["pending_review"])], strict=False):
    col.metric(label, value)

st.subheader("风险与逾期任务")
risks = read(at_risk_list, plan_id=pid)
tables.show(tables.frame([{**r, "light": light(r["light"])} for r in risks],
                         {"code": "编号", "title": "任务", "light": "灯色", "percent": "进度%", "deadline": "截止日期",
                          "forecast_finish": "预计完成", "lead": "牵头单位", "light_reason": "原因"}),
            key="at_risk", file_name="风险与逾期任务", height=min(420, 38 + 35 * max(len(risks), 1)))
left, right = st.columns([1, 2])
with left:
    st.subheader("红黄绿灯分布")
    st.plotly_chart(charts.lights_donut(counts), key="lights_chart", config=CHART_CONFIG)
with right:
    st.subheader("各阶段进度")
    phases = read(phase_progress, plan_id=pid) if pid is not None else []
    if pid is None:  # phases of different plans are not comparable
        st.caption("请在上方选择一个方案查看各阶段进度。")
    if phases:
        st.plotly_chart(charts.phase_bars(phases), key="phase_chart", config=CHART_CONFIG)

st.subheader("累计完成情况（计划与实际）")
burn = read(burnup, plan_id=pid)
st.plotly_chart(charts.burnup(burn["planned"], burn["actual"], today()), key="burnup_chart", config=CHART_CONFIG)

st.subheader("里程碑")
stones = read(milestones, plan_id=pid)
tables.show(tables.frame([{**m, "status": STATUS_LABELS.get(m["status"], m["status"]), "light": light(m["light"])}
                          for m in stones],
                         {"code": "编号", "title": "里程碑", "deadline": "截止日期", "forecast_finish": "预计完成",
                          "status": "状态", "percent": "进度%", "light": "灯色"}),
            key="milestones", file_name="里程碑")

st.subheader("甘特图：关键路径、风险任务与里程碑")
if pid is None:  # one chart of several plans' tasks is noise: nothing to read for it either
    st.info("甘特图和依赖关系图按方案显示，请在上方选择一个方案。")
else:
    focus, qualifying = read(focus_tasks, plan_id=pid, cap=GANTT_CAP, path=critical_path(pid))
    deps = read(dependencies_among, task_ids=[r["id"] for r in focus])
    if qualifying > len(focus):
        st.caption(f"为便于阅读，仅显示关键路径、有风险、红灯任务和里程碑中的前 {len(focus)} 项（共 {qualifying} 项）；"
                   "完整清单请到“任务”页面筛选。")
    else:
        st.caption("仅显示关键路径（决定方案最终完成日期的任务链）、有延误风险、红灯任务和里程碑；箭头表示前后依赖关系。")
    tab_gantt, tab_graph = st.tabs(["甘特图", "依赖关系图"])
    with tab_gantt:
        st.plotly_chart(charts.gantt(focus, deps, today()), key="gantt_chart", config=CHART_CONFIG)
    with tab_graph:
        st.graphviz_chart(charts.dependency_dot(focus, deps))

st.subheader("最新预警")
alerts = read(latest_alerts, limit=20)
tables.show(tables.frame([{**a, "level": ALERT_LEVELS.get(a["level"], a["level"])} for a in alerts],
                         {"day": "日期", "level": "级别", "code": "编号", "message": "内容"}),
            key="alerts", file_name="最新预警")

st.subheader("最新动态")
activity = read(latest_activity, plan_id=pid, limit=10)
for a in activity[:5]:
    who = a["unit"] or a["user"]  # imported history has neither: no empty bold marks ("****")
    st.markdown(f"- {when(a['created_at'])} " + (f"**{md(who)}** " if who else "")
                + f"{ACTION_LABELS.get(a['kind'], a['kind'])} {md(a['code'])} {md(a['title'])}：进度 {a['percent']}%"
                + (f"，{md(a['note'][:60])}" if a["note"] else ""))
tables.show(tables.frame([{**a, "kind": ACTION_LABELS.get(a["kind"], a["kind"]),
                           "created_at": when(a["created_at"])}
                          for a in activity],
                         {"created_at": "时间", "unit": "单位", "user": "填报人", "code": "编号", "title": "任务",
                          "kind": "事项", "percent": "进度%", "note": "说明"}),
            key="activity", file_name="最新动态")
