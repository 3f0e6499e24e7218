# SQLModel declares columns as their Python value types, which SQLAlchemy Core's typed select() and
# operators do not accept; the queries are checked by the tests instead.
# mypy: disable-error-code="call-overload, arg-type, operator, misc, union-attr, attr-defined"
"""Read models for the web app: aggregates computed in SQL so pages stay fast at 100 000 tasks.

Pure queries (no writes, no Streamlit). Pages cache these results keyed by database, plan, unit and
``data_stamp`` (the audit chain head), so any audited change invalidates every cached view at once.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, exists, extract, func, literal, or_, select, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from models.db import read_session
from models.services.errors import ServiceError
from models.services.tasks import FINISHED
from models.tables import (
    Alert,
    AuditEvent,
    AuditHead,
    Dependency,
    Evidence,
    Handover,
    HandoverStep,
    Notice,
    Plan,
    ProgressReport,
    Task,
    TaskFollow,
    TaskUnit,
    Unit,
    UnitGroupMember,
    User,
)

Row = dict[str, Any]
_Child = aliased(Task)


def _rows(result: Any) -> list[Row]:
    return [dict(r._mapping) for r in result]


def _leaf(plan_id: int | None) -> Any:
    """Tasks of the plan (every plan for None) that are not mere headings grouping other tasks."""
    heading = exists().where(_Child.parent_id == Task.id)
    return ~heading if plan_id is None else and_(Task.plan_id == plan_id, ~heading)


# ---------------------------------------------------------------- plans and freshness
def data_stamp(engine: Engine | None = None) -> int:
    with read_session(engine) as s:
        head = s.get(AuditHead, 1)
        return head.last_id if head else 0


def plans(engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(select(Plan.id, Plan.title, Plan.doc_number, Plan.start_date, Plan.phases)
                               .order_by(Plan.id.desc())))


def unit_names(engine: Engine | None = None) -> dict[int, str]:
    with read_session(engine) as s:
        return {r.id: r.name for r in s.execute(select(Unit.id, Unit.name).order_by(Unit.id))}


def unit_name(unit_id: int, engine: Engine | None = None) -> str:
    """One unit's name (the frame shows the user's own unit on every page: not all 40 000 names)."""
    with read_session(engine) as s:
        return str(s.execute(select(Unit.name).where(Unit.id == unit_id)).scalar() or "")


def _unit_and_groups(s: Any, unit_id: int) -> list[int]:
    groups = s.execute(select(UnitGroupMember.group_id).where(UnitGroupMember.member_id == unit_id)).scalars()
    return [unit_id, *groups]


# ---------------------------------------------------------------- overview
def light_counts(plan_id: int | None, engine: Engine | None = None) -> dict[str, int]:
    with read_session(engine) as s:
        out = {"done": 0, "green": 0, "yellow": 0, "red": 0}
        for light, n in s.execute(select(Task.light, func.count()).where(_leaf(plan_id)).group_by(Task.light)):
            out[light] = int(n)
        out["at_risk"] = int(s.execute(select(func.count()).where(_leaf(plan_id), Task.at_risk)).scalar_one())
        out["pending_review"] = int(s.execute(select(func.count()).where(
            _leaf(plan_id), Task.status == "pending_review")).scalar_one())
        out["total"] = out["done"] + out["green"] + out["yellow"] + out["red"]
        return out


def _phase_of(phase: str | None, deadline: date | None, phases: list[dict[str, Any]]) -> str:
    """The task's phase: its own, else the plan phase its deadline falls in, else its deadline's quarter."""
    if phase is not None:
        return phase
    ends = [(date.fromisoformat(str(p["end"])), str(p["name"])) for p in phases if p.get("end")]
    if ends:
        return next((name for end, name in ends if deadline is not None and deadline <= end), "后续及持续推进")
    return f"{deadline.year}年第{(deadline.month + 2) // 3}季度" if deadline else "未定时限"


def _phase_expr(phases: list[dict[str, Any]]) -> Any:
    """``_phase_of`` in SQL, for filtering the task list by phase."""
    whens = [(Task.deadline <= date.fromisoformat(str(p["end"])), p["name"]) for p in phases if p.get("end")]
    if whens:
        return func.coalesce(Task.phase, case(*whens, else_=literal("后续及持续推进")))
    year = cast(extract("year", Task.deadline), Integer)
    quarter = (cast(extract("month", Task.deadline), Integer) + 2) // 3
    label = func.coalesce(cast(year, String) + literal("年第") + cast(quarter, String) + literal("季度"),
                          literal("未定时限"))
    return func.coalesce(Task.phase, label)


def _phases(s: Any, plan_id: int | None) -> list[dict[str, Any]]:
    plan = s.get(Plan, plan_id) if plan_id is not None else None
    return list(plan.phases or []) if plan else []


def phase_progress(plan_id: int | None, engine: Engine | None = None) -> list[Row]:
    """Per phase: totals, finished, mean percent, ordered by the plan's phase order, then by name.

    SQL groups by (own phase, deadline) — a few hundred groups for 100 000 tasks — and the phase each
    group falls in is worked out here, instead of building a label string for every task in SQL."""
    with read_session(engine) as s:
        phases = _phases(s, plan_id)
        query = (select(Task.phase, Task.deadline, func.count().label("total"),
                        func.sum(case((Task.status.in_(FINISHED), 1), else_=0)).label("finished"),
                        func.sum(Task.percent).label("percent_sum"))
                 .where(_leaf(plan_id)).group_by(Task.phase, Task.deadline))
        merged: dict[str, Row] = {}
        for r in s.execute(query):
            name = _phase_of(r.phase, r.deadline, phases)
            m = merged.setdefault(name, {"phase": name, "total": 0, "finished": 0, "percent_sum": 0,
                                         "first_deadline": None})
            m["total"] += int(r.total)
            m["finished"] += int(r.finished or 0)
            m["percent_sum"] += int(r.percent_sum or 0)
            if r.deadline is not None and (m["first_deadline"] is None or r.deadline < m["first_deadline"]):
                m["first_deadline"] = r.deadline
        rows = [{"phase": m["phase"], "total": m["total"], "finished": m["finished"],
                 "percent": round(m["percent_sum"] / m["total"], 1), "first_deadline": m["first_deadline"]}
                for m in merged.values()]
        order = {p["name"]: i for i, p in enumerate(phases)}
        return sorted(rows, key=lambda r: (order.get(r["phase"], len(order)), str(r["phase"])))


def milestones(plan_id: int | None, *, limit: int = 200, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(
            select(Task.id, Task.code, Task.title, Task.deadline, Task.forecast_finish, Task.status, Task.percent,
                   Task.light, Task.at_risk)
            .where(_leaf(plan_id), Task.is_milestone).order_by(Task.deadline, Task.id).limit(limit)))


def burnup(plan_id: int | None, engine: Engine | None = None) -> dict[str, list[Row]]:
    """Tasks due per day (plan) and tasks finished per day (actual); the page accumulates them."""
    with read_session(engine) as s:
        planned = _rows(s.execute(select(Task.deadline.label("day"), func.count().label("n"))
                                  .where(_leaf(plan_id), Task.deadline.is_not(None))
                                  .group_by(Task.deadline).order_by(Task.deadline)))
        actual = _rows(s.execute(select(Task.actual_finish.label("day"), func.count().label("n"))
                                 .where(_leaf(plan_id), Task.status.in_(FINISHED),
                                        Task.actual_finish.is_not(None))
                                 .group_by(Task.actual_finish).order_by(Task.actual_finish)))
        return {"planned": planned, "actual": actual}


def focus_tasks(plan_id: int | None, *, cap: int = 120, path: tuple[int, ...] = (),
                engine: Engine | None = None) -> tuple[list[Row], int]:
    """Tasks worth drawing: the critical path (``path``, else tasks without float), at risk, red and
    milestones — at most ``cap`` of them, path first — and how many qualify."""
    with read_session(engine) as s:
        plan = s.get(Plan, plan_id) if plan_id is not None else None
        on_path = Task.id.in_(path) if path else Task.critical
        wanted = and_(_leaf(plan_id), or_(on_path, Task.at_risk, Task.is_milestone, Task.light == "red"))
        total = int(s.execute(select(func.count()).where(wanted)).scalar_one())
        rank = case((on_path, 0), (Task.at_risk, 1), (Task.light == "red", 2), else_=3)
        rows = _rows(s.execute(
            select(Task.id, Task.code, Task.title, Task.planned_start, Task.actual_start, Task.deadline,
                   Task.forecast_finish, Task.actual_finish, Task.status, Task.percent, Task.light, Task.at_risk,
                   Task.critical, Task.is_milestone)
            .where(wanted).order_by(rank, Task.forecast_finish, Task.id).limit(cap)))
        start = plan.start_date if plan else None
        for r in rows:
            r["start"] = r["actual_start"] or r["planned_start"] or start
            r["end"] = r["actual_finish"] or r["forecast_finish"] or r["deadline"]
            if path:
                r["critical"] = r["id"] in path
        return rows, total


def dependencies_among(task_ids: list[int], engine: Engine | None = None) -> list[Row]:
    if not task_ids:
        return []
    with read_session(engine) as s:
        return _rows(s.execute(select(Dependency.pred_id, Dependency.succ_id, Dependency.lag_value, Dependency.lag_unit)
                               .where(Dependency.pred_id.in_(task_ids), Dependency.succ_id.in_(task_ids))))


def at_risk_list(plan_id: int | None, *, limit: int = 50, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        rows = _rows(s.execute(
            select(Task.id, Task.code, Task.title, Task.deadline, Task.forecast_finish, Task.percent, Task.light,
                   Task.at_risk, Task.light_reason)
            .where(_leaf(plan_id), or_(Task.at_risk, Task.light == "red"))
            .order_by(Task.deadline, Task.id).limit(limit)))
        _attach_leads(s, rows)
        return rows


def latest_alerts(*, limit: int = 20, engine: Engine | None = None) -> list[Row]:
    return alerts(limit=limit, engine=engine)


def latest_activity(*, plan_id: int | None = None, limit: int = 10, engine: Engine | None = None) -> list[Row]:
    """Latest progress reports and reviews, newest first (who, which task, what)."""
    with read_session(engine) as s:
        query = (select(ProgressReport.id, ProgressReport.created_at, ProgressReport.kind, ProgressReport.percent,
                        ProgressReport.note, Task.id.label("task_id"), Task.code, Task.title,
                        Unit.name.label("unit"), User.display_name.label("user"))
                 .join(Task, Task.id == ProgressReport.task_id)
                 .outerjoin(Unit, Unit.id == ProgressReport.unit_id)
                 .outerjoin(User, User.id == ProgressReport.user_id)
                 .order_by(ProgressReport.id.desc()).limit(limit))
        if plan_id is not None:
            query = query.where(Task.plan_id == plan_id)
        return _rows(s.execute(query))


# ---------------------------------------------------------------- tasks
def _attach_leads(s: Any, rows: list[Row]) -> None:
    units = units_of(s, [r["id"] for r in rows])
    for r in rows:
        u = units.get(r["id"], {})
        r["lead"] = "、".join(u.get("lead", []) + u.get("responsible", []))
        r["supporting"] = "、".join(u.get("supporting", []))


def units_of(s: Any, task_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"lead": [], "responsible": [], "supporting": []})
    for i in range(0, len(task_ids), 900):
        chunk = task_ids[i:i + 900]
        for r in s.execute(select(TaskUnit.task_id, TaskUnit.role, TaskUnit.written_name, Unit.name)
                           .outerjoin(Unit, Unit.id == TaskUnit.unit_id)
                           .where(TaskUnit.task_id.in_(chunk)).order_by(TaskUnit.id)):
            out[r.task_id][r.role].append(r.name or r.written_name)
    return out


def task_table(plan_id: int | None, *, unit_id: int | None = None, lights: tuple[str, ...] = (),
               phase: str | None = None, due_from: date | None = None, due_to: date | None = None, limit: int = 2000,
               follower_id: int | None = None, engine: Engine | None = None) -> tuple[list[Row], int]:
    """Filtered task list (leaf tasks), at most ``limit`` rows, plus the number of matches.

    ``follower_id``: the tasks this user follows (关注) come first, marked ``followed``."""
    with read_session(engine) as s:
        conds = [_leaf(plan_id)]
        if unit_id is not None:
            conds.append(Task.id.in_(select(TaskUnit.task_id).where(
                TaskUnit.unit_id.in_(_unit_and_groups(s, unit_id)))))
        if lights:
            conds.append(Task.light.in_(lights))
        if phase:
            conds.append(_phase_expr(_phases(s, plan_id)) == phase)
        if due_from:
            conds.append(Task.deadline >= due_from)
        if due_to:
            conds.append(Task.deadline <= due_to)
        total = int(s.execute(select(func.count()).where(*conds)).scalar_one())
        followed = Task.id.in_(select(TaskFollow.task_id).where(TaskFollow.user_id == (follower_id or 0)))
        rows = _rows(s.execute(
            select(Task.id, Task.code, Task.title, Task.deadline, Task.deadline_text, Task.forecast_finish,
                   Task.status, Task.percent, Task.light, Task.at_risk, Task.critical, Task.is_milestone, Task.plan_id,
                   followed.label("followed"))
            .where(*conds).order_by(*([followed.desc()] if follower_id else []), Task.id).limit(limit)))
        _attach_leads(s, rows)
        return rows, total


def task_detail(task_id: int, engine: Engine | None = None) -> Row | None:
    with read_session(engine) as s:
        task = s.get(Task, task_id)
        if task is None:
            return None
        out = task.model_dump()
        out["units"] = units_of(s, [task_id]).get(task_id, {"lead": [], "responsible": [], "supporting": []})
        plan = s.get(Plan, task.plan_id)
        out["plan_title"] = plan.title if plan else ""
        return out


def task_choices(plan_id: int | None, *, limit: int = 5000, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(select(Task.id, Task.code, Task.title).where(_leaf(plan_id))
                               .order_by(Task.id).limit(limit)))


def neighbours(task_id: int, engine: Engine | None = None) -> dict[str, list[Row]]:
    """Direct predecessors (up) and successors (down) with the lag."""
    with read_session(engine) as s:
        def side(mine: Any, other: Any) -> list[Row]:
            return _rows(s.execute(
                select(Task.id, Task.code, Task.title, Task.status, Task.forecast_finish, Dependency.lag_value,
                       Dependency.lag_unit).join(Task, Task.id == other).where(mine == task_id).order_by(Task.id)))
        return {"up": side(Dependency.succ_id, Dependency.pred_id),
                "down": side(Dependency.pred_id, Dependency.succ_id)}


def evidence_of(task_id: int, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(select(Evidence.id, Evidence.original_name, Evidence.kind, Evidence.size,
                                      Evidence.created_at).where(Evidence.task_id == task_id).order_by(Evidence.id)))


def task_history(task_id: int, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(
            select(ProgressReport.created_at, ProgressReport.kind, ProgressReport.percent, ProgressReport.note,
                   Unit.name.label("unit"), User.display_name.label("user"))
            .outerjoin(Unit, Unit.id == ProgressReport.unit_id).outerjoin(User, User.id == ProgressReport.user_id)
            .where(ProgressReport.task_id == task_id).order_by(ProgressReport.id)))


def task_audit(task_id: int, engine: Engine | None = None) -> list[Row]:
    return audit_events(object_type="task", object_id=str(task_id), limit=200, engine=engine)


# ---------------------------------------------------------------- my unit
def my_tasks(unit_id: int, engine: Engine | None = None) -> list[Row]:
    """Tasks of a unit (directly or through a group it belongs to) with the unit's role."""
    with read_session(engine) as s:
        rows = _rows(s.execute(
            select(Task.id, Task.code, Task.title, Task.deadline, Task.deadline_text, Task.status, Task.percent,
                   Task.light, Task.version, TaskUnit.role)
            .join(TaskUnit, TaskUnit.task_id == Task.id)
            .where(TaskUnit.unit_id.in_(_unit_and_groups(s, unit_id)))
            .order_by(Task.deadline, Task.id)))
        best: dict[int, Row] = {}
        order = {"lead": 0, "responsible": 1, "supporting": 2}
        for r in rows:
            if r["id"] not in best or order[r["role"]] < order[best[r["id"]]["role"]]:
                best[r["id"]] = r
        return list(best.values())


