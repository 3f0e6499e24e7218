"""Entry point of the web app: routes by role and draws the shared frame; pages do the rest.

Served by ``ui/webapp.py`` (``st.App`` with the session-cookie routes): ``streamlit run ui/webapp.py``.
The navigation lists only pages the signed-in role may open, but every page's address is registered:
signed out it shows the login form (and returns to that address afterwards), and a page the role may
not open refuses itself in its ``guard`` (a typed URL gives no data).
"""
from __future__ import annotations

import streamlit as st

from models.services.accounts import LoginResult
from ui.components import frame, inbox_view, session
from ui.components.reads import ACTOR
from ui.components.registry import CHANGE_PASSWORD, LOGIN, PAGES, START, PageSpec, home_for, pages_for


def _page(spec: PageSpec, *, default: bool = False, hidden: bool = False, script: str | None = None,
          title: str | None = None) -> list[st.Page]:
    """The page at its address; the start page (served at ``/``) also answers at its own address, which
    Streamlit would otherwise report as "Page not found"."""
    def one(url_path: str, *, start: bool, hide: bool) -> st.Page:
        return st.Page(script or spec.path, title=LOGIN.title if script else title or spec.title, icon=spec.icon,
                       url_path=url_path, default=start, visibility="hidden" if hide else "visible")

    if default:
        return [one(START, start=True, hide=hidden), one(spec.url_path, start=False, hide=True)]
    return [one(spec.url_path, start=False, hide=hidden)]


def _title(spec: PageSpec, login: LoginResult) -> str:
    """The inbox carries its count, like a badge: 我的待办 · 3."""
    waiting = inbox_view.badge(login.actor) if spec.url_path == "inbox" else 0
    return f"{spec.title} · {waiting}" if waiting else spec.title


@st.cache_resource
def _recovered() -> bool:
    """Once per web process: finish or discard what a killed earlier process left (staged files, runs)."""
    import gc

    from models.services.startup import recover

    recover()
    gc.collect()
    gc.freeze()  # the modules and caches of start-up stay: later collections skip them (issue 17)
    return True


frame.setup()
_recovered()
login = session.current_login()
if login is None:  # every address shows the login form, which returns there afterwards
    specs = [_page(LOGIN, default=True)] + [_page(p, hidden=True, script=LOGIN.path) for p in (*PAGES, CHANGE_PASSWORD)]
elif login.must_change_password:
    specs = [_page(CHANGE_PASSWORD, default=True)] + [_page(p, hidden=True) for p in PAGES]
else:
    allowed = pages_for(login.actor)
    home = home_for(login.actor, allowed)
    specs = [_page(p, default=p == home, title=_title(p, login)) for p in allowed] \
        + [_page(p, hidden=True) for p in PAGES if p not in allowed] + [_page(CHANGE_PASSWORD, default=home is None)]
pages = [page for group in specs for page in group]
if login is None:
    st.session_state.pop(ACTOR, None)
else:
    st.session_state[ACTOR] = login.actor  # for the plan choice (ui/components/reads.py)
frame.sidebar(login)
current = st.navigation(pages, expanded=True)  # never folded behind an English "View N more"
if login is None:
    session.remember_next(current.url_path)
session.hand_off()
current.run()
