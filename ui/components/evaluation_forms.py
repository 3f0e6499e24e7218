"""条块互评 forms: the office opens and closes rounds and weighs the ranking figures; a unit rates its
counterparts across the 条/块 line."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import evaluation, scorecard
from models.services.accounts import LoginResult
from ui.components import tables
from ui.components.actions import act, call, today


def open_round_form(login: LoginResult) -> None:
    with st.form("eval_open_form"):
        label = st.text_input("轮次名称", key="eval_label", placeholder="如：2026年11月条块互评")
        start, end = st.columns(2)
        period_start = start.date_input("评价期间开始", value=today().replace(day=1), key="eval_start")
        period_end = end.date_input("评价期间结束", value=today(), key="eval_end")
        low, high = st.columns(2)
        scale_min = low.number_input("最低分", value=1.0, step=1.0, key="eval_min")
        scale_max = high.number_input("最高分", value=5.0, step=1.0, key="eval_max")
        if st.form_submit_button("开启互评"):
            act(f"已开启互评“{label.strip()}”。", evaluation.open_round, login.actor, label=label,
                period_start=period_start, period_end=period_end, scale_min=scale_min, scale_max=scale_max)


def weights_form(login: LoginResult) -> None:
    current = call(scorecard.current_weights) or {}
    st.caption("比率指标（按期完成、签收、互评）按权重加权平均（单位缺少某项时在其余项之间重新分配权重）；"
               "计数指标（延期）按“每次扣分”从得分中扣除。修改记入审计。")
    with st.form("weights_form"):
        cols = st.columns(len(scorecard.FIGURES))
        given = {}
        for col, f in zip(cols, scorecard.FIGURES, strict=True):
            label = f"{f.label}（每次扣分）" if f.kind == "count" else f"{f.label}（权重）"
            given[f.key] = col.number_input(label, min_value=0.0, value=float(current.get(f.key, f.default_weight)),
                                            step=0.05 if f.kind == "rate" else 0.5, key=f"weight_{f.key}",
                                            help=f.help)
        if st.form_submit_button("保存权重"):
            act("排名权重已保存。", scorecard.set_weights, login.actor, given)


def rating_form(login: LoginResult, rnd: dict[str, Any]) -> None:
    sheet = call(evaluation.my_sheet, login.actor, rnd["id"]) or []
    if not sheet:
        st.info("本单位没有与之共同承担任务的条块单位，本轮无需评价。")
        return
    tables.show(tables.frame([{**r, "score": "" if r["score"] is None else r["score"]} for r in sheet],
                             {"unit": "被评单位", "score": "本单位评分", "comment": "评价意见"}),
                key="eval_sheet", file_name=f"{rnd['label']}_本单位评分")
    by_id = {r["unit_id"]: r for r in sheet}
    ratee = st.selectbox("被评单位", list(by_id), format_func=lambda u: by_id[u]["unit"], key="eval_ratee")
    row = by_id[ratee]
    score = st.number_input(f"评分（{rnd['scale_min']:g}–{rnd['scale_max']:g}）", min_value=float(rnd["scale_min"]),
                            max_value=float(rnd["scale_max"]),
                            value=float(row["score"] if row["score"] is not None else rnd["scale_max"]),
                            key=f"eval_score_{ratee}")
    comment = st.text_input("评价意见（可选）", value=row["comment"], key=f"eval_comment_{ratee}")
    if st.button("保存评分" if row["score"] is None else "修改评分", key="eval_save", type="primary"):
        act(f"已保存对{row['unit']}的评分。", evaluation.rate, login.actor, round_id=rnd["id"], ratee_unit_id=ratee,
            score=score, comment=comment, expected_version=row["version"])
