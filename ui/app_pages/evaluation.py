"""条块互评 (区考核块、块考核条): the office opens a round per period on a scale it sets, closes it and weighs
the ranking figures; each unit rates the units across the 条/块 line it shares tasks with."""
from __future__ import annotations

import streamlit as st

from models.services import evaluation
from models.services.permissions import has
from ui.components import tables
from ui.components.actions import act, call, show_flash
from ui.components.evaluation_forms import open_round_form, rating_form, weights_form
from ui.components.session import guard

login = guard("task.report", "task.admin")
st.title("条块互评")
show_flash()
office = has(login.actor, "task.admin")
rounds = call(evaluation.rounds) or []

if office:
    st.subheader("开启互评")
    open_round_form(login)
    st.subheader("排名权重")
    weights_form(login)

st.subheader("互评轮次")
tables.show(tables.frame(rounds, {"label": "轮次", "period_start": "期间开始", "period_end": "期间结束",
                                  "scale_min": "最低分", "scale_max": "最高分", "state_label": "状态",
                                  "ratings": "评分数"}),
            key="eval_rounds", file_name="条块互评轮次")
if not rounds:
    st.info("改革办尚未开启互评。")
    st.stop()
labels = {r["id"]: f"{r['label']}（{r['state_label']}）" for r in rounds}
rid = st.selectbox("轮次", list(labels), format_func=labels.__getitem__, key="eval_round")
rnd = next(r for r in rounds if r["id"] == rid)

if office:
    if rnd["state"] == "open" and st.button("结束本轮互评", key="eval_close"):
        act(f"互评“{rnd['label']}”已结束，结果计入排名。", evaluation.close_round, login.actor, round_id=rid,
            expected_version=rnd["version"])
    st.subheader("互评结果")
    tables.show(tables.frame(call(evaluation.results, rid) or [],
                             {"unit": "被评单位", "ratings": "评分数", "average": "平均分", "peer_score": "折合百分制"}),
                key="eval_results", file_name=f"{rnd['label']}_结果")
elif rnd["state"] == "open" and login.actor.unit_id is not None:
    st.subheader("本单位评分")
    rating_form(login, rnd)
else:
    st.info("本轮互评已结束，评分不能再修改。")
