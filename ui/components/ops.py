"""The automation's health where the office looks first (总览, 预警与督办): failed scans and bulletins
with the step and the reason, and the warning when no scan has succeeded for 26 hours."""
from __future__ import annotations

import streamlit as st

from models.services import ops
from ui.components.fmt import md, when


def show_health() -> None:
    health = ops.status()
    for failure in health.failures:
        st.error(md(failure.message) + (f"（{when(failure.finished_at)}）" if failure.finished_at else ""),
                 icon=":material/error:")
    if health.liveness:
        st.warning(md(health.liveness), icon=":material/schedule:")
