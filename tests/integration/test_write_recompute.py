"""Every write leaves the world consistent: when a service call returns, the plan's lights, forecasts and
dependants' dates are already recomputed — no scan needed (issue: every action takes effect at once)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from models.db import read_session
from models.services import admin, handovers, scan, tasks
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.tables import AuditEvent, Handover, Task
from tests import factories
from tests.conftest import TODAY
from tests.integration.helpers_scan import alerts, count


def stored(engine: Engine, code: str) -> Task:
    return factories.task(engine, code)


def lead_of(engine: Engine, code: str) -> Actor:
    from sqlmodel import select

    from models.tables import TaskUnit

    with read_session(engine) as s:
        unit_id = s.exec(select(TaskUnit.unit_id).where(TaskUnit.task_id == stored(engine, code).id,
                                                        TaskUnit.role == "lead")).first()
    return Actor(user_id=None, username="lead", role="department", unit_id=unit_id)


def test_a_department_reporting_done_turns_the_light_at_once(demo_engine: Engine) -> None:
    before = stored(demo_engine, "三.3")
    assert before.light in {"red", "yellow"} and "落后" in (before.light_reason or "")
    tasks.report_done(factories.actor(demo_engine, "zhujian"), task_id=before.id or 0,
                      expected_version=before.version, note="档案已清点移交", today=TODAY, engine=demo_engine)
    after = stored(demo_engine, "三.3")
    assert (after.status, after.light, after.light_reason) == ("pending_review", "done", "已上报完成，待审核")
    assert after.forecast_finish == TODAY


def test_a_returned_task_is_red_again_at_once_and_continues_its_ladder(demo_engine: Engine) -> None:
    red = stored(demo_engine, "四.4")  # 25 days overdue
    scan.run_scan(TODAY, engine=demo_engine)
    day3 = TODAY + timedelta(days=4)  # the third working day of red (TODAY is a Saturday)
    scan.run_scan(day3, engine=demo_engine)
    assert ("四.4", "supervision", day3.isoformat()) in alerts(demo_engine)
    red = stored(demo_engine, "四.4")
    lead = lead_of(demo_engine, "四.4")  # 县综合行政执法局 has no demo account
    done = tasks.report_done(lead, task_id=red.id or 0, expected_version=red.version, today=day3, engine=demo_engine)
    assert stored(demo_engine, "四.4").light == "done"
    office = factories.actor(demo_engine, "gaiban")
    tasks.review(office, task_id=red.id or 0, expected_version=done.version, decision="return",
                 reason="佐证材料不全", today=day3, engine=demo_engine)
    returned = stored(demo_engine, "四.4")
    assert returned.light == "red" and returned.red_since == red.red_since  # not a fresh start
    scan.run_scan(day3 + timedelta(days=1), engine=demo_engine)
    levels = [lvl for code, lvl, _ in alerts(demo_engine) if code == "四.4"]
    assert levels.count("urging") == 1 and levels.count("supervision") == 1  # no restart of the ladder


def test_completing_a_handover_finishes_its_task_and_moves_the_dependants(demo_engine: Engine) -> None:
    """三.3 (archives) completes through its handover; 三.5 waited for it and 四.1 is relative to 三.5."""
    archive = factories.handover(demo_engine, "archive")
    handovers.start(factories.actor(demo_engine, "gaiban"), handover_id=archive.id or 0,
                    expected_version=archive.version, engine=demo_engine)
    forecast_before = stored(demo_engine, "三.5").forecast_finish
    for username in ("zhujian", "chengguan", "dangan"):
        with read_session(demo_engine) as s:
            ho = s.get(Handover, archive.id)
            step = handovers.current_step(handovers.steps_of(s, archive.id or 0))
        assert ho is not None and step is not None
        outcome = handovers.confirm_step(factories.actor(demo_engine, username), handover_id=archive.id or 0,
                                         step_id=step.id or 0, expected_version=ho.version, today=TODAY,
                                         engine=demo_engine)
    assert outcome.completed and outcome.task_completed
    task = stored(demo_engine, "三.3")
    assert (task.status, task.light, task.actual_finish) == ("done", "done", TODAY)
    assert stored(demo_engine, "三.5").forecast_finish is not None
    assert stored(demo_engine, "三.5").forecast_finish <= (forecast_before or date.max)


def test_a_holiday_entered_by_the_office_moves_working_day_deadlines_at_once(demo_engine: Engine) -> None:
    """二.2 is due 30 working days after 二.1: a holiday inside that window pushes it one working day."""
    deadline = stored(demo_engine, "二.2").deadline
    assert deadline is not None
    office = factories.actor(demo_engine, "gaiban")
    window_day = deadline - timedelta(days=7)
    while window_day.weekday() >= 5:
        window_day -= timedelta(days=1)
    admin.set_holiday(office, day=window_day, is_workday=False, name="临时调休", engine=demo_engine)
    moved = stored(demo_engine, "二.2").deadline
    assert moved is not None and moved > deadline


def test_thresholds_change_every_light_at_once(demo_engine: Engine) -> None:
    office = factories.actor(demo_engine, "gaiban")
    yellow = {t for t, (_, light) in _lights(demo_engine).items() if light == "yellow"}
    assert yellow
    admin.set_thresholds(Actor.system("test"), due_soon_days=0, yellow_behind_points=90, red_behind_points=95,
                         engine=demo_engine)
    assert office and _lights(demo_engine) != {}
    assert {t for t, (_, light) in _lights(demo_engine).items() if light == "yellow"} != yellow


def _lights(engine: Engine) -> dict[str, tuple[str, str]]:
    from tests.integration.helpers_scan import lights

    return lights(engine)


# ---------------------------------------------------------------- declared totals (申报合计)
def _started_staff(engine: Engine) -> Handover:
    ho = factories.handover(engine, "asset")  # started in the demo, the sender has not confirmed yet
    assert ho.status == "in_progress" and ho.declared_total
    return ho


def test_once_started_the_sender_cannot_clear_or_replace_the_declared_total(demo_engine: Engine) -> None:
    ho = _started_staff(demo_engine)
    sender = factories.actor(demo_engine, "zhujian")
    with read_session(demo_engine) as s:
        items = handovers.items_of(s, ho.id or 0)
    kept = handovers.set_items(sender, handover_id=ho.id or 0, expected_version=ho.version, items=items,
                               declared_total=None, engine=demo_engine)
    assert kept.declared_total == ho.declared_total  # None no longer clears it
    with pytest.raises(PermissionDenied):
        handovers.set_items(sender, handover_id=ho.id or 0, expected_version=kept.version, items=items[:-1],
                            declared_total={"items": len(items) - 1}, engine=demo_engine)
    with pytest.raises(Invalid):  # a shorter list no longer adds up to the fixed total
        handovers.set_items(sender, handover_id=ho.id or 0, expected_version=kept.version, items=items[:-1],
                            engine=demo_engine)


def test_only_the_office_changes_a_started_declared_total_with_a_reason(demo_engine: Engine) -> None:
    ho = _started_staff(demo_engine)
    with pytest.raises(PermissionDenied):
        handovers.set_declared_total(factories.actor(demo_engine, "zhujian"), handover_id=ho.id or 0,
                                     expected_version=ho.version, declared_total={"items": 1}, reason="少报一件",
                                     engine=demo_engine)
    office = factories.actor(demo_engine, "gaiban")
    with pytest.raises(Invalid):
        handovers.set_declared_total(office, handover_id=ho.id or 0, expected_version=ho.version,
                                     declared_total={"items": 1}, reason=" ", engine=demo_engine)
    changed = handovers.set_declared_total(office, handover_id=ho.id or 0, expected_version=ho.version,
                                           declared_total={"items": 1}, reason="清查后核减", engine=demo_engine)
    assert changed.declared_total == {"items": 1}
    assert count(demo_engine, AuditEvent, AuditEvent.action == "handover.set_declared",
                 AuditEvent.outcome == "success") == 1
