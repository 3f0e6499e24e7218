"""后台任务: with a Prefect server, use cases started from a page run on a worker (or the embedded serve
process); this panel reads their state from the server, so a page reload loses nothing. Without a server
the use case ran in the page and there is nothing to show."""
from __future__ import annotations

import streamlit as st

from flows import client
from flows.registry import USE_CASES
from ui.components.fmt import when


def panel(flow_names: list[str], *, key: str) -> None:
    """The latest runs of these flows with their state; a button refreshes."""
    if not client.server_mode():
        return
    st.subheader("后台任务")
    try:
        runs = client.recent(flow_names)
    except Exception:  # noqa: BLE001 - the Prefect server may be down; the page must still work
        st.warning("暂时无法连接流程服务，后台任务状态稍后可见。")
        return
    if not runs:
        st.caption("暂无后台任务。")
    for run in runs:
        label = USE_CASES[run["flow"]].label if run["flow"] in USE_CASES else run["flow"]
        st.write(f"{label} · {client.STATE_LABELS.get(run['state'], run['state'])} · {when(run['started'])}")
    st.button("刷新状态", key=f"{key}_refresh")
