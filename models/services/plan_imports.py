"""The plan import use case: parse (a file) or take a reviewed draft, compare with an earlier version,
publish (which also computes the schedule, in the same transaction) — one implementation behind
``reform plan import``, the 导入 page and the ``plan-import`` flow.

Publishing is idempotent by fingerprint: a retried run, or the same file imported twice, never
creates the plan twice. A ``.json`` file holds a reviewed draft (the shape ``reform plan import
--dry-run --json`` prints); other files go through the importer, and their fingerprint is the file's own.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.services import plans
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.steps import Runner, direct, parse_day, recorded, step
from models.tables import Plan

IMPORT_ACTOR = Actor.system("import")


def fingerprint_of(draft: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(draft, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@step("parse-plan", "解析方案文件")
def parse(path: str, *, engine: Engine | None = None) -> tuple[dict[str, Any], str]:
    """(draft, fingerprint) from a reviewed .json draft or a .docx/.txt/.xlsx plan."""
    from models.services.uploads import parse_plan_upload

    file = Path(path)
    if not file.is_file():
        raise Invalid(f"文件不存在：{file.name}")
    if file.suffix.lower() == ".json":
        try:
            draft = dict(json.loads(file.read_text("utf-8")))
        except (ValueError, UnicodeDecodeError):
            raise Invalid("草稿文件不是有效的 JSON") from None
        return draft, fingerprint_of(draft)
    parsed = parse_plan_upload(IMPORT_ACTOR, file.read_bytes(), file.name, engine=engine)  # limited worker process
    return parsed.to_dict(), parsed.fingerprint


@step("compare-plan", "与已导入方案比对")
def compare(draft: dict[str, Any], fingerprint: str, *, engine: Engine | None = None) -> dict[str, Any]:
    """Whether this exact file is already in, and how it differs from an earlier plan of the same title."""
    with read_session(engine) as session:
        same = session.exec(select(Plan).where(Plan.fingerprint == fingerprint)).first()
        earlier = session.exec(select(Plan).where(Plan.title == (draft.get("plan") or {}).get("title"))).first()
        if same is not None:
            return {"same_plan_id": same.id, "same_title": same.title}
        if earlier is not None:
            return {"earlier_plan_id": earlier.id, "earlier_title": earlier.title,
                    "diff": plans.plan_diff(session, earlier.id or 0, draft)}
    return {}


@step("publish-plan", "发布方案并计算进度", retries=2, retry_delays=(2, 10))
def publish(actor: Actor, draft: dict[str, Any], source_filename: str | None, fingerprint: str, day: date, *,
            engine: Engine | None = None) -> dict[str, Any]:
    result = plans.publish_plan(actor, draft, source_filename=source_filename, fingerprint=fingerprint,
                                today=day, engine=engine)
    return {"plan_id": result.plan.id, "title": result.plan.title, "created": result.created,
            "tasks": result.tasks, "warnings": result.warnings}


def run_import(path: str | None = None, draft: dict[str, Any] | None = None, fingerprint: str | None = None,
               source_filename: str | None = None, update: bool = False, today: str | date | None = None,
               requested_by: str | None = None, *, actor: Actor | None = None, runner: Runner = direct,
               ref: str | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """Returns ``{"status": "created" | "unchanged" | "changed", …}``; ``changed`` (an earlier version of
    the plan exists and ``update`` is off) stores nothing and carries the diff."""
    params = {"path": path, "draft": "…" if draft else None, "source_filename": source_filename, "update": update,
              "today": today.isoformat() if isinstance(today, date) else today, "requested_by": requested_by}
    who = actor or Actor.system(f"import:{requested_by}" if requested_by else "import")
    with recorded("import", params, runner=runner, ref=ref, engine=engine) as run:
        day = parse_day(today)
        if draft is None:
            if not path:
                raise Invalid("请提供方案文件路径或已审核的草稿")
            draft, fingerprint = run(parse, path, engine=engine)
        fingerprint = fingerprint or fingerprint_of(draft)
        name = source_filename or (Path(path).name if path else None)
        found = run(compare, draft, fingerprint, engine=engine)
        parse_warnings = list(draft.get("warnings") or [])
        if "same_plan_id" in found:
            run.stats.update(status="unchanged", plan_id=found["same_plan_id"], title=found["same_title"])
        elif "earlier_plan_id" in found and not update:
            run.stats.update(status="changed", plan_id=found["earlier_plan_id"], title=found["earlier_title"],
                             diff=found["diff"])
        else:
            result = run(publish, who, draft, name, fingerprint, day, engine=engine)
            run.stats.update(result, status="created" if result["created"] else "unchanged",
                             warnings=result["warnings"] + parse_warnings)
        return run.stats
