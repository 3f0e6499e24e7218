"""Stable links into the web app, for pages, messages and documents (``REFORM_PUBLIC_URL``).

Each object has one address; the web app opens it after login (the login form returns to it):
``/tasks?plan=<plan id>&task=<编号>`` (a task code is unique within its plan; ``task`` alone also works
when the code is unambiguous), ``/handovers?handover=<id>``, ``/notices?notice=<id or 文号>``,
``/alerts?alert=<id>`` for the office and ``/my_unit?alert=<id>`` / ``/my_unit?notice=<id>`` for the unit
that signs for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from models.settings import get_settings


@dataclass(frozen=True)
class Link:
    page: str  # the page's file name (its URL path)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """Relative to the app's root: ``/tasks?plan=1&task=…``."""
        query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in self.params.items())
        return f"/{self.page}" + (f"?{query}" if query else "")

    @property
    def url(self) -> str:
        return get_settings().public_url + self.path


def app_url(page: str = "", **params: str) -> str:
    """``{public_url}/{page}?k=v``: Streamlit serves each page at its file name."""
    return Link(page, {k: str(v) for k, v in params.items()}).url


def task_link(code: str, plan_id: int | None = None) -> Link:
    return Link("tasks", {**({"plan": str(plan_id)} if plan_id else {}), "task": code})


def task_url(code: str, plan_id: int | None = None) -> str:
    """The task's detail on the 任务 page."""
    return task_link(code, plan_id).url


def handover_link(handover_id: int) -> Link:
    return Link("handovers", {"handover": str(handover_id)})


def notice_link(notice_id: int, *, for_unit: bool = False) -> Link:
    return Link("my_unit" if for_unit else "notices", {"notice": str(notice_id)})


def alert_link(alert_id: int, *, for_unit: bool = False) -> Link:
    return Link("my_unit" if for_unit else "alerts", {"alert": str(alert_id)})


def my_unit_url(**params: str) -> str:
    """Where a department signs for its notices and alerts (本单位)."""
    return app_url("my_unit", **params)


def inbox_url() -> str:
    return app_url("inbox")


def printable(url: str) -> str | None:
    """The link for a printed document, or None while the app answers only on this machine (a notice must
    not carry ``http://localhost…``): set ``REFORM_PUBLIC_URL`` to the address users reach."""
    from urllib.parse import unquote, urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.endswith(".localhost"):
        return None
    return unquote(url)  # printed as read: 任务编号 in Chinese, not %E5%9B%9B (browsers accept both)
