"""修改口令: forced at first login (and when the password is too old); available to everyone."""
from __future__ import annotations

import streamlit as st

from models.services import accounts
from ui.components.actions import flash, show_flash, succeeded
from ui.components.session import guard

login = guard(allow_must_change=True)
st.title("修改口令")
show_flash()
if login.must_change_password:
    st.warning("首次登录或口令已过期，请先修改口令。")
st.caption("口令至少 12 位，须包含大小写字母、数字和符号中的三类，且不能与用户名相同。")
with st.form("password_form", clear_on_submit=True):
    old = st.text_input("原口令", type="password", key="pw_old")
    new = st.text_input("新口令", type="password", key="pw_new")
    again = st.text_input("再次输入新口令", type="password", key="pw_again")
    submitted = st.form_submit_button("确认修改", type="primary", key="pw_submit")
if submitted:
    if new != again:
        st.error("两次输入的新口令不一致")
    elif succeeded(accounts.change_password, login.actor, old_password=old, new_password=new):
        flash("口令已修改。")
        st.rerun()
