"""End-to-end parsing of the real seeds and of the samples written in other styles."""

from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES, SEEDS
from make_samples import DOCX_LINES, XLSX_MERGES, XLSX_ROWS

from benchmarks.importing import make_docx, make_xlsx
from models.importing import ImportRejected, ParsedDependency, parse_plan

needs_seeds = pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not available")


def _parse(path: Path):
    return parse_plan(path.read_bytes(), path.name)


@needs_seeds
def test_seed_000_ascii_brackets_and_damaged_metadata() -> None:
    plan = _parse(SEEDS / "000_8e214f1c3a6453c9.txt")
    assert plan.title == "玉环市城市管理体制改革实施方案"
    assert plan.doc_number == "玉政办发〔2017〕28号"
    assert plan.issuer == "玉环市人民政府办公室"
    assert plan.date is None
    assert any("2017622" in w for w in plan.warnings)
    assert any("玉政办发〔201728" in w for w in plan.warnings)
    assert [t.code for t in plan.tasks if t.parent == "二"] == ["二.(一)", "二.(二)", "二.(三)", "二.(四)"]
    # 责任分工 assigns the work clause by clause: each duty is a task led by its unit (issue #14)
    duties = [t for t in plan.tasks if t.parent == "四.(二)"]
    assert [t.lead_units for t in duties] == [["市编委办"], ["市综合行政执法局(市城市管理局)"], ["市人力社保局"],
                                              ["市财政局"], ["市住建规划局"], ["市档案局"]]
    assert plan.task("四.(二)").is_group and all(t.source == "责任分工条款 四.(二)" for t in duties)
    assert duties[3].title == "市财政局负责城市管理工作经费保障"
    assert not any(t.code.startswith("一") for t in plan.tasks), "总体要求 is not a task"


@needs_seeds
def test_seed_003_tasks_and_phase_milestones() -> None:
    plan = _parse(SEEDS / "003_2e7f0c1ab6751533.txt")
    assert (plan.title, plan.doc_number, plan.issuer, plan.date) == (
        "朝阳区城市管理体制改革工作实施方案", "朝政发〔2017〕4号", "北京市朝阳区人民政府", date(2017, 6, 9))
    codes = [t.code for t in plan.tasks]
    assert [c for c in codes if c.startswith("三.(九).")] == [f"三.(九).{i}" for i in range(1, 7)]
    assert plan.task("三.(一)").title == "加强决策统筹,健全协调机制"
    assert plan.task("三.(九).2").lead_units == ["区城乡环境建设管理委员会办公室"]
    milestones = [t for t in plan.tasks if t.is_milestone]
    assert [(t.code, t.deadline) for t in milestones] == [
        ("四.(五).M1", date(2017, 3, 31)), ("四.(五).M2", date(2017, 6, 30)), ("四.(五).M3", date(2017, 12, 31))]
    assert milestones[0].title.startswith("完成改革工作领导小组的建立")
    assert all(t.parent == "四.(五)" for t in milestones)
    assert not any(c.startswith(("一", "二")) for c in codes)
    assert any("三.(一)" in w and "牵头单位" in w for w in plan.warnings)


@needs_seeds
def test_seed_004_opinion_without_numbered_tasks_is_not_flooded() -> None:
    plan = _parse(SEEDS / "004_223ded1dea23615e.txt")
    assert plan.title == "关于建立城市综合管理体系提升社会治理水平的意见"
    assert len(plan.tasks) <= 2


def test_bracket_annotated_txt_sample() -> None:
    plan = _parse(SAMPLES / "qinghe_brackets.txt")
    assert (plan.doc_number, plan.date) == ("清政办发〔2019〕12号", date(2019, 3, 15))
    first = plan.task("二.(一).1")
    assert (first.lead_units, first.supporting_units, first.deadline) == (
        ["县委编办"], ["县城管局", "县司法局"], date(2019, 4, 30))
    assert plan.task("二.(一).3").lead_units == ["县委组织部", "县人力社保局"]
    assert plan.task("二.(二).2").deadline == date(2019, 6, 30)
    assert plan.task("二.(二).3").depends_on == [ParsedDependency("二.(一).3", "30 workdays")]
    assert plan.task("二.(三).1").deadline == date(2019, 9, 30)  # "20199月底前"
    assert plan.task("二.(三).2").ongoing and plan.task("二.(三).2").deadline is None
    assert plan.task("二.(三).3").title == "完善数字城管平台"  # bare "3完善…" heading
    assert plan.task("二.(三).4").deadline == date(2019, 4, 28)  # 30 workdays after 2019-03-15
    assert any("机构职能调整到位" in w for w in plan.warnings)
    assert any("二.(三).2" in w and "长期" in w for w in plan.warnings)


def test_txt_in_gb18030_parses_like_utf8() -> None:
    data = (SAMPLES / "qinghe_brackets.txt").read_text(encoding="utf-8").encode("gb18030")
    assert parse_plan(data, "plan.txt").to_dict()["tasks"] == _parse(SAMPLES / "qinghe_brackets.txt").to_dict()["tasks"]


