"""登录: username and password; the same message for a wrong password and a locked account."""
from __future__ import annotations

import streamlit as st

from ui.components.actions import call
from ui.components.session import NOTICE, sign_in

st.title("改革任务督办系统")
st.caption("请使用本单位分配的账户登录；连续输错口令将锁定账户。")
if st.session_state.get(NOTICE):
    st.info(st.session_state[NOTICE])
with st.form("login_form"):
    username = st.text_input("用户名", key="login_username")
    password = st.text_input("口令", type="password", key="login_password")
    submitted = st.form_submit_button("登录", type="primary", key="login_submit")
if submitted and call(sign_in, username, password) is not None:
    st.rerun()
