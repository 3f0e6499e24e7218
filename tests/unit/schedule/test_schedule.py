"""Forecasts, lights, critical path and what-if slips on small hand-checked plans."""

from datetime import date

import pytest

from models.scheduling import CycleError, PlanGraph, ScheduleError, Thresholds, UnknownTaskError
from models.workcalendar import WorkCalendar

from .factories import compute, dep, task


def test_cycle_is_refused_naming_its_tasks() -> None:
    with pytest.raises(CycleError) as caught:
        PlanGraph.build([task(1), task(2), task(3)], [dep(1, 2), dep(2, 1), dep(2, 3)])
    assert caught.value.cycle in (["T1", "T2", "T1"], ["T2", "T1", "T2"])
    assert caught.value.message.startswith("依赖关系存在循环：T")
    assert " → " in caught.value.message


def test_self_dependency_is_a_cycle() -> None:
    with pytest.raises(CycleError, match="T1 → T1"):
        PlanGraph.build([task(1)], [dep(1, 1)])


def test_dependency_on_unknown_task_is_refused() -> None:
    with pytest.raises(UnknownTaskError, match="不存在") as caught:
        PlanGraph.build([task(1)], [dep(1, 9)])
    assert caught.value.task_id == 9


def test_conflicting_duplicate_dependencies_are_refused_identical_ones_collapse() -> None:
    assert PlanGraph.build([task(1), task(2)], [dep(1, 2, "5 days"), dep(1, 2, "5 days")]).graph.number_of_edges() == 1
    with pytest.raises(ScheduleError, match="时滞不同"):
        PlanGraph.build([task(1), task(2)], [dep(1, 2, "5 days"), dep(1, 2, "6 days")])


def test_duplicate_task_id_is_refused() -> None:
    with pytest.raises(ScheduleError, match="任务编号重复"):
        PlanGraph.build([task(1), task(1)], [])


def test_relative_deadline_counts_workdays_across_spring_festival() -> None:
    # "印发之日起10个工作日内": T1 done on Fri 2026-02-13; workdays 2-14 (Sat), 2-24..27, 2-28 (Sat), 3-2..3-5.
    tasks = [task(1, date(2026, 2, 13), status="done", actual_finish=date(2026, 2, 13)),
             task(2, relative=True)]
    result = compute(tasks, [dep(1, 2, "10 workdays")], today=date(2026, 2, 10))
    t2 = result.tasks[2]
    assert t2.deadline == date(2026, 3, 5)
    assert t2.forecast_finish == date(2026, 3, 5)
    assert not t2.deadline_provisional
    assert result.tasks[1].light == "done"


def test_relative_deadline_from_forecast_then_from_actual_finish() -> None:
    tasks = [task(1, date(2025, 9, 26)), task(2, relative=True)]
    deps = [dep(1, 2, "5 workdays")]
    # Not done, today before its deadline: from the forecast (Fri 9-26) across National Day 2025:
    # 9-28 (Sun, worked), 9-29, 9-30, 10-9, 10-10.
    assert compute(tasks, deps, today=date(2025, 9, 1)).tasks[2].deadline == date(2025, 10, 10)
    # Late and still open on 10-9: the forecast is today, the dependent deadline moves with it:
    # 10-10, 10-11 (Sat, worked), 10-13, 10-14, 10-15.
    assert compute(tasks, deps, today=date(2025, 10, 9)).tasks[2].deadline == date(2025, 10, 15)
    # Done on 9-28 (the Sunday make-up workday): 9-29, 9-30, 10-9, 10-10, 10-11.
    tasks[0].status, tasks[0].actual_finish = "done", date(2025, 9, 28)
    assert compute(tasks, deps, today=date(2025, 10, 9)).tasks[2].deadline == date(2025, 10, 11)


