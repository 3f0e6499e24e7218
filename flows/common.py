"""Small helpers shared by the flow modules (parameters arrive as JSON, so dates come as strings)."""
from __future__ import annotations

import os
import socket
from datetime import date, datetime

from prefect import get_run_logger

from models.db import read_session
from models.settings import get_settings


def today_of(value: str | date | None) -> date:
    """``None`` means today in the configured time zone (Asia/Shanghai), not the worker's UTC clock."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if value else datetime.now(get_settings().tz).date()


def warn_if_stale() -> str | None:
    """Surface the 26-hour liveness alert in every scan's log (Prefect may drop late runs silently)."""
    from models.services.scan import liveness

    with read_session() as session:
        message = liveness(session, datetime.now(get_settings().tz))
    if message:
        get_run_logger().warning(message)
    return message


def runner_name() -> str:
    """Which machine/worker ran this flow (REFORM_RUNNER_NAME on each worker host, else the host name)."""
    return os.environ.get("REFORM_RUNNER_NAME") or socket.gethostname()
