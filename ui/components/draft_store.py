"""The import draft under review survives a reload, a new tab or a new login: it is kept per user on the
server (``models/services/preferences.py``) whenever it changes, and dropped at 发布 or 放弃."""
from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st

from models.services import preferences
from models.services.actor import Actor
from ui.components.actions import call

DRAFT, SOURCE, SAVED = "import_draft", "import_source", "import_draft_saved"


def _digest(draft: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(draft, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def restore(actor: Actor) -> dict[str, Any] | None:
    """This tab's draft, or the one kept on the server (after a reload)."""
    if DRAFT not in st.session_state:
        kept = call(preferences.get, actor, "import_draft")
        if kept:
            st.session_state[DRAFT] = kept["draft"]
            st.session_state[SOURCE] = tuple(kept.get("source") or ()) or None
            st.session_state[SAVED] = _digest(kept["draft"])
    return st.session_state.get(DRAFT)


def keep(actor: Actor, draft: dict[str, Any]) -> None:
    """Store the draft as it now stands (only when it changed since the last store)."""
    digest = _digest(draft)
    if st.session_state.get(SAVED) != digest:
        source = st.session_state.get(SOURCE)
        call(preferences.put, actor, "import_draft", {"draft": draft, "source": list(source) if source else None})
        st.session_state[SAVED] = digest


def drop(actor: Actor) -> None:
    for key in (DRAFT, SOURCE, SAVED):
        st.session_state.pop(key, None)
    call(preferences.forget, actor, "import_draft")
