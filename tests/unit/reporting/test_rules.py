"""Report slots on the office calendar, indicator progress, and the importer's proposals from plan phrases."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.importing.parser import parse_plan
from models.importing.reporting import parse_rules_text, propose_indicator, propose_schedule
from models.reporting import Rule, Target, slot_state, slots
from models.services.reporting import PLAN_STAGES
from models.workcalendar import WorkCalendar

SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"
CAL = WorkCalendar()


def test_monthly_fifth_on_a_holiday_moves_to_the_next_working_day() -> None:
    got = slots(Rule("monthly", day=5), start=date(2026, 9, 1), until=date(2026, 12, 31), cal=CAL)
    # 9-05 is a Saturday, 10-05 inside the National Day holiday (10-01..10-07), 12-05 a Saturday
    assert [(s.due_on, s.moved_from) for s in got] == [
        (date(2026, 9, 7), date(2026, 9, 5)), (date(2026, 10, 8), date(2026, 10, 5)),
        (date(2026, 11, 5), None), (date(2026, 12, 7), date(2026, 12, 5))]
    # each slot's window starts the day after the previous nominal due day
    assert [s.opens_on for s in got] == [date(2026, 9, 1), date(2026, 9, 6), date(2026, 10, 6), date(2026, 11, 6)]


def test_weekly_friday_over_the_mid_autumn_holiday_and_daily_skips_holidays_but_keeps_makeup_days() -> None:
    weekly = slots(Rule("weekly", weekday=5), start=date(2026, 9, 14), until=date(2026, 10, 10), cal=CAL)
    assert [s.due_on for s in weekly] == [date(2026, 9, 18), date(2026, 9, 28), date(2026, 10, 8), date(2026, 10, 9)]
    daily = slots(Rule("daily"), start=date(2026, 9, 18), until=date(2026, 9, 30), cal=CAL)
    days = [s.due_on for s in daily]
    assert date(2026, 9, 20) in days  # Sunday 调休 make-up working day
    assert not {date(2026, 9, 19), date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)} & set(days)


def test_quarterly_yearly_stage_and_the_task_deadline_bound_the_slots() -> None:
    quarterly = slots(Rule("quarterly"), start=date(2026, 2, 1), until=date(2026, 12, 31), cal=CAL)
    assert [s.due_on for s in quarterly] == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
    after = slots(Rule("quarterly", day=10), start=date(2026, 2, 1), until=date(2026, 8, 1), cal=CAL)
    assert [s.due_on for s in after] == [date(2026, 4, 10), date(2026, 7, 10)]
    bounded = slots(Rule("monthly"), start=date(2026, 1, 1), until=date(2026, 12, 31), cal=CAL, end=date(2026, 4, 15))
    # 1-31 is a Saturday → Monday 2-02; Saturday 2-28 is a 调休 working day, so it stays; nothing after 4-15
    assert [(s.due_on, s.moved_from) for s in bounded] == [(date(2026, 2, 2), date(2026, 1, 31)),
                                                          (date(2026, 2, 28), None), (date(2026, 3, 31), None)]
    stage = slots(Rule("stage", stages=(date(2026, 10, 1), date(2027, 3, 31))), start=date(2026, 9, 1),
                  until=date(2027, 12, 31), cal=CAL)
    assert stage[0].due_on == date(2026, 10, 8) and stage[0].moved_from == date(2026, 10, 1)
    assert Rule("yearly", day=10).label() == "每年次年1月10日前"


def test_bad_rules_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="星期几"):
        Rule("weekly")
    with pytest.raises(ValueError, match="报送频次"):
        Rule("hourly")
    with pytest.raises(ValueError, match="无法识别"):
        parse_rules_text("随时报送")


def test_slot_states() -> None:
    due = date(2026, 9, 7)
    assert slot_state(due, None, date(2026, 9, 7)) == "open"
    assert slot_state(due, None, date(2026, 9, 8)) == "missed"
    assert slot_state(due, date(2026, 9, 7), date(2026, 9, 30)) == "filed"
    assert slot_state(due, date(2026, 9, 9), date(2026, 9, 30)) == "late"


def test_schedule_labels_round_trip_through_the_office_wording() -> None:
    for rule in (Rule("monthly", day=5), Rule("monthly"), Rule("weekly", weekday=5), Rule("quarterly"),
                 Rule("quarterly", day=10), Rule("yearly", day=10), Rule("daily"),
                 Rule("stage", stages=(date(2026, 12, 31),))):
        (parsed,) = parse_rules_text(rule.label())
        assert parsed["frequency"] == rule.frequency
        assert (parsed.get("day") or 0, parsed.get("weekday")) == (rule.day or 0, rule.weekday)
    # the office's wording of a by-stage duty that follows the plan's phases reads back without dates
    assert parse_rules_text(PLAN_STAGES) == parse_rules_text("按阶段") == [{"frequency": "stage", "stages": []}]


@pytest.mark.parametrize(("text", "expected"), [
    ("各成员单位每月5日前报送上月工作进展情况", [("monthly", None, 5)]),
    ("工作进展按季度报送县改革办", [("quarterly", None, 0)]),
    ("每周五下午下班前报送本周工作情况", [("weekly", 5, None)]),
    ("每月十日前上报", [("monthly", None, 10)]),
    ("定期开展清理工作，并向社会公布清理结果", []),
])
def test_schedule_proposals(text: str, expected: list[tuple[str, int | None, int | None]]) -> None:
    assert [(r["frequency"], r["weekday"], r["day"]) for r in propose_schedule(text)] == expected


@pytest.mark.parametrize(("text", "name", "target", "unit", "direction"), [
    ("到2020年，城市年径流总量控制率达到75%以上", "城市年径流总量控制率", 75.0, "%", "ge"),
    ("生活垃圾资源化利用率达到35%", "生活垃圾资源化利用率", 35.0, "%", "ge"),
    ("向街乡下沉50%以上的城市管理监督员力量", "向街乡下沉城市管理监督员力量", 50.0, "%", "ge"),
    ("行政执法案件办结超期率控制在5%以内", "行政执法案件办结超期率", 5.0, "%", "le"),
])
def test_indicator_proposals(text: str, name: str, target: float, unit: str, direction: str) -> None:
    got = propose_indicator(text)
    assert got is not None
    assert (got["name"], got["target"], got["unit"], got["direction"]) == (name, target, unit, direction)


def test_no_indicator_from_time_limits() -> None:
    assert propose_indicator("机构职能调整到位后3个月内完成") is None


def test_seed_plans_carry_their_rhythm_and_targets() -> None:
    """The published plans in the seeds: 004 sets “日检查、月汇总、季排队、年总评”, 003 asks 下沉50%以上."""
    plan = parse_plan((SEEDS / "004_223ded1dea23615e.txt").read_bytes(), "004.txt")
    assert [r["frequency"] for r in plan.report_schedule] == ["monthly", "quarterly", "yearly"]
    assert plan.to_dict()["plan"]["report_schedule"][0]["source_text"] == "日检查、月汇总、季排队、年总评"
    plan = parse_plan((SEEDS / "003_2e7f0c1ab6751533.txt").read_bytes(), "003.txt")
    targets = {t.code: t.indicator for t in plan.tasks if t.indicator}
    assert len(targets) == 1
    (indicator,) = targets.values()
    assert indicator["target"] == 50.0 and indicator["unit"] == "%" and indicator["direction"] == "ge"
    assert plan.to_dict()["tasks"][[t.code for t in plan.tasks].index(next(iter(targets)))]["indicator"] == indicator


def test_indicator_progress_from_baseline_to_target() -> None:
    rate = Target(75, "ge", baseline=55)
    assert rate.progress(65) == 50 and rate.progress(75) == 100 and rate.progress(50) == 0
    assert rate.progress(None) is None
    assert Target(35, "ge").progress(7) == 20  # a rate without a baseline counts from 0
    falling = Target(5, "le", baseline=15)
    assert falling.progress(10) == 50 and falling.progress(4) == 100
    assert Target(5, "le").progress(8) is None  # a ≤ target without a baseline cannot be paced
    assert rate.progress(74.99) == 99  # not reached is never 100
