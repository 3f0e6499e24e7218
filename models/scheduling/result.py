"""Traffic lights and the array-backed schedule result (TaskSchedule objects are built on access)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from models.scheduling.inputs import ScheduleError, Thresholds
from models.scheduling.passes import (
    UNBOUNDED,
    Bools,
    Forward,
    Ints,
    State,
    backward_to,
    driving_chain,
    known,
    to_date,
)
from models.workcalendar import OrdinalCalendar

if TYPE_CHECKING:
    from models.scheduling.graph import PlanGraph

LIGHTS = ("done", "green", "yellow", "red")
DONE, GREEN, YELLOW, RED = range(4)
PROVISIONAL_NOTE = "日期按周一至周五暂估，待录入当年放假安排"


@dataclass(slots=True)
class Lights:
    code: NDArray[np.int8]
    at_risk: Bools
    behind: NDArray[np.float64]


def traffic_lights(state: State, fw: Forward, today: int, th: Thresholds, pace_start: Ints) -> Lights:
    """Lights per task; finished tasks are always ``done`` and never at risk.

    red: overdue or ≥ red points behind the linear pace from start to deadline; yellow: due within
    ``due_soon_days`` or ≥ yellow points behind; at risk: the forecast passes a deadline that has
    not passed yet (the task will be late because of its predecessors).
    """
    open_ = ~state.finished
    deadline = fw.deadline
    dated = open_ & known(deadline)
    overdue = dated & (today > deadline)
    soon = dated & (deadline >= today) & (deadline - today <= th.due_soon_days)
    paced = dated & known(pace_start)
    # Exact integer comparison: points behind = 100·elapsed/span − percent, so "behind ≥ T" is
    # 100·elapsed − percent·span ≥ T·span. Floating point would make 57% elapsed vs 47% done fall short of 10.
    span = np.maximum(deadline.astype(np.int64) - pace_start, 1)
    elapsed = np.clip(today - pace_start.astype(np.int64), 0, span)
    gap = 100 * elapsed - np.rint(state.percent).astype(np.int64) * span
    behind = np.where(paced, gap / span, 0.0)
    red = overdue | (paced & (gap >= th.red_behind_points * span))
    yellow = dated & ~red & (soon | (paced & (gap >= th.yellow_behind_points * span)))
    code = np.select([~open_, red, yellow], [DONE, RED, YELLOW], GREEN).astype(np.int8)
    return Lights(code, dated & ~overdue & (fw.finish > deadline), behind)


@dataclass
class TaskSchedule:
    """One task's computed schedule, as shown in the app and used by the deadline scan."""

    id: int
    code: str
    deadline: date | None
    deadline_provisional: bool
    forecast_finish: date | None
    forecast_start: date | None
    light: str
    at_risk: bool
    behind_points: float
    total_float_days: int | None
    critical: bool
    reason: str
    forecast_provisional: bool = False
    latest_finish: date | None = None
    is_milestone: bool = False


class TaskScheduleMap(Mapping[int, TaskSchedule]):
    """Read-only mapping task id → TaskSchedule; entries are built on access (cheap at 100k tasks)."""

    def __init__(self, result: ScheduleResult) -> None:
        self._result = result

    def __getitem__(self, task_id: int) -> TaskSchedule:
        return self._result.task_at(self._result.plan.index[task_id])

    def __iter__(self) -> Iterator[int]:
        return iter(self._result.plan.ids.tolist())

    def __len__(self) -> int:
        return len(self._result.plan.ids)


