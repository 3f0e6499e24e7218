"""Failed, given-up and uncertain notifications with an audited resend (系统 and 预警与督办)."""
from __future__ import annotations

import streamlit as st

from models.services import deliveries
from models.services.actor import Actor
from ui.components import tables
from ui.components.actions import act
from ui.components.fmt import md, when


def panel(actor: Actor, *, key: str) -> None:
    st.subheader("未送达的通知")
    rows = deliveries.problems()
    if not rows:
        st.info("所有通知均已送达。")
        return
    st.caption("发送失败的通知在以后的扫描中自动重试（间隔逐次加长），超过次数上限后标记为“已放弃”；"
               "“结果不确定”表示发送过程中系统中断，可能已送达，请核实后再决定是否重发。")
    tables.show(tables.frame([{**r, "updated_at": when(r["updated_at"]), "retry_on": r["retry_on"] or ""}
                              for r in rows],
                             {"status_label": "状态", "unit": "单位", "channel": "渠道", "subject": "通知",
                              "attempts": "已尝试", "last_error": "最近错误", "retry_on": "下次重试",
                              "updated_at": "更新时间"}),
                key=f"{key}_table", file_name="未送达的通知")
    by_id = {r["id"]: r for r in rows}
    c1, c2 = st.columns([4, 1])
    picked = c1.selectbox("选择通知", list(by_id), key=f"{key}_pick",
                          format_func=lambda i: f"{by_id[i]['status_label']} · {by_id[i]['unit']} · "
                                                f"{by_id[i]['subject'][:40]}")
    if c2.button("重发", key=f"{key}_resend"):
        act(f"已重发：{md(by_id[picked]['subject'][:40])}（结果见上表）", deliveries.resend, actor, picked)
