"""The shared frame drawn by ``ui/app.py``: page setup and the sidebar with the user and 退出."""
from __future__ import annotations

import streamlit as st

from models.services.accounts import LoginResult
from ui.components import reads
from ui.components.labels import ROLE_LABELS
from ui.components.session import sign_out


def setup() -> None:
    st.set_page_config(page_title="改革任务督办", page_icon=":material/flag:", layout="wide")


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