def test_late_predecessor_puts_dependents_at_risk_before_they_are_overdue() -> None:
    tasks = [task(1, date(2026, 3, 1)), task(2, date(2026, 3, 20)), task(3, date(2026, 6, 30))]
    deps = [dep(1, 2, "20 days"), dep(2, 3, "1 months")]
    result = compute(tasks, deps, today=date(2026, 3, 5))
    assert result.tasks[1].light == "red" and result.tasks[1].reason.startswith("已逾期4天")
    t2 = result.tasks[2]
    assert t2.forecast_finish == date(2026, 3, 25)
    assert t2.at_risk and t2.light != "done"
    assert "前置任务延误，预计晚于截止日期5天" in t2.reason
    assert not result.tasks[3].at_risk   # 4-25 still before its 6-30 deadline
    assert result.at_risk == [2]
    assert result.counts["at_risk"] == 1


@pytest.mark.parametrize(("today", "percent", "light", "reason"), [
    (date(2026, 5, 1), 45, "green", "进展正常"),
    (date(2026, 6, 25), 95, "yellow", "距截止还有5天"),
    (date(2026, 6, 30), 95, "yellow", "今天到期"),
    (date(2026, 4, 30), 35, "yellow", "进度落后计划15个百分点"),
    (date(2026, 4, 30), 15, "red", "进度落后计划35个百分点"),
    (date(2026, 7, 3), 95, "red", "已逾期3天"),
])
def test_traffic_lights(today: date, percent: int, light: str, reason: str) -> None:
    # Planned pace from 3-1 to 6-30 (121 days): on 4-30 the plan expects 60/121 = 49.6 %.
    tasks = [task(1, date(2026, 6, 30), start=date(2026, 3, 1), status="in_progress", percent=percent)]
    result = compute(tasks, [], today=today)
    assert (result.tasks[1].light, result.tasks[1].reason.split("；")[0]) == (light, reason)


def test_thresholds_are_configurable() -> None:
    tasks = [task(1, date(2026, 6, 30), start=date(2026, 3, 1), percent=35)]
    loose = Thresholds(due_soon_days=3, yellow_behind_points=20, red_behind_points=50)
    assert compute(tasks, [], today=date(2026, 4, 30), thresholds=loose).tasks[1].light == "green"
    assert compute(tasks, [], today=date(2026, 6, 26), thresholds=loose).tasks[1].light == "red"


@pytest.mark.parametrize("status", ["done", "pending_review"])
def test_finished_tasks_are_never_red_or_yellow(status: str) -> None:
    tasks = [task(1, date(2026, 1, 31), status=status, actual_finish=date(2026, 3, 1), percent=0)]
    t1 = compute(tasks, [], today=date(2026, 4, 1)).tasks[1]
    assert (t1.light, t1.at_risk, t1.critical) == ("done", False, False)
    assert t1.reason == ("已完成" if status == "done" else "已上报完成，待审核")


def test_critical_path_float_and_milestone_path() -> None:
    tasks = [task(1, date(2026, 3, 31)), task(2, date(2026, 4, 10)), task(3, date(2026, 5, 15)),
             task(4, date(2026, 4, 30)), task(5, date(2026, 6, 30), is_milestone=True)]
    deps = [dep(1, 2, "15 days"), dep(2, 3, "1 months"), dep(1, 4, "5 days"), dep(4, 5, "2 months"), dep(3, 5)]
    result = compute(tasks, deps, today=date(2026, 3, 1))
    # 1: 3-31 → 2: 4-15 (late vs 4-10) → 3: 5-15; 4: 4-30 → 5: max(6-30, 4-30 + 2 months, 5-15) = 6-30.
    # 5 is driven by 4 (tie with its deadline); 4 by its own deadline, not by 1 (4-5).
    assert [result.tasks[i].forecast_finish for i in range(1, 6)] == [
        date(2026, 3, 31), date(2026, 4, 15), date(2026, 5, 15), date(2026, 4, 30), date(2026, 6, 30)]
    assert result.critical_path == [4, 5]
    assert result.critical_path_to(3) == [1, 2, 3]
    floats = {i: result.tasks[i].total_float_days for i in range(1, 6)}
    # 2 must finish by 4-10 (own deadline): -5; 1 by min(3-31, 4-10 − 15 days = 3-26, 4-30 − 5 days): -5.
    assert floats == {1: -5, 2: -5, 3: 0, 4: 0, 5: 0}
    assert result.tasks[2].at_risk and result.tasks[1].critical
    assert result.summary()["critical_path"] == ["T4", "T5"]
    # Towards milestone 5 (6-30) only: 3 by 6-30, 2 by 5-31 (month end back one month), 4 by 4-30,
    # 1 by min(5-31 − 15 days, 4-30 − 5 days) = 4-25.
    assert result.float_to(5) == {1: 25, 2: 46, 3: 46, 4: 0, 5: 0}
    assert result.float_to(2) == {1: -5, 2: -5}
    assert result.summary()["milestones"] == [{"code": "T5", "light": "green", "at_risk": False,
                                               "deadline": "2026-06-30", "forecast_finish": "2026-06-30"}]


