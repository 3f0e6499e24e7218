"""Long work as Prefect flow runs when a server is configured: the page submits and returns at once, the
run goes on on a worker (or the embedded serve process) and this panel reads its state from the server,
so a page reload loses nothing. Without a server the caller does the work in the page."""
from __future__ import annotations

from typing import Any

import streamlit as st

from ui.components.fmt import when

STATE_LABELS = {"Scheduled": "排队中", "Pending": "等待执行", "Running": "执行中", "Completed": "已完成",
                "Failed": "失败", "Crashed": "异常中止", "Cancelled": "已取消", "Late": "延迟"}
FLOW_LABELS = {"deadline-scan": "督办扫描", "issue-notices": "批量印发", "plan-import": "方案导入"}


def server_mode() -> bool:
    from flows import client

    return client.server_mode()


def submit(flow_name: str, parameters: dict[str, Any]) -> str:
    from flows import client

    return client.trigger(flow_name, parameters)


def panel(flow_names: list[str], *, key: str) -> None:
    """后台任务: the latest runs of these flows with their state; a button refreshes."""
    if not server_mode():
        return
    from flows import client

    st.subheader("后台任务")
    try:
        runs = client.recent(flow_names)
    except Exception:  # noqa: BLE001 - the Prefect server may be down; the page must still work
        st.warning("暂时无法连接流程服务，后台任务状态稍后可见。")
        return
    if not runs:
        st.caption("暂无后台任务。")
    for run in runs:
        label = FLOW_LABELS.get(run["flow"], run["flow"])
        st.write(f"{label} · {STATE_LABELS.get(run['state'], run['state'])} · {when(run['started'])}")
    st.button("刷新状态", key=f"{key}_refresh")
