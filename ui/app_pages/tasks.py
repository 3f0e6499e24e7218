"""任务: filterable task list; one task's detail with how its deadline was computed, dependencies,
a what-if slip, progress history, evidence downloads, review (office) and its audit trail."""
from __future__ import annotations

import streamlit as st

from models.services import scheduling, tasks
from models.services.permissions import UNIT_SCOPED_ROLES, has
from models.services.reads.common import plans
from models.services.reads.overview import phase_progress
from models.services.reads.tasks import (
    evidence_of,
    neighbours,
    task_audit,
    task_detail,
    task_history,
    task_labels,
    task_table,
)
from ui.components import reporting_view, tables
from ui.components.actions import call, show_flash, today
from ui.components.deeplink import linked_task
from ui.components.fmt import day, md, when
from ui.components.labels import (
    ACTION_LABELS,
    LIGHTS,
    OUTCOMES,
    RULES,
    STATUS_LABELS,
    TASK_ROLES,
    action,
    actor_label,
    changes,
    lag,
    light,
)
from ui.components.reads import current_plan, read, unit_id_by_name, unit_name, unit_names
from ui.components.review import review_form
from ui.components.session import guard
from ui.components.task_requests import task_section

login = guard("task.view")
st.title("任务")
show_flash()
linked = linked_task()
plan = current_plan("tasks_plan", allow_all=True, prefer=linked.plan_id if linked else None)
if plan is None:
    st.stop()
pid = plan["id"]  # None: all plans (departments see their tasks across plans)
if pid is not None:
    reporting_view.plan_duties(login, pid)

# ------------------------------------------------------------ filters and list
units = unit_id_by_name()
c_unit, c_light, c_phase, c_due = st.columns([2, 2, 2, 2])
unit_options = ["全部", *units]
own = unit_name(login.actor.unit_id) if login.actor.role in UNIT_SCOPED_ROLES else ""
unit = c_unit.selectbox("责任单位", unit_options, index=unit_options.index(own) if own in units and not linked else 0,
                        key="flt_unit")
lights = c_light.multiselect("灯色", list(LIGHTS), format_func=LIGHTS.__getitem__, key="flt_light",
                             placeholder="全部", max_selections=len(LIGHTS) - 1)  # all four = no filter
phase_names = [p["phase"] for p in read(phase_progress, plan_id=pid)]
phase = c_phase.selectbox("阶段", ["全部", *phase_names], key="flt_phase")
due = c_due.date_input("截止日期范围", value=[], key="flt_due", format="YYYY-MM-DD")
due_from, due_to = (list(due) + [None, None])[:2] if isinstance(due, tuple | list) else (due, None)
follower = login.actor.user_id if has(login.actor, "instruction.write") else None  # 关注 first for leaders
rows, total = read(task_table, plan_id=pid, unit_id=units.get(unit), lights=tuple(lights),
                   phase=None if phase == "全部" else phase, due_from=due_from, due_to=due_to, follower_id=follower)
st.caption(f"共 {total} 项任务" + (f"，显示前 {len(rows)} 项" if total > len(rows) else ""))
plan_titles = {p["id"]: p["title"] for p in read(plans)}
tables.show(tables.frame([{**r, "plan": plan_titles.get(r.get("plan_id"), ""),
                           "status": STATUS_LABELS.get(r["status"], r["status"]), "light": light(r["light"]),
                           "at_risk": "是" if r["at_risk"] else "", "followed": "★" if r["followed"] else ""}
                          for r in rows],
                         {**({"followed": "关注"} if follower else {}), **({"plan": "方案"} if pid is None else {}),
                          "code": "编号", "title": "任务", "light": "灯色", "status": "状态", "percent": "进度%",
                          "deadline": "截止日期", "forecast_finish": "预计完成", "at_risk": "延误风险",
                          "lead": "牵头/负责单位", "supporting": "配合单位", "deadline_text": "时限表述"}),
            key="tasks", file_name="任务清单", height=360)

# ------------------------------------------------------------ detail
st.divider()
st.header("任务详情")
choices = {r["id"]: f"{r['code']} {r['title']}" for r in rows}
if linked and linked.id not in choices:  # the linked task even when the filters hide it
    choices = {linked.id: f"{linked.code} {(read(task_detail, task_id=linked.id) or {}).get('title', '')}", **choices}
ids = list(choices)
default = ids.index(linked.id) if linked else next((i for i, r in enumerate(rows) if r["light"] == "red"), 0)
if not ids:
    st.info("没有符合条件的任务。")
    st.stop()
task_id = st.selectbox("选择任务", ids, index=default, format_func=choices.__getitem__, key="task_pick")
task = read(task_detail, task_id=task_id)
if task is None:  # removed since the list was read (a plan re-imported)
    st.info("该任务已不存在，请刷新页面。")
    st.stop()
st.query_params.update(plan=str(task["plan_id"]), task=task["code"])

