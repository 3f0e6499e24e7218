"""领导批示: leaders write instructions on tasks and keep a follow list (关注, shown first); the addressed
units reply; the office or a leader closes an instruction once every unit has replied."""
from __future__ import annotations

import streamlit as st

from models.services import instructions
from models.services.permissions import has
from models.services.reads.tasks import task_table
from ui.components import tables
from ui.components.actions import act, call, flash, show_flash
from ui.components.instruction_view import instruction_card
from ui.components.labels import STATUS_LABELS, light
from ui.components.reads import current_plan, read
from ui.components.session import guard

login = guard("instruction.write", "task.report", "task.admin")
st.title("领导批示")
show_flash()

if has(login.actor, "instruction.write"):
    plan = current_plan("ins_plan")
    if plan is None:
        st.stop()
    rows, _ = read(task_table, plan_id=plan["id"], follower_id=login.actor.user_id)
    followed = [r for r in rows if r["followed"]]
    st.subheader(f"我关注的任务（{len(followed)}）")
    tables.show(tables.frame([{**r, "light": light(r["light"]), "status": STATUS_LABELS.get(r["status"], r["status"])}
                              for r in followed],
                             {"code": "编号", "title": "任务", "light": "灯色", "status": "状态", "percent": "进度%",
                              "deadline": "截止日期", "lead": "牵头/负责单位"}),
                key="followed", file_name="我关注的任务")
    choices = {r["id"]: f"{'★ ' if r['followed'] else ''}{r['code']} {r['title']}" for r in rows}
    task_id = st.selectbox("任务（已关注的在前）", list(choices), format_func=choices.__getitem__, key="ins_task")
    is_followed = any(r["id"] == task_id and r["followed"] for r in rows)
    if st.button("取消关注" if is_followed else "关注该任务", key="ins_follow", icon=":material/star:"):
        act("已取消关注。" if is_followed else "已关注，该任务将排在您页面的前面。", instructions.follow, login.actor,
            task_id=task_id, on=not is_followed)
    text = st.text_area("批示内容", key="ins_text", placeholder="如：请加快推进，月底前报送进展情况。")
    if st.button("下达批示", key="ins_write", type="primary"):
        result = call(instructions.write, login.actor, task_id=task_id, text=text)
        if result is not None:
            stats = result[1]
            flash(f"批示已下达各责任单位（通知已发送 {stats.sent} 条"
                  + (f"，{stats.failed} 条发送失败，将在每日巡检时重试" if stats.failed else "") + "）。")
            st.session_state.pop("ins_text", None)
            st.rerun()

st.subheader("批示办理情况")
state = st.selectbox("状态", ["", *instructions.STATES], key="ins_state",
                     format_func=lambda s: instructions.STATES.get(s, "全部"))
listed = call(instructions.listing, login.actor, state=state or None) or []
if not listed:
    st.info("暂无批示。")
for ins in listed:
    instruction_card(login, ins)
