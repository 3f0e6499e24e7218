"""Handover processes (人员划转 / 资产移交 / 档案移交 / 编制划转) as short, re-runnable flow runs.

Waiting for people is database state: each confirmation in the web app triggers
``advance_handover(handover_id)``, which reads the rows and does what is due — never a paused flow
(Prefect pauses time out after an hour and restart from the beginning on resume).
"""
from __future__ import annotations

from typing import Any

from prefect import flow, task

from flows.common import runner_name
from models.services import handover_automation as auto
from models.services import handovers
from models.services.actor import Actor

issue_list = task(auto.issue_list, name="issue-item-list", retries=3, retry_delay_seconds=[2, 10, 30])
issue_confirmation = task(auto.issue_confirmation, name="issue-confirmation", retries=3,
                          retry_delay_seconds=[2, 10, 30])
notify_parties = task(auto.notify, name="notify-parties", retries=2, retry_delay_seconds=[5, 30])


@flow(name="advance-handover", log_prints=True)
def advance_handover(handover_id: int) -> dict[str, Any]:
    """Issue the list / confirmation documents and notify whoever must act next."""
    list_id = issue_list(handover_id)
    confirmation_id = issue_confirmation(handover_id)
    stats = notify_parties(handover_id)
    return {"handover_id": handover_id, "list_notice_id": list_id, "confirmation_notice_id": confirmation_id,
            "notify": stats.as_dict(), "runner": runner_name()}


@flow(name="start-handover", log_prints=True)
def start_handover(handover_id: int, expected_version: int) -> dict[str, Any]:
    """Start (freeze the parties) as the system actor, then advance; for the CLI and scripted runs."""
    handovers.start(Actor.system("handover"), handover_id=handover_id, expected_version=expected_version)
    return advance_handover(handover_id)
