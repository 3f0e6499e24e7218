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
    """The message of the change just made: at the top of the page and as a toast, which stays in view
    wherever the user has scrolled to."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(md(message))
        st.toast(md(message), icon=":material/check_circle:")


def form_key(form: str, field: str) -> str:
    """The key of a field of ``form`` that changes after each accepted submit (``renew_form``): the fields
    come back empty, so a second click cannot file the same note and files again, while a refused submit
    keeps what was typed. E.g. ``report_note_0``, then ``report_note_1``."""
    return f"{form}_{field}_{st.session_state.get(f'_form_{form}', 0)}"


def renew_form(name: str) -> None:
    st.session_state[f"_form_{name}"] = st.session_state.get(f"_form_{name}", 0) + 1


ASK = "_ask_"


def ask(name: str, payload: Any = True) -> None:
    """Open the confirmation ``name`` (an ``st.dialog``) for ``payload``; it stays open across reruns until
    ``answered`` (confirm, cancel or the dialog's close button: ``on_dismiss=dismiss(name)``)."""
    st.session_state[ASK + name] = payload


def asked(name: str) -> Any:
    return st.session_state.get(ASK + name)


def answered(name: str) -> None:
    st.session_state.pop(ASK + name, None)


def dismiss(name: str) -> Callable[[], None]:
    return lambda: answered(name)


def today() -> date:
    return get_settings().today()


def act(message: str, fn: Callable[..., Any], *args: Any, clear: tuple[str, ...] = (),
        then: Callable[[], Any] | None = None, renew: str | None = None, **kwargs: Any) -> None:
    """Run a change through its service; on success run ``then`` (the automation that follows the change,
    e.g. the handover flow), show ``message`` after the rerun that follows, empty the input widgets
    named in ``clear`` and renew the form ``renew`` (see ``form_key``). A failing follow-up is shown but
    does not undo the change."""
    if succeeded(fn, *args, **kwargs):
        if then is not None and not succeeded(then):
            return
        flash(message)
        for key in clear:
            st.session_state.pop(key, None)
        if renew:
            renew_form(renew)
        st.rerun()
