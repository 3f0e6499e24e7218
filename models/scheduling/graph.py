"""PlanGraph: validate the structure once (networkx), then recompute state many times (numpy)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import islice

import networkx as nx
import numpy as np

from models.scheduling.inputs import (
    FINISHED_STATUSES,
    STATUSES,
    CycleError,
    DepInput,
    ScheduleError,
    TaskInput,
    Thresholds,
    UnknownTaskError,
)
from models.scheduling.passes import Forward, Ints, State, backward, forward, grouped, known
from models.scheduling.result import ScheduleResult, traffic_lights
from models.workcalendar import FIRST_YEAR, LAST_YEAR, NONE, UNIT_CODE, Lag, OrdinalCalendar, WorkCalendar

MAX_CYCLES = 20
_FIRST_ORD, _LAST_ORD = date(FIRST_YEAR, 1, 1).toordinal(), date(LAST_YEAR, 12, 31).toordinal()


class PlanGraph:
    """A validated plan: ``graph`` (nx.DiGraph of task ids, edges carry ``lag``) plus edge arrays.

    ``level`` is each task's topological generation; edges are pre-grouped by the level of the
    task they feed (forward) and of the task they leave (backward), so a recompute never touches
    networkx or Python-level loops over tasks.
    """

    def __init__(self, graph: nx.DiGraph, tasks: Sequence[TaskInput], deps: dict[tuple[int, int], Lag]) -> None:
        self.graph = graph
        self.ids = np.array([t.id for t in tasks], dtype=np.int64)
        self.codes = [t.code for t in tasks]
        self.index = {t.id: i for i, t in enumerate(tasks)}
        self.level = np.zeros(len(tasks), dtype=np.intp)
        generations = list(nx.topological_generations(graph))
        for k, generation in enumerate(generations):
            self.level[[self.index[t] for t in generation]] = k
        pred = np.array([self.index[p] for p, _ in deps], dtype=np.intp)
        succ = np.array([self.index[s] for _, s in deps], dtype=np.intp)
        values = np.array([lag.value for lag in deps.values()], dtype=np.int64)
        units = np.array([UNIT_CODE[lag.unit] for lag in deps.values()], dtype=np.int8)
        n_levels = len(generations)
        self.level0 = np.flatnonzero(self.level == 0)
        self.forward_groups = grouped(pred, succ, values, units, self.level[succ], n_levels)
        self.backward_groups = grouped(succ, pred, values, units, self.level[pred], n_levels)
        by_succ = np.argsort(succ, kind="stable")
        self.in_ptr = np.r_[0, np.cumsum(np.bincount(succ, minlength=len(tasks)))]
        self.in_pred, self.in_values, self.in_units = pred[by_succ], values[by_succ], units[by_succ]
        self._state = self.state_of(tasks)

    @classmethod
    def build(cls, tasks: Sequence[TaskInput], deps: Sequence[DepInput]) -> PlanGraph:
        """Validate ids, dependencies and acyclicity; raise :class:`ScheduleError` with a Chinese message."""
        codes = _unique_codes(tasks)
        edges = _unique_edges(deps, codes)
        graph = nx.DiGraph()
        graph.add_nodes_from((t.id, {"code": t.code, "is_milestone": t.is_milestone}) for t in tasks)
        graph.add_edges_from((p, s, {"lag": lag}) for (p, s), lag in edges.items())
        _refuse_cycles(graph)
        return cls(graph, tasks, edges)

    def state_of(self, tasks: Sequence[TaskInput]) -> State:
        """State arrays in plan order; the tasks must be exactly the plan's tasks (any order)."""
        given = np.fromiter((t.id for t in tasks), dtype=np.int64, count=len(tasks))
        if len(given) != len(self.ids) or not np.array_equal(np.sort(given), np.sort(self.ids)):
            raise ScheduleError("任务与计划结构不一致：请重新构建依赖关系图")
        unknown = {t.status for t in tasks} - STATUSES
        if unknown:
            raise ScheduleError(f"未知的任务状态：{'、'.join(sorted(unknown))}")
        state = State(
            deadline=_ordinals([t.deadline for t in tasks]),
            start=_ordinals([t.start for t in tasks]),
            actual=_ordinals([t.actual_finish for t in tasks]),
            relative=np.fromiter((t.relative for t in tasks), dtype=bool, count=len(tasks)),
            finished=np.fromiter((t.status in FINISHED_STATUSES for t in tasks), dtype=bool, count=len(tasks)),
            pending=np.fromiter((t.status == "pending_review" for t in tasks), dtype=bool, count=len(tasks)),
            milestone=np.fromiter((t.is_milestone for t in tasks), dtype=bool, count=len(tasks)),
            percent=np.fromiter((t.percent for t in tasks), dtype=np.float64, count=len(tasks)),
        )
        if np.array_equal(given, self.ids):
            return state
        position = np.array([self.index[int(i)] for i in given], dtype=np.intp)
        for name in State.__slots__:
            column = getattr(state, name)
            reordered = np.empty_like(column)
            reordered[position] = column
            setattr(state, name, reordered)
        return state

    def forecast(self, state: State, cal: OrdinalCalendar, today: int,
                 forced: tuple[int, int] | None = None) -> Forward:
        """Forward pass; refuses results beyond the calendar instead of clipping them."""
        fw = forward(self.forward_groups, self.level0, state, cal, today, forced)
        if len(fw.finish) and fw.finish.max() > cal.hi:
            raise ScheduleError(f"预测日期超出工作日历范围（{LAST_YEAR}年以后），请检查时滞设置")
        return fw

    def compute(self, *, today: date, calendar: WorkCalendar, thresholds: Thresholds = Thresholds(),
                plan_start: date | None = None, tasks: Sequence[TaskInput] | None = None) -> ScheduleResult:
        """Forecasts, float, critical path and lights for the current state (``tasks`` = fresh state)."""
        state = self._state if tasks is None else self.state_of(tasks)
        cal = calendar.ordinal
        fw = self.forecast(state, cal, today.toordinal())
        dated = known(fw.finish)
        latest = (backward(self.backward_groups, fw, cal, int(fw.finish[dated].max())) if dated.any()
                  else np.full(len(self.ids), NONE))
        planned_start = np.where(known(state.start), state.start,
                                 NONE if plan_start is None else plan_start.toordinal())
        # a task cannot be expected to progress before its predecessors let it start
        pace_start = np.where(known(fw.trigger), np.maximum(planned_start, fw.trigger), planned_start)
        lights = traffic_lights(state, fw, today.toordinal(), thresholds, pace_start)
        return ScheduleResult(self, state, fw, latest, np.maximum(planned_start, fw.agg), lights, cal, today,
                              thresholds)


