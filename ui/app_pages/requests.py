"""延期与调整: a unit files a 延期 or 调整 request on its task; the office approves or refuses it; both see
every request with its state (待审批/已批准/已驳回/已撤回)."""
from __future__ import annotations

import streamlit as st

from models.services import requests
from models.services.permissions import has
from models.services.reads.tasks import my_tasks
from ui.components import tables
from ui.components.actions import act, call, show_flash
from ui.components.reads import read
from ui.components.request_forms import decide_form, file_form
from ui.components.session import guard

login = guard("task.report", "task.admin")
st.title("延期与调整申请")
show_flash()
office = has(login.actor, "task.admin")

if not office and login.actor.unit_id is not None:
    st.subheader("提出申请")
    file_form(login, read(my_tasks, unit_id=login.actor.unit_id))

state = st.selectbox("状态", ["", *requests.STATES], key="req_state",
                     format_func=lambda s: requests.STATES.get(s, "全部"))
rows = call(requests.listing, login.actor, state=state or None) or []
if office:
    st.subheader("审批")
    decide_form(login, [r for r in rows if r["state"] == "pending"] if state in ("", "pending") else
                [r for r in call(requests.listing, login.actor, state="pending") or []])

st.subheader("申请记录")
tables.show(tables.frame(rows, {"id": "编号", "state_label": "状态", "kind_label": "类型", "task_code": "任务",
                                "task_title": "任务名称", "unit": "申请单位", "filed_on": "申请日期", "change": "申请事项",
                                "reason": "理由", "decided_on": "审批日期", "decision_reason": "审批意见"}),
            key="requests", file_name="延期与调整申请")
mine = [r for r in rows if r["state"] == "pending" and r["unit_id"] == login.actor.unit_id]
if mine and not office:
    pick = st.selectbox("撤回本单位的待审批申请", [r["id"] for r in mine], key="req_withdraw_pick",
                        format_func=lambda i: next(f"#{r['id']} {r['kind_label']} {r['task_code']}" for r in mine
                                                   if r["id"] == i))
    if st.button("撤回", key="req_withdraw"):
        req = next(r for r in mine if r["id"] == pick)
        act(f"已撤回申请 #{pick}。", requests.withdraw, login.actor, request_id=pick, expected_version=req["version"])