class ScheduleResult:
    """The computed schedule of a plan at ``today``; arrays inside, objects on demand."""

    def __init__(self, plan: PlanGraph, state: State, fw: Forward, latest: Ints, forecast_start: Ints,
                 lights: Lights, cal: OrdinalCalendar, today: date, thresholds: Thresholds) -> None:
        self.plan, self.state, self.fw, self.latest = plan, state, fw, latest
        self.forecast_start, self.lights, self.cal = forecast_start, lights, cal
        self.today, self.thresholds = today, thresholds
        self.dated = known(fw.finish)
        self.total_float = np.where(self.dated, latest - fw.finish, 0)
        self.critical = self.dated & ~state.finished & (self.total_float <= 0)
        self.tasks: Mapping[int, TaskSchedule] = TaskScheduleMap(self)

    @cached_property
    def counts(self) -> dict[str, int]:
        per_light = np.bincount(self.lights.code, minlength=len(LIGHTS))
        counts = {name: int(c) for name, c in zip(LIGHTS, per_light, strict=True)}
        return {**counts, "at_risk": int(self.lights.at_risk.sum())}

    @cached_property
    def at_risk(self) -> list[int]:
        return [int(i) for i in self.plan.ids[self.lights.at_risk]]

    @property
    def provisional(self) -> bool:
        """True when any date shown was computed through a year without an official 放假安排."""
        return bool(self.fw.deadline_prov.any() or self.fw.finish_prov.any())

    @cached_property
    def critical_path(self) -> list[int]:
        """Driving chain ending at the latest-finishing task (ids, first task first)."""
        if not self.dated.any():
            return []
        return self._chain(int(np.argmax(np.where(self.dated, self.fw.finish, self.fw.finish.min()))))

    def critical_path_to(self, task_id: int) -> list[int]:
        """Driving chain ending at ``task_id`` (typically a milestone)."""
        return self._chain(self._index(task_id))

    def float_to(self, task_id: int) -> dict[int, int]:
        """Total float towards one milestone: calendar days each task feeding it (and the milestone
        itself) can slip before the milestone passes its deadline (its forecast if it has none)."""
        index = self._index(task_id)
        by = self.fw.deadline[index] if known(self.fw.deadline[index]) else self.fw.finish[index]
        if not known(by):
            raise ScheduleError(f"任务 {self.plan.codes[index]} 没有截止日期或预测完成日期，无法计算浮动时间")
        latest = backward_to(self.plan.backward_groups, self.cal, len(self.plan.ids), index, int(by))
        feeding = np.flatnonzero((latest != UNBOUNDED) & self.dated)
        return {int(self.plan.ids[i]): int(latest[i] - self.fw.finish[i]) for i in feeding}

    def _chain(self, index: int) -> list[int]:
        plan = self.plan
        chain = driving_chain(index, self.fw.finish, plan.in_ptr, plan.in_pred, plan.in_values, plan.in_units, self.cal)
        return [int(plan.ids[i]) for i in chain]

    def _index(self, task_id: int) -> int:
        if task_id not in self.plan.index:
            raise ScheduleError(f"计划中没有编号为 {task_id} 的任务")
        return self.plan.index[task_id]

    def slip(self, task_id: int, days: int) -> list[tuple[int, date, date, int]]:
        """What if ``task_id`` finishes ``days`` calendar days later than forecast: every task that moves."""
        if days < 0:
            raise ValueError("延误天数不能为负数")
        index = self._index(task_id)
        old = self.fw.finish
        if not self.dated[index]:
            raise ScheduleError(f"任务 {self.plan.codes[index]} 没有预测完成日期，无法推演延误")
        forced = (index, int(old[index]) + days)
        new = self.plan.forecast(self.state, self.cal, self.today.toordinal(), forced=forced).finish
        moved = np.flatnonzero(new != old)
        moved = moved[np.lexsort((moved, self.plan.level[moved]))]
        return [(int(self.plan.ids[i]), date.fromordinal(int(old[i])), date.fromordinal(int(new[i])),
                 int(new[i] - old[i])) for i in moved]

    def summary(self) -> dict[str, object]:
        """JSON-ready overview for dashboards and bulletins."""
        codes = self.plan.codes
        finish = to_date(int(self.fw.finish[self.dated].max())) if self.dated.any() else None
        return {
            "today": self.today.isoformat(),
            "tasks": len(codes),
            "counts": self.counts,
            "critical_path": [codes[self.plan.index[i]] for i in self.critical_path],
            "at_risk": [codes[i] for i in np.flatnonzero(self.lights.at_risk)],
            "forecast_finish": finish.isoformat() if finish else None,
            "milestones": [self._milestone(int(i)) for i in np.flatnonzero(self.state.milestone)],
            "provisional": self.provisional,
        }

    def _milestone(self, i: int) -> dict[str, object]:
        deadline, finish = to_date(int(self.fw.deadline[i])), to_date(int(self.fw.finish[i]))
        return {"code": self.plan.codes[i], "light": LIGHTS[self.lights.code[i]],
                "at_risk": bool(self.lights.at_risk[i]), "deadline": deadline.isoformat() if deadline else None,
                "forecast_finish": finish.isoformat() if finish else None}

    def task_at(self, i: int) -> TaskSchedule:
        fw, lights = self.fw, self.lights
        dated = bool(self.dated[i])
        return TaskSchedule(
            id=int(self.plan.ids[i]),
            code=self.plan.codes[i],
            deadline=to_date(int(fw.deadline[i])),
            deadline_provisional=bool(fw.deadline_prov[i]),
            forecast_finish=to_date(int(fw.finish[i])),
            forecast_start=to_date(int(self.forecast_start[i])),
            light=LIGHTS[lights.code[i]],
            at_risk=bool(lights.at_risk[i]),
            behind_points=round(float(lights.behind[i]), 1),
            total_float_days=int(self.total_float[i]) if dated else None,
            critical=bool(self.critical[i]),
            reason=self._reason(i),
            forecast_provisional=bool(fw.finish_prov[i]),
            latest_finish=to_date(int(self.latest[i])) if dated else None,
            is_milestone=bool(self.state.milestone[i]),
        )

    def _reason(self, i: int) -> str:
        """Why the light is what it is, in the words the office uses."""
        if self.state.finished[i]:
            return "已上报完成，待审核" if self.state.pending[i] else "已完成"
        parts = self._deadline_reasons(i)
        behind = float(self.lights.behind[i])
        if behind >= self.thresholds.yellow_behind_points - 1e-9:  # the light compares exactly (integers)
            parts.append(f"进度落后计划{round(behind)}个百分点")
        if self.lights.at_risk[i]:
            parts.append(f"前置任务延误，预计晚于截止日期{int(self.fw.finish[i] - self.fw.deadline[i])}天")
        if not parts:
            parts.append("进展正常")
        if self.fw.deadline_prov[i] or self.fw.finish_prov[i]:
            parts.append(PROVISIONAL_NOTE)
        return "；".join(parts)

    def _deadline_reasons(self, i: int) -> list[str]:
        deadline = self.fw.deadline[i]
        if not known(deadline):
            return ["无截止日期"]
        due_in = int(deadline) - self.today.toordinal()
        if due_in < 0:
            return [f"已逾期{-due_in}天"]
        if due_in == 0:
            return ["今天到期"]
        return [f"距截止还有{due_in}天"] if due_in <= self.thresholds.due_soon_days else []
