"""交接: each handover with its item list (editable until the sender confirms), totals, parties and their
confirmations, documents to download; the office creates and starts handovers."""
from __future__ import annotations

from typing import Any

import streamlit as st

from flows import client
from models.services import handovers, notices
from models.services.handover_items import totals
from models.services.permissions import has
from models.services.reads.handovers import (
    handover_count,
    handover_items,
    handover_list,
    handover_returns,
    pending_steps,
)
from models.services.reads.notices import notices_for
from models.services.reads.tasks import task_choices
from ui.components import tables
from ui.components.actions import act, call, flash, show_flash
from ui.components.deeplink import linked_id
from ui.components.fmt import md, when
from ui.components.handover_view import (
    items_frame,
    parties,
    rows_from_frame,
    status_label,
    step_actions,
    totals_line,
    waiting_label,
)
from ui.components.labels import HANDOVER_KINDS
from ui.components.reads import current_plan, read, unit_id_by_name
from ui.components.session import guard

login = guard("handover.admin", "handover.confirm")
actor = login.actor
admin = has(actor, "handover.admin")
st.title("交接")
show_flash()

scope = None if admin else actor.unit_id
offset = tables.pager(read(handover_count, unit_id=scope), key="handover_page", noun="个交接事项")
rows = read(handover_list, unit_id=scope, limit=tables.PAGE_SIZE, offset=offset)
returns = read(handover_returns, ids=[h["id"] for h in rows])
tables.show(tables.frame([{**h, "kind": HANDOVER_KINDS.get(h["kind"], h["kind"]),
                           "status": status_label(h, returns), "waiting": waiting_label(h, returns),
                           "started_at": when(h["started_at"]), "completed_at": when(h["completed_at"])} for h in rows],
                         {"title": "交接事项", "kind": "类型", "task_code": "任务", "from_unit": "移交方",
                          "to_unit": "接收方", "status": "状态", "confirmed": "已确认方", "waiting": "待确认",
                          "started_at": "启动时间", "completed_at": "完成时间"}),
            key="handover_list", file_name="交接事项")
pending = {p["handover_id"]: p for p in (read(pending_steps, unit_id=actor.unit_id) if actor.unit_id else [])}


