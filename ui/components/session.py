"""Server-side session handling: the token lives only in ``st.session_state`` and is re-validated in the
database at every run (idle timeout, absolute lifetime, disabled user, role change)."""
from __future__ import annotations

import streamlit as st

from models.services import accounts
from models.services.accounts import LoginResult, SessionExpired
from models.services.permissions import has

TOKEN = "auth_token"
PENDING = "auth_pending_token"  # password checked, second factor not yet
NOTICE = "auth_notice"


def current_login() -> LoginResult | None:
    token = st.session_state.get(TOKEN)
    if not token:
        return None
    try:
        return accounts.validate_session(token)
    except SessionExpired as exc:
        st.session_state.pop(TOKEN, None)
        st.session_state[NOTICE] = exc.message
        return None


def guard(*permissions: str, allow_must_change: bool = False) -> LoginResult:
    """First line of every page: no valid session or no permission → a message and no data."""
    login = current_login()
    if login is None:
        st.warning(st.session_state.get(NOTICE) or "请先登录。")
        st.stop()
    assert login is not None
    if login.must_change_password and not allow_must_change:
        st.warning("请先修改口令后再使用系统。")
        st.stop()
    if permissions and not any(has(login.actor, p) for p in permissions):
        from models.services.errors import PermissionDenied
        from models.services.uow import audit_refusal

        audit_refusal(login.actor, "page.view", "page", "/".join(permissions), PermissionDenied("无权访问此页面"))
        st.error("无权访问此页面。")
        st.stop()
    return login


def client_addr() -> str | None:
    try:
        addr = st.context.ip_address
    except Exception:  # noqa: BLE001 - not available in every runtime (tests)
        return None
    return addr[:64] if isinstance(addr, str) else None


def sign_in(username: str, password: str) -> LoginResult:
    """The password step; with a second factor the token waits in ``PENDING`` until the code is verified."""
    result = accounts.login(username.strip(), password, client_addr=client_addr())
    st.session_state[PENDING if result.second_factor else TOKEN] = result.token
    st.session_state.pop(NOTICE, None)
    return result


def second_factor_done(token: str) -> None:
    st.session_state.pop(PENDING, None)
    st.session_state[TOKEN] = token


def sign_out() -> None:
    token = st.session_state.pop(TOKEN, None)
    if token:
        accounts.logout(token)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
