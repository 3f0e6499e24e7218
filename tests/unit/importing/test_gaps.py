"""The importer's former gaps, one small case each (the fixtures cover them in whole plans)."""

from datetime import date

from benchmarks.importing import make_docx, make_xlsx
from models.importing import parse_plan
from models.importing.annotations import extract_annotation
from models.importing.builder import enumerated_clauses
from models.importing.deadlines import parse_deadline
from models.importing.outline import build_outline
from models.importing.task_table import LEAD, SUPPORTING, find_header


def test_roles_before_a_label_inside_a_bracket() -> None:
    found = extract_annotation("（县委编办牵头，县财政局配合；时限：即时）")
    assert (found.lead, found.supporting) == (["县委编办"], ["县财政局"])


def test_tagged_lead_inside_a_responsible_list() -> None:
    found = extract_annotation("责任单位：县委编办（牵头）、县人社局；完成时限：2019年2月底前。")
    assert (found.lead, found.responsible) == (["县委编办"], ["县人社局"])


def test_recurring_immediate_deferred_and_bare_lag() -> None:
    assert parse_deadline("每年12月底前", default_year=2019).recurring is not None
    assert parse_deadline("即时", default_year=2019).immediate
    assert parse_deadline("按上级要求", default_year=2019).deferred
    relative = parse_deadline("3个月内", default_year=2019).relative
    assert relative is not None and relative.lag == "3 months"
    prose = parse_deadline("每年开展一次检查，2019年底前完成", default_year=2019, allow_ongoing=False)
    assert prose.recurring is None and prose.date == date(2019, 12, 31)


def test_plan_date_anchors_recurring_and_immediate() -> None:
    lines = ["某县改革实施方案", "2019年4月10日", "一、主要任务", "1.报送总结。（县委编办牵头；时限：每年3月底前）",
             "2.摸底调查。（县委编办牵头；时限：即时）", "3.制定细则。（县委编办牵头；时限：3个月内）"]
    plan = parse_plan("\n".join(lines).encode(), "a.txt")
    assert [t.deadline for t in plan.tasks if t.code != "一"] == [
        date(2020, 3, 31), date(2019, 4, 10), date(2019, 7, 10)]
    assert plan.task("一.1").recurring == "每年3月底前"
    assert any("周期性" in w for w in plan.warnings)


def test_half_paren_number_continues_its_siblings() -> None:
    outline = build_outline(["一、任务", "1.甲", "2)乙", "3.丙", "1)丙一", "2)丙二", "4.丁"])
    assert [n.code for n in outline.walk()] == ["一", "一.1", "一.2", "一.3", "一.3.(1)", "一.3.(2)", "一.4"]


def test_articles_are_headings() -> None:
    outline = build_outline(["第一章 总则", "第一条 目的", "第二条 范围"])
    assert [n.code for n in outline.walk()] == ["第一部分", "第一部分.第一条", "第一部分.第二条"]


def test_enumerated_clauses() -> None:
    assert enumerated_clauses("规范机构。一是整合机构（甲牵头）；二是精简人员（乙牵头）。") == [
        "整合机构（甲牵头）", "精简人员（乙牵头）。"]
    assert enumerated_clauses("统一是关键，二是") == []


def test_two_row_header() -> None:
    rows = [["序号", "工作任务", "责任单位", "责任单位", "完成时限"], [None, None, "牵头单位", "配合单位", None]]
    header = find_header(rows)
    assert header is not None and header.data_start == 2
    assert (header.columns[2], header.columns[3]) == (LEAD, SUPPORTING)


def test_a_single_sheet_keeps_unprefixed_codes() -> None:
    single = make_xlsx([["序号", "工作任务", "牵头单位", "完成时限"], [1, "甲任务", "县编办", "2019年6月底前"]])
    plan = parse_plan(single, "a.xlsx")
    assert [t.code for t in plan.tasks] == ["1"]


def test_word_heading_styles_without_numbers_create_levels() -> None:
    lines = [("Title", "某县改革方案"), ("Heading 1", "主要任务"), ("Heading 2", "机构改革"),
             "1.组建县城市管理局。（县委编办牵头，2019年6月底前完成）", ("Heading 1", "保障措施"), "加强领导。"]
    plan = parse_plan(make_docx(lines), "a.docx")
    assert plan.task("一.(一).1").lead_units == ["县委编办"]


def test_small_table_does_not_hide_body_tasks() -> None:
    lines = ["某县改革方案", "一、主要任务", "1.组建县城市管理局。（县委编办牵头，2019年6月底前完成）",
             "2.划转人员。（县人社局牵头，2019年9月底前完成）"]
    table = [["序号", "配套任务", "牵头单位", "完成时限"], ["1", "档案移交", "县档案馆", "2019年6月底前"]]
    plan = parse_plan(make_docx(lines, tables=[table]), "a.docx")
    assert {t.code for t in plan.tasks} >= {"一.1", "一.2", "表1.1"}
    assert any("一并导入" in w for w in plan.warnings)


def test_table_restating_the_body_is_not_imported_twice() -> None:
    lines = ["某县改革方案", "一、主要任务", "1.组建县城市管理局。（县委编办牵头，2019年6月底前完成）"]
    table = [["序号", "工作任务", "牵头单位", "完成时限"], ["1", "组建县城市管理局", "县委编办", "2019年6月底前"],
             ["2", "划转执法人员", "县人社局", "2019年9月底前"]]
    plan = parse_plan(make_docx(lines, tables=[table]), "a.docx")
    assert [t.code for t in plan.tasks] == ["1", "2"]
    assert any("重复" in w for w in plan.warnings)


def test_header_variants_people_columns_and_bracketed_labels() -> None:
    header = find_header([["序号", "工作任务", "牵头领导", "牵头部门（单位）", "协同单位", "时间进度"]])
    assert header is not None
    assert [header.columns.get(c) for c in range(2, 6)] == ["note", LEAD, SUPPORTING, "deadline"]


def test_hui_tong_makes_the_first_unit_lead() -> None:
    found = extract_annotation("由县人社局会同县委编办、县财政局负责，2020年底前完成。")
    assert (found.lead, found.supporting) == (["县人社局"], ["县委编办", "县财政局"])


def test_goal_years_do_not_date_year_less_task_deadlines() -> None:
    lines = ["某县改革实施方案", "2019年3月1日", "一、工作目标", "到2020年底，全面建立新体制。", "二、主要任务",
             "1.组建机构。（县编办牵头，6月底前完成）", "2.划转人员。（县人社局牵头，年底前完成）"]
    plan = parse_plan("\n".join(lines).encode(), "a.txt")
    assert [plan.task("二.1").deadline, plan.task("二.2").deadline] == [date(2019, 6, 30), date(2019, 12, 31)]
