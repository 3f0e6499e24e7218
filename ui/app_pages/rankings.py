"""考核排名: on-time completion by unit for a chosen period end, the 红黑榜, and the full ranking table."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from models.services.rankings import period_for
from models.services.reads import rankings as rank_reads
from ui.components import charts, tables
from ui.components.actions import today
from ui.components.charts import CHART_CONFIG
from ui.components.composition import legend_caption, with_composition
from ui.components.fmt import md
from ui.components.reads import current_plan, read
from ui.components.session import guard

PERIODS = {"now": "截至今天", "week": "上一周末", "month": "上月末", "quarter": "上季度末"}

login = guard("ranking.view")
st.title("考核排名")
plan = current_plan("rank_plan", allow_all=True)
if plan is None:
    st.stop()
period = st.radio("统计截至", list(PERIODS), format_func=PERIODS.__getitem__, horizontal=True, key="rank_period")
window = None if period == "now" else period_for(period, today())
as_of = window.end if window else today()
label = window.label if window else "今天"
st.caption(f"统计口径：截至 {as_of:%Y年%m月%d日}（{label}）已到期或已完成的任务；牵头/负责单位全额计分，配合单位按一半计分；"
           "逾期完成得一半分。")
start = window.start if window else None
plan_id = plan["id"]
search = st.text_input("查找单位", key="rank_search", placeholder="输入单位名称的一部分",
                       on_change=lambda: st.session_state.update(rank_page=1))
offset = (int(st.session_state.get("rank_page") or 1) - 1) * tables.PAGE_SIZE
view = dict(as_of=as_of, plan_id=plan["id"], start=start, search=search, unit_id=login.actor.unit_id,
            limit=tables.PAGE_SIZE)
result = read(rank_reads.ranking_view, **view, offset=offset)
if offset and offset >= result["matched"]:  # fewer units than the page remembered (data or search changed)
    st.session_state["rank_page"] = 1
    result = read(rank_reads.ranking_view, **view, offset=0)
legend_caption(result["composition"])
mine = result["mine"]
if mine is not None:
    st.info(f"本单位{md(mine['unit'])}：" + (f"第 {mine['rank']} 名（共 {result['ranked']} 个单位参与排名），得分 {mine['score']}"
                                         if mine["rank"] else "暂无到期任务，未参与排名"), icon=":material/leaderboard:")

red_col, black_col = st.columns(2)
with red_col:
    st.subheader("红榜")
    st.markdown("\n".join(f"{i}. {md(name)}" for i, name in enumerate(result["red"], 1)) or "（暂无）")
with black_col:
    st.subheader("黑榜")
    st.markdown("\n".join(f"{i}. {md(name)}" for i, name in enumerate(result["black"], 1)) or "（暂无）")

if result["chart"]:
    df = pd.DataFrame([{"单位": u["unit"], "按期完成率": round(100 * (u["on_time_rate"] or 0), 1)} for u in result["chart"]])
    st.subheader("各单位按期完成率")
    st.plotly_chart(charts.ranking_bars(df.head(40)), key="rank_chart", config=CHART_CONFIG)
st.subheader("排名明细")
COLUMNS = {"rank": "名次", "unit": "单位", "score": "得分", "on_time_rate": "按期完成率%", "signoff_rate": "签收率%",
           "peer": "互评", "extensions": "获批延期", "missed_reports": "未按时报送（期）", "composition": "得分构成",
           "lead_total": "牵头/负责任务", "lead_done": "已完成", "overdue": "逾期未完成"}


def percent(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**u, "on_time_rate": None if u["on_time_rate"] is None else round(100 * u["on_time_rate"], 1),
             "signoff_rate": None if u.get("signoff_rate") is None else round(100 * u["signoff_rate"], 1)}
            for u in with_composition(units)]


tables.pager(result["matched"], key="rank_page", noun="个单位" + (f"（名称含“{search.strip()}”）" if search.strip() else ""))
tables.show(tables.frame(percent(result["units"]), COLUMNS), key="ranking", file_name=f"考核排名_{as_of.isoformat()}",
            export=lambda: tables.frame(percent(rank_reads.ranking(as_of=as_of, plan_id=plan_id, start=start)["units"]),
                                        COLUMNS))
