"""Batch issuing of 督办通知单 as a flow, with a progress artifact the web app can poll.

The use case is ``models.services.notice_batches.run_batch`` (one Prefect task per batch, not per
notice); this flow reports its progress as a Prefect progress artifact.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect import flow
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from flows.common import flow_ref, prefect_runner
from models.services import notice_batches


@flow(name="issue-notices", log_prints=True)
def issue_notices(task_ids: list[int] | list[str], today: str | None = None, kind: str = "supervision",
                  requested_by: str | None = None) -> dict[str, Any]:
    """Issue one notice per task; returns the notice ids in task order."""
    artifact = create_progress_artifact(0.0, key="notice-batch", description="督办通知单印发进度")
    assert isinstance(artifact, UUID)  # called from a sync flow: the sync variant ran

    def progress(pct: float) -> None:
        update_progress_artifact(artifact, pct)

    return notice_batches.run_batch(task_ids, today, kind, requested_by, runner=prefect_runner, ref=flow_ref(),
                                    progress=progress)
