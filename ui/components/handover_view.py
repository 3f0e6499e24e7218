"""Pieces shared by 本单位 and 交接: the item list with totals, the parties, and a party's confirm/reject."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from flows import client
from models.services import handovers
from models.services.accounts import LoginResult
from models.services.handover_items import totals
from models.services.reads.handovers import steps_with_names
from ui.components import tables
from ui.components.actions import act, call, flash
from ui.components.fmt import when
from ui.components.labels import HANDOVER_STATUS, PARTY_LABELS, STEP_STATUS
from ui.components.reads import read

ITEM_COLUMNS: dict[str, dict[str, str]] = {
    "staff": {"name": "姓名", "gender": "性别", "establishment_type": "编制类型", "post": "职务/岗位",
              "from_unit": "原单位", "to_unit": "拟划入单位"},
    "asset": {"asset_code": "资产编号", "name": "资产名称", "category": "类别", "quantity": "数量",
              "unit_of_measure": "计量单位", "original_value": "原值（元）", "net_value": "净值（元）"},
    "archive": {"archive_code": "档号", "title": "案卷题名", "years": "年度", "retention": "保管期限", "count": "件数"},
    "establishment": {"establishment_type": "编制类型", "count": "编制数", "from_unit": "划出单位", "to_unit": "划入单位"},
    "function": {"name": "职能事项", "note": "说明"},
}
TOTAL_LABELS = {"count": "合计（人/个）", "items": "条目数", "quantity": "数量合计", "original_value": "原值合计（元）",
                "net_value": "净值合计（元）", "volumes": "卷数", "行政": "行政", "参公": "参公", "事业": "事业",
                "工勤": "工勤"}


def items_frame(kind: str, items: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ITEM_COLUMNS.get(kind, {})
    extra = {k: k for row in items for k in row if k not in columns}
    return tables.frame(items, {**columns, **extra})


def rows_from_frame(kind: str, df: pd.DataFrame) -> list[dict[str, Any]]:
    back = {v: k for k, v in ITEM_COLUMNS.get(kind, {}).items()}
    rows = []
    for rec in df.to_dict("records"):
        row = {back.get(str(k), str(k)): ("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
               for k, v in rec.items()}
        if any(row.values()):
            rows.append(row)
    return rows


def totals_line(kind: str, items: list[dict[str, Any]], declared: dict[str, Any]) -> None:
    try:
        actual = totals(kind, items)
    except (KeyError, ValueError, ArithmeticError):
        st.warning("清单数据不完整，无法合计。")
        return
    parts = [f"{TOTAL_LABELS.get(k, k)} {v}" for k, v in actual.items()]
    st.markdown("**清单合计：** " + "；".join(parts))
    if declared:
        mismatch = [k for k, v in declared.items() if k in actual and str(v) != actual[k]
                    and _num(v) != _num(actual[k])]
        text = "；".join(f"{TOTAL_LABELS.get(k, k)} {v}" for k, v in declared.items())
        (st.error if mismatch else st.caption)(("申报合计与明细不符：" if mismatch else "申报合计：") + text)


def _num(v: Any) -> float | None:
    try:
        return float(str(v))
    except ValueError:
        return None


def status_label(ho: dict[str, Any], returns: dict[int, dict[str, Any]]) -> str:
    """A returned handover says so, with who returned it and why (not "办理中, 待确认 移交方")."""
    back = returns.get(ho["id"])
    if back is not None:
        who = f"{PARTY_LABELS.get(back['party_role'], '')} {back['unit']}" + (f"（{back['by']}）" if back.get("by") else "")
        return f"已退回：{who}退回，原因：{back['reject_reason'] or '未说明'}"
    return str(HANDOVER_STATUS.get(ho["status"], ho["status"]))


def waiting_label(ho: dict[str, Any], returns: dict[int, dict[str, Any]]) -> str:
    if ho["id"] in returns:
        return f"移交方 {ho['from_unit']} 修改清单后重新确认"
    return f"{PARTY_LABELS.get(ho['waiting_role'] or '', '')} {ho['waiting_unit']}".strip()


def stepper_dot(steps: list[dict[str, Any]]) -> str:
    """The sign-off chain as a left-to-right picture: confirmed green with who and when, the step whose
    turn it is orange, a returning step red with its reason, the rest grey."""
    current = next((s["seq"] for s in steps if s["status"] == "pending"), None)
    lines = ['digraph G {', 'rankdir=LR; bgcolor="transparent";',
             'node [shape=box, style="rounded,filled", fontname="Noto Sans CJK SC", fontsize=11, penwidth=2];',
             'edge [color="#888888", arrowsize=0.8];']
    for s in steps:
        role = PARTY_LABELS.get(s["party_role"], s["party_role"])
        if s["status"] == "confirmed":
            state, fill, line = f"✓ 已确认\n{s['confirmed_by'] or ''} {when(s['confirmed_at'])}", "#e5f5e0", "#2ca02c"
        elif s["status"] == "rejected":
            state, fill, line = f"✗ 已退回\n{(s['reject_reason'] or '')[:16]}", "#fde0dd", "#d62728"
        elif s["seq"] == current:
            state, fill, line = "● 正在等待确认", "#fff3cd", "#f28e00"
        else:
            state, fill, line = "○ 尚未轮到", "#f2f2f2", "#aaaaaa"
        label = f"{s['seq']}. {role}\n{s['unit']}\n{state}".replace('"', "'")
        lines.append(f'n{s["seq"]} [label="{label}", fillcolor="{fill}", color="{line}"];')
    lines += [f"n{a['seq']} -> n{b['seq']};" for a, b in zip(steps, steps[1:], strict=False)]
    lines.append("}")
    return "\n".join(lines)


def parties(handover_id: int, *, key: str) -> list[dict[str, Any]]:
    steps = read(steps_with_names, handover_id=handover_id)
    if steps:
        st.graphviz_chart(stepper_dot(steps), width="content")
    tables.show(tables.frame([{**s, "party_role": PARTY_LABELS.get(s["party_role"], s["party_role"]),
                               "status": STEP_STATUS.get(s["status"], s["status"]),
                               "confirmed_at": when(s["confirmed_at"])} for s in steps],
                             {"seq": "顺序", "party_role": "角色", "unit": "单位", "status": "状态",
                              "confirmed_by": "确认人", "confirmed_at": "确认时间", "reject_reason": "退回原因"}),
                key=f"{key}_parties", file_name="交接各方确认情况")
    return steps


def step_actions(login: LoginResult, pending: dict[str, Any], *, key: str) -> None:
    """Confirm or reject the step that is this unit's turn."""
    role = PARTY_LABELS.get(pending["party_role"], pending["party_role"])
    st.markdown(f"本单位作为**{role}**，请核对清单后确认。")
    if pending.get("reject_reason"):
        st.warning(f"此前被退回：{pending['reject_reason']}")
    confirm_col, reject_col = st.columns(2)
    with confirm_col:
        if st.button("确认无误", key=f"{key}_confirm", type="primary", icon=":material/check:"):
            outcome = call(handovers.confirm_step, login.actor, handover_id=pending["handover_id"],
                           step_id=pending["step_id"], expected_version=pending["version"])
            if outcome is not None and call(client.after_handover_change, pending["handover_id"]) is not None:
                flash("已确认。" + ("交接已全部完成，交接确认书已生成。" if outcome.completed else "已通知下一方确认。"))
                st.rerun()
    if pending["party_role"] == "sender":
        return
    with reject_col:
        reason = st.text_input("退回原因", key=f"{key}_reason")
        if st.button("退回移交方", key=f"{key}_reject", icon=":material/undo:"):
            act("已退回移交方，并已通知移交方修改清单。", handovers.reject_step, login.actor,
                handover_id=pending["handover_id"], step_id=pending["step_id"], expected_version=pending["version"],
                reason=reason, then=lambda: client.after_handover_change(pending["handover_id"]))
