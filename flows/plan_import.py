"""Plan import as a flow, so the web app can start it and poll its state by flow-run id.

The use case is ``models.services.plan_imports.run_import``; this flow runs its steps as Prefect tasks.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from flows.common import flow_ref, prefect_runner
from models.services import plan_imports


@flow(name="plan-import", log_prints=True)
def plan_import(path: str | None = None, draft: dict[str, Any] | None = None, fingerprint: str | None = None,
                source_filename: str | None = None, update: bool = False, today: str | None = None,
                requested_by: str | None = None) -> dict[str, Any]:
    """Parse (when given a file) or take a reviewed draft, publish it and compute its schedule."""
    return plan_imports.run_import(path, draft, fingerprint, source_filename, update, today, requested_by,
                                   runner=prefect_runner, ref=flow_ref())
