"""The session-cookie routes (ui/routes.py) over HTTP: cookie flags, one-time tickets, CSRF refusal, no open
redirect, logout ending the session server-side."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from models.db import read_session, write_session
from models.services import accounts
from models.services.accounts import SessionExpired
from models.tables import UserSession
from tests.ui.conftest import PASSWORD, session_token
from ui.routes import COOKIE, END, FETCH_HEADER, START, routes, safe_next

BASE = "http://testserver"


@pytest.fixture()
def client(app_db) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=routes()), base_url=BASE) as c:
        yield c


def _start(client: TestClient, ticket: str, *, origin: str = BASE, nxt: str = "/tasks?task=四.4", **headers: str):
    return client.post(START, data={"ticket": ticket, "next": nxt}, headers={"Origin": origin, **headers},
                       follow_redirects=False)


def _set_cookie(response) -> str:
    return "; ".join(v for k, v in response.headers.multi_items() if k.lower() == "set-cookie")


def test_ticket_sets_a_strict_httponly_cookie_once_for_the_tabs_own_session(client) -> None:
    token = session_token("chengguan")
    ticket = accounts.issue_ticket(token)
    with read_session() as s:  # the database holds neither the ticket nor the token in clear
        row = s.exec(select(UserSession).where(UserSession.ticket_hash.is_not(None))).one()
        assert row.ticket_box and token not in row.ticket_box and ticket not in row.ticket_box
        assert ticket not in row.ticket_hash and row.ticket_hash != row.token_hash
    response = _start(client, ticket)
    assert response.status_code == 303 and response.headers["location"].startswith("/tasks?task=")
    cookie = _set_cookie(response)
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "Path=/" in cookie
    # the cookie carries the session the tab signed in with: the open tab goes on without a reload
    assert response.cookies[COOKIE] == token and accounts.validate_session(token).actor.username == "chengguan"
    with read_session() as s:
        row = s.exec(select(UserSession).where(UserSession.id == row.id)).one()
        assert row.ticket_hash is None and row.ticket_box is None  # spent
    again = _start(client, ticket)  # replayed ticket: back to the page (the login form), no cookie
    assert again.status_code == 303 and COOKIE not in _set_cookie(again)


def test_the_tab_sends_the_ticket_with_fetch_and_stays_on_its_page(client) -> None:
    token = session_token("chengguan")
    ticket = accounts.issue_ticket(token)
    sent = _start(client, ticket, **{FETCH_HEADER: "fetch"})
    assert sent.status_code == 204 and not sent.content and "location" not in sent.headers
    assert sent.cookies[COOKIE] == token and "HttpOnly" in _set_cookie(sent)
    replay = _start(client, ticket, **{FETCH_HEADER: "fetch"})
    assert replay.status_code == 401 and "登录已过期" in replay.text and COOKIE not in _set_cookie(replay)
    refused = _start(client, accounts.issue_ticket(token), origin="https://evil.example", **{FETCH_HEADER: "fetch"})
    assert refused.status_code == 403


def test_a_ticket_whose_box_was_tampered_with_gives_no_cookie(client) -> None:
    token, other = session_token("chengguan"), session_token("zhujian")
    ticket = accounts.issue_ticket(token)
    accounts.issue_ticket(other)
    with write_session() as s:  # swap the boxes: each ticket now finds a box it cannot open
        rows = s.exec(select(UserSession).where(UserSession.ticket_hash.is_not(None))).all()
        rows[0].ticket_box, rows[1].ticket_box = rows[1].ticket_box, rows[0].ticket_box
        s.add_all(rows)
    assert COOKIE not in _set_cookie(_start(client, ticket))
    assert accounts.validate_session(token).actor.username == "chengguan"  # the tab itself is unharmed


def test_cookie_is_secure_behind_https(client) -> None:
    ticket = accounts.issue_ticket(session_token("chengguan"))
    response = _start(client, ticket, origin="https://testserver", **{"X-Forwarded-Proto": "https"})
    assert response.status_code == 303 and "Secure" in _set_cookie(response)


def test_other_origins_and_missing_origin_are_refused(client) -> None:
    ticket = accounts.issue_ticket(session_token("chengguan"))
    for origin in ("https://evil.example", "null"):
        refused = _start(client, ticket, origin=origin)
        assert refused.status_code == 403 and "已拒绝" in refused.text and COOKIE not in _set_cookie(refused)
    bare = client.post(START, data={"ticket": ticket}, follow_redirects=False)
    assert bare.status_code == 403
    cross = _start(client, ticket, **{"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert _start(client, ticket).status_code == 303  # the ticket was not spent by the refused tries


def test_expired_or_forged_ticket_gives_no_cookie(client) -> None:
    token = session_token("chengguan")
    ticket = accounts.issue_ticket(token)
    with write_session() as s:
        s.execute(update(UserSession).values(ticket_expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert COOKIE not in _set_cookie(_start(client, ticket))
    assert COOKIE not in _set_cookie(_start(client, "x" * 43))
    assert COOKIE not in _set_cookie(_start(client, ""))


def test_no_open_redirect() -> None:
    for bad in ("//evil.example/x", "https://evil.example", "/a/b", "javascript:alert(1)", "/tasks#x", None, ""):
        assert safe_next(bad) == "/"
    assert safe_next("/tasks?plan=1&task=%E5%9B%9B.4") == "/tasks?plan=1&task=%E5%9B%9B.4"


def test_logout_ends_the_session_and_clears_the_cookie(client) -> None:
    response = _start(client, accounts.issue_ticket(session_token("chengguan")))
    issued = response.cookies[COOKIE]
    refused = client.post(END, data={"next": "/"}, headers={"Origin": "https://evil.example"},
                          cookies={COOKIE: issued}, follow_redirects=False)
    assert refused.status_code == 403 and accounts.validate_session(issued)  # no logout CSRF either
    out = client.post(END, data={"next": "/"}, headers={"Origin": BASE}, cookies={COOKIE: issued},
                      follow_redirects=False)
    assert out.status_code == 303 and f'{COOKIE}=""' in _set_cookie(out) and "Max-Age=0" in _set_cookie(out)
    with pytest.raises(SessionExpired, match="已退出登录"):
        accounts.validate_session(issued)


def test_no_ticket_for_a_pending_or_ended_session(app_db) -> None:
    pending = accounts.login("shenji", PASSWORD)
    assert pending.second_factor
    with pytest.raises(SessionExpired):
        accounts.issue_ticket(pending.token)
    token = session_token("chengguan")
    accounts.logout(token)
    with pytest.raises(SessionExpired):
        accounts.issue_ticket(token)


def test_the_hand_off_form_carries_only_escaped_values() -> None:
    from ui.components.session import handoff_html

    page = handoff_html(START, {"ticket": 'x"><script>alert(1)</script>', "next": safe_next("/tasks?task=<b>")})
    assert "<script>alert" not in page and "&quot;&gt;&lt;script&gt;" in page
    assert 'action="/session/start"' in page and 'name="next" value="/tasks?task=&lt;b&gt;"' in page
    assert page.count("<script>") == 1  # the one that sends the form
    assert "fetch(f.action" in page and " hidden>" in page  # in the background; the form is not shown
    leaving = handoff_html(END, {"next": "/"})
    assert "fetch(" not in leaving and ".submit()" in leaving and " hidden" not in leaving
