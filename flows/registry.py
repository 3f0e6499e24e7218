"""The one list of flows: serve.py, client.py, the CLI and prefect.yaml agree on names through it.

Values are loaders so importing the registry does not import every flow module.
"""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

ENTRYPOINTS: dict[str, str] = {
    "deadline-scan": "flows.deadline_scan:deadline_scan",
    "advance-handover": "flows.handover:advance_handover",
    "start-handover": "flows.handover:start_handover",
    "bulletin": "flows.reports:bulletin",
    "plan-import": "flows.plan_import:plan_import",
    "issue-notices": "flows.notices:issue_notices",
    "audit-retention": "flows.retention:audit_retention",
}


def load(name: str) -> Any:
    module, attr = ENTRYPOINTS[name].split(":")
    return getattr(import_module(module), attr)


FLOWS: dict[str, Callable[[], Any]] = {name: (lambda n=name: load(n)) for name in ENTRYPOINTS}  # type: ignore[misc]


def deployment_name(flow_name: str) -> str:
    """Deployments are named after their flow (``deadline-scan/deadline-scan``)."""
    return f"{flow_name}/{flow_name}"
