"""Unit rankings and the data of the 工作进展通报 (weekly / monthly / quarterly bulletin).

A bulletin reports the standing at the end of its period (``截至$end``), cumulatively: every task due
by then counts, so a unit cannot improve its rank by having nothing due this week. Parent (group)
tasks are excluded from every count, as their children carry the work. Group units (各镇人民政府)
stand for each of their members.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import (
    Date,
    Float,
    Select,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.db import gc_paused, read_session
from models.services import signoff
from models.services.permissions import group_members
from models.tables import Plan, ScoreSnapshot, Task, TaskUnit, Unit, UnitGroupMember, UnitScore
from models.vocabulary import FINISHED

FULL_WEIGHT = 1.0
"""Lead (牵头) and responsible (负责) units answer for the whole task."""
SUPPORTING_WEIGHT = 0.5
"""Supporting units (配合/参与) share the result partly: GUIDE §4 "supporting units partially", so a
late task costs its lead twice what it costs a unit that only assisted."""
LATE_CREDIT = 0.5
"""A task finished late earns half the credit of an on-time one: finishing late beats not finishing."""
LIST_SIZE = 5
"""红黑榜: top five and bottom five."""
QUARTERS = "一二三四"
T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    start: date
    end: date

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def period_for(kind: str, today: date) -> Period:
    """The last complete week (Mon–Sun), month or quarter before ``today``: a report covers a closed period."""
    if kind == "week":
        end = today - timedelta(days=today.isoweekday())
        start = end - timedelta(days=6)
        year, week, _ = start.isocalendar()
        return Period(kind, f"{year}年第{week}周", start, end)
    if kind == "month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(kind, f"{end.year}年{end.month}月", end.replace(day=1), end)
    if kind == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        end = today.replace(month=first_month, day=1) - timedelta(days=1)
        q = (end.month - 1) // 3
        return Period(kind, f"{end.year}年第{QUARTERS[q]}季度", date(end.year, 3 * q + 1, 1), end)
    raise ValueError(f"unknown period {kind!r} (week|month|quarter)")


def _task_rows(session: Session, plan_id: int | None) -> list[Any]:
    parent_ids = select(col(Task.parent_id)).where(col(Task.parent_id).is_not(None))
    query = select(col(Task.id), col(Task.code), col(Task.title), col(Task.status), col(Task.deadline),
                   col(Task.actual_finish), col(Task.light), col(Task.at_risk)).where(col(Task.id).not_in(parent_ids))
    if plan_id is not None:
        query = query.where(col(Task.plan_id) == plan_id)
    return list(session.execute(query.order_by(col(Task.id))).all())


def _units_of(session: Session, task_ids: set[int]) -> dict[int, dict[int, float]]:
    """task → {unit: weight}; groups expanded; a unit named in several roles counts at its highest weight."""
    members = group_members(session)
    out: dict[int, dict[int, float]] = defaultdict(dict)
    rows = session.execute(select(col(TaskUnit.task_id), col(TaskUnit.unit_id), col(TaskUnit.role))
                           .where(col(TaskUnit.unit_id).is_not(None))).all()
    for r in rows:
        if r.task_id not in task_ids:
            continue
        weight = SUPPORTING_WEIGHT if r.role == "supporting" else FULL_WEIGHT
        for unit_id in members.get(r.unit_id) or {r.unit_id}:
            out[r.task_id][unit_id] = max(weight, out[r.task_id].get(unit_id, 0.0))
    return out


def _finished_by(row: Any, as_of: date) -> bool:
    return row.status in FINISHED and (row.actual_finish is None or row.actual_finish <= as_of)


# ---------------------------------------------------------------- the ranking, aggregated in SQL
# One GROUP BY over the leaf tasks and their units: a ranking over 100 000 tasks never loads them into
# Python. The rules, per task and unit (``_units_of`` and ``_finished_by`` state the same in Python for
# the bulletin's lists; tests/integration/test_rankings.py pins the figures):
# - finished by ``as_of``: status pending_review/done and finished on or before ``as_of``;
# - on time: finished, and not after the deadline;
# - overdue (lead/responsible only): finished after the deadline, or unfinished past it;
# - due: finished, or the deadline is on or before ``as_of``; only due tasks enter the score.
def _leaf_tasks(plan_id: int | None) -> Any:
    """Tasks counted in rankings: not headings (parents of other tasks), of the plan when one is given."""
    child = aliased(Task)
    cond = ~exists().where(col(child.parent_id) == col(Task.id))  # per task through the parent_id index: one plan stays cheap
    return cond if plan_id is None else and_(col(Task.plan_id) == plan_id, cond)


def _weights(plan_id: int | None) -> Any:
    """(task_id, unit_id, w): the rule of ``_units_of`` in SQL (groups expanded to their members, a unit
    named in several roles counted at its highest weight)."""
    unit = func.coalesce(col(UnitGroupMember.member_id), col(TaskUnit.unit_id))
    weight = case((col(TaskUnit.role) == "supporting", literal(SUPPORTING_WEIGHT)), else_=literal(FULL_WEIGHT))
    query: Select[Any] = (select(col(TaskUnit.task_id).label("task_id"), unit.label("unit_id"),
                    func.max(cast(weight, Float)).label("w"))
             .outerjoin(UnitGroupMember, col(UnitGroupMember.group_id) == col(TaskUnit.unit_id))
             .where(col(TaskUnit.unit_id).is_not(None))
             .group_by(col(TaskUnit.task_id), unit))
    if plan_id is not None:
        query = query.join(Task, col(Task.id) == col(TaskUnit.task_id)).where(col(Task.plan_id) == plan_id)
    return query.subquery("weights")


SCORE_SUMS = ("task_count", "lead_total", "lead_done", "overdue", "due_w", "on_time_w", "late_done_w")


def _score_query(as_of: date, plan_id: int | None, *, by_plan: bool = False, days: Any = None) -> Any:
    """Per unit (and per plan with ``by_plan``), one aggregate query: the sums a score is made of.

    ``days``: a one-column (``as_of``) subquery of several days, all computed in the same pass."""
    w = _weights(plan_id)
    if days is not None:
        as_of = days.c.as_of
    finished = and_(col(Task.status).in_(FINISHED),
                    or_(col(Task.actual_finish).is_(None), col(Task.actual_finish) <= as_of))
    on_time = and_(finished, or_(col(Task.deadline).is_(None), col(Task.actual_finish).is_(None),
                                 col(Task.actual_finish) <= col(Task.deadline)))
    overdue = case((col(Task.deadline).is_(None), False),
                   (finished, and_(col(Task.actual_finish).is_not(None), col(Task.actual_finish) > col(Task.deadline))),
                   else_=col(Task.deadline) < as_of)
    due = or_(finished, and_(col(Task.deadline).is_not(None), col(Task.deadline) <= as_of))
    full = w.c.w == FULL_WEIGHT

    def total(cond: Any, value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((cond, value), else_=0)), 0)

    sums = [func.count().label("task_count"), total(full).label("lead_total"),
            total(and_(full, finished)).label("lead_done"), total(and_(full, overdue)).label("overdue"),
            total(due, w.c.w).label("due_w"), total(and_(due, on_time), w.c.w).label("on_time_w"),
            total(and_(due, finished, ~on_time), w.c.w).label("late_done_w")]
    keys = ([days.c.as_of] if days is not None else []) + ([Task.plan_id, w.c.unit_id] if by_plan else [w.c.unit_id])
    query = select(*keys, *sums).select_from(w).join(Task, col(Task.id) == w.c.task_id)
    if days is not None:
        query = query.join(days, true())
    return query.where(_leaf_tasks(plan_id)).group_by(*keys)


# ---------------------------------------------------------------- materialised sums (GUIDE rule 7)
# The sums per plan, unit and day are stored for the days the 考核排名 page offers (today and the last
# week, month and quarter end) whenever a plan is recomputed: ``scheduling._recompute`` calls
# ``materialise`` in the transaction of every write that changes a task (tx.reschedule) and of the daily
# scan, so a committed write never leaves stale sums behind. Anything else that changes the inputs
# (group membership) calls ``forget``; a day or plan without a snapshot is computed live.
def ranking_days(today: date) -> list[date]:
    return sorted({today, *(period_for(kind, today).end for kind in ("week", "month", "quarter"))})


def forget(session: Session, plan_id: int | None = None) -> None:
    """Drop the materialised sums (of one plan, or all): reads compute live until the next recompute."""
    for table in (UnitScore, ScoreSnapshot):
        query = delete(table)
        session.execute(query if plan_id is None else query.where(table.plan_id == plan_id))  # type: ignore[arg-type]


def materialise(session: Session, plan_id: int | None, today: date) -> None:
    """Replace the plan's (``None``: every plan's) sums with those as of ``ranking_days(today)``."""
    forget(session, plan_id)
    days = union_all(*(select(literal(day, Date).label("as_of")) for day in ranking_days(today))).subquery("days")
    columns = ["as_of", "plan_id", "unit_id", *SCORE_SUMS]  # every day in one statement: one pass, one compile
    scores = _score_query(today, plan_id, by_plan=True, days=days).subquery()
    session.execute(insert(UnitScore).from_select(columns, select(*(scores.c[c] for c in columns))))
    plans = select(days.c.as_of, col(Plan.id)).join(days, true())
    session.execute(insert(ScoreSnapshot).from_select(
        ["as_of", "plan_id"], plans if plan_id is None else plans.where(col(Plan.id) == plan_id)))


def _materialised(session: Session, as_of: date, plan_id: int | None) -> bool:
    snapshots = select(func.count()).select_from(ScoreSnapshot).where(col(ScoreSnapshot.as_of) == as_of)
    if plan_id is not None:
        return bool(session.execute(snapshots.where(col(ScoreSnapshot.plan_id) == plan_id)).scalar_one())
    plans = session.execute(select(func.count()).select_from(Plan)).scalar_one()
    return bool(plans) and session.execute(snapshots).scalar_one() == plans


def unit_scores(session: Session, *, as_of: date, plan_id: int | None = None) -> list[Any]:
    """(unit_id, *SCORE_SUMS, name) per unit, in this order: from the materialised sums when complete for the
    day, else live."""
    if _materialised(session, as_of, plan_id):
        sums = [func.sum(getattr(UnitScore, c)).label(c) for c in SCORE_SUMS]
        query = select(col(UnitScore.unit_id), *sums).where(col(UnitScore.as_of) == as_of).group_by(col(UnitScore.unit_id))
        if plan_id is not None:
            query = query.where(col(UnitScore.plan_id) == plan_id)
    else:
        query = _score_query(as_of, plan_id)
    scores = query.subquery()
    query = select(scores, col(Unit.name)).outerjoin(Unit, col(Unit.id) == scores.c.unit_id)
    return list(session.connection().execute(query).all())  # Core rows: ~40,000 of them, no ORM wrapping


@dataclass(slots=True)
class Standing:
    """One unit's place in a ranking: its sums and the score, before any row for a page is built."""

    unit_id: int
    unit: str
    sums: Any  # the ``unit_scores`` row
    on_time_rate: float | None
    on_time_score: float | None
    overdue: int
    missed: int
    score: float | None = None
    rank: int | None = None


