"""On a task's detail: its 延期/调整 requests and 领导批示 with their states, each page one click away."""
from __future__ import annotations

import streamlit as st

from models.services import instructions, requests
from models.services.accounts import LoginResult
from ui.components import tables
from ui.components.actions import call
from ui.components.fmt import day, when


def task_section(login: LoginResult, task_id: int, code: str) -> None:
    """Nothing is drawn for a task without requests or instructions (the reader sees what exists)."""
    asked = call(requests.listing, login.actor, task_id=task_id, limit=50) or []
    said = call(instructions.listing, login.actor, task_id=task_id, limit=50) or []
    if not asked and not said:
        return
    st.markdown("**延期/调整申请与领导批示**")
    if asked:
        tables.show(tables.frame([{**r, "filed_on": day(r["filed_on"]), "decided_on": day(r["decided_on"])}
                                  for r in asked],
                                 {"kind_label": "申请", "unit": "申请单位", "change": "申请内容", "reason": "理由",
                                  "state_label": "状态", "decision_reason": "审批意见", "filed_on": "申请时间"}),
                    key="task_requests", file_name=f"{code}_延期调整申请")
        st.page_link("app_pages/requests.py", label="到“延期与调整”页办理", icon=":material/open_in_new:")
    if said:
        tables.show(tables.frame([{**r, "created_at": when(r["created_at"]),
                                   "replies": f"{r['replied']}/{len(r['units'])}"} for r in said],
                                 {"author": "批示领导", "text": "批示内容", "state_label": "状态", "replies": "已回复",
                                  "created_at": "批示时间"}),
                    key="task_instructions", file_name=f"{code}_领导批示")
        st.page_link("app_pages/instructions.py", label="到“领导批示”页回复或办结", icon=":material/open_in_new:")