def _ordinals(values: list[date | None]) -> Ints:
    ords = np.fromiter((NONE if v is None else v.toordinal() for v in values), dtype=np.int64, count=len(values))
    dated = ords != NONE
    if np.any((ords[dated] < _FIRST_ORD) | (ords[dated] > _LAST_ORD)):
        raise ScheduleError(f"日期超出工作日历范围（{FIRST_YEAR}–{LAST_YEAR}年）")
    return ords


def _unique_codes(tasks: Sequence[TaskInput]) -> dict[int, str]:
    codes: dict[int, str] = {}
    for task in tasks:
        if task.id in codes:
            raise ScheduleError(f"任务编号重复：{task.id}（{codes[task.id]}、{task.code}）")
        codes[task.id] = task.code
    return codes


def _unique_edges(deps: Sequence[DepInput], codes: dict[int, str]) -> dict[tuple[int, int], Lag]:
    """Identical repeats collapse; two different lags between the same pair are refused."""
    edges: dict[tuple[int, int], Lag] = {}
    for dep in deps:
        for task_id, role in ((dep.pred, "前置任务"), (dep.succ, "后续任务")):
            if task_id not in codes:
                raise UnknownTaskError(task_id, role)
        known_lag = edges.setdefault((dep.pred, dep.succ), dep.lag)
        if known_lag != dep.lag:
            raise ScheduleError(f"任务 {codes[dep.pred]} 与 {codes[dep.succ]} 之间有两条时滞不同的依赖关系"
                                f"（{known_lag}、{dep.lag}）")
    return edges


def _refuse_cycles(graph: nx.DiGraph) -> None:
    """Report every elementary cycle by task code (up to MAX_CYCLES; a real plan has a handful)."""
    if nx.is_directed_acyclic_graph(graph):
        return
    cycles = []
    for cycle in islice(nx.simple_cycles(graph), MAX_CYCLES + 1):
        codes = [graph.nodes[u]["code"] for u in cycle]
        first = codes.index(min(codes))
        codes = codes[first:] + codes[:first]
        cycles.append(codes + codes[:1])
    raise CycleError(sorted(cycles, key=lambda c: (len(c), c))[:MAX_CYCLES], truncated=len(cycles) > MAX_CYCLES)