def _handover_scope(s: Any, unit_id: int | None) -> list[Any]:
    if unit_id is None:
        return []
    mine = _unit_and_groups(s, unit_id)
    return [or_(Handover.from_unit_id.in_(mine), Handover.to_unit_id.in_(mine),
                Handover.id.in_(select(HandoverStep.handover_id).where(HandoverStep.unit_id.in_(mine))))]


def handover_count(*, unit_id: int | None = None, engine: Engine | None = None) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(Handover).where(*_handover_scope(s, unit_id)))
                   .scalar_one())


def handovers(*, unit_id: int | None = None, limit: int | None = None, offset: int = 0,
              engine: Engine | None = None) -> list[Row]:
    """Handovers with party names; scoped to a unit's own ones (as sender, receiver or countersigner).

    One query: names and the task code by join, the confirmation count and the party whose turn it is
    (the first unconfirmed step) aggregated per handover, so a province's 4 800 handovers — or a page
    of them (``limit``/``offset``, ordered by id) — cost one round trip."""
    with read_session(engine) as s:
        confirmed = func.sum(case((HandoverStep.status == "confirmed", 1), else_=0))
        first_open = func.min(case((HandoverStep.status != "confirmed", HandoverStep.seq), else_=None))
        stats = (select(HandoverStep.handover_id, func.count().label("steps"), confirmed.label("confirmed_n"),
                        first_open.label("open_seq"))
                 .group_by(HandoverStep.handover_id).subquery("stats"))
        sender, receiver, waiting_unit = aliased(Unit), aliased(Unit), aliased(Unit)
        waiting = aliased(HandoverStep)
        query = (select(*Handover.__table__.columns, sender.name.label("from_unit"),
                        receiver.name.label("to_unit"), Task.code.label("task_code"), stats.c.steps,
                        stats.c.confirmed_n, waiting.party_role.label("open_role"),
                        waiting_unit.name.label("open_unit"))
                 .outerjoin(sender, sender.id == Handover.from_unit_id)
                 .outerjoin(receiver, receiver.id == Handover.to_unit_id)
                 .outerjoin(Task, Task.id == Handover.task_id)
                 .outerjoin(stats, stats.c.handover_id == Handover.id)
                 .outerjoin(waiting, and_(waiting.handover_id == Handover.id, waiting.seq == stats.c.open_seq))
                 .outerjoin(waiting_unit, waiting_unit.id == waiting.unit_id)
                 .where(*_handover_scope(s, unit_id)).order_by(Handover.id).offset(offset).limit(limit))
        out = []
        for r in _rows(s.execute(query)):
            steps, done = int(r.pop("steps") or 0), int(r.pop("confirmed_n") or 0)
            role, unit = r.pop("open_role"), r.pop("open_unit")
            running = r["status"] == "in_progress" and role is not None
            r.update(from_unit=r["from_unit"] or "", to_unit=r["to_unit"] or "",
                     confirmed=f"{done}/{steps}" if steps else "",
                     waiting_role=role if running else None, waiting_unit=(unit or "") if running else "")
            out.append(r)
        return out


