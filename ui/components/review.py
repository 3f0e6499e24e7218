"""The office's review of a task reported done: close it (after a confirmation that says what follows),
or return it with a required reason."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import tasks
from models.services.accounts import LoginResult
from models.services.reads.tasks import neighbours
from ui.components.actions import act, answered, ask, asked, dismiss
from ui.components.fmt import md
from ui.components.reads import read


@st.dialog("确认办结", on_dismiss=dismiss("close"))
def confirm_close(login: LoginResult, task: dict[str, Any], *, key: str) -> None:
    after = read(neighbours, task_id=task["id"])["down"]
    st.markdown(f"将办结任务 **{md(task['code'])} {md(task['title'])}**：状态改为“已办结”，进度 100%，"
                "不再预警，并计入各单位的按期完成情况。")
    if after:
        st.markdown(f"以下 {len(after)} 项后续任务随之重新推算时间：" + "、".join(md(n["code"]) for n in after[:12])
                    + ("等" if len(after) > 12 else ""))
    st.caption("办结后如发现问题，可在任务详情中重新打开（须填写原因）。")
    ok, cancel = st.columns(2)
    if ok.button("确认办结", key=f"{key}_close_confirm", type="primary"):
        act(f"任务 {task['code']} 已办结。", tasks.review, login.actor, task_id=task["id"],
            expected_version=task["version"], decision="close", then=lambda: answered("close"))
    if cancel.button("取消", key=f"{key}_close_cancel"):
        answered("close")
        st.rerun()


def review_form(login: LoginResult, task: dict[str, Any], *, key: str) -> None:
    st.markdown(f"**{md(task['code'])} {md(task['title'])}** 已上报完成，请审核：")
    reason = st.text_input("退回原因（退回时必填）", key=f"{key}_reason", placeholder="如：缺少正式印发的文件")
    close_col, return_col = st.columns(2)
    if close_col.button("审核通过，办结…", key=f"{key}_close", type="primary"):
        ask("close", task["id"])
    if asked("close") == task["id"]:
        confirm_close(login, task, key=key)
    if return_col.button("退回重办", key=f"{key}_return"):
        if not reason.strip():
            st.error("退回重办须填写退回原因，原因将告知责任单位。")
        else:
            act(f"任务 {task['code']} 已退回责任单位重办，退回原因：{reason.strip()[:60]}", tasks.review, login.actor,
                task_id=task["id"], expected_version=task["version"], decision="return", reason=reason)
