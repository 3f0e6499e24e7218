"""HTTP routes and middleware around the Streamlit app (served by ``ui/webapp.py``, an ``st.App``).

The session token travels in an HttpOnly, SameSite=Strict cookie that only these routes set and clear:

- ``POST /session/start`` (``ticket``, ``next``): the login page, after the password and the second factor,
  holds a one-time ticket (60 s); this route redeems it for the session's token and sets the cookie. The
  signed-in tab posts it with ``fetch`` (header ``X-Reform-Handoff: fetch``) and goes on drawing the first
  page meanwhile (answer 204, or 401 for a spent ticket); a plain form post (the fallback) is redirected to
  the page the user asked for.
- ``POST /session/end`` (``next``): ends the server-side session named by the cookie and clears it.

Both refuse a request whose ``Origin`` (or, without one, ``Referer``) is not this site (CSRF, login CSRF).
Scripts read the cookie with ``st.context.cookies`` and validate it in the database at every run.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from models.services import accounts
from models.services.errors import ServiceError
from models.settings import get_settings

COOKIE = "reform_session"
START, END = "/session/start", "/session/end"
_NEXT = re.compile(r"^/[A-Za-z0-9_\-]*(\?[^#\s]*)?$")  # a page of this app, never //host or a scheme


def base_path() -> str:
    """``server.baseUrlPath`` as ``/prefix`` (empty when the app is served at the root)."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def safe_next(value: str | None) -> str:
    """Where to go after the route: a path of this app only (an open redirect would help phishing)."""
    return value if value and _NEXT.match(value) else "/"


def is_secure(request: Request) -> bool:
    """Secure cookies behind HTTPS: the public address, the proxy's ``X-Forwarded-Proto`` or the request."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return get_settings().public_url.startswith("https://") or forwarded == "https" or request.url.scheme == "https"


def cookie_flags(request: Request) -> dict[str, object]:
    """Flags of the session cookie: no Max-Age (it ends with the browser; the server limits idle time and
    lifetime anyway), HttpOnly (no script reads it), SameSite=Strict (never sent from another site)."""
    return {"httponly": True, "samesite": "strict", "secure": is_secure(request), "path": base_path() or "/"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def same_origin(request: Request) -> bool:
    """The request comes from a page of this site (the origin the browser sees: public address or Host)."""
    sent = request.headers.get("origin") or _origin(request.headers.get("referer", ""))
    if not sent or sent == "null":
        return False
    if request.headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return False
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip() or request.url.scheme
    own = {_origin(get_settings().public_url), f"{proto}://{request.headers.get('host', '')}".lower()}
    return sent.lower() in own


def _refused() -> Response:
    return PlainTextResponse("请求来源与本系统不符，已拒绝。请从系统页面重新操作。", status_code=403,
                             headers={"Cache-Control": "no-store"})


def _redirect(target: str) -> RedirectResponse:
    return RedirectResponse(base_path() + target, status_code=303, headers={"Cache-Control": "no-store"})


FETCH_HEADER = "x-reform-handoff"


async def start(request: Request) -> Response:
    if not same_origin(request):
        return _refused()
    form = await request.form()
    target = safe_next(str(form.get("next") or ""))
    by_fetch = request.headers.get(FETCH_HEADER) == "fetch"
    try:
        # the database work runs off the event loop, which serves every open tab's WebSocket meanwhile
        token = await run_in_threadpool(accounts.redeem_ticket, str(form.get("ticket") or ""))
    except ServiceError as exc:
        if by_fetch:
            return PlainTextResponse(exc.message, status_code=401, headers={"Cache-Control": "no-store"})
        return _redirect(target)  # the login form again
    response = Response(status_code=204, headers={"Cache-Control": "no-store"}) if by_fetch else _redirect(target)
    response.set_cookie(COOKIE, token, **cookie_flags(request))  # type: ignore[arg-type]
    return response


async def end(request: Request) -> Response:
    if not same_origin(request):
        return _refused()
    form = await request.form()
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(accounts.logout, token)  # every tab and instance sees the session ended at its next run
    response = _redirect(safe_next(str(form.get("next") or "")))
    flags = cookie_flags(request)
    response.delete_cookie(COOKIE, path=str(flags["path"]), secure=bool(flags["secure"]), httponly=True,
                           samesite="strict")
    return response


def routes() -> list[Route]:
    base = base_path()
    return [Route(base + START, start, methods=["POST"]), Route(base + END, end, methods=["POST"])]


class KnownPagesMiddleware:
    """A typed or stale address that is no page of the app goes to the start page, instead of Streamlit's
    English "Page not found" dialog. Only single-segment HTML navigations are looked at."""

    def __init__(self, app: ASGIApp, pages: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"][len(base_path()):].strip("/")
            accepts_html = b"text/html" in dict(scope.get("headers") or []).get(b"accept", b"")
            if path and "/" not in path and "." not in path and accepts_html and path not in set(self.pages()):
                await RedirectResponse(base_path() + "/", status_code=302)(scope, receive, send)
                return
        await self.app(scope, receive, send)

