"""Property tests on random plans: forecasts respect every lag, slips only push downstream tasks
later, cycles are always reported, and the array engine agrees with a plain-Python reading of
the documented semantics."""

from datetime import date, timedelta
from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.scheduling import CycleError, DepInput, PlanGraph, ScheduleResult, TaskInput
from models.scheduling.graph import MAX_CYCLES
from models.workcalendar import Lag, WorkCalendar

CAL = WorkCalendar()
TODAY = date(2026, 9, 1)
lags = st.builds(Lag, st.integers(0, 25), st.sampled_from(["days", "workdays", "months"]))
days = st.dates(date(2025, 9, 1), date(2027, 3, 31))


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[TaskInput], list[DepInput]]:
    """Random DAGs (edges from lower to higher id) with mixed deadlines, states and lags."""
    n = draw(st.integers(1, 12))
    pairs = draw(st.sets(st.tuples(st.integers(1, n), st.integers(1, n)).filter(lambda e: e[0] < e[1]), max_size=25))
    tasks = []
    for i in range(1, n + 1):
        status = draw(st.sampled_from(["not_started", "in_progress", "pending_review", "done"]))
        finished = status in ("pending_review", "done")
        tasks.append(TaskInput(
            id=i, code=f"T{i}", deadline=draw(st.none() | days), relative=draw(st.booleans()),
            status=status, percent=draw(st.integers(0, 100)),
            actual_finish=draw(days) if finished and draw(st.booleans()) else None,
        ))
    return tasks, [DepInput(p, s, draw(lags)) for p, s in sorted(pairs)]


def _build(plan: tuple[list[TaskInput], list[DepInput]]) -> tuple[PlanGraph, ScheduleResult]:
    graph = PlanGraph.build(*plan)
    return graph, graph.compute(today=TODAY, calendar=CAL, plan_start=date(2025, 9, 1))


def _reference(tasks: list[TaskInput], deps: list[DepInput]) -> dict[int, tuple[date | None, date | None]]:
    """(effective deadline, forecast finish) per task, straight from the module docstring."""
    preds: dict[int, list[DepInput]] = {t.id: [] for t in tasks}
    for d in deps:
        preds[d.succ].append(d)
    out: dict[int, tuple[date | None, date | None]] = {}
    for t in sorted(tasks, key=lambda t: t.id):   # ids increase along every edge
        dated = [CAL.add_lag(out[d.pred][1], d.lag) for d in preds[t.id] if out[d.pred][1] is not None]
        agg = max(dated, default=None)
        deadline = agg if t.relative and agg is not None else t.deadline
        if t.status in ("pending_review", "done"):
            finish = t.actual_finish or (min(deadline, TODAY) if deadline else TODAY)
        else:
            known = [x for x in (deadline, agg) if x is not None]
            finish = max([*known, TODAY]) if known else None
        out[t.id] = (deadline, finish)
    return out


@settings(max_examples=60, deadline=None)
@given(plans())
def test_engine_matches_the_documented_semantics(plan: tuple[list[TaskInput], list[DepInput]]) -> None:
    _, result = _build(plan)
    expected = _reference(*plan)
    assert {i: (s.deadline, s.forecast_finish) for i, s in result.tasks.items()} == expected


@settings(max_examples=60, deadline=None)
@given(plans())
def test_no_forecast_start_precedes_a_predecessor_finish_plus_lag(plan: tuple[list[TaskInput], list[DepInput]]) -> None:
    _, result = _build(plan)
    for d in plan[1]:
        pred_finish = result.tasks[d.pred].forecast_finish
        if pred_finish is not None:
            earliest = CAL.add_lag(pred_finish, d.lag)
            succ = result.tasks[d.succ]
            assert succ.forecast_start is not None and succ.forecast_start >= earliest
            if succ.light != "done":
                assert succ.forecast_finish is not None and succ.forecast_finish >= earliest


