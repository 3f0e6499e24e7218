"""预警与督办: alerts by level with 签收, the units' 签收 of notices and alerts, notifications that did not
arrive, batch 督办通知单 for red tasks, a scan on demand, and the review of tasks reported done."""
from __future__ import annotations

from typing import Any

import streamlit as st

from flows import client
from models.links import task_link
from models.services import admin, notices
from models.services.reads.alerts import alert_by_id, alert_counts, alerts
from models.services.reads.tasks import red_tasks, tasks_with_status
from ui.components import deliveries_view, jobs, tables
from ui.components.actions import answered, ask, asked, call, dismiss, flash, show_flash, succeeded, today
from ui.components.deeplink import linked_row
from ui.components.fmt import md, when
from ui.components.labels import ALERT_LEVELS, light
from ui.components.ops import show_health
from ui.components.reads import current_plan, read
from ui.components.session import guard
from ui.components.signoff_view import office_overview
from ui.scan_now import scan_status, start_scan

login = guard("alert.manage")
actor = login.actor


@st.dialog("确认批量印发督办通知单", width="large", on_dismiss=dismiss("batch"))
def confirm_batch(chosen: list[dict[str, Any]]) -> None:
    numbers = notices.next_numbers("supervision", len(chosen), year=today().year)
    st.markdown(f"将正式印发 **{len(chosen)} 份**督办通知单，按“{md(numbers[0].rsplit('〔', 1)[0])}”系列依次编号"
                f"（预计 {md(numbers[0])}" + (f" 至 {md(numbers[-1])}" if len(numbers) > 1 else "") + "），"
                "并通知各责任单位签收：")
    st.markdown("\n".join(f"- {md(r['code'])} {md(r['title'][:40])}（{md(r['lead'])}）" for r in chosen))
    st.caption("今天已就同一任务印发过的，不再分配新文号，沿用原文号。文号一经分配不能收回，只能作废。")
    ok, cancel = st.columns(2)
    if ok.button("确认印发", key="sup_confirm", type="primary"):
        answered("batch")
        bar = st.progress(0.0, text="正在印发……")
        ids = [r["id"] for r in chosen]
        outcome = call(client.run, "issue-notices", {"task_ids": ids, "today": today().isoformat()}, actor=actor,
                       wait=False, progress=lambda pct: bar.progress(pct / 100, text=f"已完成 {pct:.0f}%"))
        if outcome is not None and outcome.done:
            numbers = outcome.result["doc_numbers"]
            flash(f"已印发督办通知单 {len(numbers)} 份：{'、'.join(numbers)}")
            st.rerun()
        elif outcome is not None:  # with a Prefect server the batch runs on a worker and survives a reload
            flash(f"已提交后台印发 {len(ids)} 份督办通知单，可在下方“后台任务”查看进度。")
            st.rerun()
    if cancel.button("取消", key="sup_cancel"):
        answered("batch")
        st.rerun()


st.title("预警与督办")
show_flash()
plan = current_plan("alerts_plan")
if plan is None:
    st.stop()
pid = plan["id"]

counts = read(alert_counts)
cols = st.columns(len(ALERT_LEVELS) + 1)
for col, (level, label) in zip(cols, ALERT_LEVELS.items(), strict=False):
    col.metric(label, counts.get(level, 0))
if cols[-1].button("立即扫描", key="scan_now", icon=":material/radar:"):
    with st.spinner("正在扫描截止日期、生成预警……"):
        started = call(start_scan, actor, today=today())
    if started is not None:
        st.session_state["scan_run"] = started[0]
        flash(started[1])
        st.rerun()
if st.session_state.get("scan_run"):
    st.caption(scan_status(st.session_state["scan_run"]))
show_health()

