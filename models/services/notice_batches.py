"""Batch issuing of 督办通知单 (or 催办函) for a list of tasks — one use case for the web app's 批量印发
and the ``issue-notices`` flow. The idempotency key ``{kind}:task:{id}:{day}`` makes a retried or re-run
batch return the notices already issued instead of taking new 文号."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from models.services import notices
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.steps import Runner, direct, parse_day, recorded, step

KINDS = {"supervision": "督办通知单", "urging": "催办函"}
Progress = Callable[[float], None]


def batch_key(kind: str, task_id: int, day: date) -> str:
    """The same key the daily scan uses for its 督办通知单, so a batch never doubles the scan's notice."""
    return f"{kind}:task:{task_id}:{day.isoformat()}"


@step("issue-notices", "逐项印发", retries=2, retry_delays=(2, 10))
def issue_all(task_ids: list[int], day: date, kind: str, requested_by: str | None = None, *,
              progress: Progress | None = None, engine: Engine | None = None) -> dict[str, list[Any]]:
    actor = Actor.system(f"notices:{requested_by}" if requested_by else "notices")  # the audit names the requester
    ids: list[int] = []
    numbers: list[str] = []
    for i, task_id in enumerate(task_ids, start=1):
        key = batch_key(kind, task_id, day)
        notice = notices.by_key(key, engine) or notices.issue(actor, kind, notices.Subject(task_id=task_id),
                                                              idempotency_key=key, today=day, engine=engine)
        ids.append(notice.id or 0)
        numbers.append(notice.doc_number)
        if progress is not None:
            progress(100.0 * i / len(task_ids))
    return {"notice_ids": ids, "doc_numbers": numbers}


def run_batch(task_ids: list[int] | list[str], today: str | date | None = None, kind: str = "supervision",
              requested_by: str | None = None, *, progress: Progress | None = None, runner: Runner = direct,
              ref: str | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """Issue one notice per task; returns the notice ids in task order."""
    params = {"task_ids": list(task_ids), "kind": kind, "requested_by": requested_by,
              "today": today.isoformat() if isinstance(today, date) else today}
    with recorded("notices", params, runner=runner, ref=ref, engine=engine) as run:
        if kind not in KINDS:
            raise Invalid(f"未知的公文种类：{str(kind)[:20]}")
        try:
            ids = [int(t) for t in task_ids]
        except (TypeError, ValueError):
            raise Invalid("任务编号不正确") from None
        if not ids:
            raise Invalid("请至少选择一项任务")
        day = parse_day(today)
        issued = run(issue_all, ids, day, kind, requested_by, progress=progress, engine=engine)
        run.stats.update(issued, count=len(issued["notice_ids"]))
        return run.stats
