"""Plan import as a flow, so the web app can start it and poll its state by flow-run id.

Publishing is idempotent by the file's fingerprint (``plans.publish_plan``), so a retried run never
creates the plan twice. A ``.json`` file holds a reviewed draft (the shape ``reform plan import
--dry-run --json`` prints); other files go through the importer's ``models.importing.parse_file``.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from prefect import flow, task

from models.services import plans
from models.services.actor import Actor
from models.services.errors import Invalid


@task(name="parse-plan")
def parse(path: str) -> dict[str, Any]:
    file = Path(path)
    if file.suffix.lower() == ".json":
        return dict(json.loads(file.read_text("utf-8")))
    try:
        from models.importing import parse_file  # type: ignore[attr-defined]
    except ImportError:
        raise Invalid("导入器尚未提供 parse_file，请先用 reform plan import --dry-run --json 生成草稿") from None
    return dict(parse_file(file))


@task(name="publish-plan", retries=2, retry_delay_seconds=[2, 10])
def publish(draft: dict[str, Any], source_filename: str | None, fingerprint: str | None) -> dict[str, Any]:
    result = plans.publish_plan(Actor.system("import"), draft, source_filename=source_filename,
                                fingerprint=fingerprint)
    return {"plan_id": result.plan.id, "created": result.created, "tasks": result.tasks, "warnings": result.warnings}


@flow(name="plan-import", log_prints=True)
def plan_import(path: str | None = None, draft: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parse (when given a file) and publish a plan; returns the plan id and warnings."""
    if draft is None:
        if not path:
            raise Invalid("请提供方案文件路径或草稿")
        draft = parse(path)
    fingerprint = hashlib.sha256(json.dumps(draft, ensure_ascii=False, sort_keys=True, default=str)
                                 .encode("utf-8")).hexdigest()
    return publish(draft, Path(path).name if path else None, fingerprint)
