"""报送要求 and 指标 in the web app (AppTest against a demo database): the office sets a task's schedule, its
target and an audited value on 任务; a unit files the value on 本单位; leaders and other units get no forms;
the import review shows the proposals and publishes what the office kept."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from models.db import read_session
from models.services import reporting
from models.tables import Indicator, IndicatorValue, Plan, ReportSchedule, Task
from tests import factories as f
from tests.conftest import TODAY
from tests.ui.conftest import goto, login, texts


@pytest.fixture(autouse=True)
def _demo_day(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pages work on the demo's day (REFORM_TODAY), like the data they show."""
    from models.settings import get_settings

    monkeypatch.setenv("REFORM_TODAY", TODAY.isoformat())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _open_task(at, task_id: int):  # type: ignore[no-untyped-def]
    goto(at, "tasks")
    at.selectbox(key="task_pick").set_value(task_id).run()
    assert not at.exception, at.exception
    return at


def test_office_sets_schedule_target_and_audited_value_on_the_task_page(app_db):
    task = f.task(app_db, "四.3")
    at = _open_task(login("gaiban"), task.id)
    assert "**报送要求：** 无" in texts(at)  # the demo plan sets no reporting duty
    at.text_input(key=f"duty_text_{task.id}").input("每周五")
    at.button(key=f"duty_save_{task.id}").click().run()
    assert not at.exception
    assert "已保存报送要求" in texts(at)
    assert "每周五（本任务）" in texts(at)
    # the slot opened at once for this week (TODAY is Saturday 11-21: the next Friday is 11-27)
    slots = reporting.detail(task.id, today=TODAY)["slots"]
    assert [s["due_on"] for s in slots] == [TODAY + timedelta(days=6)]

    at.number_input(key=f"ind_target_{task.id}").set_value(90.0)
    at.number_input(key=f"ind_base_{task.id}").set_value(20.0)
    at.text_input(key=f"ind_name_{task.id}").input("信息共享覆盖率")
    at.button(key=f"ind_save_{task.id}").click().run()
    assert not at.exception and "已保存指标" in texts(at)
    assert "目标值 ≥90%" in texts(at)
    with read_session(app_db) as s:
        ind = s.exec(select(Indicator).where(Indicator.task_id == task.id)).one()
        assert (ind.target, ind.unit, ind.direction, ind.baseline) == (90.0, "%", "ge", 20.0)
    assert len(at.get("plotly_chart")) >= 1  # the pace chart

    at.number_input(key=f"audit_value_{task.id}").set_value(60.0)
    at.button(key=f"audit_save_{task.id}").click().run()
    assert "设置审定值必须填写理由" in texts(at)  # refused without a reason, nothing stored
    at.text_input(key=f"audit_reason_{task.id}").input("按平台统计数据核定")
    at.button(key=f"audit_save_{task.id}").click().run()
    assert not at.exception and "已保存审定值" in texts(at)
    assert "审定值 60%" in texts(at) and "按平台统计数据核定" in texts(at)


def test_unit_files_the_value_on_its_page_and_the_slot_is_filled(app_db):
    from models.services.actor import Actor

    task = f.task(app_db, "四.3")  # led by 县城市管理局 (chengguan)
    office = Actor.system("test")
    reporting.set_schedule(office, plan_id=task.plan_id, task_id=task.id, rules=[{"frequency": "weekly", "weekday": 5}],
                           expected_version=task.version, today=TODAY, engine=app_db)
    task = f.task(app_db, "四.3")
    reporting.set_indicator(office, task_id=task.id, expected_version=task.version, today=TODAY, engine=app_db,
                            indicator={"target": 90, "unit": "%", "direction": "ge", "baseline": 20})
    at = login("chengguan")
    goto(at, "my_unit")
    at.selectbox(key="report_task").set_value(task.id).run()
    assert "本次填报将计入" in texts(at)
    at.number_input(key=f"report_value_{task.id}").set_value(55.0)
    at.slider(key="report_percent_0").set_value(60)
    at.button(key="report_progress_0").click().run()
    assert not at.exception, at.exception
    assert "已报告任务 四.3 进展 60%" in texts(at)
    with read_session(app_db) as s:
        values = s.exec(select(IndicatorValue).where(IndicatorValue.task_id == task.id)).all()
        assert [(v.kind, v.value) for v in values] == [("reported", 55.0)]
    assert reporting.detail(task.id, today=TODAY)["slots"][0]["state"] == "filed"
    # the department sees the schedule and indicator on 任务 but none of the office's forms
    _open_task(at, task.id)
    assert "最新填报值 55%" in texts(at)
    keys = {w.key for w in at.button}
    assert not {f"duty_save_{task.id}", f"ind_save_{task.id}", f"audit_save_{task.id}"} & keys


