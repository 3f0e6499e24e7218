"""The shared frame drawn by ``ui/app.py``: page setup, the sidebar with the user and 退出, and a quiet
check every minute that signs an open tab out once its session ended elsewhere (退出 in another tab or
instance, idle or absolute limit, disabled account)."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from models.services.accounts import LoginResult
from ui.components import reads
from ui.components.labels import ROLE_LABELS
from ui.components.session import sign_out, still_valid

CHECK_EVERY = timedelta(seconds=60)


def setup() -> None:
    st.set_page_config(page_title="改革任务督办", page_icon=":material/flag:", layout="wide")


@st.fragment(run_every=CHECK_EVERY)
def _session_check() -> None:
    if not still_valid():
        st.rerun(scope="app")


def sidebar(login: LoginResult | None) -> None:
    with st.sidebar:
        st.markdown("**改革任务督办系统**")
        if login is None:
            return
        actor = login.actor
        unit = reads.unit_name(actor.unit_id)
        st.caption(f"{login.display_name} · {ROLE_LABELS.get(actor.role, actor.role)}" + (f" · {unit}" if unit else ""))
        if st.button("退出", key="logout", icon=":material/logout:"):
            sign_out()
            st.rerun()
        _session_check()
