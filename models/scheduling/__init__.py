"""Dependency graph, forecasts, critical path and traffic lights of a reform plan (pure).

Build once, recompute often: :meth:`PlanGraph.build` validates the structure (unknown tasks,
conflicting duplicate dependencies, cycles reported by task code: "依赖关系存在循环：A → B → A")
and prepares edge arrays; :meth:`PlanGraph.compute` turns the current state into a
:class:`ScheduleResult` with numpy only, fast enough to rerun on every change of a 100 000-task plan.

Semantics (all dates are calendar dates; lags use :class:`~models.workcalendar.WorkCalendar`):

- A dependency is finish-to-start with a lag in days, working days or months.  For a *relative*
  task ("调整到位后3个月内") the lag means "within lag after the predecessor finishes".
- A predecessor's finish is its actual finish when finished (``pending_review`` or ``done``),
  otherwise its forecast finish.
- Effective deadline: the absolute deadline; for a relative task
  max over preds of add_lag(pred finish, lag) (its absolute deadline when it has no dated preds).
- Forecast finish: finished → actual finish (missing: the deadline if past, else today);
  unfinished → max(deadline, max over preds of add_lag(pred finish, lag), today) — an open task
  cannot finish in the past; an ongoing task with no deadline and no dated predecessor has none.
- Forecast start: max(planned start (task start, else ``plan_start``), preds + lag).
- at risk: unfinished, deadline not yet passed, forecast finish after the deadline.
- Planned pace: linear from the start (the later of the task start — else ``plan_start`` — and its
  latest predecessor finish, since work cannot be expected before predecessors let it begin) to the
  deadline; behind_points = planned % − percent.
- Lights: done (finished, never red/yellow); red (overdue, or ≥ red points behind); yellow (due
  within ``due_soon_days``, or ≥ yellow points behind); else green.  at_risk is a separate flag.
- Latest finish (backward pass): min(effective deadline, plan forecast end, each successor's latest
  finish "minus" lag), where minus is :meth:`WorkCalendar.sub_lag` (the latest date whose lag still
  lands in time).  Total float = latest finish − forecast finish in calendar days (negative: late).
  ``critical`` = unfinished with float ≤ 0.
- float_to(milestone): the same backward pass towards one milestone only (its deadline, else its
  forecast, as the sole constraint): how many days each feeding task can slip before it bites.
- Critical path: the driving chain — from the latest-finishing task (or a given milestone) back
  through predecessors whose finish + lag equals the successor's forecast finish.
- slip(X, N): X's forecast finish moves N calendar days later; every task whose forecast moves is
  listed with old, new and delta.  Slips never move anything earlier nor anything not downstream.
- Provisional: a working-day lag that crosses a year without official 放假安排 marks the date it
  produces, and that mark follows the date through every task it determines.
"""

from models.scheduling.graph import PlanGraph
from models.scheduling.inputs import (
    CycleError,
    DepInput,
    ScheduleError,
    TaskInput,
    Thresholds,
    UnknownTaskError,
)
from models.scheduling.result import LIGHTS, ScheduleResult, TaskSchedule

__all__ = [
    "LIGHTS", "CycleError", "DepInput", "PlanGraph", "ScheduleError", "ScheduleResult", "TaskInput",
    "TaskSchedule", "Thresholds", "UnknownTaskError",
]
