"""The page side of stable links (``models/links.py``): read the query parameter, resolve it, and say in
Chinese when it names nothing (a forged, mistyped or outdated link shows no data and breaks nothing)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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


def linked_id(name: str, known: Mapping[int, object] | Sequence[int]) -> int | None:
    """``?<name>=<id>`` when it is one of ``known`` (what this user may see on the page), else None with a
    message; the page passes the ids it lists, so a link never reveals anything beyond them."""
    value = st.query_params.get(name)
    if not value:
        return None
    if value.isdigit() and int(value) in known:
        return int(value)
    _missing(name, value)
    return None


def linked_row(name: str, fetch: object) -> dict[str, Any] | None:
    """``?<name>=<id>`` fetched by ``fetch(id)`` (which returns None for what does not exist), else None with a
    message. For pages whose user may see every object of the kind (the office's 预警与督办)."""
    value = st.query_params.get(name)
    if not value:
        return None
    row = fetch(int(value)) if value.isdigit() and len(value) < 12 else None  # type: ignore[operator]
    if row is None:
        _missing(name, value)
    return row
