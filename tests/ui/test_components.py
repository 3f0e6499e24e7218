"""Pure helpers behind the pages: the import review table, merging and splitting tasks, Excel export."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from ui import plan_review as drafts
from ui.components.fmt import md
from ui.components.tables import frame, xlsx_bytes

DRAFT = {"plan": {"title": "方案"}, "tasks": [
    {"code": "1", "title": "组建", "text": "组建执法大队", "lead_units": ["县执法局"], "deadline": "2026-12-31"},
    {"code": "2", "title": "清单", "lead_units": ["县司法局"], "supporting_units": ["县执法局"],
     "deadline": "2027-03-31", "depends_on": [{"code": "1", "lag": "30 workdays"}]},
    {"code": "3", "title": "培训", "lead_units": ["县执法局"], "depends_on": [{"code": "2", "lag": "0 days"}]},
]}


def test_review_table_round_trips_and_applies_edits():
    df = drafts.to_frame(DRAFT)
    assert list(df["前置任务（如：二.2 完成后2个月）"]) == ["", "1 完成后30个工作日", "2 完成后"]
    df.loc[0, "牵头单位"] = "县执法局、县城管局"
    df.loc[1, "截止日期"] = "2027-04-30"
    back = drafts.from_frame(df, DRAFT)
    assert back["tasks"][0]["lead_units"] == ["县执法局", "县城管局"]
    assert back["tasks"][0]["text"] == "组建执法大队"  # free text of an unchanged code is kept
    assert back["tasks"][1]["deadline"] == "2027-04-30"
    assert back["tasks"][1]["depends_on"] == [{"code": "1", "lag": "30 workdays"}]


def test_merge_unites_units_keeps_latest_deadline_and_redirects_links():
    merged = drafts.merge(DRAFT, ["1", "2"])
    codes = [t["code"] for t in merged["tasks"]]
    assert codes == ["1", "3"]
    first = merged["tasks"][0]
    assert first["lead_units"] == ["县执法局", "县司法局"] and first["deadline"] == "2027-03-31"
    assert first["depends_on"] == []  # its link to itself disappears
    assert merged["tasks"][1]["depends_on"] == [{"code": "1", "lag": "0 days"}]


def test_split_adds_a_copy_after_the_task():
    split = drafts.split(DRAFT, "2")
    assert [t["code"] for t in split["tasks"]] == ["1", "2", "2-2", "3"]
    assert split["tasks"][2]["lead_units"] == ["县司法局"]


def test_excel_export_keeps_chinese_headers_and_empty_cells():
    df = frame([{"code": "一.1", "note": None}], {"code": "编号", "note": "说明"})
    sheet = load_workbook(io.BytesIO(xlsx_bytes(df))).active
    assert [c.value for c in sheet[1]] == ["编号", "说明"]
    assert sheet["A2"].value == "一.1"


def test_user_text_is_shown_literally_in_markdown():
    assert md("[点我](http://x) **粗** <b>") == "\\[点我\\]\\(http://x\\) \\*\\*粗\\*\\* \\<b\\>"


def test_review_table_marks_done_with_a_note_and_shows_source_and_check():
    draft = {"plan": {"title": "方案"}, "tasks": [
        {"code": "1", "title": "摸底", "lead_units": ["县编办"], "deadline": "2019-05-31",
         "check": "时限早于印发日期", "source": "正文 一.(一)"},
        {"code": "2", "title": "移交", "lead_units": ["县外星局"], "deadline": "2019-09-30", "source": "表格第5行"}]}
    df = drafts.to_frame(draft)
    assert list(df["来源"]) == ["正文 一.(一)", "表格第5行"] and list(df["时限核对"]) == ["时限早于印发日期", ""]
    df.loc[0, "已完成"] = True
    df.loc[0, "完成说明"] = "5月已完成"
    df.loc[1, "暂不分派"] = True
    back = drafts.from_frame(df, draft)["tasks"]
    assert (back[0]["status"], back[0]["completion_note"]) == ("done", "5月已完成")
    assert back[1]["status"] == "not_started" and back[1]["unassigned"] is True


def test_unit_choices_put_the_proposal_first_and_map_to_decisions():
    choices = drafts.unit_choices("县财政局", ["县委编办", "县财政局"])
    assert choices == [drafts.PENDING, drafts.CREATE, drafts.UNASSIGNED, "县财政局", "县委编办"]
    assert drafts.unit_decision(drafts.PENDING) is None
    assert drafts.unit_decision("县财政局") == {"action": "map", "unit": "县财政局"}
    assert drafts.unit_decision(drafts.UNASSIGNED) == {"action": "unassigned"}


def test_dependencies_are_written_and_read_in_chinese():
    draft = {"plan": {}, "tasks": [{"code": "三.1", "title": "定编", "depends_on": [
        {"code": "二.2", "lag": "2 months"}, {"code": "二.1", "lag": "30 workdays"}]}]}
    df = drafts.to_frame(draft)
    column = "前置任务（如：二.2 完成后2个月）"
    assert df.loc[0, column] == "二.2 完成后2个月；二.1 完成后30个工作日"
    df.loc[0, column] = "二.2 完成后3个月；二.1 完成后；一.1@5 days"
    back = drafts.from_frame(df, draft)["tasks"][0]["depends_on"]
    assert back == [{"code": "二.2", "lag": "3 months"}, {"code": "二.1", "lag": "0 days"},
                    {"code": "一.1", "lag": "5 days"}]


def test_gantt_colours_match_the_legend_with_fill_diamonds_and_arrowheads():
    from datetime import date

    from ui.components import charts

    row = {"deadline": None, "at_risk": False, "is_milestone": False, "critical": False}
    rows = [{**row, "id": 1, "code": "一.1", "title": "甲", "start": date(2026, 1, 1), "end": date(2026, 3, 1),
             "light": "red", "percent": 50, "critical": True},
            {**row, "id": 2, "code": "一.2", "title": "乙", "start": date(2026, 1, 1), "end": date(2026, 4, 1),
             "light": "green", "percent": 20},
            {**row, "id": 3, "code": "一.3", "title": "丙", "start": date(2026, 1, 1), "end": date(2026, 5, 1),
             "light": "green", "percent": 0, "is_milestone": True}]
    fig = charts.gantt(rows, [{"pred_id": 1, "succ_id": 3}], date(2026, 2, 1))
    legend = {t.name: t for t in fig.data if t.showlegend is not False}
    fill = legend["红灯"]  # 红灯 is red, as its legend entry says; the solid part is the done share
    assert fill.marker.color == charts.LIGHT_COLORS["red"] and fill.x[0] == 59 * charts.DAY_MS * 0.5
    red = next(t for t in fig.data if t.name == "红灯（计划工期）")
    assert red.marker.color == "rgba(214,39,40,0.35)"
    assert list(red.marker.line.width) == [2.5] and list(red.marker.line.color) == [charts.CRITICAL_OUTLINE]
    assert legend["里程碑"].marker.symbol == "diamond" and "关键路径（黑色边框）" in legend
    (arrow,) = fig.layout.annotations
    assert arrow.arrowhead and arrow.x == "2026-05-01" and arrow.ax == "2026-03-01"  # to the diamond
