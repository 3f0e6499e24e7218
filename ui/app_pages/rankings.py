"""考核排名: on-time completion by unit for a chosen period end, the 红黑榜, and the full ranking table."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from models.services.rankings import period_for
from models.services.reads.rankings import ranking
from ui.components import charts, tables
from ui.components.actions import today
from ui.components.charts import CHART_CONFIG
from ui.components.composition import legend_caption, with_composition
from ui.components.fmt import md
from ui.components.reads import current_plan, read
from ui.components.session import guard

PERIODS = {"now": "截至今天", "week": "上一周末", "month": "上月末", "quarter": "上季度末"}

guard("ranking.view")
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
result = read(ranking, as_of=as_of, plan_id=plan["id"], start=window.start if window else None)
legend_caption(result["composition"])

red_col, black_col = st.columns(2)
with red_col:
    st.subheader("红榜")
    st.markdown("\n".join(f"{i}. {md(name)}" for i, name in enumerate(result["red"], 1)) or "（暂无）")
with black_col:
    st.subheader("黑榜")
    st.markdown("\n".join(f"{i}. {md(name)}" for i, name in enumerate(result["black"], 1)) or "（暂无）")

ranked = [u for u in result["units"] if u["rank"] is not None]
if ranked:
    df = pd.DataFrame([{"单位": u["unit"], "按期完成率": round(100 * (u["on_time_rate"] or 0), 1)} for u in ranked[:40]])
    st.subheader("各单位按期完成率")
    st.plotly_chart(charts.ranking_bars(df.head(40)), key="rank_chart", config=CHART_CONFIG)
st.subheader("排名明细")
COLUMNS = {"rank": "名次", "unit": "单位", "score": "得分", "on_time_rate": "按期完成率%", "signoff_rate": "签收率%",
           "peer": "互评", "extensions": "获批延期", "missed_reports": "未按时报送（期）", "composition": "得分构成",
           "lead_total": "牵头/负责任务", "lead_done": "已完成", "overdue": "逾期未完成"}


def percent(units: list[dict]) -> list[dict]:
    return [{**u, "on_time_rate": None if u["on_time_rate"] is None else round(100 * u["on_time_rate"], 1),
             "signoff_rate": None if u.get("signoff_rate") is None else round(100 * u["signoff_rate"], 1)}
            for u in with_composition(units)]


offset = tables.pager(len(result["units"]), key="rank_page", noun="个单位")
tables.show(tables.frame(percent(result["units"][offset:offset + tables.PAGE_SIZE]), COLUMNS),
            key="ranking", file_name=f"考核排名_{as_of.isoformat()}",
            export=lambda: tables.frame(percent(result["units"]), COLUMNS))
