"""Small builders for scheduler tests (plans by task code)."""

from datetime import date

from models.scheduling import DepInput, PlanGraph, ScheduleResult, TaskInput, Thresholds
from models.workcalendar import Lag, WorkCalendar


def task(task_id: int, deadline: date | None = None, **state: object) -> TaskInput:
    return TaskInput(id=task_id, code=f"T{task_id}", deadline=deadline, **state)  # type: ignore[arg-type]


def dep(pred: int, succ: int, lag: str = "0 days") -> DepInput:
    return DepInput(pred, succ, Lag.parse(lag))


def compute(tasks: list[TaskInput], deps: list[DepInput], today: date, *, calendar: WorkCalendar | None = None,
            thresholds: Thresholds | None = None, plan_start: date | None = None) -> ScheduleResult:
    return PlanGraph.build(tasks, deps).compute(today=today, calendar=calendar or WorkCalendar(),
                                                thresholds=thresholds or Thresholds(), plan_start=plan_start)
