"""工作日历: a year's 放假安排 (import the 国务院办公厅 notice, or enter single days) for years the
calendar package does not know yet; until a year is entered its dates are shown as provisional."""
from __future__ import annotations

from datetime import date

import streamlit as st

from models.services import admin
from models.services.calendar import import_arrangement
from ui.components import tables
from ui.components.actions import act, show_flash, today
from ui.components.session import guard

actor = guard("holiday.manage").actor
st.title("工作日历")
show_flash()
st.caption("工作日按国家法定节假日和调休安排计算。尚未录入放假安排的年份按周一至周五暂估，相关日期标注为“暂定”。")

st.subheader("导入全年放假安排")
y1, y2 = st.columns([1, 3])
year = int(y1.number_input("年份", 2020, 2100, today().year + 1, key="arrangement_year"))
text = y2.text_area("粘贴国务院办公厅关于节假日安排的通知全文", key="arrangement_text", height=160,
                    placeholder="一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n二、春节：……")
if st.button("导入", key="arrangement_import", type="primary"):
    act(f"已导入 {year} 年放假安排，相关日期不再标注为暂定。", import_arrangement, actor, year=year, text=text,
        clear=("arrangement_text",))

st.subheader("已录入的日期")
tables.show(tables.frame([{**h, "is_workday": "调休上班" if h["is_workday"] else "放假"} for h in admin.holidays()],
                         {"day": "日期", "is_workday": "类型", "name": "名称"}), key="holidays", file_name="放假安排")
h1, h2, h3 = st.columns(3)
h_day = h1.date_input("日期", value=date(today().year + 1, 1, 1), key="holiday_day")
h_work = h2.radio("类型", ["放假", "调休上班"], horizontal=True, key="holiday_kind")
h_name = h3.text_input("名称（如 元旦、春节）", key="holiday_name")
b1, b2 = st.columns(2)
if b1.button("保存该日", key="holiday_save"):
    act(f"已保存 {h_day.isoformat()}。", admin.set_holiday, actor, day=h_day, is_workday=h_work == "调休上班", name=h_name)
if b2.button("删除该日", key="holiday_delete"):
    act(f"已删除 {h_day.isoformat()}。", admin.remove_holiday, actor, day=h_day)
