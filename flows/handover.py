"""Handover processes (人员划转 / 资产移交 / 档案移交 / 编制划转) as short, re-runnable flow runs.

Waiting for people is database state: each start, confirmation or rejection in the web app is followed
by ``advance-handover``, which reads the rows and does what is due — never a paused flow (Prefect
pauses time out after an hour and restart from the beginning on resume). The use case is
``models.services.handover_automation.advance``; these flows run its steps as Prefect tasks.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from flows.common import flow_ref, prefect_runner
from models.services import handover_automation as auto


@flow(name="advance-handover", log_prints=True)
def advance_handover(handover_id: int | str, today: str | None = None) -> dict[str, Any]:
    """Issue the list / confirmation documents and notify whoever must act next."""
    stats = auto.advance(handover_id, today=today, runner=prefect_runner, ref=flow_ref())
    return stats


@flow(name="start-handover", log_prints=True)
def start_handover(handover_id: int | str, expected_version: int | str, today: str | None = None) -> dict[str, Any]:
    """Start (freeze the parties) as the system actor, then advance; for the CLI and scripted runs."""
    return auto.start(handover_id, expected_version, today, runner=prefect_runner, ref=flow_ref())