def standings(session: Session, *, as_of: date, plan_id: int | None = None,
              start: date | None = None) -> tuple[list[Standing], Any, dict[int, dict[str, Any]]]:
    """Every unit ordered best first (score, on-time rate, fewer overdue and missed, name; units with
    nothing due unranked), with the scorecard and the 签收 figures to build rows from."""
    from models.services.scorecard import Window, scorecard

    with gc_paused():  # ~40,000 units: the cyclic collector would rescan them over and over
        signed = signoff.unit_rates(session, as_of=as_of)  # 签收率: a figure of the composed score
        missed = missed_reports(session, as_of=as_of, plan_id=plan_id)  # counted like overdue tasks
        out, on_time = [], {}
        missed_of = missed.get
        rates: dict[float, float] = {}  # quotient → rounded: the quotients repeat, round() is ~0.5 µs a call
        scores: dict[float, float] = {}
        # unpacked by position (``unit_scores``: unit_id, SCORE_SUMS, name): a Row's attribute lookup costs
        # several times the unpacking, ~0.1 s over 40,000 units
        for s in unit_scores(session, as_of=as_of, plan_id=plan_id):
            unit_id, _, _, _, overdue, due_w, on_time_w, late_done_w, name = s
            rate = score = None
            if due_w:
                due_w, on_time_w = float(due_w), float(on_time_w)
                quotient = on_time_w / due_w
                rate = rates.get(quotient)
                if rate is None:
                    rate = rates[quotient] = round(quotient, 4)
                quotient = 100 * (on_time_w + LATE_CREDIT * float(late_done_w)) / due_w
                score = scores.get(quotient)
                if score is None:
                    score = scores[quotient] = round(quotient, 1)
                on_time[unit_id] = score
            out.append(Standing(unit_id, name or f"#{unit_id}", s, rate, score, int(overdue), missed_of(unit_id, 0)))
        card = scorecard(session, Window(as_of, start, on_time,
                                         {u: round(100 * r["rate"], 1) for u, r in signed.items()
                                          if r.get("rate") is not None},
                                         {u: float(n) for u, n in missed.items() if n}))
        for st, score in zip(out, card.scores([st.unit_id for st in out]), strict=True):
            st.score = score
        out.sort(key=lambda u: (u.score is None, -(u.score or 0), -(u.on_time_rate or 0),
                                u.overdue + u.missed, u.unit))
        for rank, st in enumerate(out, 1):
            if st.score is None:
                break  # the unranked come last
            st.rank = rank
    return out, card, signed


