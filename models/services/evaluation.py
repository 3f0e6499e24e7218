"""条块互评 (区考核块、块考核条): each period the office opens a round on a scale it sets; each unit rates the
units it works with on shared tasks across the 条/块 line (departments rate towns and streets, towns and
streets rate departments); one rating per rater, ratee and round, editable until the round closes.

The ranking reads the latest closed round whose period ended by the ranking's date, as the average rating
of each ratee scaled to 0–100 (``peer_scores``: one indexed aggregate).
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from models.services.permissions import group_members, require
from models.services.textinput import refuse_controls
from models.services.uow import transaction
from models.tables import EvalRating, EvalRound, TaskUnit, Unit

BLOCK_KINDS = ("town", "street")
"""块: towns (镇/乡) and streets (街道); every other non-group unit is a 条 (department)."""
BLOCK_NAME = re.compile(r"(镇|乡|街道)(人民政府|办事处|党委|政府)?$")
"""A unit created by the importer keeps the default kind: its name tells a town or street apart."""
STATES = {"open": "评价中", "closed": "已结束"}


def side(kind: str, name: str = "") -> str:
    block = kind in BLOCK_KINDS or (kind == "department" and BLOCK_NAME.search(name) is not None)
    return "块" if block else "条"


def _round(session: Session, round_id: int) -> EvalRound:
    rnd = session.get(EvalRound, round_id)
    if rnd is None:
        raise NotFound(f"互评轮次不存在：#{round_id}")
    return rnd


@retry_transient
def open_round(actor: Actor, *, label: str, period_start: date, period_end: date, scale_min: float = 1,
               scale_max: float = 5, engine: Engine | None = None) -> EvalRound:
    with transaction(actor, "evaluation.open", "evalround", engine=engine) as tx:
        require(actor, "task.admin")
        refuse_controls("轮次名称", label)
        label = label.strip()
        if not label or len(label) > 60:
            raise Invalid("请填写轮次名称（不超过 60 字），如“2026年11月条块互评”")
        if not isinstance(period_start, date) or not isinstance(period_end, date) or period_start > period_end:
            raise Invalid("评价期间的开始日期须不晚于结束日期")
        if not (0 <= scale_min < scale_max <= 1000):
            raise Invalid("评分标准须满足 0 ≤ 最低分 < 最高分 ≤ 1000（如 1–5 或 0–100）")
        if tx.session.exec(select(EvalRound.id).where(EvalRound.label == label)).first() is not None:
            raise Invalid(f"已有名为“{label}”的互评轮次")
        rnd = EvalRound(label=label, period_start=period_start, period_end=period_end, scale_min=float(scale_min),
                        scale_max=float(scale_max), opened_by=actor.user_id)
        tx.session.add(rnd)
        tx.session.flush()
        tx.audit(after={"label": label, "period": [period_start, period_end], "scale": [scale_min, scale_max]},
                 object_id=rnd.id)
        return rnd


@retry_transient
def close_round(actor: Actor, *, round_id: int, expected_version: int, engine: Engine | None = None) -> EvalRound:
    with transaction(actor, "evaluation.close", "evalround", round_id, engine=engine) as tx:
        require(actor, "task.admin")
        rnd = _round(tx.session, round_id)
        if rnd.version != expected_version:
            raise Conflict("该互评轮次已被他人修改，请刷新后重试")
        if rnd.state != "open":
            raise Invalid(f"互评轮次“{rnd.label}”已结束")
        rnd.state, rnd.closed_at, rnd.version = "closed", datetime.now(UTC), rnd.version + 1
        tx.session.add(rnd)
        count = tx.session.execute(sa_select(func.count()).select_from(EvalRating)
                                   .where(EvalRating.round_id == round_id)).scalar_one()  # type: ignore[arg-type]
        tx.audit(before={"state": "open"}, after={"state": "closed", "ratings": int(count)})
        return rnd


def counterparts(session: Session, unit_id: int) -> dict[int, str]:
    """Units sharing a task with ``unit_id`` (any role, groups expanded) on the other side of the 条/块 line."""
    kinds = {u.id: (u.kind, u.is_group, u.name) for u in session.exec(select(Unit)).all()}
    if unit_id not in kinds:
        return {}
    members = group_members(session)
    mine = {unit_id} | {g for g, m in members.items() if unit_id in m}
    shared = sa_select(TaskUnit.task_id).where(TaskUnit.unit_id.in_(mine))  # type: ignore[call-overload,union-attr]
    others = set(session.execute(sa_select(TaskUnit.unit_id).where(  # type: ignore[call-overload]
        TaskUnit.task_id.in_(shared), TaskUnit.unit_id.is_not(None)).distinct()).scalars())  # type: ignore[attr-defined,union-attr]
    expanded = {m for u in others for m in (members.get(u) or {u})}
    own_side = side(kinds[unit_id][0], kinds[unit_id][2])
    return {u: kinds[u][2] for u in sorted(expanded)
            if u != unit_id and u in kinds and not kinds[u][1] and side(kinds[u][0], kinds[u][2]) != own_side}


@retry_transient
def rate(actor: Actor, *, round_id: int, ratee_unit_id: int, score: float, comment: str = "",
         expected_version: int | None = None, engine: Engine | None = None) -> EvalRating:
    """Create (``expected_version=None``) or change (the version shown) this unit's rating of a counterpart."""
    with transaction(actor, "evaluation.rate", "evalround", round_id, engine=engine) as tx:
        require(actor, "task.report")
        if actor.unit_id is None:
            raise PermissionDenied("您的账户未关联单位，不能参加互评")
        rnd = _round(tx.session, round_id)
        if rnd.state != "open":
            raise Invalid(f"互评轮次“{rnd.label}”已结束，评分不能再修改")
        if ratee_unit_id not in counterparts(tx.session, actor.unit_id):
            raise PermissionDenied("只能评价与本单位有共同任务的条块单位")
        try:
            value = float(score)
        except (TypeError, ValueError):
            raise Invalid("评分须为数字") from None
        if not rnd.scale_min <= value <= rnd.scale_max:
            raise Invalid(f"评分须在 {rnd.scale_min:g}–{rnd.scale_max:g} 之间")
        refuse_controls("评价意见", comment)
        row = tx.session.exec(select(EvalRating).where(EvalRating.round_id == round_id,
                                                       EvalRating.rater_unit_id == actor.unit_id,
                                                       EvalRating.ratee_unit_id == ratee_unit_id)).first()
        before: dict[str, Any] = {}
        if row is None:
            if expected_version is not None:
                raise Conflict("该评分已被撤销或不存在，请刷新后重试")
            row = EvalRating(round_id=round_id, rater_unit_id=actor.unit_id, ratee_unit_id=ratee_unit_id,
                             score=value, comment=comment.strip()[:300], rated_by=actor.user_id)
        else:
            if expected_version != row.version:
                raise Conflict("本单位的这项评分已被他人修改，请刷新后重试")
            before = {"score": row.score, "version": row.version}
            row.score, row.comment, row.rated_by = value, comment.strip()[:300], actor.user_id
            row.updated_at, row.version = datetime.now(UTC), row.version + 1
        tx.session.add(row)
        tx.session.flush()
        tx.audit(before=before, after={"ratee_unit_id": ratee_unit_id, "score": value, "version": row.version})
        return row


