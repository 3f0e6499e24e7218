"""Formatting of dates, times and user text for display."""
from __future__ import annotations

from datetime import UTC, date, datetime

from models.settings import get_settings


def when(ts: datetime | str | None) -> str:
    """A stored UTC timestamp in local time, to the minute."""
    if ts is None or ts == "":
        return ""
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")


def day(d: date | None) -> str:
    return d.isoformat() if d else ""


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$")


def md(text: object) -> str:
    """User text shown literally inside st.markdown (no links, images, HTML or emphasis from the data)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text or "")).replace("\n", "  \n")
