"""本单位: notices and alerts to sign for (签收), my tasks (lead/responsible and supporting), report progress
or completion with evidence, and the handover steps waiting for my confirmation."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import tasks
from models.services.reads.handovers import handover_items, pending_steps
from models.services.reads.tasks import my_tasks
from ui.components import reporting_view, tables
from ui.components.actions import act, form_key, show_flash
from ui.components.fmt import md
from ui.components.handover_view import items_frame, step_actions, totals_line
from ui.components.labels import HANDOVER_KINDS, STATUS_LABELS, TASK_ROLES, light
from ui.components.reads import read, unit_name
from ui.components.session import guard
from ui.components.signoff_view import unit_inbox
from ui.components.uploads import too_large, upload_limit_mb

login = guard("task.report")
unit_id = login.actor.unit_id
if unit_id is None:
    st.error("您的账户未关联单位，请联系系统管理员。")
    st.stop()
st.title(f"本单位：{md(unit_name(unit_id))}", anchor=False)
show_flash()

mine = read(my_tasks, unit_id=unit_id)
own = [t for t in mine if t["role"] in ("lead", "responsible")]
support = [t for t in mine if t["role"] == "supporting"]
cols = st.columns(4)
cols[0].metric("牵头/负责任务", len(own))
cols[1].metric("配合任务", len(support))
cols[2].metric("红灯", sum(1 for t in own if t["light"] == "red"))
cols[3].metric("待改革办审核", sum(1 for t in own if t["status"] == "pending_review"))

COLUMNS = {"code": "编号", "title": "任务", "role": "本单位角色", "deadline": "截止日期", "deadline_text": "时限表述",
           "status": "状态", "percent": "进度%", "light": "灯色"}


def shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**t, "role": TASK_ROLES[t["role"]], "status": STATUS_LABELS.get(t["status"], t["status"]),
             "light": light(t["light"])} for t in rows]


unit_inbox(login.actor)

tab_own, tab_support = st.tabs([f"牵头/负责（{len(own)}）", f"配合（{len(support)}）"])
with tab_own:
    tables.show(tables.frame(shown(own), COLUMNS), key="own_tasks", file_name="本单位牵头负责任务")
with tab_support:
    tables.show(tables.frame(shown(support), COLUMNS), key="support_tasks", file_name="本单位配合任务")

st.subheader("报告进展")
open_tasks = {t["id"]: t for t in own if t["status"] in ("not_started", "in_progress")}
if not open_tasks:
    st.info("本单位没有需要报告进展的任务。")
else:
    task_id = st.selectbox("任务", list(open_tasks), key="report_task",
                           format_func=lambda i: f"{open_tasks[i]['code']} {open_tasks[i]['title']}")
    task = open_tasks[task_id]
    due = task["deadline"] or task["deadline_text"] or "未规定"
    with st.container(border=True, key="report_card"):
        st.caption(f"当前进度 {task['percent']}%，截止 {md(due)}，{light(task['light'])}")
        # the fields are keyed by a counter renewed after each accepted report: they come back empty, and a
        # second click on the old button (or a reload of the old page) has nothing left to submit
        percent = st.slider("完成比例（%）", 0, 99, value=min(task["percent"], 99), key=form_key("report", "percent"))
        note = st.text_area("进展说明", key=form_key("report", "note"), placeholder="已完成的工作、存在的问题、下一步安排")
        files = st.file_uploader(f"佐证材料（PDF、Word、Excel、图片，单个不超过 {upload_limit_mb()} MB）",
                                 accept_multiple_files=True, type=sorted(tasks.EVIDENCE_KINDS),
                                 key=form_key("report", "files"))
        oversized = too_large(files or [])
        uploads = [tasks.Upload(f.name, f.getvalue()) for f in files or []]
        value = reporting_view.value_input(task_id)  # the report slot it fills; an indicator task's value
        progress_col, done_col = st.columns(2)
        if progress_col.button("提交进展", key=form_key("report", "progress"), type="primary", disabled=bool(oversized)):
            with st.spinner("正在提交进展……"):
                act(f"已报告任务 {task['code']} 进展 {percent}%" + (f"，附佐证材料 {len(uploads)} 份。" if uploads else "。"),
                    tasks.report_progress, login.actor, task_id=task_id, expected_version=task["version"],
                    percent=int(percent), note=note, uploads=uploads, value=value, renew="report")
        if done_col.button("报告完成（提交改革办审核）", key=form_key("report", "done"), disabled=bool(oversized)):
            with st.spinner("正在提交完成报告……"):
                act(f"已报告任务 {task['code']} 完成，等待改革办审核。", tasks.report_done, login.actor, task_id=task_id,
                    expected_version=task["version"], note=note, uploads=uploads, value=value, renew="report")

st.subheader("待本单位确认的交接")
pending = read(pending_steps, unit_id=unit_id)
if not pending:
    st.info("目前没有需要本单位确认的交接事项。")
for p in pending:
    with st.expander(f"{HANDOVER_KINDS.get(p['kind'], p['kind'])}：{md(p['title'])}", expanded=True):
        items = read(handover_items, handover_id=p["handover_id"])
        tables.show(items_frame(p["kind"], items), key=f"my_items_{p['handover_id']}", file_name=p["title"][:40])
        totals_line(p["kind"], items, p["declared_total"])
        step_actions(login, p, key=f"my_step_{p['handover_id']}")