def test_slip_lists_every_task_and_milestone_that_moves() -> None:
    tasks = [task(1, date(2026, 3, 31)), task(2, date(2026, 4, 10)), task(3, date(2026, 9, 30)),
             task(4, None, relative=True, is_milestone=True)]
    deps = [dep(1, 2, "10 days"), dep(2, 4, "10 workdays"), dep(1, 3)]
    result = compute(tasks, deps, today=date(2026, 3, 1))
    moves = result.slip(1, 14)
    # 1: 3-31 → 4-14; 2: max(4-10, 4-24) = 4-24; 4: 10 workdays after 4-10 (4-24) → after 4-24 (5-12,
    # across 劳动节 5-1..5-5 with 5-9 Saturday worked); 3 keeps its 9-30 deadline.
    assert moves == [(1, date(2026, 3, 31), date(2026, 4, 14), 14),
                     (2, date(2026, 4, 10), date(2026, 4, 24), 14),
                     (4, date(2026, 4, 24), date(2026, 5, 12), 18)]
    assert result.slip(3, 0) == []
    with pytest.raises(ValueError):
        result.slip(1, -1)


def test_dates_through_a_year_without_official_arrangement_are_provisional() -> None:
    tasks = [task(1, date(2026, 12, 25)), task(2, relative=True), task(3, relative=True)]
    deps = [dep(1, 2, "10 workdays"), dep(2, 3, "1 months")]
    result = compute(tasks, deps, today=date(2026, 6, 1))
    assert result.tasks[2].deadline == date(2027, 1, 8)       # weekdays only: 2027-01-01 counted as worked
    assert result.tasks[2].deadline_provisional and result.tasks[3].deadline_provisional
    assert "暂估" in result.tasks[3].reason and result.summary()["provisional"] is True
    assert not result.tasks[1].deadline_provisional
    office = WorkCalendar({date(2027, 1, 1): False}, official_years=[2027])
    official = compute(tasks, deps, today=date(2026, 6, 1), calendar=office)
    assert official.tasks[2].deadline == date(2027, 1, 11)
    assert not official.tasks[2].deadline_provisional and not official.provisional


def test_ongoing_tasks_without_dates_have_no_forecast() -> None:
    result = compute([task(1), task(2, relative=True)], [dep(1, 2, "3 months")], today=date(2026, 3, 1))
    t1 = result.tasks[1]
    assert (t1.forecast_finish, t1.total_float_days, t1.light, t1.reason) == (None, None, "green", "无截止日期")
    assert result.critical_path == []
    with pytest.raises(ScheduleError, match="没有预测完成日期"):
        result.slip(1, 3)


def test_fresh_state_recomputes_on_the_same_structure() -> None:
    tasks = [task(1, date(2026, 3, 1)), task(2, date(2026, 3, 10))]
    plan = PlanGraph.build(tasks, [dep(1, 2, "15 days")])
    before = plan.compute(today=date(2026, 3, 5), calendar=WorkCalendar())
    assert before.tasks[2].at_risk
    fresh = [task(2, date(2026, 3, 10)), task(1, date(2026, 3, 1), status="done", actual_finish=date(2026, 2, 20))]
    after = plan.compute(today=date(2026, 3, 5), calendar=WorkCalendar(), tasks=fresh)
    assert not after.tasks[2].at_risk and after.tasks[1].light == "done"
    with pytest.raises(ScheduleError, match="不一致"):
        plan.compute(today=date(2026, 3, 5), calendar=WorkCalendar(), tasks=fresh[:1])
