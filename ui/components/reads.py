"""Cached reads for pages: keyed by database, the audit head (any audited change refreshes) and the
arguments (plan, unit, filters) — Streamlit caches are shared by all users, so scoped data must carry
its scope in the arguments."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.db import gc_paused
from models.services import dashboard, lookup, preferences
from models.services.actor import Actor
from models.services.errors import ServiceError
from models.services.permissions import UNIT_SCOPED_ROLES
from models.settings import get_settings


@st.cache_data(ttl=600, show_spinner=False, max_entries=500)
def _cached(name: str, url: str, stamp: int, args: tuple[tuple[str, Any], ...]) -> Any:
    return getattr(dashboard, name)(**dict(args))


def read(name: str, **kwargs: Any) -> Any:
    with gc_paused():  # a hit unpickles the whole read (e.g. ~40,000 ranked units): no collector rescans meanwhile
        return _cached(name, get_settings().url, dashboard.data_stamp(), tuple(sorted(kwargs.items())))


@st.cache_data(ttl=600, show_spinner=False, max_entries=200)
def _ranking_view(url: str, stamp: int, args: tuple[tuple[str, Any], ...]) -> Any:
    from models.services.rankings import ranking_view

    return ranking_view(**dict(args))


def ranking_view(**kwargs: Any) -> dict[str, Any]:
    """One page of the 考核排名 with its lists and totals (``rankings.ranking_view``), cached like ``read``."""
    return _ranking_view(get_settings().url, dashboard.data_stamp(), tuple(sorted(kwargs.items())))  # type: ignore[no-any-return]


def unit_names() -> dict[int, str]:
    return read("unit_names")  # type: ignore[no-any-return]


def unit_name(unit_id: int | None) -> str:
    return read("unit_name", unit_id=unit_id) if unit_id else ""  # type: ignore[no-any-return]


def unit_id_by_name() -> dict[str, int]:
    return {name: uid for uid, name in unit_names().items()}


ALL_PLANS = 0
ACTOR = "current_actor"  # set by ui/app.py at every run


@st.cache_data(ttl=600, show_spinner=False, max_entries=500)
def _plans_with_work(url: str, stamp: int, actor: Actor) -> list[int]:
    return lookup.plans_with_work(actor)


def _remember(key: str) -> None:
    actor = st.session_state.get(ACTOR)
    if actor is not None and actor.user_id is not None:
        preferences.put(actor, "plan", {"plan_id": st.session_state.get(key)})


def current_plan(key: str = "plan", *, allow_all: bool = False, prefer: int | None = None) -> dict[str, Any] | None:
    """The plan the page shows. With several plans a selectbox, whose first choice is, in order: the plan
    of the opened link (``prefer``), the user's last choice (remembered across sessions), for departments
    all their plans together (where ``allow_all``) or else their newest plan with work, the newest plan.
    "All plans" is never the default where a chart would mix them (``allow_all`` off)."""
    plans = read("plans")
    if not plans:
        st.info("还没有任何改革方案。请由改革办在“导入”页面导入方案。")
        return None
    if len(plans) == 1:
        return plans[0]
    actor: Actor | None = st.session_state.get(ACTOR)
    labels = {p["id"]: p["title"] for p in plans}
    if allow_all:
        labels = {ALL_PLANS: f"全部方案（{len(plans)} 个）", **labels}
    work = _plans_with_work(get_settings().url, dashboard.data_stamp(), _plain(actor)) if actor else []  # type: ignore[arg-type]
    remembered = (preferences.get(actor, "plan") or {}).get("plan_id") if actor and actor.user_id else None
    scoped = actor is not None and actor.role in UNIT_SCOPED_ROLES
    choice = next((c for c in (prefer, remembered, ALL_PLANS if scoped and allow_all else None,
                               next((w for w in work if w in labels), None)) if c in labels), next(iter(plans))["id"])
    if st.session_state.get(key) not in labels:
        st.session_state[key] = choice
    if prefer in labels and st.session_state.get(key) not in (prefer, ALL_PLANS) \
            and st.session_state.get(f"{key}_linked") != prefer:
        st.session_state[key] = prefer  # a link opens its plan once; the user may switch afterwards
        st.session_state[f"{key}_linked"] = prefer
    chosen = st.selectbox("方案", list(labels), format_func=labels.__getitem__, key=key, on_change=_remember,
                          args=(key,))
    if chosen == ALL_PLANS:
        return {"id": None, "title": labels[ALL_PLANS], "doc_number": None, "start_date": None, "phases": []}
    return next(p for p in plans if p["id"] == chosen)


def _plain(actor: Actor | None) -> Actor | None:
    """The cache key: who (role and unit) only, not the session."""
    return Actor(actor.user_id, actor.username, actor.role, actor.unit_id) if actor else None


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
