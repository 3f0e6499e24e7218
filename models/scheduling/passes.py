"""Array passes over a validated plan: forward (forecasts), backward (latest finish), driving chain.

All dates are day ordinals in int64 arrays; ``NONE`` (far below any real ordinal) means "no date",
so ``max`` ignores it and anything below the calendar's ``lo`` reads as missing.  Edges are grouped
by topological level and, inside a level, by the task they write to, so one level is a handful of
vectorised lookups plus one ``reduceat``: the cost is O(edges) numpy work plus O(levels) calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from models.workcalendar import MONTHS, NONE, WORKDAYS, OrdinalCalendar

Ints = NDArray[np.int64]
UNBOUNDED = -NONE
"""Latest-finish sentinel for tasks with no constraint (above every real ordinal)."""
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class EdgeGroup:
    """Edges of one level, sorted by the task they write to.

    ``read`` — per edge, the task whose date is read; ``write`` — per segment, the task written;
    ``starts`` — segment offsets for ``reduceat``; ``seg`` — per edge, its segment.
    """

    read: NDArray[np.intp]
    write: NDArray[np.intp]
    seg: NDArray[np.intp]
    starts: NDArray[np.intp]
    values: Ints
    work_idx: NDArray[np.intp]
    month_idx: NDArray[np.intp]

    @classmethod
    def of(cls, read: NDArray[np.intp], write_e: NDArray[np.intp], values: Ints, units: NDArray[np.int8]) -> EdgeGroup:
        """Group edges already sorted by ``write_e``."""
        first = np.r_[True, write_e[1:] != write_e[:-1]] if len(write_e) else np.zeros(0, bool)
        starts = np.flatnonzero(first)
        return cls(read, write_e[starts], np.cumsum(first) - 1, starts, values,
                   np.flatnonzero(units == WORKDAYS), np.flatnonzero(units == MONTHS))


def grouped(read: NDArray[np.intp], write: NDArray[np.intp], values: Ints, units: NDArray[np.int8],
            level: NDArray[np.intp], n_levels: int) -> list[EdgeGroup]:
    """One :class:`EdgeGroup` per level of the written task (index = level), sorted by written task."""
    order = np.lexsort((write, level))
    bounds = np.searchsorted(level[order], np.arange(n_levels + 1))
    return [EdgeGroup.of(read[sl], write[sl], values[sl], units[sl])
            for sl in (order[a:b] for a, b in pairwise(bounds))]


@dataclass(slots=True)
class State:
    """Per-task state as arrays (ordinals or NONE), aligned with the plan's task order."""

    deadline: Ints
    start: Ints
    actual: Ints
    relative: Bools
    finished: Bools
    pending: Bools
    milestone: Bools
    percent: NDArray[np.float64]


@dataclass(slots=True)
class Forward:
    """Result of the forward pass."""

    finish: Ints        # forecast finish (actual finish when finished)
    deadline: Ints      # effective deadline (computed for relative tasks)
    agg: Ints           # max over preds of add_lag(pred finish, lag)
    trigger: Ints       # latest predecessor finish (start of a relative task's pace)
    finish_prov: Bools  # forecast finish computed through a provisional year
    deadline_prov: Bools


def forward(groups: list[EdgeGroup], level0: NDArray[np.intp], state: State, cal: OrdinalCalendar,
            today: int, forced: tuple[int, int] | None = None) -> Forward:
    """Forecasts level by level; ``forced`` = (task index, finish) pins one task (what-if slips)."""
    n = len(state.deadline)
    fw = Forward(np.full(n, NONE), np.full(n, NONE), np.full(n, NONE), np.full(n, NONE),
                 np.zeros(n, bool), np.zeros(n, bool))
    _settle(fw, state, level0, np.full(len(level0), NONE), today)
    _force(fw, forced, level0)
    for group in groups[1:]:
        cand, crossed = cal.add_lag(fw.finish[group.read], group.values, group.work_idx, group.month_idx)
        agg = np.maximum.reduceat(cand, group.starts)
        tied = (fw.finish_prov[group.read] | crossed) & (cand == agg[group.seg])
        agg_prov = np.logical_or.reduceat(tied, group.starts) & known(agg)
        fw.trigger[group.write] = np.maximum.reduceat(fw.finish[group.read], group.starts)
        _settle(fw, state, group.write, agg, today)
        w = group.write
        fw.deadline_prov[w] = agg_prov & state.relative[w]
        fw.finish_prov[w] = agg_prov & (fw.finish[w] == agg) & ~state.finished[w]
        _force(fw, forced, w)
    fw.agg[~known(fw.agg)] = NONE
    return fw