def unit_row(st: Standing, card: Any, signed: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The ranking row of one unit, with its score's components (issue 18: models/services/scorecard.py)."""
    s, sign = st.sums, signed.get(st.unit_id, {})
    components, figures = card.components(st.unit_id)
    return {"unit": st.unit, "unit_id": st.unit_id, "task_count": int(s.task_count), "lead_total": int(s.lead_total),
            "lead_done": int(s.lead_done), "on_time_rate": st.on_time_rate, "overdue": st.overdue,
            "score": st.score, "rank": st.rank, "signoff_rate": sign.get("rate"),
            "signoff_signed": sign.get("signed"), "signoff_addressed": sign.get("addressed"),
            "missed_reports": st.missed, "on_time_score": st.on_time_score, "components": components,
            "figures": figures}


def rank_units(session: Session, *, as_of: date, plan_id: int | None = None,
               start: date | None = None) -> list[dict[str, Any]]:
    """Units ordered best first: score, on-time rate, fewer overdue, name. Units with nothing due are unranked.

    ``start``: the period's first day, for figures counted per period (approved 延期)."""
    ordered, card, signed = standings(session, as_of=as_of, plan_id=plan_id, start=start)
    with gc_paused():
        return [unit_row(st, card, signed) for st in ordered]


CHART_SIZE = 40
"""The 考核排名 chart shows the first forty ranked units."""


def ranking_view(*, as_of: date, plan_id: int | None = None, start: date | None = None, offset: int = 0,
                 limit: int = 200, search: str = "", unit_id: int | None = None,
                 engine: Engine | None = None) -> dict[str, Any]:
    """What the 考核排名 page shows, without building 40,000 rows: one page of the ranking (of the units whose
    name contains ``search``), the chart's first ranked units, the 红黑榜, the viewer's own unit and totals."""
    from models.services.scorecard import legend

    with read_session(engine) as session, gc_paused():  # the collector stays off until the units are gone
        ordered, card, signed = standings(session, as_of=as_of, plan_id=plan_id, start=start)
        composition = legend(session, as_of=as_of)
        needle = search.strip()
        matched = [st for st in ordered if needle in st.unit] if needle else ordered
        ranked = sum(st.rank is not None for st in ordered)
        red, black = _red_black(ordered[:ranked], _standing_fields)
        mine = next((st for st in ordered if st.unit_id == unit_id), None) if unit_id else None
        return {"units": [unit_row(st, card, signed) for st in matched[offset:offset + limit]],
                "matched": len(matched), "total": len(ordered), "ranked": ranked,
                "chart": [{"unit": st.unit, "on_time_rate": st.on_time_rate} for st in ordered[:min(CHART_SIZE, ranked)]],
                "mine": unit_row(mine, card, signed) if mine else None,
                "red": red, "black": black, "composition": composition}


def _standing_fields(st: Standing) -> tuple[str, Any, float | None, float]:
    return st.unit, st.unit_id, st.on_time_rate, st.score or 0.0


def missed_reports(session: Session, *, as_of: date, plan_id: int | None = None) -> dict[int, int]:
    """unit → report slots due before ``as_of`` that were missed or filed late, for the tasks it leads or is
    responsible for (groups stand for their members): one aggregate over the (task, due_on, filed_on) index."""
    from models.tables import ReportSlot

    per_task = (select(col(ReportSlot.task_id), func.count().label("n"))
                .where(col(ReportSlot.due_on) < as_of,
                       or_(col(ReportSlot.filed_on).is_(None), col(ReportSlot.filed_on) > col(ReportSlot.due_on)))
                .group_by(col(ReportSlot.task_id)))
    if plan_id is not None:
        per_task = per_task.where(col(ReportSlot.task_id).in_(select(col(Task.id)).where(col(Task.plan_id) == plan_id)))
    slots = per_task.subquery()
    unit = func.coalesce(col(UnitGroupMember.member_id), col(TaskUnit.unit_id))
    answerable = (select(slots.c.task_id, slots.c.n, unit.label("unit_id")).distinct()
                  .join(TaskUnit, col(TaskUnit.task_id) == slots.c.task_id)
                  .outerjoin(UnitGroupMember, col(UnitGroupMember.group_id) == col(TaskUnit.unit_id))
                  .where(col(TaskUnit.role).in_(("lead", "responsible")), col(TaskUnit.unit_id).is_not(None))
                  .subquery())
    query = select(answerable.c.unit_id, func.sum(answerable.c.n)).group_by(answerable.c.unit_id)
    return {int(u): int(n) for u, n in session.execute(query).all()}


def red_black(units: list[dict[str, Any]], *, due_in_period: set[int] | None = None) -> tuple[list[str], list[str]]:
    """Top five with on-time work; bottom five that fell short (score below 100), never on both lists.

    With ``due_in_period`` only units that had a task due in the period can be put on the 黑榜: a unit is
    not named for a period in which nothing of its was due.
    """
    return _red_black([u for u in units if u["rank"] is not None], _row_fields, due_in_period=due_in_period)


def _row_fields(u: dict[str, Any]) -> tuple[str, Any, float | None, float]:
    return u["unit"], u.get("unit_id"), u["on_time_rate"], u["score"]


def _red_black(ranked: Sequence[T], fields: Callable[[T], tuple[str, Any, float | None, float]], *,
               due_in_period: set[int] | None = None) -> tuple[list[str], list[str]]:
    """``red_black`` over the ranked units, best first; ``fields``: (name, unit id, on-time rate, score) of
    one. Only the units the lists need are looked at."""
    red = list(islice((name for name, _, rate, _ in map(fields, ranked) if (rate or 0) > 0), LIST_SIZE))
    black = list(islice((name for name, uid, _, score in map(fields, reversed(ranked)) if score < 100
                         and name not in red and (due_in_period is None or uid in due_in_period)), LIST_SIZE))
    return red, black


def light_as_of(row: Any, as_of: date, due_soon_days: int) -> str:
    """The task's light on the bulletin's date, so done + green + yellow + red always equals the total.

    Finished by then: done; past its deadline: red; otherwise the progress light the scan recorded
    (red/yellow for lagging work), or yellow when due within the due-soon window.
    """
    if _finished_by(row, as_of):
        return "done"
    if row.deadline is not None and row.deadline < as_of:
        return "red"
    if row.light in ("red", "yellow"):
        return str(row.light)
    if row.deadline is not None and (row.deadline - as_of).days <= due_soon_days:
        return "yellow"
    return "green"


def bulletin_data(session: Session, period: Period, *, plan_id: int | None = None) -> dict[str, Any]:
    """Exactly the dict the bulletin template renders (see models/documents/bulletin.py)."""
    from models.services.settings_store import get_value
    from models.settings import get_settings

    as_of = period.end
    rows = _task_rows(session, plan_id)
    units = rank_units(session, as_of=as_of, plan_id=plan_id, start=period.start)
    weights = _units_of(session, {r.id for r in rows})
    due_in_period = {unit_id for r in rows if r.deadline is not None and period.start <= r.deadline <= period.end
                     for unit_id, w in weights.get(r.id, {}).items() if w == FULL_WEIGHT}
    red, black = red_black(units, due_in_period=due_in_period)
    due_soon = int(get_value(session, "thresholds").get("due_soon_days", get_settings().due_soon_days))
    lights = [light_as_of(r, as_of, due_soon) for r in rows]
    leads = _lead_names(session, {r.id for r in rows})
    late = [r for r in rows if not _finished_by(r, as_of) and r.deadline is not None and r.deadline < as_of]
    overdue_tasks = sorted(({"code": r.code, "title": r.title, "lead_units": leads.get(r.id, []),
                             "deadline": r.deadline.isoformat(), "days_overdue": (as_of - r.deadline).days}
                            for r in late), key=lambda t: (-t["days_overdue"], t["code"]))
    totals = {"total": len(rows), **{k: lights.count(k) for k in ("done", "green", "yellow", "red")},
              "at_risk": sum(bool(r.at_risk) and light != "done" for r, light in zip(rows, lights, strict=True))}
    return {"period": period.as_dict(), "as_of": as_of.isoformat(), "totals": totals, "units": units,
            "red_list": red, "black_list": black, "overdue_tasks": overdue_tasks,
            "composition": _composition_legend(session, as_of)}


def _composition_legend(session: Session, as_of: date) -> list[dict[str, Any]]:
    """Issue 18: the weights and sources behind every score, printed with the bulletin's composition table."""
    from models.services.scorecard import legend

    return legend(session, as_of=as_of)


def _lead_names(session: Session, task_ids: set[int]) -> dict[int, list[str]]:
    names = {u.id: u.name for u in session.execute(select(col(Unit.id), col(Unit.name))).all()}
    out: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(select(col(TaskUnit.task_id), col(TaskUnit.unit_id), col(TaskUnit.written_name))
                           .where(col(TaskUnit.role).in_(("lead", "responsible"))).order_by(col(TaskUnit.id))).all()
    for r in rows:
        if r.task_id in task_ids:
            out[r.task_id].append(names.get(r.unit_id, r.written_name) if r.unit_id else r.written_name)
    return out


def bulletin(kind: str, today: date, *, plan_id: int | None = None, engine: Engine | None = None) -> dict[str, Any]:
    with read_session(engine) as session:
        return bulletin_data(session, period_for(kind, today), plan_id=plan_id)
