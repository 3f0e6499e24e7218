"""Server-side sessions in the browser: the token travels in an HttpOnly, SameSite=Strict cookie set and
cleared by the routes in ``ui/routes.py``, and is re-validated in the database at every run (idle timeout,
absolute lifetime, disabled user, role change).

Signing in: the login page checks the password (and the second factor) and keeps the session token in
this tab's ``st.session_state``, so the very next run draws the first page at the address the user is on
(no reload: the browser keeps its page and websocket, issue 17). That run also hands a one-time ticket to
``/session/start`` with ``fetch``, in the background; the route sets the cookie to the same session's
token, which every later reload, tab and instance reads (``AppTest`` has no cookies and works on the tab's
token alone). Should the fetch not get through, the form it came in is posted the old way (a full
navigation). Signing out ends the session in the database (every tab and instance is signed out) and
posts to ``/session/end``, which clears the cookie.
"""
from __future__ import annotations

import html
import json
from urllib.parse import urlencode

import streamlit as st

from models.services import accounts
from models.services.accounts import LoginResult, SessionExpired
from models.services.permissions import has
from ui.routes import COOKIE, END, FETCH_HEADER, START, base_path, safe_next

TOKEN = "auth_token"
PENDING = "auth_pending_token"  # password checked, second factor not yet
NOTICE = "auth_notice"
NEXT = "auth_next"  # where the login form returns to
HANDOFF = "auth_handoff"  # (route, fields) to post once the page is drawn


def _token() -> str | None:
    if st.session_state.get(TOKEN):
        return str(st.session_state[TOKEN])
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser connection (bare script)
        return None
    return value if isinstance(value, str) and value else None  # AppTest's client has no real cookies


def current_login() -> LoginResult | None:
    token = _token()
    if not token:
        return None
    try:
        return accounts.validate_session(token)
    except SessionExpired as exc:
        st.session_state.pop(TOKEN, None)
        st.session_state[NOTICE] = exc.message
        return None


def still_valid() -> bool:
    """For the periodic check of an open tab: does not count as activity (idle timeout still applies)."""
    token = _token()
    try:
        return bool(token) and bool(accounts.validate_session(token, touch=False))  # type: ignore[arg-type]
    except SessionExpired:
        return False


def guard(*permissions: str, allow_must_change: bool = False) -> LoginResult:
    """First line of every page: no valid session or no permission → a message and no data."""
    login = current_login()
    if login is None:
        st.warning(st.session_state.get(NOTICE) or "请先登录。")
        st.stop()
    assert login is not None
    if login.must_change_password and not allow_must_change:
        st.warning("请先修改口令后再使用系统。")
        st.page_link("app_pages/change_password.py", label="修改口令", icon=":material/key:")
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


def remember_next(url_path: str) -> None:
    """Signed out on some address: the login form sends the user back there (with its query)."""
    query = urlencode({k: st.query_params.get(k) for k in st.query_params})
    target = "/" if url_path in ("", "login", "start") else f"/{url_path}"
    st.session_state[NEXT] = safe_next(target + (f"?{query}" if query else ""))


def _signed_in(token: str) -> None:
    st.session_state[TOKEN] = token
    st.session_state.pop(NOTICE, None)
    st.session_state[HANDOFF] = (START, {"ticket": accounts.issue_ticket(token),
                                         "next": st.session_state.pop(NEXT, "/")})


def sign_in(username: str, password: str) -> LoginResult:
    """The password step; with a second factor the token waits in ``PENDING`` until the code is verified."""
    result = accounts.login(username.strip(), password, client_addr=client_addr())
    if result.second_factor:
        st.session_state[PENDING] = result.token
    else:
        _signed_in(result.token)
    st.session_state.pop(NOTICE, None)
    return result


def second_factor_done(token: str) -> None:
    st.session_state.pop(PENDING, None)
    _signed_in(token)


def sign_out() -> None:
    token = _token()
    if token:
        accounts.logout(token)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[HANDOFF] = (END, {"next": "/"})


def handoff_html(route: str, fields: dict[str, str]) -> str:
    """A form posting ``fields`` to ``route``. Signing in, a script sends it with ``fetch`` and the page
    stays (the form is hidden; it is submitted the classic way only when the request cannot be sent at
    all); signing out, it submits itself (with a button in case scripts are blocked). Only the app's own
    values go in: a ticket, a path checked by ``safe_next``, all escaped."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
                     for k, v in fields.items())
    start = route == START
    form = (f'<form id="reform-handoff" method="post" action="{html.escape(base_path() + route)}"'
            f'{" hidden" if start else ""}>{inputs}'
            f'<button type="submit">{"进入系统" if start else "退出登录"}</button></form>')
    if not start:
        return form + f"<script>document.getElementById({json.dumps('reform-handoff')}).submit();</script>"
    return form + ("<script>(function () {"
                   "var f = document.getElementById('reform-handoff');"
                   "if (!f || f.dataset.sent) { return; } f.dataset.sent = '1';"
                   "fetch(f.action, {method: 'POST', credentials: 'same-origin', "
                   f"headers: {{{json.dumps(FETCH_HEADER)}: 'fetch'}}, body: new URLSearchParams(new FormData(f))}})"
                   ".catch(function () { f.submit(); });"
                   "})();</script>")


def hand_off() -> None:
    """Send the pending hand-off from the browser. Signing in, the page goes on (the ticket travels in the
    background); signing out, nothing else is drawn: the page comes back at once, from the route's redirect."""
    pending = st.session_state.pop(HANDOFF, None)
    if pending is None:
        return
    route, fields = pending
    st.html(handoff_html(route, fields), unsafe_allow_javascript=True)
    if route != START:
        st.caption("正在退出登录……")
        st.stop()
