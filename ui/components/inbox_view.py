"""我的待办 reads for the page and the navigation badge (cached per user and data change)."""
from __future__ import annotations

import streamlit as st

from models.services import inbox
from models.services.actor import Actor
from models.services.reads.common import data_stamp
from models.settings import get_settings
from ui.components.actions import today


@st.cache_data(ttl=300, show_spinner=False, max_entries=500)
def _pending(url: str, stamp: int, actor: Actor, day: object) -> inbox.Inbox:
    return inbox.for_actor(actor, today=today())


def pending(actor: Actor) -> inbox.Inbox:
    """Keyed by the actor (its unit and role), so one user's items never show for another."""
    plain = Actor(actor.user_id, actor.username, actor.role, actor.unit_id)
    return _pending(get_settings().url, data_stamp(), plain, today())


def badge(actor: Actor) -> int:
    return pending(actor).total
