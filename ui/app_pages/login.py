"""登录: username and password (the same message for a wrong password and a locked account), then for
administrators and users who opted in the second factor: enrolment with a QR code at the first login,
a 6-digit code (or a recovery code) afterwards."""
from __future__ import annotations

import streamlit as st

from models.services import second_factor
from ui.components import preload
from ui.components.actions import call
from ui.components.fmt import md
from ui.components.session import NOTICE, PENDING, second_factor_done, sign_in

RECOVERY = "auth_recovery_codes"

st.title("改革任务督办系统")
if st.session_state.get(RECOVERY):
    token, codes = st.session_state[RECOVERY]
    st.success("身份验证器已绑定。请把下面的恢复码抄写或打印后妥善保管：手机丢失时，每个恢复码可代替动态验证码使用一次。"
               "恢复码只显示这一次。")
    st.code("\n".join(codes))
    if st.button("我已保存恢复码，进入系统", key="totp_continue", type="primary"):
        del st.session_state[RECOVERY]
        second_factor_done(token)
        st.rerun()
    st.stop()

pending = st.session_state.get(PENDING)
if pending:
    enrolment = call(second_factor.enrolment, pending)
    if enrolment is None:
        st.caption("请输入手机身份验证器（如 Google Authenticator、Microsoft Authenticator、FreeOTP）显示的 6 位动态验证码；"
                   "手机丢失时可输入一个恢复码。")
    elif enrolment is not None:
        st.subheader("绑定身份验证器（第二因素认证）")
        st.caption("管理员账户须使用口令加动态验证码登录（等级保护第三级要求）。请用手机身份验证器扫描二维码，"
                   "或手工输入下面的密钥，然后输入它显示的 6 位验证码完成绑定。")
        st.image(enrolment.qr_png, width=220)
        st.markdown(md(f"密钥：{enrolment.secret}"))
    with st.form("totp_form"):
        code = st.text_input("动态验证码", key="totp_code", max_chars=20)
        verified = st.form_submit_button("验证", type="primary", key="totp_submit")
    if verified:
        done = call(second_factor.verify, pending, code)
        if done is not None:
            if done.recovery_codes:
                st.session_state[RECOVERY] = (done.token, done.recovery_codes)
            else:
                second_factor_done(done.token)
            st.rerun()
    if st.button("返回重新登录", key="totp_cancel"):
        st.session_state.pop(PENDING, None)
        st.rerun()
    st.stop()

st.caption("请使用本单位分配的账户登录；连续输错口令将锁定账户。")
if st.session_state.get(NOTICE):
    st.info(st.session_state[NOTICE])
with st.form("login_form"):
    username = st.text_input("用户名", key="login_username")
    password = st.text_input("口令", type="password", key="login_password")
    submitted = st.form_submit_button("登录", type="primary", key="login_submit")
if submitted and call(sign_in, username, password) is not None:
    st.rerun()
preload.front_end()  # the first page's browser code loads while the user types