st.subheader("预警")
focused = linked_row("alert", lambda i: read(alert_by_id, alert_id=i))
if focused is not None:  # a stable link (/alerts?alert=<id>) opens this alert first
    with st.container(border=True, key="linked_alert"):
        st.markdown(f"**{ALERT_LEVELS.get(focused['level'], focused['level'])}** · {focused['day']} · "
                    f"任务 {md(focused['code'])} {md(focused['title'])} · {light(focused['light'])}")
        st.write(focused["message"])
        link = task_link(focused["code"], focused["plan_id"])
        st.page_link(f"app_pages/{link.page}.py", label="打开任务", icon=":material/open_in_new:",
                     query_params=link.params)
        if focused["acknowledged_at"] is None:
            if st.button("签收此预警", key="ack_linked", type="primary"):
                if succeeded(admin.acknowledge_alert, actor, focused["id"]):
                    flash("已签收该预警。")
                st.rerun()
        else:
            st.caption(f"已于 {when(focused['acknowledged_at'])} 签收")
f1, f2 = st.columns(2)
level = f1.selectbox("级别", ["全部", *ALERT_LEVELS], format_func=lambda k: ALERT_LEVELS.get(k, k), key="alert_level")
open_only = f2.checkbox("只看未签收", value=True, key="alert_open")
rows = read(alerts, level=None if level == "全部" else level, open_only=open_only)
tables.show(tables.frame([{**a, "level": ALERT_LEVELS.get(a["level"], a["level"]), "light": light(a["light"]),
                           "acknowledged_at": when(a["acknowledged_at"]) or "未签收"} for a in rows],
                         {"day": "日期", "level": "级别", "code": "编号", "title": "任务", "message": "内容",
                          "light": "灯色", "acknowledged_at": "签收"}),
            key="alerts", file_name="预警清单")
open_alerts = [a for a in rows if a["acknowledged_at"] is None]
if open_alerts:
    st.markdown("**签收预警**：在要签收的预警前打勾（默认不选），再点“签收”。")
    picked = tables.pick(tables.frame([{**a, "level": ALERT_LEVELS.get(a["level"], a["level"])} for a in open_alerts],
                                      {"day": "日期", "level": "级别", "code": "编号", "title": "任务"}),
                         [a["id"] for a in open_alerts], key="ack_pick", height=min(400, 38 + 35 * len(open_alerts)))
    if st.button(f"签收所选 {len(picked)} 条预警", key="ack_submit", disabled=not picked):
        done = sum(1 for i in picked if succeeded(admin.acknowledge_alert, actor, i))
        flash(f"已签收 {done} 条预警。")
        st.rerun()

office_overview()
deliveries_view.panel(actor, key="alert_deliveries")

st.subheader("印发督办通知单")
red = read(red_tasks, plan_id=pid)
if not red:
    st.info("目前没有红灯任务。")
else:
    st.caption("红灯任务如下。在要印发督办通知单的任务前打勾（默认不选）；每项任务每天最多一份，重复印发返回已有文号。")
    red_table = tables.frame([{**r, "red_since": r["red_since"] or ""} for r in red],
                             {"code": "编号", "title": "任务", "lead": "牵头/负责单位", "deadline": "截止日期",
                              "percent": "进度%", "red_since": "红灯起始", "light_reason": "原因"})
    chosen = tables.pick(red_table, [r["id"] for r in red], key="sup_pick", height=min(400, 38 + 35 * len(red)))
    tables.export_button(red_table, key="red", file_name="红灯任务")
    if st.button(f"批量印发督办通知单（{len(chosen)} 份）", key="sup_issue", type="primary", disabled=not chosen):
        ask("batch", chosen)
    if asked("batch"):
        confirm_batch([r for r in red if r["id"] in asked("batch")])

jobs.panel(["issue-notices", "deadline-scan"], key="alert_jobs")

pending = read(tasks_with_status, plan_id=pid, status="pending_review")
if pending:
    st.page_link("app_pages/review.py", label=f"有 {len(pending)} 项任务已上报完成，前往“办结审核”", icon=":material/fact_check:")