def known(ords: Ints) -> Bools:
    """A real date, not NONE nor NONE plus a lag."""
    return ords > NONE // 2


def _force(fw: Forward, forced: tuple[int, int] | None, written: NDArray[np.intp]) -> None:
    if forced is not None and np.any(written == forced[0]):
        fw.finish[forced[0]] = forced[1]


def _settle(fw: Forward, state: State, idx: NDArray[np.intp], agg: Ints, today: int) -> None:
    """Effective deadline and forecast finish of the tasks ``idx`` once their predecessors are known.

    Finished: the actual finish (else the deadline if already past, else today).  Unfinished:
    max(deadline, predecessors + lag, today) — an open task cannot finish in the past.  A task with
    neither a deadline nor dated predecessors (常态化 ongoing work) has no forecast.
    """
    has_agg = known(agg)
    deadline = np.where(state.relative[idx] & has_agg, agg, state.deadline[idx])
    has_deadline = known(deadline)
    finished_at = np.where(state.actual[idx] != NONE, state.actual[idx],
                           np.where(has_deadline, np.minimum(deadline, today), today))
    base = np.maximum(deadline, agg)
    open_at = np.where(has_deadline | has_agg, np.maximum(base, today), NONE)
    fw.agg[idx] = agg
    fw.deadline[idx] = np.where(has_deadline, deadline, NONE)
    fw.finish[idx] = np.where(state.finished[idx], finished_at, open_at)


def backward(groups: list[EdgeGroup], fw: Forward, cal: OrdinalCalendar, end: int) -> Ints:
    """Latest allowed finish: min(own deadline, plan end, each successor's latest finish − lag)."""
    return _pull_back(groups, np.where(fw.deadline != NONE, np.minimum(fw.deadline, end), end), cal)


def backward_to(groups: list[EdgeGroup], cal: OrdinalCalendar, n: int, target: int, by: int) -> Ints:
    """Latest finish of every task feeding ``target`` (of ``n`` tasks) so that it still finishes by ``by``.

    Own deadlines are ignored: this is the slack towards one milestone.  Tasks that do not feed
    the target stay ``UNBOUNDED``.
    """
    latest = np.full(n, UNBOUNDED)
    latest[target] = by
    return _pull_back(groups, latest, cal)


def _pull_back(groups: list[EdgeGroup], latest: Ints, cal: OrdinalCalendar) -> Ints:
    """Backward pass in place: a task must finish by each successor's latest finish minus the lag."""
    for group in reversed(groups):
        if len(group.read):
            after = latest[group.read]
            cand = np.where(after == UNBOUNDED, UNBOUNDED,
                            cal.sub_lag(after, group.values, group.work_idx, group.month_idx))
            latest[group.write] = np.minimum(latest[group.write], np.minimum.reduceat(cand, group.starts))
    return latest


def driving_chain(task: int, finish: Ints, in_ptr: NDArray[np.intp], in_pred: NDArray[np.intp],
                  in_values: Ints, in_units: NDArray[np.int8], cal: OrdinalCalendar) -> list[int]:
    """Walk back from ``task`` through predecessors whose finish + lag equals the successor's finish."""
    chain = [task]
    while True:
        lo, hi = in_ptr[chain[-1]], in_ptr[chain[-1] + 1]
        preds = in_pred[lo:hi]
        units = in_units[lo:hi]
        cand, _ = cal.add_lag(finish[preds], in_values[lo:hi],
                              np.flatnonzero(units == WORKDAYS), np.flatnonzero(units == MONTHS))
        tight = preds[(cand == finish[chain[-1]]) & (finish[preds] != NONE)]
        if not len(tight) or finish[chain[-1]] == NONE:
            return chain[::-1]
        chain.append(int(tight[np.argmax(finish[tight])]))


def to_date(ordinal: int) -> date | None:
    return None if ordinal == NONE else date.fromordinal(int(ordinal))
