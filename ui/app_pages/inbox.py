"""我的待办: what the signed-in user must do now — handover steps to confirm, returned items, tasks to
report, notices to sign for, reviews (office) — each one click from the page that handles it."""
from __future__ import annotations

import streamlit as st

from models.services.inbox import KINDS
from ui.components.inbox_view import pending
from ui.components.session import guard

login = guard("task.report", "task.review")
st.title("我的待办")
inbox = pending(login.actor)
if not inbox.total:
    st.success("目前没有需要您处理的事项。")
    st.stop()
st.caption("，".join(f"{label} {inbox.counts[kind]} 项" for kind, label in KINDS.items() if inbox.counts[kind]))
for kind, label in KINDS.items():
    items = [i for i in inbox.items if i.kind == kind]
    if not items:
        continue
    st.subheader(f"{label}（{inbox.counts[kind]}）", anchor=False)
    if inbox.counts[kind] > len(items):
        st.caption(f"显示前 {len(items)} 项。")
    for item in items:
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"**{item.title}**" + ("　:red[已逾期]" if item.overdue else ""))
            left.caption(item.detail)
            right.page_link(f"app_pages/{item.link.page}.py", label="打开", icon=":material/open_in_new:",
                            query_params=item.link.params)