def steps_with_names(handover_id: int, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(
            select(HandoverStep.id, HandoverStep.seq, HandoverStep.party_role, HandoverStep.unit_id,
                   Unit.name.label("unit"), HandoverStep.status, User.display_name.label("confirmed_by"),
                   HandoverStep.confirmed_at, HandoverStep.reject_reason)
            .join(Unit, Unit.id == HandoverStep.unit_id).outerjoin(User, User.id == HandoverStep.confirmed_by)
            .where(HandoverStep.handover_id == handover_id).order_by(HandoverStep.seq)))


def notices_for(*, handover_id: int | None = None, task_id: int | None = None,
                engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        query = select(Notice.id, Notice.doc_number, Notice.title, Notice.kind, Notice.status, Notice.issued_at)
        if handover_id is not None:
            query = query.where(Notice.handover_id == handover_id)
        if task_id is not None:
            query = query.where(Notice.task_id == task_id)
        return _rows(s.execute(query.order_by(Notice.id)))


# ---------------------------------------------------------------- alerts and review
def alerts(*, level: str | None = None, open_only: bool = False, limit: int = 500,
           engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        query = (select(Alert.id, Alert.day, Alert.level, Alert.message, Alert.acknowledged_at, Alert.notice_id,
                        Task.id.label("task_id"), Task.code, Task.title, Task.light)
                 .join(Task, Task.id == Alert.task_id).order_by(Alert.id.desc()).limit(limit))
        if level:
            query = query.where(Alert.level == level)
        if open_only:
            query = query.where(Alert.acknowledged_at.is_(None))
        return _rows(s.execute(query))


def alert_by_id(alert_id: int, engine: Engine | None = None) -> Row | None:
    """One alert with its task, for a stable link (``/alerts?alert=<id>``)."""
    with read_session(engine) as s:
        rows = _rows(s.execute(
            select(Alert.id, Alert.day, Alert.level, Alert.message, Alert.acknowledged_at, Alert.notice_id,
                   Task.id.label("task_id"), Task.code, Task.title, Task.light, Task.plan_id)
            .join(Task, Task.id == Alert.task_id).where(Alert.id == alert_id)))
        return rows[0] if rows else None


def alert_counts(engine: Engine | None = None) -> dict[str, int]:
    with read_session(engine) as s:
        return {lvl: int(n) for lvl, n in s.execute(select(Alert.level, func.count()).group_by(Alert.level))}


def tasks_with_status(plan_id: int, status: str, *, limit: int = 500, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        rows = _rows(s.execute(select(Task.id, Task.code, Task.title, Task.deadline, Task.percent, Task.version,
                                      Task.light, Task.updated_at)
                               .where(Task.plan_id == plan_id, Task.status == status)
                               .order_by(Task.deadline, Task.id).limit(limit)))
        _attach_leads(s, rows)
        return rows


def red_tasks(plan_id: int | None, *, limit: int = 500, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        rows = _rows(s.execute(select(Task.id, Task.code, Task.title, Task.deadline, Task.percent, Task.red_since,
                                      Task.light_reason)
                               .where(_leaf(plan_id), Task.light == "red").order_by(Task.red_since, Task.id)
                               .limit(limit)))
        _attach_leads(s, rows)
        return rows


# ---------------------------------------------------------------- rankings
def ranking(*, as_of: date, plan_id: int | None = None, start: date | None = None,
            engine: Engine | None = None) -> dict[str, Any]:
    """Units ranked as of a day, with the 红黑榜 and the score composition (models.services.rankings, scorecard)."""
    from models.services.rankings import rank_units, red_black
    from models.services.scorecard import legend

    with read_session(engine) as s:
        units = rank_units(s, as_of=as_of, plan_id=plan_id, start=start)
        composition = legend(s, as_of=as_of)
    red, black = red_black(units)
    return {"units": units, "red": red, "black": black, "composition": composition}


# ---------------------------------------------------------------- audit and administration
def audit_events(*, action: str | None = None, actor: str | None = None, outcome: str | None = None,
                 object_type: str | None = None, object_id: str | None = None, since: date | None = None,
                 until: date | None = None, limit: int = 1000, engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        query = select(AuditEvent.id, AuditEvent.ts, AuditEvent.actor_name, AuditEvent.actor_role,
                       AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.outcome,
                       AuditEvent.before, AuditEvent.after, AuditEvent.client_addr)
        if action:
            query = query.where(AuditEvent.action.contains(action))
        if actor:
            query = query.where(AuditEvent.actor_name == actor)
        if outcome:
            query = query.where(AuditEvent.outcome == outcome)
        if object_type:
            query = query.where(AuditEvent.object_type == object_type)
        if object_id:
            query = query.where(AuditEvent.object_id == object_id)
        if since:
            query = query.where(AuditEvent.ts >= since.isoformat())
        if until:
            query = query.where(AuditEvent.ts < date.fromordinal(until.toordinal() + 1).isoformat())
        return _rows(s.execute(query.order_by(AuditEvent.id.desc()).limit(limit)))


def users(engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        return _rows(s.execute(
            select(User.id, User.username, User.display_name, User.role, Unit.name.label("unit"),
                   User.is_active, User.locked_until, User.must_change_password, User.failed_attempts)
            .outerjoin(Unit, Unit.id == User.unit_id).order_by(User.id)))


def task_labels(task_ids: list[int], engine: Engine | None = None) -> dict[int, Row]:
    with read_session(engine) as s:
        out: dict[int, Row] = {}
        for i in range(0, len(task_ids), 900):
            for r in s.execute(select(Task.id, Task.code, Task.title, Task.deadline)
                               .where(Task.id.in_(task_ids[i:i + 900]))):
                out[r.id] = dict(r._mapping)
        return out


def pending_steps(unit_id: int, engine: Engine | None = None) -> list[Row]:
    """Handover steps that are the unit's turn now (the first unconfirmed step of a running handover)."""
    with read_session(engine) as s:
        mine = set(_unit_and_groups(s, unit_id))
        candidates = (select(HandoverStep.handover_id).join(Handover, Handover.id == HandoverStep.handover_id)
                      .where(Handover.status == "in_progress", HandoverStep.unit_id.in_(mine),
                             HandoverStep.status != "confirmed"))
        running = s.execute(select(Handover).where(Handover.id.in_(candidates)).order_by(Handover.id)).scalars().all()
        all_steps: dict[int, list[HandoverStep]] = defaultdict(list)
        for st in s.execute(select(HandoverStep).where(HandoverStep.handover_id.in_([h.id for h in running]))
                            .order_by(HandoverStep.handover_id, HandoverStep.seq)).scalars():
            all_steps[st.handover_id].append(st)
        out = []
        for ho in running:
            steps = all_steps[ho.id or 0]
            step = next((st for st in steps if st.status != "confirmed"), None)
            if step is not None and step.unit_id in mine:
                out.append({"handover_id": ho.id, "title": ho.title, "kind": ho.kind, "version": ho.version,
                            "declared_total": dict(ho.declared_total or {}),
                            "step_id": step.id, "seq": step.seq, "party_role": step.party_role,
                            "step_status": step.status, "reject_reason": step.reject_reason})
        return out


def handover_items(handover_id: int, engine: Engine | None = None) -> list[Row]:
    from models.services.handovers import items_of

    with read_session(engine) as s:
        return items_of(s, handover_id)


def notice_register(*, year: int | None = None, engine: Engine | None = None) -> list[Row]:
    """The 文号 register (newest first) with the issuer's name."""
    from models.services.notices import register

    with read_session(engine) as s:
        names = {r.id: r.display_name for r in s.execute(select(User.id, User.display_name))}
        return [{"id": n.id, "doc_number": n.doc_number, "title": n.title, "kind": n.kind, "status": n.status,
                 "void_reason": n.void_reason, "issued_at": n.issued_at,
                 "issued_by": names.get(n.issued_by) or (n.context or {}).get("issuer") or "系统",
                 "recipients": "、".join(map(str, n.recipients or []))} for n in register(s, year=year)]


def changes_against_published(draft: dict[str, Any], engine: Engine | None = None) -> dict[str, Any] | None:
    """When a plan with the draft's title is already published: what the new file would change."""
    from models.services.plans import plan_diff

    title = (draft.get("plan") or {}).get("title")
    if not title:
        return None
    with read_session(engine) as s:
        plan = s.execute(select(Plan).where(Plan.title == title).order_by(Plan.id.desc())).scalars().first()
        if plan is None:
            return None
        try:
            diff = plan_diff(s, plan.id or 0, draft)
        except ServiceError as exc:  # a bad date in the draft: the review table shows it
            return {"plan_id": plan.id, "error": exc.message}
        return {"plan_id": plan.id, "title": plan.title, **diff}


def handover_returns(ids: list[int] | None = None, engine: Engine | None = None) -> dict[int, Row]:
    """Handovers sent back to the sender and not yet resubmitted: who returned them (party, unit, person,
    time) and why. A returned handover waits for its sender again, with the returning step marked rejected."""
    sender = aliased(HandoverStep)
    with read_session(engine) as s:
        rejected = _rows(s.execute(
            select(HandoverStep.handover_id, HandoverStep.party_role, HandoverStep.reject_reason,
                   Unit.name.label("unit"))
            .join(Unit, Unit.id == HandoverStep.unit_id).join(Handover, Handover.id == HandoverStep.handover_id)
            .where(HandoverStep.status == "rejected", Handover.status == "in_progress",
                   true() if ids is None else Handover.id.in_(ids))  # type: ignore[attr-defined]
            .where(~exists().where(sender.handover_id == Handover.id, sender.party_role == "sender",
                                   sender.status == "confirmed"))))
        if not rejected:
            return {}
        by_id = {r["handover_id"]: r for r in rejected}
        events = s.execute(select(AuditEvent.object_id, func.coalesce(User.display_name, AuditEvent.actor_name)
                                  .label("actor_name"), AuditEvent.ts)
                           .outerjoin(User, User.id == AuditEvent.actor_id)
                           .where(AuditEvent.action == "handover.reject", AuditEvent.outcome == "success",
                                  AuditEvent.object_id.in_([str(i) for i in by_id]))
                           .order_by(AuditEvent.id))
        for e in events:
            row = by_id.get(int(e.object_id))
            if row is not None:
                row.update(by=e.actor_name, at=e.ts)
        return by_id
