"""Links into the web app for messages and documents (``REFORM_PUBLIC_URL``)."""
from __future__ import annotations

from urllib.parse import quote

from models.settings import get_settings


def app_url(page: str = "", **params: str) -> str:
    """``{public_url}/{page}?k=v``: Streamlit serves each page at its file name."""
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return f"{get_settings().public_url}/{page}" + (f"?{query}" if query else "")


def task_url(code: str) -> str:
    """The task's detail on the 任务 page (``tasks.py`` selects ``?task=<code>``)."""
    return app_url("tasks", task=code)


def my_unit_url() -> str:
    """Where a department signs for its notices and alerts (本单位)."""
    return app_url("my_unit")
