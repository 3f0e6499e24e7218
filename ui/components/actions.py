"""Calling a service from a page: service errors become ``st.error(message)``, never a stack trace."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import streamlit as st

from models.services.errors import ServiceError
from models.settings import get_settings
from ui.components.fmt import md

T = TypeVar("T")
FLASH = "flash_message"
log = logging.getLogger("reform.ui")


class _Failed:
    """Marks a failed call (a service may legitimately return None)."""


FAILED = _Failed()


def attempt(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | _Failed:
    try:
        return fn(*args, **kwargs)
    except ServiceError as exc:
        st.error(md(exc.message))
    except Exception as exc:  # noqa: BLE001 - importer/documents raise their own message-bearing errors
        message = getattr(exc, "message", None)
        log.exception("unexpected error in %s", getattr(fn, "__name__", fn))
        st.error(md(message) if isinstance(message, str) else "操作失败，请稍后重试或联系系统管理员。")
    return FAILED


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """The service's result, or None after showing the error."""
    result = attempt(fn, *args, **kwargs)
    return None if isinstance(result, _Failed) else result


def succeeded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    return not isinstance(attempt(fn, *args, **kwargs), _Failed)


def flash(message: str) -> None:
    """A success message that survives the rerun that follows a change."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(md(message))


def today() -> date:
    return get_settings().today()


def act(message: str, fn: Callable[..., Any], *args: Any, clear: tuple[str, ...] = (),
        then: Callable[[], Any] | None = None, **kwargs: Any) -> None:
    """Run a change through its service; on success run ``then`` (the automation that follows the change,
    e.g. the handover flow), show ``message`` after the rerun that follows and empty the input widgets
    named in ``clear``. A failing follow-up is shown but does not undo the change."""
    if succeeded(fn, *args, **kwargs):
        if then is not None and not succeeded(then):
            return
        flash(message)
        for key in clear:
            st.session_state.pop(key, None)
        st.rerun()
