"""Cached reads for pages: keyed by database, the audit head (any audited change refreshes) and the
arguments (plan, unit, filters) — Streamlit caches are shared by all users, so scoped data must carry
its scope in the arguments."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import dashboard
from models.services.errors import ServiceError
from models.settings import get_settings


@st.cache_data(ttl=600, show_spinner=False, max_entries=500)
def _cached(name: str, url: str, stamp: int, args: tuple[tuple[str, Any], ...]) -> Any:
    return getattr(dashboard, name)(**dict(args))


def read(name: str, **kwargs: Any) -> Any:
    return _cached(name, get_settings().url, dashboard.data_stamp(), tuple(sorted(kwargs.items())))


def unit_names() -> dict[int, str]:
    return read("unit_names")  # type: ignore[no-any-return]


def unit_name(unit_id: int | None) -> str:
    return read("unit_name", unit_id=unit_id) if unit_id else ""  # type: ignore[no-any-return]


def unit_id_by_name() -> dict[str, int]:
    return {name: uid for uid, name in unit_names().items()}


ALL_PLANS = 0


def current_plan(key: str = "plan", *, allow_all: bool = False) -> dict[str, Any] | None:
    """The plan the page shows: a selectbox when there are several (newest first, or all of them together)."""
    plans = read("plans")
    if not plans:
        st.info("还没有任何改革方案。请由改革办在“导入”页面导入方案。")
        return None
    if len(plans) == 1:
        return plans[0]
    labels = {p["id"]: p["title"] for p in plans}
    if allow_all:
        labels = {ALL_PLANS: f"全部方案（{len(plans)} 个）", **labels}
    chosen = st.selectbox("方案", list(labels), format_func=labels.__getitem__, key=key)
    if chosen == ALL_PLANS:
        return {"id": None, "title": labels[ALL_PLANS], "doc_number": None, "start_date": None, "phases": []}
    return next(p for p in plans if p["id"] == chosen)


@st.cache_data(ttl=600, show_spinner=False, max_entries=50)
def _critical_path(url: str, stamp: int, plan_id: int, today: Any) -> tuple[int, ...]:
    from models.services.scheduling import preview

    return tuple(preview(plan_id, today=today).critical_path)


def critical_path(plan_id: int) -> tuple[int, ...]:
    """The driving chain to the plan's end, from the scheduler (computed once per change of data)."""
    from ui.components.actions import today

    try:
        return _critical_path(get_settings().url, dashboard.data_stamp(), plan_id, today())
    except (ServiceError, ValueError):  # a plan the scheduler refuses still gets its overview
        return ()
