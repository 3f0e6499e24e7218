"""Entry points for untrusted files: plan imports and evidence checks run in the limited worker.

The web page, the CLI and the import flow call these instead of the parsers, so a hostile file costs
at most the worker's limits (``REFORM_PARSE_*``) and ends as one audited refusal with a Chinese message.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from models import sandbox
from models.services import plans
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.services.permissions import has
from models.services.uow import audit_refusal
from models.settings import Settings, get_settings
from models.workcalendar import WorkCalendar

PLAN_KINDS = ("txt", "docx", "xlsx")


@dataclass(frozen=True)
class ParsedUpload:
    """The importer's result as plain data (what the draft review and ``publish_plan`` take)."""

    draft: dict[str, Any]
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return self.draft


def _mb(value: int) -> int:
    return value * 1024 * 1024


def parse_plan_upload(actor: Actor, data: bytes, filename: str, *, engine: Engine | None = None,
                      settings: Settings | None = None, calendar: WorkCalendar | None = None) -> ParsedUpload:
    """Parse a plan file in the worker; a refusal is audited (``plan.parse``) and raised as Invalid.

    Working days counted from the plan's date use the office calendar (``calendar``, by default the
    one in the database), handed to the worker as plain data."""
    settings = settings or get_settings()
    name = filename[:200]
    if not has(actor, "plan.import"):
        raise audit_refusal(actor, "plan.parse", "plan", name[:60], PermissionDenied("无权导入方案"), engine=engine)
    try:
        office = calendar or plans.office_calendar(engine=engine)
        plain_calendar = {"overrides": {d.isoformat(): w for d, w in office.overrides.items()},
                    "years": sorted(office.official_years)}
        result = sandbox.run("plan", [(name, data)], {"max_bytes": _mb(settings.max_upload_mb),
                                                      "max_xml_part": _mb(settings.max_xml_part_mb),
                                                      "calendar": plain_calendar},
                             limits=sandbox.Limits.from_settings(settings))
    except sandbox.SandboxRefused as exc:
        raise audit_refusal(actor, "plan.parse", "plan", name[:60], Invalid(exc.message), engine=engine) from None
    return ParsedUpload(result["draft"], result["fingerprint"])


def check_files(uploads: Sequence[tuple[str, bytes]], *, allowed: set[str],
                settings: Settings | None = None) -> list[tuple[str | None, str | None]]:
    """(detected kind, None) or (None, Chinese reason) for every file, checked in the worker.

    Called before the write transaction opens (the check may take seconds); the caller raises a
    refusal inside its transaction so it is audited like any other refusal.
    """
    settings = settings or get_settings()
    if not uploads:
        return []
    try:
        results = sandbox.run("check", list(uploads), {"allowed": sorted(allowed),
                                                       "max_bytes": _mb(settings.max_upload_mb),
                                                       "max_xml_part": _mb(settings.max_xml_part_mb)},
                              limits=sandbox.Limits.from_settings(settings))
    except sandbox.SandboxRefused as exc:
        return [(None, exc.message)] * len(uploads)
    return [(r.get("kind"), r.get("refused")) for r in results]
