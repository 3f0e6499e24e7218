"""One 批示 as its readers see it: the text, each addressed unit's reply, and the action this user may take
(reply for an addressed unit, close for the office or a leader once every unit has replied)."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import instructions
from models.services.accounts import LoginResult
from models.services.permissions import has
from ui.components.actions import act
from ui.components.fmt import md, when


def instruction_card(login: LoginResult, ins: dict[str, Any]) -> None:
    star = "★ " if ins["followed"] else ""
    title = (f"{star}{ins['state_label']}｜{ins['task_code']} {ins['task_title']}｜{ins['author']} "
             f"{when(ins['created_at'])}（{ins['replied']}/{len(ins['units'])} 个单位已回复）")
    with st.expander(md(title), expanded=ins["state"] != "closed"):
        st.markdown(f"**批示：** {md(ins['text'])}")
        for u in ins["units"]:
            reply = f"{md(u['reply'])}（{when(u['replied_at'])}）" if u["replied_at"] else "*尚未回复*"
            st.markdown(f"- **{md(u['unit'])}**：{reply}")
        if ins["close_note"]:
            st.caption(f"办结意见：{ins['close_note']}")
        key = f"ins_{ins['id']}"
        waiting = [u for u in ins["units"] if u["mine"] and not u["replied_at"]]
        if waiting and ins["state"] != "closed" and has(login.actor, "task.report"):
            text = st.text_area("回复落实情况", key=f"{key}_reply_text")
            if st.button("提交回复", key=f"{key}_reply", type="primary"):
                act("已回复领导批示。", instructions.reply, login.actor, instruction_id=ins["id"], text=text,
                    clear=(f"{key}_reply_text",))
        if ins["state"] == "answered" and (has(login.actor, "task.admin") or has(login.actor, "instruction.write")):
            note = st.text_input("办结意见（可选）", key=f"{key}_note")
            if st.button("办结批示", key=f"{key}_close"):
                act("批示已办结。", instructions.close, login.actor, instruction_id=ins["id"],
                    expected_version=ins["version"], note=note)