def rounds(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        counts: dict[int, int] = {r[0]: r[1] for r in session.execute(
            sa_select(EvalRating.round_id, func.count()).group_by(EvalRating.round_id)).all()}  # type: ignore[call-overload]
        return [{**r.model_dump(), "state_label": STATES[r.state], "ratings": int(counts.get(r.id or 0, 0))}
                for r in session.exec(select(EvalRound).order_by(EvalRound.id.desc())).all()]  # type: ignore[union-attr]


def my_sheet(actor: Actor, round_id: int, *, engine: Engine | None = None) -> list[dict[str, Any]]:
    """The units this actor's unit rates in a round, with its current rating (score None when not yet rated)."""
    require(actor, "task.report")
    if actor.unit_id is None:
        return []
    with read_session(engine) as session:
        _round(session, round_id)
        units = counterparts(session, actor.unit_id)
        given = {r.ratee_unit_id: r for r in session.exec(select(EvalRating).where(
            EvalRating.round_id == round_id, EvalRating.rater_unit_id == actor.unit_id)).all()}
    return [{"unit_id": u, "unit": name, "score": given[u].score if u in given else None,
             "comment": given[u].comment if u in given else "", "version": given[u].version if u in given else None}
            for u, name in units.items()]


def results(round_id: int, *, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Per ratee: number of ratings, average and the 0–100 figure the ranking uses."""
    with read_session(engine) as session:
        rnd = _round(session, round_id)
        names = {u.id: u.name for u in session.exec(select(Unit)).all()}
        scores = _aggregate(session, rnd)
    return sorted(({"unit": names.get(u, ""), "unit_id": u, **s} for u, s in scores.items()),
                  key=lambda r: (-r["peer_score"], r["unit"]))


def _aggregate(session: Session, rnd: EvalRound) -> dict[int, dict[str, Any]]:
    rows = session.execute(sa_select(EvalRating.ratee_unit_id, func.count(), func.avg(EvalRating.score))  # type: ignore[call-overload]
                           .where(EvalRating.round_id == rnd.id).group_by(EvalRating.ratee_unit_id)).all()
    span = rnd.scale_max - rnd.scale_min
    return {int(u): {"ratings": int(n), "average": round(float(avg), 2),
                     "peer_score": round(100 * (float(avg) - rnd.scale_min) / span, 1)} for u, n, avg in rows}


def latest_closed(session: Session, as_of: date) -> EvalRound | None:
    return session.exec(select(EvalRound).where(EvalRound.state == "closed", EvalRound.period_end <= as_of)
                        .order_by(EvalRound.period_end.desc(), EvalRound.id.desc())).first()  # type: ignore[attr-defined,union-attr]


def peer_scores(session: Session, *, as_of: date) -> tuple[str | None, dict[int, float]]:
    """(round label, ratee → 0–100) from the latest closed round that ended by ``as_of``."""
    rnd = latest_closed(session, as_of)
    if rnd is None:
        return None, {}
    return rnd.label, {u: s["peer_score"] for u, s in _aggregate(session, rnd).items()}

