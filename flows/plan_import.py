"""Plan import as a flow, so the web app can start it and poll its state by flow-run id.

Publishing is idempotent by the file's fingerprint (``plans.publish_plan``), so a retried run never
creates the plan twice. A ``.json`` file holds a reviewed draft (the shape ``reform plan import
--dry-run --json`` prints); other files go through the importer (``models.importing.parse_plan``), and
their fingerprint is the file's own, so re-importing the same file is a no-op.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from prefect import flow, task

from models.services import plans, scheduling
from models.services.actor import Actor
from models.services.errors import Invalid


def _fingerprint(draft: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(draft, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@task(name="parse-plan")
def parse(path: str) -> tuple[dict[str, Any], str]:
    """(draft, fingerprint) from a reviewed .json draft or a .docx/.txt/.xlsx plan."""
    from models.services.uploads import parse_plan_upload

    file = Path(path)
    if file.suffix.lower() == ".json":
        draft = dict(json.loads(file.read_text("utf-8")))
        return draft, _fingerprint(draft)
    parsed = parse_plan_upload(Actor.system("import"), file.read_bytes(), file.name)  # limited worker process
    return parsed.to_dict(), parsed.fingerprint


@task(name="publish-plan", retries=2, retry_delay_seconds=[2, 10])
def publish(draft: dict[str, Any], source_filename: str | None, fingerprint: str | None) -> dict[str, Any]:
    result = plans.publish_plan(Actor.system("import"), draft, source_filename=source_filename,
                                fingerprint=fingerprint)
    return {"plan_id": result.plan.id, "created": result.created, "tasks": result.tasks, "warnings": result.warnings}


@task(name="schedule-plan")
def schedule(plan_id: int) -> dict[str, Any]:
    return scheduling.recompute(Actor.system("import"), plan_id=plan_id).counts


@flow(name="plan-import", log_prints=True)
def plan_import(path: str | None = None, draft: dict[str, Any] | None = None, fingerprint: str | None = None,
                source_filename: str | None = None) -> dict[str, Any]:
    """Parse (when given a file) or take a reviewed draft, publish it and compute its schedule."""
    if draft is None:
        if not path:
            raise Invalid("请提供方案文件路径或草稿")
        draft, fingerprint = parse(path)
    result = publish(draft, source_filename or (Path(path).name if path else None), fingerprint or _fingerprint(draft))
    if result["created"]:
        result["lights"] = schedule(result["plan_id"])
    return result
