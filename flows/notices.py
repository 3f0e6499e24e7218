"""Batch issuing of 督办通知单 for a list of tasks, with progress the web app can poll.

One Prefect task per batch (not per notice); progress goes to a Prefect progress artifact. The
idempotency key ``supervision:task:{id}:{day}`` makes a retried or re-run batch return the notices
already issued instead of taking new 文号.
"""
from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from flows.common import today_of
from models.services import notices
from models.services.actor import Actor
from models.services.scan import supervision_key


@task(name="issue-notices", retries=2, retry_delay_seconds=[2, 10])
def issue_all(task_ids: list[int], day: str, kind: str, requested_by: str | None = None) -> list[int]:
    today = today_of(day)
    actor = Actor.system(f"notices:{requested_by}" if requested_by else "notices")  # the audit names the requester
    progress = create_progress_artifact(0.0, key="notice-batch", description="督办通知单印发进度")
    ids: list[int] = []
    for i, task_id in enumerate(task_ids, start=1):
        key = supervision_key(task_id, today) if kind == "supervision" else f"{kind}:task:{task_id}:{today}"
        notice = notices.issue(actor, kind, notices.Subject(task_id=task_id), idempotency_key=key, today=today)
        ids.append(notice.id or 0)
        update_progress_artifact(progress, 100.0 * i / max(1, len(task_ids)))
    return ids


@flow(name="issue-notices", log_prints=True)
def issue_notices(task_ids: list[int], today: str | None = None, kind: str = "supervision",
                  requested_by: str | None = None) -> dict[str, Any]:
    """Issue one notice per task; returns the notice ids in task order."""
    day = today_of(today).isoformat()
    ids = issue_all(task_ids, day, kind, requested_by)
    return {"notice_ids": ids, "count": len(ids)}
