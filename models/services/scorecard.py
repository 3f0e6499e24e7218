"""The composition of every ranking score: a list of weighted figures the office weighs (audited).

A figure is either a *rate* (a 0–100 value: on-time score, 签收 rate, 互评) or a *count* (points deducted
per item: approved 延期, missed report slots). A unit's score is the weighted mean of the rates it has a
value for (weights re-normalised over those, so a unit never addressed by a notice is not punished for a
missing 签收 rate) minus each count times its weight, floored at 0. Every score carries its components
(``value``, the effective ``weight``, the ``points`` it contributes), which the 红黑榜 and the bulletin print.

To add a figure (e.g. missed report slots), append a ``Figure`` to ``FIGURES`` whose ``collect`` is one
indexed SQL aggregate returning ``{unit_id: value}``; its default weight goes with it, the office's weight
page and the bulletin's composition table pick it up without further change.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import read_session, retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.settings_store import get_value
from models.services.uow import transaction
from models.tables import AppSetting

WEIGHTS_KEY = "ranking_weights"
MAX_COUNT_WEIGHT = 50.0
"""Points per counted item are capped so one figure cannot wipe out the whole scale by a typo."""


@dataclass(frozen=True)
class Window:
    """What a figure is collected for: the ranking date, the period's first day (None: from the start),
    and what ``rank_units`` already knows per unit id: the on-time score, the 签收 rate (0–100) and the
    missed report slots."""

    as_of: date
    start: date | None
    on_time: dict[int, float]
    signoff: dict[int, float]
    missed: dict[int, float]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # rate|count
    default_weight: float
    collect: Callable[[Session, Window], dict[int, float]]  # unit → value
    required: bool = False  # a unit without this figure is not ranked (nothing due yet)
    help: str = ""


def _on_time(session: Session, w: Window) -> dict[int, float]:
    return w.on_time


def _signoff(session: Session, w: Window) -> dict[int, float]:
    return w.signoff


def _peer(session: Session, w: Window) -> dict[int, float]:
    from models.services.evaluation import peer_scores

    return peer_scores(session, as_of=w.as_of)[1]


def _extensions(session: Session, w: Window) -> dict[int, float]:
    from models.services.requests import extension_counts

    return {u: float(n) for u, n in extension_counts(session, start=w.start, end=w.as_of).items()}


def _missed_reports(session: Session, w: Window) -> dict[int, float]:
    return w.missed


FIGURES: list[Figure] = [
    Figure("on_time", "按期完成", "rate", 0.6, _on_time, required=True,
           help="到期任务按期完成得满分、逾期完成得一半（牵头/负责全额、配合一半）"),
    Figure("signoff", "签收", "rate", 0.2, _signoff, help="督办通知单、催办函、预警的签收率"),
    Figure("peer", "互评", "rate", 0.2, _peer, help="最近一轮已结束的条块互评平均分，折算为百分制"),
    Figure("extensions", "延期", "count", 1.0, _extensions, help="统计期内获批的延期申请，每次扣分"),
    Figure("missed_reports", "未按时报送", "count", 1.0, _missed_reports,
           help="报送要求中逾期未报或逾期补报的期数（牵头/负责单位），每期扣分，同逾期任务"),
]


def figure(key: str) -> Figure:
    return next(f for f in FIGURES if f.key == key)


def weights(session: Session) -> dict[str, float]:
    stored = get_value(session, WEIGHTS_KEY)
    return {f.key: float(stored.get(f.key, f.default_weight)) for f in FIGURES}


def current_weights(*, engine: Engine | None = None) -> dict[str, float]:
    with read_session(engine) as session:
        return weights(session)


@retry_transient
def set_weights(actor: Actor, new: dict[str, float], *, engine: Engine | None = None) -> dict[str, float]:
    """The office sets the weights (rates: relative weights ≥ 0; counts: points per item)."""
    with transaction(actor, "ranking.weights", "setting", WEIGHTS_KEY, engine=engine) as tx:
        require(actor, "task.admin")
        unknown = set(new) - {f.key for f in FIGURES}
        if unknown:
            raise Invalid(f"未知的排名指标：{'、'.join(sorted(unknown))[:60]}")
        before = weights(tx.session)
        value = dict(before)
        for key, raw in new.items():
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise Invalid(f"“{figure(key).label}”的权重须为数字") from None
            if not number >= 0 or number != number:
                raise Invalid(f"“{figure(key).label}”的权重不能为负数")
            if figure(key).kind == "count" and number > MAX_COUNT_WEIGHT:
                raise Invalid(f"“{figure(key).label}”每次扣分不能超过 {MAX_COUNT_WEIGHT:g} 分")
            value[key] = round(number, 4)
        if not any(value[f.key] > 0 for f in FIGURES if f.kind == "rate"):
            raise Invalid("至少一项比率指标（按期完成、签收、互评）的权重须大于 0")
        tx.session.merge(AppSetting(key=WEIGHTS_KEY, value=value))
        tx.audit(before=before, after=value)
        return value


def legend(session: Session, *, as_of: date) -> list[dict[str, Any]]:
    """Each figure with its weight and, for 互评, the round it is taken from (captions, the bulletin)."""
    from models.services.evaluation import latest_closed

    w, peer_round = weights(session), latest_closed(session, as_of)
    sources = {"peer": peer_round.label if peer_round else "暂无已结束的互评轮次"}
    return [{"key": f.key, "label": f.label, "kind": f.kind, "weight": w[f.key], "source": sources.get(f.key, ""),
             "help": f.help} for f in FIGURES]


Collected = tuple[str, str, str, float, dict[int, float]]  # key, label, kind, weight, values by unit


@dataclass(frozen=True)
class Scorecard:
    """Every figure collected once for a ranking; a unit's score (all units: plain arithmetic, no rows
    built) and its components (the units a page shows) computed from them, always alike."""

    figures: list[Collected]
    weighed: list[tuple[float, dict[int, float]]]  # the rates that count (weight > 0)
    required: list[dict[int, float]]  # a unit missing one of these is not ranked
    present: list[Collected]  # the figures any unit has a value for (the others add nothing to a score)

    def score(self, uid: int) -> float | None:
        """The weighted composition, floored at 0: the sum of the components' printed points."""
        return self.scores((uid,))[0]

    def scores(self, uids: Iterable[int]) -> list[float | None]:
        """``score`` of each unit in one pass (the 考核排名 page scores ~40,000 units): per unit, the rates'
        weights it has a value for are added up in the figures' order, then each present figure's rounded
        points, as ``components`` adds them up (None: not ranked)."""
        weighed, required = self.weighed, self.required
        terms = [(kind == "rate", weight, values) for _, _, kind, weight, values in self.present]
        out: list[float | None] = []
        append = out.append
        # round() to a digit costs ~0.5 µs; the values to round repeat (on-time scores have ≤ 1,001 values),
        # so each distinct float is rounded once (the result depends on the float alone)
        rounded: dict[float, float] = {}
        remember = rounded.get
        for uid in uids:
            total = 0.0
            for weight, values in weighed:
                if uid in values:
                    total += weight
            if not total:
                append(None)
                continue
            for values in required:
                if uid not in values:
                    break
            else:
                points_sum = 0.0
                for rate, weight, values in terms:
                    value = values.get(uid)
                    if rate:
                        if value is not None and weight > 0:
                            raw = value * (weight / total)
                            points = remember(raw)
                            if points is None:
                                points = rounded[raw] = round(raw, 1)
                            points_sum += points
                    elif value:
                        points_sum += round(-value * weight, 1)
                raw = max(0.0, points_sum)
                points = remember(raw)
                if points is None:
                    points = rounded[raw] = round(raw, 1)
                append(points)
                continue
            append(None)
        return out

    def components(self, uid: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Each figure as ``{key, label, kind, value, weight, points}``, and the figures' values by key."""
        total = sum(weight for weight, values in self.weighed if uid in values)
        components, shown = [], {}
        for key, label, kind, weight, values in self.figures:
            value = values.get(uid)
            if kind == "rate":
                if value is not None and weight > 0:
                    share = weight / total
                    share, points = round(share, 4), round(value * share, 1)
                else:
                    share, points = 0.0, 0.0
            else:
                value = value or 0.0
                share, points = round(weight, 4), round(-value * weight, 1)
            components.append({"key": key, "label": label, "kind": kind, "value": value, "weight": share,
                               "points": points})
            shown[key] = value
        return components, shown


def scorecard(session: Session, window: Window) -> Scorecard:
    w = weights(session)
    figures = [(f.key, f.label, f.kind, w[f.key], f.collect(session, window)) for f in FIGURES]
    return Scorecard(figures, [(weight, values) for _, _, kind, weight, values in figures if kind == "rate" and weight > 0],
                     [values for (*_, values), f in zip(figures, FIGURES, strict=True) if f.required],
                     [f for f in figures if f[4]])


def compose(session: Session, units: list[dict[str, Any]], *, as_of: date, start: date | None = None) -> None:
    """Replace each unit's ``score`` by the weighted composition; the on-time score moves to ``on_time_score``
    and every figure becomes a component ``{key, label, kind, value, weight, points}`` of ``components``."""
    for u in units:
        u["on_time_score"] = u.pop("score", None)
    card = scorecard(session, Window(
        as_of, start, {u["unit_id"]: float(u["on_time_score"]) for u in units if u["on_time_score"] is not None},
        {u["unit_id"]: round(100 * u["signoff_rate"], 1) for u in units if u.get("signoff_rate") is not None},
        {u["unit_id"]: float(u["missed_reports"]) for u in units if u.get("missed_reports")}))
    for u in units:
        u["components"], u["figures"] = card.components(u["unit_id"])
        u["score"] = card.score(u["unit_id"])


def describe(components: list[dict[str, Any]]) -> str:
    """``按期完成 85.0×0.60=51.0；签收 90.0×0.20=18.0；延期 2×1=-2.0`` (figures without a value are left out)."""
    parts = []
    for c in components:
        if c["kind"] == "rate":
            if c["value"] is None or not c["weight"]:
                continue
            parts.append(f"{c['label']} {c['value']:.1f}×{c['weight']:.2f}={c['points']:.1f}")
        elif c["value"]:
            parts.append(f"{c['label']} {c['value']:g}×{c['weight']:g}={c['points']:.1f}")
    return "；".join(parts)
