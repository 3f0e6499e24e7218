"""签收: a department's notices and alerts waiting for it (本单位), and the office's overview (预警与督办)."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import signoff
from models.services.actor import Actor
from ui.components import tables
from ui.components.actions import act, today
from ui.components.fmt import md, when

COLUMNS = {"kind_label": "类别", "task_code": "任务", "title": "事项", "opened_on": "下达日期", "due_on": "签收期限",
           "state": "签收情况", "signed_by": "签收人", "signed_at": "签收时间"}


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "signed_at": when(r["signed_at"]),
             "state": "已签收" if r["signed"] else ("逾期未签收" if r["overdue"] else "未签收")} for r in rows]


def linked_first(waiting: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``/my_unit?alert=<id>`` or ``?notice=<id>`` (links in messages): that item first, or why it is not
    listed (already signed, or not addressed to this unit)."""
    for kind in ("alert", "notice"):
        value = st.query_params.get(kind)
        if not value:
            continue
        hit = next((r for r in rows if r["kind"] == kind and str(r["ref_id"]) == value), None)
        if hit is None:
            st.warning("链接所指的通知不存在或不是发给本单位的。")
        elif hit["signed"]:
            st.info(f"链接所指的通知已于 {when(hit['signed_at'])} 由 {md(hit['signed_by'])} 签收：{md(hit['title'])}")
        else:
            return [hit, *(r for r in waiting if r is not hit)]
    return waiting


def unit_inbox(actor: Actor) -> None:
    """One click per notice or alert, recorded with the user and the time."""
    st.subheader("待签收的通知")
    rows = signoff.mine(actor, today=today())
    waiting = linked_first([r for r in rows if not r["signed"]], rows)
    if not waiting:
        st.info("没有待签收的督办通知单、催办函或预警。")
    for r in waiting[:50]:
        with st.container(border=True):
            c1, c2 = st.columns([5, 1])
            late = "，:red[已逾期]" if r["overdue"] else ""
            c1.markdown(f"**{md(r['title'])}**  \n{r['kind_label']} · 下达 {r['opened_on']} · 请于 {r['due_on']} 前签收"
                        f"{late}")
            if c2.button("签收", key=f"sign_{r['id']}", type="primary"):
                act(f"已签收：{r['title'][:40]}", signoff.sign, actor, r["id"])
    signed = [r for r in rows if r["signed"]]
    if signed:
        with st.expander(f"已签收（{len(signed)}）"):
            tables.show(tables.frame(_shown(signed), COLUMNS), key="signed_mine", file_name="本单位已签收")


def office_overview() -> None:
    """已签收/未签收 per notice and unit, and each unit's 签收率."""
    st.subheader("签收情况")
    f1, f2 = st.columns(2)
    kind = f1.selectbox("类别", ["notice", "alert", "all"], key="signoff_kind",
                        format_func={"notice": "督办通知单/催办函", "alert": "预警", "all": "全部"}.__getitem__)
    state = f2.selectbox("签收", ["all", "unsigned", "signed"], key="signoff_state",
                         format_func={"all": "全部", "unsigned": "未签收", "signed": "已签收"}.__getitem__)
    rows = signoff.register(today=today(), kind=None if kind == "all" else kind,
                            signed={"all": None, "unsigned": False, "signed": True}[state])
    by_notice: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_notice.setdefault(r["title"], []).append(r)
    for title, units in list(by_notice.items())[:10]:
        done = sum(u["signed"] for u in units)
        parts = "；".join(f"{md(u['unit'])} {'已签收（' + md(u['signed_by']) + '）' if u['signed'] else '未签收'}"
                         for u in units[:8])
        st.markdown(f"- **{md(title[:60])}** — 已签收 {done}/{len(units)}：{parts}")
    tables.show(tables.frame(_shown(rows), {"unit": "单位", **COLUMNS}), key="signoff_register",
                file_name="签收情况")
    per_unit = signoff.by_unit(today=today())
    if per_unit:
        tables.show(tables.frame([{**u, "rate": None if u["rate"] is None else round(100 * u["rate"], 1)}
                                  for u in per_unit],
                                 {"unit": "单位", "addressed": "应签收", "signed": "已签收", "overdue": "逾期未签收",
                                  "rate": "签收率%"}),
                    key="signoff_units", file_name="各单位签收率")
