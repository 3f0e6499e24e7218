"""Publishing after review (issue #14): every unit name settled, tasks done at import, the 台账 both ways."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from models.db import read_session
from models.importing import parse_plan
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.ledger import HEADER, blank_template, export_plan
from models.services.plans import plan_diff, publish_plan, unit_proposals
from models.tables import ProgressReport, Task, TaskUnit, Unit, UnitAlias
from tests.factories import actor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans" / "accuracy"
SYSTEM = Actor.system("t")


def _draft(*units: str) -> dict:
    return {"plan": {"title": "测试方案", "date": "2026-03-02"}, "tasks": [
        {"code": "1", "title": "任务一", "lead_units": list(units), "deadline": "2026-12-31"},
        {"code": "2", "title": "任务二", "lead_units": ["县外星局"], "deadline": "2026-10-31"}]}


def test_unresolved_names_block_publishing_with_each_name_and_task(demo_engine) -> None:
    with pytest.raises(Invalid) as refused:
        publish_plan(actor(demo_engine, "gaiban"), _draft("县编办", "县人力社保局"), engine=demo_engine)
    message = refused.value.message
    assert "县外星局（任务 2）" in message and "县人力社保局（任务 1）" in message and "县编办" not in message
    with read_session(demo_engine) as s:
        assert s.exec(select(Task).where(Task.title == "任务一")).first() is None  # nothing was stored


def test_proposals_name_the_likely_unit_with_a_confidence(demo_engine) -> None:
    with read_session(demo_engine) as s:
        proposals = {p.name: p for p in unit_proposals(s, _draft("县编办", "县人力社保局"))}
    assert set(proposals) == {"县人力社保局", "县外星局"}
    assert proposals["县人力社保局"].unit == "县人力资源和社会保障局"
    assert proposals["县人力社保局"].confidence > proposals["县外星局"].confidence
    assert proposals["县外星局"].tasks == ("2",)


def test_decisions_map_create_or_leave_unassigned(demo_engine) -> None:
    draft = {**_draft("县人力社保局", "县新设中心"), "unit_decisions": {
        "县人力社保局": {"action": "map", "unit": "县人力资源和社会保障局"},
        "县新设中心": {"action": "create"}, "县外星局": {"action": "unassigned"}}}
    result = publish_plan(actor(demo_engine, "gaiban"), draft, engine=demo_engine)
    assert any("暂不指定" in w for w in result.warnings)
    with read_session(demo_engine) as s:
        links = s.exec(select(TaskUnit).join(Task).where(Task.plan_id == result.plan.id)).all()
        assert {(r.written_name, r.unit_id is None) for r in links} == {
            ("县人力社保局", False), ("县新设中心", False), ("县外星局", True)}
        assert s.exec(select(UnitAlias).where(UnitAlias.alias == "县人力社保局")).one()
        assert s.exec(select(Unit).where(Unit.name == "县新设中心")).one()


def test_a_task_marked_unassigned_on_purpose_needs_no_decision(demo_engine) -> None:
    draft = _draft("县编办")
    draft["tasks"][1]["unassigned"] = True
    assert publish_plan(SYSTEM, draft, engine=demo_engine).created


def test_a_task_done_before_the_plan_came_out_is_published_done_with_its_note(engine) -> None:
    draft = {"plan": {"title": "迟发方案", "date": "2019-06-20"}, "tasks": [
        {"code": "1", "title": "人员摸底", "deadline": "2019-05-31", "status": "done", "completion_note": "5月已完成摸底"},
        {"code": "2", "title": "制定方案", "deadline": "2019-09-30"}]}
    result = publish_plan(SYSTEM, draft, engine=engine)
    with read_session(engine) as s:
        done = s.exec(select(Task).where(Task.plan_id == result.plan.id, Task.code == "1")).one()
        assert (done.status, done.percent, done.actual_finish) == ("done", 100, date(2019, 5, 31))
        report = s.exec(select(ProgressReport).where(ProgressReport.task_id == done.id)).one()
        assert report.note == "导入时标记为已完成：5月已完成摸底"


@pytest.mark.parametrize("fixture", ["yutai_duties.txt", "songling_fengong.xlsx", "dongpu_fenlei.docx"])
def test_ledger_round_trip_changes_nothing(engine, fixture: str) -> None:
    parsed = parse_plan((FIXTURES / fixture).read_bytes(), fixture)
    names = {n for t in parsed.tasks for n in t.unit_mentions}
    draft = {**parsed.to_dict(), "unit_decisions": {n: {"action": "create"} for n in names}}
    draft["plan"]["title"] = draft["plan"]["title"] or fixture
    published = publish_plan(SYSTEM, draft, engine=engine)
    workbook = export_plan(SYSTEM, published.plan.id, engine=engine)
    again = parse_plan(workbook, "台账.xlsx")
    with read_session(engine) as s:
        assert plan_diff(s, published.plan.id, again.to_dict()) == {"added": [], "removed": [], "changed": []}
    original = {t.code: (t.parent, t.lead_units, t.responsible_units, t.supporting_units, t.deadline)
                for t in parsed.tasks}
    assert {t.code: (t.parent, t.lead_units, t.responsible_units, t.supporting_units, t.deadline)
            for t in again.tasks} == original


def test_blank_template_has_the_standard_columns_and_imports_as_empty(engine) -> None:
    data = blank_template()
    sheet = load_workbook(__import__("io").BytesIO(data)).active
    assert tuple(c.value for c in sheet[3]) == HEADER
    plan = parse_plan(data, "模板.xlsx")
    assert plan.tasks == [] and "表格中没有任务行" in plan.warnings


def test_deadline_counted_from_the_plan_date_follows_the_office_calendar(engine) -> None:
    from models.services.calendar import import_arrangement
    from models.services.plans import office_calendar
    from models.services.scheduling import recompute

    text = "\n".join(["某县人民政府关于印发某县机构改革实施方案的通知", "2026年12月20日", "某县机构改革实施方案",
                      "一、主要任务", "（一）制定“三定”规定。（县委编办牵头，印发之日起10个工作日内完成）"])
    parsed = parse_plan(text.encode(), "plan.txt", calendar=office_calendar(engine=engine))
    draft = {**parsed.to_dict(), "unit_decisions": {"县委编办": {"action": "create"}}}
    published = publish_plan(SYSTEM, draft, engine=engine)
    recompute(SYSTEM, plan_id=published.plan.id, today=date(2026, 12, 21), engine=engine)
    with read_session(engine) as s:
        task = s.exec(select(Task).where(Task.plan_id == published.plan.id, Task.code == "一.(一)")).one()
        assert (task.deadline, task.deadline_rule, task.provisional) == (date(2027, 1, 1), "plan", True)
    import_arrangement(SYSTEM, year=2027, text="一、元旦：1月1日（周五）至3日（周日）放假，共3天。", engine=engine)
    recompute(SYSTEM, plan_id=published.plan.id, today=date(2026, 12, 21), engine=engine)
    with read_session(engine) as s:
        task = s.exec(select(Task).where(Task.plan_id == published.plan.id, Task.code == "一.(一)")).one()
        assert (task.deadline, task.provisional) == (date(2027, 1, 4), False)


def test_a_deadline_the_reviewer_changed_by_hand_stays_fixed(engine) -> None:
    draft = {"plan": {"title": "手改", "date": "2026-12-20"}, "tasks": [
        {"code": "1", "title": "甲", "deadline": "2027-01-15", "deadline_text": "印发之日起10个工作日内",
         "plan_lag": "10 workdays"}]}
    published = publish_plan(SYSTEM, draft, engine=engine)
    with read_session(engine) as s:
        assert s.exec(select(Task).where(Task.plan_id == published.plan.id)).one().deadline_rule == "absolute"


def test_names_only_in_tasks_left_unassigned_are_not_proposed(demo_engine) -> None:
    draft = _draft("县编办")
    draft["tasks"][1]["unassigned"] = True
    with read_session(demo_engine) as s:
        assert unit_proposals(s, draft) == []
