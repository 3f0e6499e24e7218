"""Pieces shared by 本单位 and 交接: the item list with totals, the parties, and a party's confirm/reject."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from flows import client
from models.services import handovers
from models.services.accounts import LoginResult
from models.services.handover_items import totals
from ui.components import tables
from ui.components.actions import act, call, flash
from ui.components.fmt import when
from ui.components.labels import PARTY_LABELS, STEP_STATUS
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


def parties(handover_id: int, *, key: str) -> list[dict[str, Any]]:
    steps = read("steps_with_names", handover_id=handover_id)
    tables.show(tables.frame([{**s, "party_role": PARTY_LABELS.get(s["party_role"], s["party_role"]),
                               "status": STEP_STATUS.get(s["status"], s["status"]),
                               "confirmed_at": when(s["confirmed_at"])} for s in steps],
                             {"seq": "顺序", "party_role": "角色", "unit": "单位", "status": "状态",
                              "confirmed_by": "确认人", "confirmed_at": "确认时间", "reject_reason": "退回原因"}),
                key=f"{key}_parties", file_name="交接各方确认情况")
    return steps  # type: ignore[no-any-return]


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
