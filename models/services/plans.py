"""Publishing a reviewed plan: tasks, units (mapped through the alias table) and dependencies.

The draft has the shape printed by ``reform plan import --dry-run --json``. Publishing the same file
twice is a no-op (fingerprint); a changed file is compared task by task (``plan_diff``).

Every unit name as written must be settled before publishing, or the plan has tasks nobody can report
on: it resolves through the alias table, or the draft's ``unit_decisions`` maps it to a unit (the
spelling is saved as an alias), creates it, or marks it unassigned on purpose; a task with
``"unassigned": true`` is accepted as it is.  A task the reviewer marked ``"status": "done"`` (a
deadline already past when the plan came out) is published done with its ``completion_note``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import read_session, retry_transient
from models.services import reporting
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.units import alias_map, ensure_unit, resolve
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Dependency, Plan, ProgressReport, Task, TaskUnit, Unit, UnitAlias
from models.workcalendar import Lag, WorkCalendar

ROLE_KEYS = {"lead": "lead_units", "responsible": "responsible_units", "supporting": "supporting_units"}
LAG_UNITS = {"days", "workdays", "months"}
DECISIONS = {"map", "create", "unassigned"}


@dataclass(frozen=True)
class UnitProposal:
    """An unresolved name as written, the unit it most likely means, and how sure that guess is."""

    name: str
    unit: str | None
    confidence: float
    tasks: tuple[str, ...]


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
    from models.scheduling import DepInput, PlanGraph, ScheduleError, TaskInput
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


def _written(tasks: list[dict[str, Any]], *, skip_unassigned: bool = False) -> dict[str, list[str]]:
    """Every unit name as written -> the codes of the tasks naming it."""
    names: dict[str, list[str]] = {}
    for t in tasks:
        if skip_unassigned and t.get("unassigned"):
            continue
        for key in ROLE_KEYS.values():
            for name in t.get(key) or []:
                names.setdefault(name, []).append(str(t.get("code")))
    return names


def unit_proposals(session: Session, draft: dict[str, Any]) -> list[UnitProposal]:
    """The draft's unit names the alias table cannot resolve, each with its best match and confidence."""
    from models.importing.units import propose_unit

    written = _written(draft.get("tasks") or [], skip_unassigned=True)
    aliases = alias_map(session)
    unresolved = [name for name, unit in resolve(session, written).items() if unit is None]
    proposals = []
    for name in sorted(unresolved):
        unit, confidence = propose_unit(name, aliases)
        proposals.append(UnitProposal(name, unit, confidence, tuple(dict.fromkeys(written[name]))))
    return proposals


def review_units(draft: dict[str, Any], *, engine: Engine | None = None) -> list[UnitProposal]:
    """``unit_proposals`` for a page: the names the office must settle before publishing."""
    with read_session(engine) as session:
        return unit_proposals(session, draft)


def office_calendar(*, engine: Engine | None = None) -> WorkCalendar:
    """The working-day calendar with the office's entered 放假安排: the importer counts days with it."""
    from models.services.scheduling import load_calendar

    with read_session(engine) as session:
        return load_calendar(session)


def _settle_units(session: Session, draft: dict[str, Any]) -> list[str]:
    """Apply ``unit_decisions`` and refuse the draft while any name is still unsettled; returns notes."""
    decisions: dict[str, dict[str, Any]] = draft.get("unit_decisions") or {}
    written = _written(draft["tasks"], skip_unassigned=True)
    resolved = resolve(session, written)
    pending = []
    notes = []
    for name in sorted(n for n, unit in resolved.items() if unit is None):
        decision = decisions.get(name) or {}
        action = decision.get("action")
        if action not in DECISIONS:
            pending.append(f"{name}（任务 {'、'.join(dict.fromkeys(written[name]))}）")
        elif action == "map":
            target = session.exec(select(Unit).where(Unit.name == decision.get("unit"))).first()
            if target is None:
                raise Invalid(f"单位名称“{name}”要对应的单位“{decision.get('unit')}”不存在，请重新选择")
            session.add(UnitAlias(alias=name, unit_id=target.id or 0))
            notes.append(f"“{name}”已对应到“{target.name}”并保存为简称")
        elif action == "create":
            ensure_unit(session, name, kind=str(decision.get("kind") or "department"))
            notes.append(f"已新建单位“{name}”")
        else:
            notes.append(f"“{name}”暂不指定单位（相关任务需手工分派后才能填报）")
    if pending:
        raise Invalid(f"还有 {len(pending)} 个单位名称未对应到系统中的单位：{'；'.join(pending)}。"
                      "请为每个名称选择对应单位、新建单位，或标记为“暂不指定”后再发布。")
    session.flush()
    return notes