def test_docx_sample_with_automatic_numbering_and_prose() -> None:
    plan = parse_plan(make_docx(DOCX_LINES), "plan.docx")
    assert (plan.title, plan.doc_number, plan.date) == (
        "东山区综合行政执法改革实施方案", "东政发〔2020〕3号", date(2020, 2, 20))
    assert [t.code for t in plan.tasks if t.parent == "二.(一)"] == ["二.(一).1", "二.(一).2", "二.(一).3"]
    assert plan.task("二.(一).1").lead_units == ["区委编办"]
    assert plan.task("二.(一).2").lead_units == ["区司法局"]  # "由区司法局负责" in prose names the lead (#14)
    assert plan.task("二.(一).2").deadline == date(2020, 9, 30)
    assert plan.task("二.(一).3").depends_on == [ParsedDependency("二.(一).1", "2 months")]
    assert plan.task("二.(二).2").deadline == date(2021, 6, 30)


def test_xlsx_task_table_with_merged_group_cells() -> None:
    plan = parse_plan(make_xlsx(XLSX_ROWS, merges=XLSX_MERGES), "分工表.xlsx")
    assert plan.title == "南湖市机构改革任务分工表"
    groups = [t for t in plan.tasks if t.is_group]
    assert [g.title for g in groups] == ["机构组建", "人员划转", "资产移交"]
    rows = [t for t in plan.tasks if not t.is_group]
    assert [t.parent for t in rows] == ["一", "一", "一", "二", "二", "三"]
    assert rows[0].supporting_units == ["市城市管理局", "市司法局"]
    assert rows[2].lead_units == ["市委编办", "市政府办公室"]
    assert rows[3].lead_units == ["市委组织部", "市人力社保局"]
    assert rows[4].depends_on == [ParsedDependency(rows[3].code, "1 months")]
    assert rows[5].deadline == date(2021, 9, 30)
    assert rows[5].supporting_units == ["市城市管理局", "市住房和城乡建设局"]


def test_committed_samples_match_their_generators() -> None:
    for name in ("dongshan_prose.docx", "nanhu_task_table.xlsx"):
        assert parse_plan((SAMPLES / name).read_bytes(), name).tasks


def test_docx_with_a_task_table_imports_the_table() -> None:
    table = [["序号", "工作任务", "责任单位", "完成时间"],
             ["1", "制定实施细则", "县编办", "2018年3月底前"],
             ["2", "完成人员转隶", "县人社局", "2018年6月底前"]]
    plan = parse_plan(make_docx(["某县改革实施方案", "一、主要任务", "详见附表。"], tables=[table]), "a.docx")
    assert [(t.code, t.responsible_units, t.deadline) for t in plan.tasks] == [
        ("1", ["县编办"], date(2018, 3, 31)), ("2", ["县人社局"], date(2018, 6, 30))]


def test_docx_table_with_vertically_merged_lead_cell() -> None:
    table = [["序号", "改革任务", "牵头单位", "完成时限"],
             ["1", "清查资产", "县财政局", "2018年3月底前"],
             ["2", "移交资产", "", "2018年6月底前"]]
    plan = parse_plan(make_docx(["任务分工"], tables=[table], merges=[(0, 1, 2, 2, 2)]), "a.docx")
    assert [t.lead_units for t in plan.tasks] == [["县财政局"], ["县财政局"]]


def test_xlsx_without_a_header_is_rejected() -> None:
    with pytest.raises(ImportRejected) as error:
        parse_plan(make_xlsx([["甲", "乙"], [1, 2]]), "x.xlsx")
    assert error.value.message == "未找到表头：需要包含 任务/牵头单位/完成时限 等列"


def test_to_dict_shape() -> None:
    result = _parse(SAMPLES / "qinghe_brackets.txt").to_dict()
    assert set(result) == {"plan", "tasks", "warnings"}
    assert result["plan"] == {"title": "清河县城市管理综合执法体制改革实施方案", "doc_number": "清政办发〔2019〕12号",
                              "issuer": "清河县人民政府办公室", "date": "2019-03-15", "report_schedule": []}
    task = next(t for t in result["tasks"] if t["code"] == "二.(二).3")
    assert {"code", "title", "text", "parent", "lead_units", "responsible_units", "supporting_units",
            "deadline", "deadline_text", "depends_on"} <= set(task)
    assert task["depends_on"] == [{"code": "二.(一).3", "lag": "30 workdays"}]
    assert task["parent"] == "二.(二)"


def test_fingerprint_is_sha256_of_the_bytes() -> None:
    import hashlib

    data = (SAMPLES / "qinghe_brackets.txt").read_bytes()
    assert parse_plan(data, "a.txt").fingerprint == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "a.txt", "文件为空"),
    (b"x" * 2048, "a.txt", "文件超过 1 KB 上限"),
    (b"not a word file", "a.docx", "文件内容不是有效的 Word 文档（.docx）"),
])
def test_rejections_have_chinese_messages(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ImportRejected) as error:
        parse_plan(data, name, max_bytes=1024)
    assert error.value.message == message
