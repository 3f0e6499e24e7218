"""Plain inputs and errors of the scheduler (what the service layer hands over)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.vocabulary import FINISHED, TaskStatus
from models.workcalendar import Lag

FINISHED_STATUSES = frozenset(FINISHED)
STATUSES = frozenset(TaskStatus)


@dataclass(slots=True)
class TaskInput:
    """One task's structure (id, code, relative, milestone) and state (status, percent, dates)."""

    id: int
    code: str
    deadline: date | None
    relative: bool = False
    start: date | None = None
    status: str = "not_started"
    percent: int = 0
    actual_finish: date | None = None
    is_milestone: bool = False


@dataclass(slots=True)
class DepInput:
    """Finish-to-start dependency; for a relative successor the lag is "within lag after pred finishes"."""

    pred: int
    succ: int
    lag: Lag


@dataclass
class Thresholds:
    """Traffic-light thresholds (configurable per plan by the office)."""

    due_soon_days: int = 7
    yellow_behind_points: int = 10
    red_behind_points: int = 30


class ScheduleError(ValueError):
    """A plan the scheduler refuses; ``message`` is shown to the office as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CycleError(ScheduleError):
    """Dependencies form cycles: each as task codes with the first repeated at the end."""

    def __init__(self, cycles: list[list[str]], *, truncated: bool = False) -> None:
        self.cycles = cycles
        self.cycle = cycles[0]
        more = f"（仅列出前{len(cycles)}个）" if truncated else ""
        super().__init__("依赖关系存在循环：" + "；".join(" → ".join(c) for c in cycles) + more)


class UnknownTaskError(ScheduleError):
    """A dependency names a task that is not in the plan."""

    def __init__(self, task_id: int, role: str) -> None:
        self.task_id = task_id
        super().__init__(f"依赖关系引用了不存在的{role}（任务编号 {task_id}）")