st.subheader(f"{task['code']} {task['title']}", anchor=False)
st.markdown(md(task["text"] or task["title"]))
info, timing = st.columns(2)
with info:
    for role in ("lead", "responsible", "supporting"):
        if task["units"][role]:
            st.markdown(f"**{TASK_ROLES[role]}单位：** {md('、'.join(task['units'][role]))}")
    st.markdown(f"**状态：** {STATUS_LABELS.get(task['status'], task['status'])}，进度 {task['percent']}%")
    st.markdown(f"**灯色：** {light(task['light'])}" + ("（有延误风险）" if task["at_risk"] else "")
                + ("（关键任务，无机动时间）" if task["critical"] else ""))
    st.markdown(f"**原因：** {md(task['light_reason'] or '—')}")
with timing:
    st.markdown(f"**截止日期：** {day(task['deadline']) or '未规定'}" + ("（暂估）" if task["provisional"] else ""))
    st.markdown(f"**方案原文时限：** {md(task['deadline_text'] or '—')}")
    st.markdown(f"**计算方式：** {RULES.get(task['deadline_rule'], task['deadline_rule'])}")
    st.markdown(f"**预计完成：** {day(task['forecast_finish']) or '—'}")
    if task["provisional"]:
        st.caption("日期按周一至周五暂估，待改革办录入当年放假安排后自动更新。")

reporting_view.task_duties(login, task_id)
task_section(login, task_id, task["code"])

if task["status"] == "pending_review" and has(login.actor, "task.review"):
    review_form(login, task, key="detail_review")

up, down = st.columns(2)
near = read(neighbours, task_id=task_id)
for col, side, title in ((up, "up", "前置任务（完成后本任务才能开始/计时）"), (down, "down", "后续任务（受本任务影响）")):
    with col:
        st.markdown(f"**{title}**")
        tables.show(tables.frame([{**n, "lag": lag(n["lag_value"], n["lag_unit"]),
                                   "status": STATUS_LABELS.get(n["status"], n["status"])} for n in near[side]],
                                 {"code": "编号", "title": "任务", "lag": "间隔", "status": "状态",
                                  "forecast_finish": "预计完成"}),
                    key=f"deps_{side}", file_name=f"{task['code']}_{'前置' if side == 'up' else '后续'}任务")

st.subheader("延误推演")
st.caption("假如本任务比预计晚完成 N 天，哪些任务的预计完成日期会随之推迟？")
slip_days = st.number_input("延误天数", min_value=1, max_value=365, value=10, step=1, key="slip_days")
if st.button("推演", key="slip_run", icon=":material/timeline:"):
    with st.spinner("正在推算……"):
        result = call(scheduling.preview, task["plan_id"], today=today())
        moved = call(result.slip, task_id, int(slip_days)) if result is not None else None
    if moved is not None:
        labels = read(task_labels, task_ids=[m[0] for m in moved])
        st.session_state["slip_rows"] = [{"code": labels[i]["code"], "title": labels[i]["title"],
                                          "deadline": labels[i]["deadline"], "old": old, "new": new, "delta": delta,
                                          "late": "是" if labels[i]["deadline"] and new > labels[i]["deadline"] else ""}
                                         for i, old, new, delta in moved if i in labels]
        st.session_state["slip_for"] = (task_id, int(slip_days))
if st.session_state.get("slip_for", (None,))[0] == task_id:
    slip_rows = st.session_state["slip_rows"]
    st.markdown(f"延误 {st.session_state['slip_for'][1]} 天将推迟 **{len(slip_rows)}** 项任务"
                f"（其中 {sum(1 for r in slip_rows if r['late'])} 项将超过截止日期）。")
    tables.show(tables.frame(slip_rows, {"code": "编号", "title": "任务", "deadline": "截止日期", "old": "原预计完成",
                                         "new": "推演后预计完成", "delta": "推迟天数", "late": "将逾期"}),
                key="slip", file_name=f"{task['code']}_延误推演")

st.subheader("进展记录")
history = read(task_history, task_id=task_id)
tables.show(tables.frame([{**h, "created_at": when(h["created_at"]), "kind": ACTION_LABELS.get(h["kind"], h["kind"])}
                          for h in history],
                         {"created_at": "时间", "unit": "单位", "user": "填报人", "kind": "事项", "percent": "进度%",
                          "note": "说明"}),
            key="history", file_name=f"{task['code']}_进展记录")

st.subheader("佐证材料")
evidence = read(evidence_of, task_id=task_id)
if not evidence:
    st.caption("暂无佐证材料。")
for ev in evidence:
    got = call(tasks.evidence_for_download, login.actor, ev["id"])
    if got is not None:
        name, data = got
        st.download_button(f"{ev['original_name']}（{ev['size'] // 1024 + 1} KB，{when(ev['created_at'])}）", data=data,
                           file_name=name, key=f"evidence_{ev['id']}", icon=":material/attach_file:", on_click="ignore")

st.subheader("操作记录（审计）")
trail = read(task_audit, task_id=task_id)
tables.show(tables.frame([{**a, "ts": when(a["ts"]), "outcome": OUTCOMES.get(a["outcome"], a["outcome"]),
                           "action": action(a["action"]), "actor_name": actor_label(a["actor_name"], a["actor_role"]),
                           "after": changes(a["before"], a["after"], unit_names())} for a in trail],
                         {"ts": "时间", "actor_name": "操作人", "action": "操作", "outcome": "结果", "after": "内容"}),
            key="trail", file_name=f"{task['code']}_操作记录")