def _counted_from_plan(t: dict[str, Any], deadline: date | None, plan: Plan, calendar: WorkCalendar) -> bool:
    """A deadline in working days from the plan's date that the reviewer left as computed: rule "plan"."""
    lag = t.get("plan_lag")
    if not lag or not str(lag).endswith("workdays") or deadline is None or plan.issued_on is None:
        return False
    return calendar.add_lag(plan.issued_on, Lag.parse(str(lag))) == deadline


def redate_counted_from_plan(session: Session, calendar: WorkCalendar) -> int:
    """Re-date every task whose deadline is N working days from its plan's date (rule "plan") after the
    office calendar changed (a year's 放假安排 entered): the same lag function as the importer's."""
    from models.importing.relations import plan_anchored_lag

    moved = 0
    query = select(Task, Plan).join(Plan, col(Plan.id) == col(Task.plan_id)).where(Task.deadline_rule == "plan")
    rows = [(task, plan.issued_on) for task, plan in session.exec(query).all()]
    for task, issued_on in rows:
        lag = plan_anchored_lag(task.deadline_text)
        if issued_on is None or lag is None:
            continue
        deadline = calendar.add_lag(issued_on, Lag.parse(lag))
        if deadline != task.deadline:
            task.deadline, task.version = deadline, task.version + 1
            session.add(task)
            moved += 1
    return moved


def _create_tasks(session: Session, plan: Plan, tasks: list[dict[str, Any]]) -> list[str]:
    from models.services.scheduling import load_calendar

    warnings: list[str] = []
    written = {n for t in tasks for key in ROLE_KEYS.values() for n in t.get(key) or []}
    units = resolve(session, written)
    calendar = load_calendar(session)
    ids: dict[str, int] = {}
    for t in tasks:
        deadline = _date(t.get("deadline"))
        deps = t.get("depends_on") or []
        rule = "ongoing" if t.get("ongoing") else "relative" if deps and t.get("relative", deadline is None) \
            else "plan" if _counted_from_plan(t, deadline, plan, calendar) else "absolute" if deadline else "none"
        task = Task(plan_id=plan.id or 0, code=str(t["code"]), title=str(t["title"])[:300], text=t.get("text") or "",
                    parent_id=ids.get(t.get("parent") or ""), deadline=deadline,
                    deadline_text=(t.get("deadline_text") or None), deadline_rule=rule,
                    is_milestone=bool(t.get("milestone") or t.get("is_milestone")), phase=t.get("phase"),
                    planned_start=_date(t.get("planned_start")),
                    status=t.get("status") or "not_started", percent=int(t.get("percent") or 0),
                    actual_finish=_date(t.get("actual_finish")))
        if task.status == "done":
            task.percent = 100
            task.actual_finish = task.actual_finish or deadline or plan.issued_on
        session.add(task)
        session.flush()
        ids[task.code] = task.id or 0
        if task.status == "done":
            note = str(t.get("completion_note") or "").strip()
            session.add(ProgressReport(task_id=task.id or 0, kind="close", percent=100,
                                       note=f"导入时标记为已完成{'：' + note if note else ''}"))
        for role, key in ROLE_KEYS.items():
            for name in dict.fromkeys(t.get(key) or []):
                unit = units.get(name)
                if unit is None:
                    warnings.append(f"任务 {task.code}：单位“{name}”暂不指定，请手工分派")
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
        unit_notes = _settle_units(tx.session, draft)
        meta = draft["plan"]
        plan = Plan(title=str(meta["title"])[:200], doc_number=meta.get("doc_number"), issuer=meta.get("issuer"),
                    issued_on=_date(meta.get("date")), start_date=_date(meta.get("start_date") or meta.get("date")),
                    source_filename=source_filename, fingerprint=fingerprint, phases=list(meta.get("phases") or []))
        tx.session.add(plan)
        tx.session.flush()
        warnings = unit_notes + _create_tasks(tx.session, plan, draft["tasks"])
        tx.session.flush()
        duties = reporting.store_from_draft(tx.session, plan, draft, today or get_settings().today())  # 报送要求 and 指标 the review kept
        tx.object_id = plan.id
        tx.reschedule(plan.id, today=today)
        tx.audit(after={"title": plan.title, "tasks": len(draft["tasks"]), "fingerprint": fingerprint,
                        "warnings": len(warnings), "report_duties": duties, "unit_decisions": draft.get("unit_decisions") or {},
                        "done_at_import": [t["code"] for t in draft["tasks"] if t.get("status") == "done"]})
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