@settings(max_examples=60, deadline=None)
@given(plans(), st.data(), st.integers(0, 60))
def test_slips_only_push_downstream_tasks_later(plan: tuple[list[TaskInput], list[DepInput]], data: st.DataObject,
                                                slip: int) -> None:
    graph, result = _build(plan)
    dated = [i for i, s in result.tasks.items() if s.forecast_finish is not None]
    if not dated:
        return
    task_id = data.draw(st.sampled_from(dated))
    downstream = nx.descendants(graph.graph, task_id) | {task_id}
    moves = result.slip(task_id, slip)
    for moved, old, new, delta in moves:
        assert moved in downstream
        assert old == result.tasks[moved].forecast_finish
        assert new > old and (new - old).days == delta
    if slip:
        assert (task_id, result.tasks[task_id].forecast_finish,
                result.tasks[task_id].forecast_finish + timedelta(days=slip), slip) in moves


@settings(max_examples=60, deadline=None)
@given(plans())
def test_total_float_is_zero_or_less_somewhere_and_critical_path_is_a_driving_chain(
        plan: tuple[list[TaskInput], list[DepInput]]) -> None:
    graph, result = _build(plan)
    path = result.critical_path
    for pred, succ in pairwise(path):
        lag = graph.graph.edges[pred, succ]["lag"]
        assert CAL.add_lag(result.tasks[pred].forecast_finish, lag) == result.tasks[succ].forecast_finish
    if path:
        assert result.tasks[path[-1]].forecast_finish == max(
            s.forecast_finish for s in result.tasks.values() if s.forecast_finish)
        assert result.tasks[path[-1]].total_float_days <= 0


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(n), st.sets(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=16))))
def test_every_cycle_is_reported(case: tuple[int, set[tuple[int, int]]]) -> None:
    n, edges = case
    graph = nx.DiGraph(list(edges))
    graph.add_nodes_from(range(1, n + 1))
    tasks = [TaskInput(id=i, code=f"T{i}", deadline=None) for i in range(1, n + 1)]
    deps = [DepInput(p, s, Lag(0, "days")) for p, s in sorted(edges)]
    if nx.is_directed_acyclic_graph(graph):
        PlanGraph.build(tasks, deps)
        return
    with pytest.raises(CycleError) as caught:
        PlanGraph.build(tasks, deps)
    reported = [[int(code[1:]) for code in cycle] for cycle in caught.value.cycles]
    for cycle in reported:
        assert cycle[0] == cycle[-1]
        assert all(graph.has_edge(u, v) for u, v in pairwise(cycle))
        assert " → ".join(f"T{i}" for i in cycle) in caught.value.message
    every = {tuple(_rotated(c)) for c in nx.simple_cycles(graph)}
    listed = {tuple(c[:-1]) for c in reported}
    if len(every) <= MAX_CYCLES:
        assert listed == every
    else:
        assert listed < every and len(listed) == MAX_CYCLES and "仅列出前" in caught.value.message


def _rotated(cycle: list[int]) -> list[int]:
    """Start a cycle at its smallest code, as the error message does."""
    first = min(range(len(cycle)), key=lambda k: f"T{cycle[k]}")
    return cycle[first:] + cycle[:first]


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_float_to_a_milestone_is_exactly_the_slip_it_absorbs(plan: tuple[list[TaskInput], list[DepInput]],
                                                             data: st.DataObject) -> None:
    for task in plan[0]:   # finished tasks keep their actual finish: slack upstream of them is moot
        task.status, task.actual_finish = "in_progress", None
    _, result = _build(plan)
    target = data.draw(st.sampled_from(list(result.tasks)))
    schedule = result.tasks[target]
    by = schedule.deadline or schedule.forecast_finish
    if by is None or schedule.forecast_finish is None or schedule.forecast_finish > by:
        return
    for task_id, slack in result.float_to(target).items():
        if slack < 0:
            continue
        pushed = {moved: new for moved, _, new, _ in result.slip(task_id, slack)}
        assert pushed.get(target, schedule.forecast_finish) <= by
        assert {moved: new for moved, _, new, _ in result.slip(task_id, slack + 1)}.get(target, by) > by