def test_leader_reads_the_schedule_but_gets_no_forms(app_db):
    task = f.task(app_db, "四.3")
    at = _open_task(login("lingdao"), task.id)
    assert "报送要求" in texts(at)
    keys = {w.key for w in at.button}
    assert not {f"duty_save_{task.id}", f"ind_save_{task.id}", f"audit_save_{task.id}"} & keys
    assert not any(str(k).startswith("plan_duty_save") for k in keys)


def test_office_sets_the_plan_schedule_inherited_by_tasks(app_db):
    at = login("gaiban")
    goto(at, "tasks")
    with read_session(app_db) as s:
        plan = s.exec(select(Plan)).one()
    at.text_input(key=f"plan_duty_text_{plan.id}").input("每月5日前；乱七八糟")
    at.button(key=f"plan_duty_save_{plan.id}").click().run()
    assert "无法识别的报送要求：“乱七八糟”" in texts(at)
    at.text_input(key=f"plan_duty_text_{plan.id}").input("每月5日前；每季度末")
    at.button(key=f"plan_duty_save_{plan.id}").click().run()
    assert not at.exception and "已保存方案报送要求" in texts(at)
    assert reporting.plan_schedule(plan.id)["text"] == "每月5日前；每季度末"
    rel = f.task(app_db, "三.1")
    at.selectbox(key="task_pick").set_value(rel.id).run()
    assert "每月5日前；每季度末（继承方案）" in texts(at)


def test_import_review_shows_and_publishes_the_proposals(app_db):
    at = login("gaiban")
    goto(at, "import_plan")
    at.session_state["import_draft"] = {
        "plan": {"title": "县垃圾分类方案", "doc_number": None, "issuer": None, "date": "2026-11-01",
                 "report_schedule": [{"frequency": "monthly", "day": 5, "source_text": "每月5日前报送"}]},
        "tasks": [{"code": "1", "title": "生活垃圾资源化利用率达到35%", "lead_units": ["县城市管理局"],
                   "deadline": "2026-12-31", "report_schedule": [],
                   "indicator": {"name": "生活垃圾资源化利用率", "target": 35.0, "unit": "%", "direction": "ge"}},
                  {"code": "2", "title": "按季度报送进展", "lead_units": ["县城市管理局"], "deadline": "2027-03-31",
                   "report_schedule": [{"frequency": "quarterly", "day": 0}], "indicator": None}],
        "warnings": [], "fingerprint": "e" * 64, "filename": "垃圾分类.docx"}
    at.run()
    assert not at.exception, at.exception
    assert "识别到 2 项任务含报送要求或量化指标" in texts(at)
    assert at.text_input(key="import_plan_duty").value == "每月5日前"
    at.text_input(key="import_plan_duty").input("每月10日前")  # the office changes the proposal
    at.button(key="import_publish").click().run()
    assert not at.exception, at.exception
    assert "已发布《县垃圾分类方案》" in texts(at)
    with read_session(app_db) as s:
        plan = s.exec(select(Plan).where(Plan.title == "县垃圾分类方案")).one()
        rows = s.exec(select(ReportSchedule).where(ReportSchedule.plan_id == plan.id)).all()
        assert sorted((r.task_id is None, r.frequency, r.day) for r in rows) == [(False, "quarterly", 0),
                                                                                (True, "monthly", 10)]
        first = s.exec(select(Task).where(Task.plan_id == plan.id, Task.code == "1")).one()
        assert s.exec(select(Indicator).where(Indicator.task_id == first.id)).one().target == 35.0
