"""The office's review of a task reported done: close it, or return it with a reason."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import tasks
from models.services.accounts import LoginResult
from ui.components.actions import act
from ui.components.fmt import md


def review_form(login: LoginResult, task: dict[str, Any], *, key: str) -> None:
    st.markdown(f"**{md(task['code'])} {md(task['title'])}** 已上报完成，请审核：")
    reason = st.text_input("退回原因（退回时必填）", key=f"{key}_reason")
    close_col, return_col = st.columns(2)
    if close_col.button("审核通过，办结", key=f"{key}_close", type="primary"):
        act(f"任务 {task['code']} 已办结。", tasks.review, login.actor, task_id=task["id"],
            expected_version=task["version"], decision="close")
    if return_col.button("退回重办", key=f"{key}_return"):
        act(f"任务 {task['code']} 已退回。", tasks.review, login.actor, task_id=task["id"],
            expected_version=task["version"], decision="return", reason=reason)
