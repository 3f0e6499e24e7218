"""Scheduler benchmark: recompute of a synthetic plan against networkx's topological sort alone.

The plan is shaped like a large reform programme: most tasks depend on one or two earlier tasks
(uniformly chosen, so the plan is wide and a few dozen levels deep), lags mix same-day hand-offs,
calendar days, working days (across 春节/国庆 and into provisional 2027) and months; a third of the
tasks have relative deadlines; states are a realistic mix of finished, open and late tasks.
"""

from __future__ import annotations

from datetime import date, timedelta

import networkx as nx
import numpy as np

from benchmarks import median_time
from models.scheduling import DepInput, PlanGraph, TaskInput
from models.workcalendar import Lag, WorkCalendar

TODAY = date(2026, 6, 1)
PLAN_START = date(2025, 9, 1)
_LAGS = [Lag(0, "days"), Lag(5, "days"), Lag(15, "days"), Lag(10, "workdays"), Lag(30, "workdays"),
         Lag(1, "months"), Lag(3, "months")]
_LAG_WEIGHTS = [0.4, 0.1, 0.1, 0.15, 0.1, 0.1, 0.05]
_STATUSES = ["not_started", "in_progress", "pending_review", "done"]


def synthetic_plan(n: int, deps_per_task: float = 1.5, seed: int = 7) -> tuple[list[TaskInput], list[DepInput]]:
    """n tasks and about ``deps_per_task * n`` dependencies, each to a uniformly chosen earlier task."""
    rng = np.random.default_rng(seed)
    m = int(n * deps_per_task)
    succ = rng.integers(1, n, size=m)
    pred = (rng.random(m) * succ).astype(np.int64)
    pairs = np.unique(np.stack([pred, succ], axis=1), axis=0)
    lags = rng.choice(len(_LAGS), size=len(pairs), p=_LAG_WEIGHTS)
    has_pred = np.zeros(n, bool)
    has_pred[pairs[:, 1]] = True
    relative = has_pred & (rng.random(n) < 0.33)
    offsets = rng.integers(0, 540, size=n)
    status = rng.choice(len(_STATUSES), size=n, p=[0.35, 0.35, 0.1, 0.2])
    percent = rng.integers(0, 100, size=n)
    tasks = []
    for i in range(n):
        deadline = PLAN_START + timedelta(days=int(offsets[i]))
        finished = status[i] >= 2
        tasks.append(TaskInput(
            id=i + 1, code=f"R{i + 1}", deadline=None if relative[i] else deadline, relative=bool(relative[i]),
            status=_STATUSES[status[i]], percent=100 if finished else int(percent[i]),
            actual_finish=min(deadline, TODAY) if finished else None, is_milestone=i % 500 == 0,
        ))
    deps = [DepInput(int(p) + 1, int(s) + 1, _LAGS[k]) for (p, s), k in zip(pairs, lags, strict=True)]
    return tasks, deps


def _time_compute(plan: PlanGraph, calendar: WorkCalendar, runs: int) -> float:
    def recompute() -> None:
        result = plan.compute(today=TODAY, calendar=calendar, plan_start=PLAN_START)
        result.counts, result.critical_path  # noqa: B018 - forces the lazily computed parts
    return median_time(recompute, runs)


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    """Median recompute times at 10k and 100k tasks (or tasks/10 and tasks) and the ratio to toposort."""
    small, large = (1_000, 10_000) if quick else (10_000, 100_000)
    if tasks:
        small, large = max(1, tasks // 10), tasks
    runs = 3 if quick else 5
    calendar = WorkCalendar()
    calendar.ordinal  # noqa: B018 - built once per calendar, like the service layer's cached calendar
    plan_small = PlanGraph.build(*synthetic_plan(small))
    plan_large = PlanGraph.build(*synthetic_plan(large))
    schedule_small = _time_compute(plan_small, calendar, runs)
    schedule_large = _time_compute(plan_large, calendar, runs)
    toposort = median_time(lambda: list(nx.topological_sort(plan_large.graph)), runs)
    return {
        "schedule_10k_s": schedule_small,
        "schedule_100k_s": schedule_large,
        "toposort_100k_s": toposort,
        "schedule_vs_toposort": schedule_large / toposort,
    }


if __name__ == "__main__":
    for key, value in bench().items():
        print(f"{key}: {value:.4f}")
