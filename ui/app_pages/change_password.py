"""修改口令: forced at first login (and when the password is too old); available to everyone. Below it, users
other than administrators (who must use it) turn the second factor on or off for their own account."""
from __future__ import annotations

import streamlit as st

from models.services import accounts, second_factor
from models.services.permissions import ADMIN_ROLES
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

st.subheader("第二因素认证（动态验证码）")
if login.actor.role in ADMIN_ROLES:
    st.caption("管理员账户必须使用口令加动态验证码登录；手机丢失时请用恢复码登录，或请安装管理员执行 reform user reset-2fa。")
    st.stop()
enabled = second_factor.is_enabled(login.actor)
if not enabled:
    st.caption("开启后，下次登录时须用手机身份验证器扫码绑定，此后每次登录除口令外还须输入动态验证码。")
    if st.button("开启第二因素认证", key="mfa_enable") and succeeded(second_factor.set_optional, login.actor,
                                                                  enabled=True):
        flash("已开启第二因素认证，下次登录时绑定身份验证器。")
        st.rerun()
else:
    code = st.text_input("当前动态验证码（关闭时须输入）", key="mfa_code", max_chars=6)
    if st.button("关闭第二因素认证", key="mfa_disable") and succeeded(second_factor.set_optional, login.actor,
                                                                   enabled=False, code=code):
        flash("已关闭第二因素认证。")
        st.rerun()
