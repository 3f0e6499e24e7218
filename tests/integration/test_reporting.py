"""Reporting duties and indicator tasks on a real database: slots over holidays, missed slot → red light →
escalation ladder → ranking figure, idempotent scans, standing tasks, filing through the progress report,
indicator pace lights, audited values, importer proposals published, and permission refusals."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.db import read_session, write_session
from models.services import plans, rankings, reporting, scan, tasks
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, PermissionDenied
from models.tables import Alert, AuditEvent, IndicatorValue, Plan, ReportSlot, Task, Unit, User
from tests.integration.helpers_scan import alerts, audit_count, count

OFFICE = Actor.system("office")
PUBLISHED = date(2026, 8, 31)  # a Monday
BASE = {"text": "", "responsible_units": [], "supporting_units": [], "deadline_text": None, "depends_on": [],
        "parent": None}


def _publish(engine: Engine, *, plan_rules: list[dict[str, Any]] | None = None,
             tasks_extra: list[dict[str, Any]] | None = None) -> dict[str, Task]:
    draft = {"plan": {"title": "报送测试方案", "date": "2026-08-03", "report_schedule": plan_rules or []},
             "tasks": [{**BASE, "code": "1", "title": "定期开展清理工作并向社会公布清理结果", "ongoing": True,
                        "lead_units": ["甲局"], "supporting_units": ["乙局"]},
                       {**BASE, "code": "2", "title": "年底前完成", "deadline": "2026-12-31", "lead_units": ["乙局"]},
                       *(tasks_extra or [])],
             "unit_decisions": {"甲局": {"action": "create"}, "乙局": {"action": "create"}}}
    plans.publish_plan(OFFICE, draft, today=PUBLISHED, engine=engine)
    return _tasks(engine)


def _tasks(engine: Engine) -> dict[str, Task]:
    with read_session(engine) as s:
        return {t.code: t for t in s.execute(select(Task)).scalars()}


def _dept(engine: Engine, unit: str) -> Actor:
    with write_session(engine) as s:
        unit_id = s.execute(select(Unit.id).where(Unit.name == unit)).scalar_one()
        user = User(username=f"u{unit_id}", display_name=unit, role="department", unit_id=unit_id)
        s.add(user)
        s.flush()
        return Actor(user.id, user.username, "department", unit_id)


def _slots(engine: Engine, code: str) -> list[tuple[str, str | None]]:
    task = _tasks(engine)[code]
    return [(s["due_on"].isoformat(), s["state"]) for s in reporting.detail(task.id or 0, today=date(2026, 12, 1),
                                                                            engine=engine)["slots"]]


MONTHLY_5 = [{"frequency": "monthly", "day": 5, "remind_days": 2, "source_text": "每月5日前报送"}]


def test_plan_schedule_is_inherited_and_slots_open_over_holidays(engine: Engine) -> None:
    _publish(engine, plan_rules=MONTHLY_5)
    assert count(engine, ReportSlot) == 0  # 9-05's slot opens on 9-01: nothing before the first scan
    scan.run_scan(date(2026, 9, 1), engine=engine)
    with read_session(engine) as s:
        rows = s.execute(select(ReportSlot.task_id, ReportSlot.due_on, ReportSlot.moved_from)).all()
    # both tasks inherit; 9-05 is a Saturday → Monday 9-07 (nothing is due before the day it was published)
    assert sorted((r.due_on, r.moved_from) for r in rows) == [(date(2026, 9, 7), date(2026, 9, 5))] * 2
    scan.run_scan(date(2026, 10, 1), engine=engine)  # 10-05 falls in the National Day holiday
    due = [d for d, _ in _slots(engine, "1")]
    assert due == ["2026-09-07", "2026-10-08"]


def test_missed_slot_turns_a_standing_task_red_and_climbs_the_ladder(engine: Engine) -> None:
    _publish(engine, plan_rules=MONTHLY_5)
    day = date(2026, 9, 3)  # two working days before 9-07: the reminder
    stats = scan.run_scan(day, engine=engine)
    assert stats["report_reminders"]["alerts"] == 2
    assert {c for c, _, _ in alerts(engine, level="report")} == {"1", "2"}
    assert "应于2026-09-07前报送" in alerts_text(engine, "1")
    before = alerts(engine)
    again = scan.run_scan(day, engine=engine)  # the same day again: nothing new is opened or alerted
    assert again["report_slots"]["opened"] == 0 and again["report_reminders"] == {"alerts": 0, "slots": 0}
    assert alerts(engine) == before and audit_count(engine, "scan.report_reminders") == 1
    scan.run_scan(date(2026, 9, 4), engine=engine)  # the next day: the slot was reminded once already
    assert len(alerts(engine, level="report")) == 2

    scan.run_scan(date(2026, 9, 8), engine=engine)  # missed: red, urging on the first red day
    standing = _tasks(engine)["1"]
    assert standing.deadline is None and standing.light == "red" and standing.red_since == date(2026, 9, 8)
    assert "报送要求：1期未按时报送（最早应于2026-09-07报送）" in (standing.light_reason or "")
    assert ("1", "urging", "2026-09-08") in alerts(engine)
    for d in (9, 10):
        scan.run_scan(date(2026, 9, d), engine=engine)
    assert not alerts(engine, level="supervision")
    scan.run_scan(date(2026, 9, 11), engine=engine)
    # red for three working days after the first red day → 督办通知单, like an overdue task
    assert ("1", "supervision", "2026-09-11") in alerts(engine)
    assert _slots(engine, "1")[0] == ("2026-09-07", "missed")


def alerts_text(engine: Engine, code: str) -> str:
    with read_session(engine) as s:
        return " ".join(s.execute(select(Alert.message).join(Task, Task.id == Alert.task_id)
                                  .where(Task.code == code)).scalars())


def test_a_progress_report_fills_the_slot_and_the_light_recovers(engine: Engine) -> None:
    found = _publish(engine, plan_rules=MONTHLY_5)
    dept = _dept(engine, "甲局")
    scan.run_scan(date(2026, 9, 8), engine=engine)
    assert _tasks(engine)["1"].light == "red"
    task = found["1"]
    tasks.report_progress(dept, task_id=task.id or 0, expected_version=_tasks(engine)["1"].version, percent=20,
                          note="8月清理完成并已公布", today=date(2026, 9, 9), engine=engine)
    after = _tasks(engine)["1"]
    assert after.light == "green" and "未按时报送" not in (after.light_reason or "")
    assert _slots(engine, "1")[0] == ("2026-09-07", "late")  # filed after it was due: a late filing
    # the next report inside the open window is on time
    tasks.report_progress(dept, task_id=task.id or 0, expected_version=after.version, percent=30,
                          today=date(2026, 10, 8), engine=engine)
    assert _slots(engine, "1")[1] == ("2026-10-08", "filed")
    with read_session(engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "task.progress")
                          .order_by(AuditEvent.id.desc())).scalars().first()
        assert event is not None and event.after["slot"]["due_on"] == "2026-10-08"


def test_missed_slots_count_in_the_ranking(engine: Engine) -> None:
    _publish(engine, plan_rules=MONTHLY_5)
    _dept(engine, "甲局")
    scan.run_scan(date(2026, 10, 9), engine=engine)  # 9-07 and 10-08 both missed by both tasks
    with read_session(engine) as s:
        units = {u["unit"]: u for u in rankings.rank_units(s, as_of=date(2026, 10, 9))}
        assert rankings.missed_reports(s, as_of=date(2026, 10, 9)) == {units["甲局"]["unit_id"]: 2,
                                                                        units["乙局"]["unit_id"]: 2}
        assert rankings.missed_reports(s, as_of=date(2026, 10, 8)) == {units["甲局"]["unit_id"]: 1,
                                                                        units["乙局"]["unit_id"]: 1}
    # 甲 leads task 1 (乙 only supports it) and 乙 leads task 2: each answers for its own two slots
    assert units["甲局"]["missed_reports"] == 2 and units["乙局"]["missed_reports"] == 2


def test_task_schedule_overrides_the_plan_and_setting_it_needs_the_office(engine: Engine) -> None:
    found = _publish(engine, plan_rules=MONTHLY_5)
    dept = _dept(engine, "甲局")
    task = found["2"]
    with pytest.raises(PermissionDenied):
        reporting.set_schedule(dept, plan_id=task.plan_id, task_id=task.id, rules=[{"frequency": "daily"}],
                               expected_version=task.version, today=PUBLISHED, engine=engine)
    leader = Actor(None, "lingdao", "leader")
    with pytest.raises(PermissionDenied):
        reporting.set_schedule(leader, plan_id=task.plan_id, rules=[], expected_version=1, engine=engine)
    with pytest.raises(Invalid, match="星期几"):
        reporting.set_schedule(OFFICE, plan_id=task.plan_id, task_id=task.id, rules=[{"frequency": "weekly"}],
                               expected_version=task.version, engine=engine)
    reporting.set_schedule(OFFICE, plan_id=task.plan_id, task_id=task.id,
                           rules=[{"frequency": "weekly", "weekday": 5}], expected_version=task.version,
                           today=date(2026, 9, 14), engine=engine)
    with pytest.raises(Conflict):  # the stale version is refused
        reporting.set_schedule(OFFICE, plan_id=task.plan_id, task_id=task.id, rules=[],
                               expected_version=task.version, engine=engine)
    scan.run_scan(date(2026, 10, 9), engine=engine)
    due = [d for d, _ in _slots(engine, "2")]
    # weekly on Fridays from the day it was set: 9-25 is a holiday → 9-28; 10-02 → 10-08; no monthly slot
    assert due == ["2026-09-18", "2026-09-28", "2026-10-08", "2026-10-09"]
    with read_session(engine) as s:
        refused = s.execute(select(AuditEvent.outcome).where(AuditEvent.action == "report.schedule")).scalars().all()
    assert sorted(refused) == ["conflict", "denied", "denied", "invalid", "success"]


INDICATOR = {"target": 35, "unit": "%", "direction": "ge", "baseline": 15, "baseline_on": "2026-09-01",
             "name": "生活垃圾资源化利用率"}


def test_indicator_light_follows_the_value_against_the_pace(engine: Engine) -> None:
    found = _publish(engine, tasks_extra=[{**BASE, "code": "3", "title": "生活垃圾资源化利用率达到35%",
                                           "deadline": "2026-12-31", "lead_units": ["甲局"],
                                           "indicator": INDICATOR}])
    dept = _dept(engine, "甲局")
    other = _dept(engine, "乙局")
    task = found["3"]
    # 11-01: 61 of 121 days elapsed → ~50 % of the way (25 %) expected; the unit reports 17 % (10 % of the way)
    day = date(2026, 11, 1)
    with pytest.raises(PermissionDenied):
        tasks.report_progress(other, task_id=task.id or 0, expected_version=task.version, percent=10, value=30,
                              today=day, engine=engine)
    tasks.report_progress(dept, task_id=task.id or 0, expected_version=task.version, percent=80, value=17,
                          note="统计局数据", today=day, engine=engine)
    got = _tasks(engine)["3"]
    assert got.light == "red", got.light_reason  # 80 % claimed, but the value is 40 points behind the pace
    assert "指标≥35%，现值17%" in (got.light_reason or "")
    # the office audits the value upwards with a reason: ~31 % behind → still red at 30 points? 27 → 60 % of way
    with pytest.raises(Invalid, match="理由"):
        reporting.audit_value(OFFICE, task_id=task.id or 0, expected_version=got.version, value=27, reason=" ",
                              today=day, engine=engine)
    with pytest.raises(PermissionDenied):
        reporting.audit_value(dept, task_id=task.id or 0, expected_version=got.version, value=35, reason="自评",
                              today=day, engine=engine)
    reporting.audit_value(OFFICE, task_id=task.id or 0, expected_version=got.version, value=23,
                          reason="按统计局核定数据", today=day, engine=engine)
    got = _tasks(engine)["3"]
    assert got.light == "yellow", got.light_reason  # 40 % of the way vs ~50 % elapsed: behind by ≥ 10
    tasks.report_progress(dept, task_id=task.id or 0, expected_version=got.version, percent=90, value=40,
                          today=day, engine=engine)  # the audited 23 still outweighs the reported 40
    assert _tasks(engine)["3"].light == "yellow"
    reporting.audit_value(OFFICE, task_id=task.id or 0, expected_version=_tasks(engine)["3"].version, value=36,
                          reason="核定已达标", today=date(2026, 12, 28), engine=engine)
    got = _tasks(engine)["3"]
    assert got.light == "green" and "已达到目标" in (got.light_reason or "")  # due in 3 days, but reached
    with read_session(engine) as s:
        kinds = s.execute(select(IndicatorValue.kind, IndicatorValue.value).order_by(IndicatorValue.id)).all()
    assert [tuple(k) for k in kinds] == [("reported", 17.0), ("audited", 23.0), ("reported", 40.0), ("audited", 36.0)]


def test_indicator_value_on_a_task_without_target_is_refused(engine: Engine) -> None:
    found = _publish(engine)
    dept = _dept(engine, "乙局")
    task = found["2"]
    with pytest.raises(Invalid, match="不是指标任务"):
        tasks.report_progress(dept, task_id=task.id or 0, expected_version=task.version, percent=10, value=3,
                              today=PUBLISHED, engine=engine)
    assert count(engine, IndicatorValue) == 0 and _tasks(engine)["2"].percent == 0  # nothing was kept
    with pytest.raises(PermissionDenied):
        reporting.set_indicator(dept, task_id=task.id or 0, expected_version=task.version,
                                indicator=INDICATOR, engine=engine)
    with pytest.raises(Invalid, match="数字"):
        reporting.set_indicator(OFFICE, task_id=task.id or 0, expected_version=task.version,
                                indicator={**INDICATOR, "target": "七成五"}, engine=engine)
    reporting.set_indicator(OFFICE, task_id=task.id or 0, expected_version=task.version, indicator=INDICATOR,
                            today=PUBLISHED, engine=engine)
    assert reporting.detail(task.id or 0, engine=engine)["indicator"]["target"] == 35


def test_importer_proposals_from_a_seed_are_published(engine: Engine) -> None:
    from pathlib import Path

    from models.importing.parser import parse_plan

    seeds = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
    parsed = parse_plan((seeds / "004_223ded1dea23615e.txt").read_bytes(), "004.txt").to_dict()
    names = {n for t in parsed["tasks"] for k in ("lead_units", "responsible_units", "supporting_units") for n in t[k]}
    parsed["unit_decisions"] = {n: {"action": "unassigned"} for n in names}
    parsed["plan"]["title"] = parsed["plan"]["title"] or "种子方案"
    result = plans.publish_plan(OFFICE, parsed, today=PUBLISHED, engine=engine)
    info = reporting.plan_schedule(result.plan.id or 0, engine=engine)
    assert info["text"] == "每月末；每季度末；每年末"  # 月汇总、季排队、年总评 (日检查 is the office's own check)
    scan.run_scan(date(2026, 10, 1), engine=engine)
    with read_session(engine) as s:
        due = set(s.execute(select(ReportSlot.due_on)).scalars())
    # month ends (9-30 also closes the quarter); windows open on 10-01 for October (10-31 is a Saturday →
    # 11-02) and for the fourth quarter and the year (12-31, one slot for both)
    assert due == {date(2026, 8, 31), date(2026, 9, 30), date(2026, 11, 2), date(2026, 12, 31)}


def test_standing_task_without_schedule_has_no_slots_and_stays_green(engine: Engine) -> None:
    _publish(engine)
    scan.run_scan(date(2026, 10, 9), engine=engine)
    assert count(engine, ReportSlot) == 0
    assert _tasks(engine)["1"].light == "green"


def test_a_finished_task_owes_no_further_reports_and_leaders_change_nothing(engine: Engine) -> None:
    found = _publish(engine, plan_rules=MONTHLY_5)
    dept = _dept(engine, "乙局")
    task = found["2"]
    scan.run_scan(date(2026, 9, 1), engine=engine)
    tasks.report_done(dept, task_id=task.id or 0, expected_version=_tasks(engine)["2"].version, note="已完成",
                      today=date(2026, 9, 2), engine=engine)
    scan.run_scan(date(2026, 12, 1), engine=engine)
    assert _slots(engine, "2") == [("2026-09-07", "filed")]  # the report done filled it; nothing after
    assert _tasks(engine)["2"].light == "done"
    assert len(_slots(engine, "1")) == 4  # the standing task goes on: 9-07, 10-08, 11-05, 12-07 (open on 12-01)
    leader = Actor(None, "lingdao", "leader")
    with pytest.raises(PermissionDenied):
        reporting.set_indicator(leader, task_id=task.id or 0, expected_version=_tasks(engine)["2"].version,
                                indicator=INDICATOR, engine=engine)
    with pytest.raises(PermissionDenied):
        tasks.report_progress(leader, task_id=found["1"].id or 0, expected_version=_tasks(engine)["1"].version,
                              percent=5, engine=engine)


def test_a_by_stage_schedule_follows_the_plans_phases(engine: Engine) -> None:
    """Issue 18: “按阶段报送” without dates of its own: a report falls due at the end of each phase of the plan
    (moved to the next working day), and a change of the phases moves the slots not yet opened."""
    draft = {"plan": {"title": "分阶段方案", "date": "2026-08-03",
                      "phases": [{"name": "动员部署", "end": "2026-09-30"}, {"name": "组织实施", "end": "2026-11-30"},
                                 {"name": "总结验收", "end": "2027-01-31"}],
                      "report_schedule": [{"frequency": "stage", "source_text": "各阶段结束时报送"}]},
             "tasks": [{**BASE, "code": "1", "title": "分阶段推进", "deadline": "2027-01-31", "lead_units": ["甲局"]}],
             "unit_decisions": {"甲局": {"action": "create"}}}
    plan = plans.publish_plan(OFFICE, draft, today=PUBLISHED, engine=engine).plan
    info = reporting.plan_schedule(plan.id or 0, engine=engine)
    assert info["text"] == "按方案阶段" and info["rules"][0]["stages"] == []
    scan.run_scan(date(2026, 9, 1), engine=engine)
    assert _slots(engine, "1") == [("2026-09-30", "missed")]  # opened from the start; not filed by 12-01
    scan.run_scan(date(2026, 10, 9), engine=engine)  # 10-01 … 10-08 National Day: the next slot is open
    assert [d for d, _ in _slots(engine, "1")] == ["2026-09-30", "2026-11-30"]
    with write_session(engine) as s:  # the office moves the last phase's end
        row = s.get(Plan, plan.id)
        row.phases = [*row.phases[:2], {"name": "总结验收", "end": "2027-02-26"}]
        s.add(row)
    scan.run_scan(date(2026, 12, 1), engine=engine)
    assert [d for d, _ in _slots(engine, "1")] == ["2026-09-30", "2026-11-30", "2027-02-26"]
    with pytest.raises(Invalid, match="方案中列出各阶段"):  # a plan without phases needs dates
        reporting.set_schedule(OFFICE, plan_id=_publish(engine)["1"].plan_id, rules=[{"frequency": "stage"}],
                               expected_version=1, today=PUBLISHED, engine=engine)


def _openings(engine: Engine) -> list[date | None]:
    from models.tables import ReportSchedule

    with read_session(engine) as s:
        return list(s.execute(select(ReportSchedule.next_opens_on)).scalars())


def test_the_scan_reads_only_the_schedules_due_and_a_slot_still_opens_on_its_day(engine: Engine) -> None:
    """#17: the slot step remembers each schedule's next opening day; before it the scan reads no task, on
    it the slot opens, a missed slot still counts in the ranking, and a write makes the next scan look again."""
    from sqlalchemy import event

    _publish(engine, plan_rules=MONTHLY_5)
    scan.run_scan(date(2026, 9, 1), engine=engine)  # opens the slots due 9-07 (nominally 9-05)
    assert _openings(engine) == [date(2026, 9, 6)]  # the next period starts the day after the nominal 9-05
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2].lower())  # noqa: E731  (conn, cursor, statement, …)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert reporting.open_slots(date(2026, 9, 5), engine=engine) == {"opened": 0}
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements and not [q for q in statements if "from task" in q or "join task" in q]
    assert reporting.open_slots(date(2026, 9, 6), engine=engine) == {"opened": 2}  # 10-08's slot, both tasks
    assert [d for d, _ in _slots(engine, "1")] == ["2026-09-07", "2026-10-08"]
    assert _openings(engine) == [date(2026, 10, 6)]
    scan.run_scan(date(2026, 9, 8), engine=engine)  # nobody reported for 9-07
    with read_session(engine) as s:
        missed = rankings.missed_reports(s, as_of=date(2026, 9, 8))
        names = dict(s.execute(select(Unit.id, Unit.name)).all())
    assert {names[u]: n for u, n in missed.items()} == {"甲局": 1, "乙局": 1}
    task = _tasks(engine)["2"]
    tasks.report_progress(_dept(engine, "乙局"), task_id=task.id or 0, expected_version=task.version, percent=10,
                          note="补报", today=date(2026, 9, 8), engine=engine)
    assert _openings(engine) == [None]  # the write brought the plan back to the next scan's attention
    scan.run_scan(date(2026, 9, 9), engine=engine)
    assert _openings(engine) == [date(2026, 10, 6)]
