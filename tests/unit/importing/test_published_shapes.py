"""Plans as counties publish them (issue #14): prose measures, duty clauses, plan-anchored deadlines, checks."""

from __future__ import annotations

from datetime import date

from benchmarks.importing import make_xlsx
from models.importing import parse_plan
from models.importing.outline import build_outline
from models.workcalendar import WorkCalendar


def _txt(*lines: str) -> bytes:
    return "\n".join(lines).encode("utf-8")


def _plan_dated(day: str, *body: str) -> bytes:
    return _txt("某县人民政府关于印发某县机构改革实施方案的通知", "某政发〔2026〕9号", day, "某县机构改革实施方案",
                "一、主要任务", *body)


def test_ten_workdays_from_issue_follow_the_office_calendar() -> None:
    data = _plan_dated("2026年12月20日", "（一）制定“三定”规定。（县委编办牵头，印发之日起10个工作日内完成）")
    guessed = parse_plan(data, "plan.txt").task("一.(一)")
    assert (guessed.deadline, guessed.provisional) == (date(2027, 1, 1), True)  # 2027 is not known: weekdays
    office = WorkCalendar({date(2027, 1, 1): False}, official_years=[2027])  # 放假安排 2027 entered: 元旦
    entered = parse_plan(data, "plan.txt", calendar=office).task("一.(一)")
    assert (entered.deadline, entered.provisional) == (date(2027, 1, 4), False)


def test_plan_anchors_with_brackets_and_without_nei() -> None:
    plan = parse_plan(_plan_dated(
        "2019年4月15日",
        "（一）报送草案。（县城管局牵头，（本方案）印发之日起10个工作日内完成）",
        "（二）划转人员。（县人社局牵头，方案印发后10个工作日完成）",
        "（三）移交资产。（县财政局牵头，印发之日起15日内完成）"), "plan.txt")
    assert [plan.task(c).deadline for c in ("一.(一)", "一.(二)", "一.(三)")] == [
        date(2019, 4, 28), date(2019, 4, 28), date(2019, 4, 30)]  # 4月28日 is a 劳动节 make-up Sunday
    assert not [w for w in plan.warnings if "未找到" in w]


def test_deadline_before_or_just_after_issue_is_flagged() -> None:
    plan = parse_plan(_plan_dated(
        "2019年6月20日",
        "（一）人员摸底。（县委编办牵头，2019年5月底前完成）",
        "（二）制定方案。（县委编办牵头，2019年6月22日前完成）",
        "（三）移交档案。（县档案馆牵头，2019年9月底前完成）"), "plan.txt")
    assert plan.task("一.(一)").check and "早于印发日期" in plan.task("一.(一)").check
    assert plan.task("一.(二)").check and "仅2天" in plan.task("一.(二)").check
    assert plan.task("一.(三)").check is None
    assert sum("已完成" in w for w in plan.warnings) == 2


def test_prose_measures_with_ordinals_are_tasks_and_frame_items_are_not() -> None:
    plan = parse_plan(_txt(
        "某县人民政府关于加强城市管理的意见", "2021年3月8日",
        "一、基本原则", "1.坚持以人为本。县城管局要回应关切。",
        "二、工作措施", "第一，加强队伍建设。县城管局负责组织培训。", "第二，落实经费保障。县财政局要足额保障。",
        "第三，营造良好氛围。"), "plan.txt")
    assert [(t.code, t.lead_units) for t in plan.tasks if not t.is_group] == [
        ("二.1", ["县城管局"]), ("二.2", ["县财政局"]), ("二.3", [])]
    assert all(t.source.startswith("正文") for t in plan.tasks)


def test_ordinal_marker_is_a_heading_but_a_quantity_is_not() -> None:
    outline = build_outline(["一、工作措施", "第一，加强领导。", "第一批试点乡镇名单另行公布。", "第二，强化保障。"])
    assert [n.code for n in outline.walk()] == ["一", "一.1", "一.2"]


def test_table_rows_say_where_they_came_from_and_notes_are_not_tasks() -> None:
    rows: list[list[object]] = [
        ["某县任务分工表", None, None, None, None],
        ["序号", "类别", "改革任务", "牵头单位", "完成时限"],
        [1, "机构", "组建县城管局", "县委编办", "2019年6月底前"],
        [2, "机构", "制定三定规定", "县委编办", "2019年7月底前"],
        [3, "人员", "人员划转", "县人社局", "2019年8月底前"],
        ["注：排在第一位的为牵头单位。", "注：排在第一位的为牵头单位。", "注：排在第一位的为牵头单位。", None, None],
    ]
    plan = parse_plan(make_xlsx(rows, merges=["A1:E1", "B3:B4", "A6:C6"]), "t.xlsx")
    assert [(t.code, t.is_group) for t in plan.tasks] == [
        ("一", True), ("一.1", False), ("一.2", False), ("二", True), ("二.3", False)]
    assert plan.task("一").title == "机构" and plan.task("一.2").source == "表格第4行"


def test_duty_clauses_lead_their_task_and_serving_clauses_support_the_task_they_serve() -> None:
    plan = parse_plan(_plan_dated(
        "2019年4月15日",
        "（一）做好人员划转。按照“人随事走”原则划转人员。（县人社局牵头，2019年6月底前完成）",
        "（二）做好资产移交。清查资产并办理移交。（县财政局牵头，2019年7月底前完成）",
        "二、责任分工",
        "县委编办负责“三定”规定审核，并会同县司法局制定执法事项清单；县人社局负责人员划转和人事管理；"
        "县档案馆配合做好资产移交中的档案交接；县审计局配合做好经济责任审计。各有关单位要密切配合。"), "plan.txt")
    duties = [t for t in plan.tasks if t.parent == "二"]
    assert [(t.lead_units, t.supporting_units) for t in duties] == [
        (["县委编办"], ["县司法局"]), (["县人社局"], []), (["县审计局"], [])]
    assert plan.task("一.(二)").supporting_units == ["县档案馆"]  # 配合做好资产移交: supports that task
    assert [t.code for t in duties] == ["二.1", "二.2", "二.配2"]
    assert any(w.startswith("任务 二.配2") and "未找到对应的任务" in w for w in plan.warnings)


def test_immediate_tasks_are_not_flagged_as_late() -> None:
    plan = parse_plan(_plan_dated("2019年6月20日", "（一）成立领导小组。（县委办牵头，即时完成）"), "plan.txt")
    assert plan.task("一.(一)").deadline == date(2019, 6, 20) and plan.task("一.(一)").check is None
