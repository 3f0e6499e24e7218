"""Entry point of the web app: routes by role and draws the shared frame; pages do the rest.

Run with ``streamlit run ui/app.py``. The navigation only lists pages the signed-in role may open,
and every page re-checks the session and the permission itself (a typed URL gives no data).
"""
from __future__ import annotations

import streamlit as st

from ui.components import frame
from ui.components.registry import CHANGE_PASSWORD, LOGIN, PageSpec, pages_for
from ui.components.session import current_login


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return st.Page(spec.path, title=spec.title, icon=spec.icon, default=default)




@st.cache_resource
def _recovered() -> bool:
    """Once per web process: finish or discard what a killed earlier process left (staged files, runs)."""
    from models.services.startup import recover

    recover()
    return True


frame.setup()
_recovered()
login = current_login()
if login is None:
    pages = [_page(LOGIN, default=True)]
elif login.must_change_password:
    pages = [_page(CHANGE_PASSWORD, default=True)]
else:
    allowed = pages_for(login.actor)
    pages = [_page(p, default=i == 0) for i, p in enumerate(allowed)] + [_page(CHANGE_PASSWORD, default=not allowed)]
frame.sidebar(login)
st.navigation(pages).run()