def editor(ho: dict[str, Any], items: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
    sender_done = any(s["party_role"] == "sender" and s["status"] == "confirmed" for s in steps)
    may_edit = ho["status"] != "completed" and not sender_done and (admin or actor.unit_id == ho["from_unit_id"])
    if not may_edit:
        tables.show(items_frame(ho["kind"], items), key=f"items_{ho['id']}", file_name=ho["title"][:40])
        return
    st.caption("移交方确认前可直接修改清单（可增删行）；保存时核对申报合计。")
    edited = st.data_editor(items_frame(ho["kind"], items), num_rows="dynamic", hide_index=True,
                            key=f"items_edit_{ho['id']}")
    draft = ho["status"] == "draft"  # once started, the declared total is fixed (the office adjusts it below)
    recount = draft and st.checkbox("按修改后的明细重新计算申报合计", key=f"recount_{ho['id']}")
    if st.button("保存清单", key=f"save_items_{ho['id']}", icon=":material/save:"):
        new_items = rows_from_frame(ho["kind"], edited)
        declared = ho["declared_total"] or None
        if recount:
            try:
                declared = totals(ho["kind"], new_items)
            except (KeyError, ValueError, ArithmeticError):
                declared = None
        if call(handovers.set_items, actor, handover_id=ho["id"], expected_version=ho["version"], items=new_items,
                declared_total=declared) is not None:
            flash("清单已保存。")
            st.rerun()
    if admin and not draft:
        declared_form(ho, items)


def declared_form(ho: dict[str, Any], items: list[dict[str, Any]]) -> None:
    """The office alone corrects a started handover's declared total, with a reason (audited)."""
    with st.expander("调整申报合计（须填写原因，记入审计）"):
        reason = st.text_input("调整原因", key=f"declared_reason_{ho['id']}")
        if st.button("按当前明细重新申报合计", key=f"declared_set_{ho['id']}"):
            try:
                declared = totals(ho["kind"], items)
            except (KeyError, ValueError, ArithmeticError):
                st.error("清单数据不完整，无法合计。")
                return
            act("申报合计已调整。", handovers.set_declared_total, actor, handover_id=ho["id"],
                expected_version=ho["version"], declared_total=declared, reason=reason)


def documents(ho: dict[str, Any]) -> None:
    docs = read(notices_for, handover_id=ho["id"])
    if not docs:
        st.caption("暂无相关公文。")
    for d in docs:
        got = call(notices.download, actor, d["id"])
        if got is not None:
            name, data = got
            label = f"{d['doc_number']} {d['title']}" + ("（已作废）" if d["status"] == "voided" else "")
            st.download_button(label, data=data, file_name=name, key=f"ho_doc_{d['id']}",
                               icon=":material/download:", on_click="ignore")


st.subheader("交接详情")
if not rows:
    st.info("没有交接事项。")
else:
    by_id = {h["id"]: h for h in rows}
    linked = linked_id("handover", by_id)  # /handovers?handover=<id>: only among the handovers listed here
    first = list(by_id).index(linked) if linked else next((i for i, h in enumerate(rows) if h["id"] in pending), 0)
    picked = st.selectbox("选择交接事项", list(by_id), index=first, key="ho_pick",
                          format_func=lambda i: ("【待本单位确认】" if i in pending else "")
                          + f"{HANDOVER_KINDS.get(by_id[i]['kind'], by_id[i]['kind'])}：{by_id[i]['title']}"
                          + f"（{status_label(by_id[i], returns)[:40]}）")
    ho = by_id[picked]
    st.markdown(f"**移交方：** {md(ho['from_unit'])}　**接收方：** {md(ho['to_unit'])}　"
                f"**关联任务：** {md(ho['task_code'] or '—')}")
    if ho["id"] in returns:
        st.warning(status_label(ho, returns) + "。移交方修改清单并重新确认后，各方依次重新确认。")
    steps = parties(ho["id"], key=f"ho_{ho['id']}") if ho["status"] != "draft" else []
    items = read(handover_items, handover_id=ho["id"])
    editor(ho, items, steps)
    totals_line(ho["kind"], items, ho["declared_total"])
    if ho["id"] in pending:
        step_actions(login, pending[ho["id"]], key=f"ho_step_{ho['id']}")
    if admin and ho["status"] == "draft" and st.button("启动交接（冻结参与方并通知移交方确认）",
                                                       key=f"start_{ho['id']}", type="primary"):
        act(f"交接“{ho['title']}”已启动，已生成交接清单并通知移交方确认。", handovers.start, actor,
            handover_id=ho["id"], expected_version=ho["version"], then=lambda: client.after_handover_change(ho["id"]))
    st.markdown("**相关公文**")
    documents(ho)

if admin:
    st.subheader("新建交接事项")
    units = unit_id_by_name()
    plan = current_plan("ho_plan")
    rows_for_choice = read(task_choices, plan_id=plan["id"]) if plan else []
    choice_labels = {r["id"]: f"{r['code']} {r['title']}" for r in rows_for_choice}
    with st.form("new_handover", clear_on_submit=True):
        kind = st.selectbox("类型", list(HANDOVER_KINDS), format_func=HANDOVER_KINDS.__getitem__, key="new_ho_kind")
        title = st.text_input("标题", key="new_ho_title")
        c1, c2 = st.columns(2)
        from_unit = c1.selectbox("移交方", list(units), index=None, placeholder="请选择移交方", key="new_ho_from")
        to_unit = c2.selectbox("接收方", list(units), index=None, placeholder="请选择接收方", key="new_ho_to")
        task_id = st.selectbox("关联任务（可不选）", [None, *choice_labels], key="new_ho_task",
                               format_func=lambda i: "不关联" if i is None else choice_labels[i])
        if st.form_submit_button("创建（随后录入清单）", key="new_ho_submit"):
            if from_unit is None or to_unit is None:
                st.error("请选择移交方和接收方。")
            else:  # the service refuses the same unit on both sides
                act("交接事项已创建，请在列表中录入清单后启动。", handovers.create_handover, actor, kind=kind,
                    title=title, from_unit_id=units[from_unit], to_unit_id=units[to_unit], task_id=task_id)
