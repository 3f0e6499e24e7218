"""Pure helpers behind the pages: the import review table, merging and splitting tasks, Excel export."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from ui.components import draft as drafts
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
    assert list(df["依赖（编号@间隔）"]) == ["", "1@30 workdays", "2@0 days"]
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
