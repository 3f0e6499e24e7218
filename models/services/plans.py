"""Publishing a reviewed plan: tasks, units (mapped through the alias table) and dependencies.

The draft has the shape printed by ``reform plan import --dry-run --json``. Publishing the same file
twice is a no-op (fingerprint); a changed file is compared task by task (``plan_diff``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.units import resolve
from models.services.uow import transaction
from models.tables import Dependency, Plan, Task, TaskUnit

ROLE_KEYS = {"lead": "lead_units", "responsible": "responsible_units", "supporting": "supporting_units"}
LAG_UNITS = {"days", "workdays", "months"}


@dataclass
class PublishResult:
    plan: Plan
    created: bool
    tasks: int = 0
    warnings: list[str] = field(default_factory=list)


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(f"日期格式错误：{value}（应为 YYYY-MM-DD）") from None


def parse_lag(text: str) -> tuple[int, str]:
    parts = str(text).split()
    if len(parts) != 2 or not parts[0].lstrip("-").isdigit() or parts[1] not in LAG_UNITS:
        raise Invalid(f"间隔格式错误：{text}（如 “3 months”、“30 workdays”、“5 days”）")
    return int(parts[0]), parts[1]


def validate_draft(draft: dict[str, Any]) -> None:
    """Refuse drafts the scheduler could not use, naming the task (duplicate codes, unknown refs, cycles)."""
    tasks = draft.get("tasks") or []
    if not draft.get("plan", {}).get("title"):
        raise Invalid("方案标题不能为空")
    if not tasks:
        raise Invalid("方案中没有任务")
    codes = [t.get("code") for t in tasks]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise Invalid(f"任务编号重复：{'、'.join(map(str, dupes))}")
    known = set(codes)
    for t in tasks:
        if not t.get("title"):
            raise Invalid(f"任务 {t.get('code')} 缺少标题")
        if t.get("parent") and t["parent"] not in known:
            raise Invalid(f"任务 {t['code']} 的上级任务 {t['parent']} 不存在")
        for dep in t.get("depends_on") or []:
            if dep.get("code") not in known:
                raise Invalid(f"任务 {t['code']} 依赖的任务 {dep.get('code')} 不存在")
            parse_lag(dep.get("lag") or "0 days")
        _date(t.get("deadline"))
    from models.schedule import DepInput, PlanGraph, ScheduleError, TaskInput
    from models.workcalendar import Lag

    index = {c: i for i, c in enumerate(codes)}
    try:
        PlanGraph.build(
            [TaskInput(id=i, code=str(c), deadline=None) for c, i in index.items()],
            [DepInput(pred=index[d["code"]], succ=index[t["code"]], lag=Lag.parse(d.get("lag") or "0 days"))
             for t in tasks for d in t.get("depends_on") or []],
        )
    except ScheduleError as exc:
        raise Invalid(str(exc)) from None


def _create_tasks(session: Session, plan: Plan, tasks: list[dict[str, Any]]) -> list[str]:
    warnings: list[str] = []
    written = {n for t in tasks for key in ROLE_KEYS.values() for n in t.get(key) or []}
    units = resolve(session, written)
    ids: dict[str, int] = {}
    for t in tasks:
        deadline = _date(t.get("deadline"))
        deps = t.get("depends_on") or []
        rule = "ongoing" if t.get("ongoing") else "relative" if deps and t.get("relative", deadline is None) \
            else "absolute" if deadline else "none"
        task = Task(plan_id=plan.id or 0, code=str(t["code"]), title=str(t["title"])[:300], text=t.get("text") or "",
                    parent_id=ids.get(t.get("parent") or ""), deadline=deadline,
                    deadline_text=(t.get("deadline_text") or None), deadline_rule=rule,
                    is_milestone=bool(t.get("milestone") or t.get("is_milestone")), phase=t.get("phase"),
                    planned_start=_date(t.get("planned_start")),
                    status=t.get("status") or "not_started", percent=int(t.get("percent") or 0),
                    actual_finish=_date(t.get("actual_finish")))
        session.add(task)
        session.flush()
        ids[task.code] = task.id or 0
        for role, key in ROLE_KEYS.items():
            for name in dict.fromkeys(t.get(key) or []):
                unit = units.get(name)
                if unit is None:
                    warnings.append(f"任务 {task.code}：未识别的单位“{name}”，请在系统设置中补充简称对照")
                session.add(TaskUnit(task_id=task.id or 0, unit_id=unit.id if unit else None, role=role,
                                     written_name=name))
    for t in tasks:
        relative = bool(t.get("relative", not t.get("deadline")))
        for dep in t.get("depends_on") or []:
            value, lag_unit = parse_lag(dep.get("lag") or "0 days")
            session.add(Dependency(plan_id=plan.id or 0, pred_id=ids[dep["code"]], succ_id=ids[t["code"]],
                                   lag_value=value, lag_unit=lag_unit, relative_deadline=relative))
    return warnings


@retry_transient
def publish_plan(actor: Actor, draft: dict[str, Any], *, source_filename: str | None = None,
                 fingerprint: str | None = None, today: date | None = None,
                 engine: Engine | None = None) -> PublishResult:
    """Store a reviewed draft as a plan and compute its schedule (forecasts, lights) before the commit."""
    with transaction(actor, "plan.publish", "plan", engine=engine) as tx:
        require(actor, "plan.import")
        if fingerprint:
            existing = tx.session.exec(select(Plan).where(Plan.fingerprint == fingerprint)).first()
            if existing is not None:
                tx.object_id = existing.id
                tx.audit(after={"noop": True, "fingerprint": fingerprint})
                return PublishResult(existing, created=False)
        validate_draft(draft)
        meta = draft["plan"]
        plan = Plan(title=str(meta["title"])[:200], doc_number=meta.get("doc_number"), issuer=meta.get("issuer"),
                    issued_on=_date(meta.get("date")), start_date=_date(meta.get("start_date") or meta.get("date")),
                    source_filename=source_filename, fingerprint=fingerprint, phases=list(meta.get("phases") or []))
        tx.session.add(plan)
        tx.session.flush()
        warnings = _create_tasks(tx.session, plan, draft["tasks"])
        tx.object_id = plan.id
        tx.reschedule(plan.id, today=today)
        tx.audit(after={"title": plan.title, "tasks": len(draft["tasks"]), "fingerprint": fingerprint,
                        "warnings": len(warnings)})
        return PublishResult(plan, created=True, tasks=len(draft["tasks"]), warnings=warnings)


def plan_diff(session: Session, plan_id: int, draft: dict[str, Any]) -> dict[str, list[str]]:
    """What a changed file would change: tasks added, removed, and fields changed, by code."""
    current = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == plan_id)).all()}
    incoming = {str(t["code"]): t for t in draft.get("tasks") or []}
    changed = []
    for code in sorted(set(current) & set(incoming)):
        old, new = current[code], incoming[code]
        fields = [name for name, a, b in (("标题", old.title, str(new.get("title"))[:300]),
                                           ("截止日期", old.deadline, _date(new.get("deadline"))),
                                           ("时限表述", old.deadline_text, new.get("deadline_text") or None)) if a != b]
        if fields:
            changed.append(f"{code}：{'、'.join(fields)}")
    return {"added": sorted(set(incoming) - set(current)), "removed": sorted(set(current) - set(incoming)),
            "changed": changed}
