"""The page side of stable links (``models/links.py``): read the query parameter, resolve it, and say in
Chinese when it names nothing (a forged, mistyped or outdated link shows no data and breaks nothing)."""
from __future__ import annotations

import streamlit as st

from models.services import lookup
from models.services.lookup import LinkedTask
from ui.components.fmt import md

NAMES = {"task": "任务", "handover": "交接事项", "notice": "公文", "alert": "预警"}


def _missing(name: str, value: str) -> None:
    st.warning(f"链接所指的{NAMES[name]}不存在或您无权查看：{md(value[:60])}")


def linked_task() -> LinkedTask | None:
    """``?task=<编号>[&plan=<id>]`` resolved, or None (with a message when the link names nothing)."""
    code = st.query_params.get("task")
    if not code:
        return None
    found = lookup.task(code, st.query_params.get("plan"))
    if found is None:
        _missing("task", code)
    return found


def linked_id(name: str, known: dict[int, object] | list[int]) -> int | None:
    """``?<name>=<id>`` when it is one of ``known`` (what this user may see on the page), else None with a
    message; the page passes the ids it lists, so a link never reveals anything beyond them."""
    value = st.query_params.get(name)
    if not value:
        return None
    if value.isdigit() and int(value) in known:
        return int(value)
    _missing(name, value)
    return None
