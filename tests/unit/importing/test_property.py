"""Property: generated annotated task lines are recovered exactly (units, roles, deadlines)."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.importing import parse_plan

UNITS = ["县委编办", "县住房和城乡建设局", "县人力资源和社会保障局", "县财政局", "县市场监督管理局",
         "县委组织部", "县文化和旅游局", "县自然资源和规划局", "县综合行政执法局（县城市管理局）",
         "各乡镇人民政府", "县直有关部门", "县档案馆", "县大数据中心", "各街道办事处", "县公安局交警大队"]
PLAN_YEAR = 2019
# (phrase, year written in it or None, function of the context year -> expected date)
DEADLINES = [
    ("{y}年年底前", True, lambda y: date(y, 12, 31)),
    ("{y}年9月底前", True, lambda y: date(y, 9, 30)),
    ("{y}9月底前", True, lambda y: date(y, 9, 30)),  # damaged: 年 lost
    ("{y}年6月底", True, lambda y: date(y, 6, 30)),
    ("{y}年10月31日前", True, lambda y: date(y, 10, 31)),
    ("{y}年三季度", True, lambda y: date(y, 9, 30)),
    ("上半年", False, lambda y: date(y, 6, 30)),
    ("一季度", False, lambda y: date(y, 3, 31)),
    ("年内", False, lambda y: date(y, 12, 31)),
    ("年底前", False, lambda y: date(y, 12, 31)),
    ("11月底前", False, lambda y: date(y, 11, 30)),
]
FORMATS = [
    "（{lead}牵头，{support}配合，{deadline}完成）",
    "（牵头单位：{lead}；配合单位：{support}；完成时限：{deadline}）",
    "由{lead}牵头，{support}等部门配合，{deadline}完成。",
    "（{lead}牽頭，{support}參與，{deadline}）",
    "〔{lead}牵头，{support}协助；{deadline}前〕",
]


@st.composite
def task_lines(draw: st.DrawFn) -> tuple[list[str], list[tuple[list[str], list[str], date]]]:
    count = draw(st.integers(min_value=1, max_value=8))
    lines, expected, context_year = [], [], PLAN_YEAR
    for index in range(1, count + 1):
        units = draw(st.lists(st.sampled_from(UNITS), min_size=2, max_size=5, unique=True))
        split = draw(st.integers(min_value=1, max_value=len(units) - 1))
        leads, supports = units[:split], units[split:]
        phrase, has_year, due = draw(st.sampled_from(DEADLINES))
        if has_year:
            context_year = draw(st.integers(min_value=2017, max_value=2024))
        separator = draw(st.sampled_from(["、", "、", "和"])) if len(leads) == 2 else "、"
        annotation = draw(st.sampled_from(FORMATS)).format(
            lead=separator.join(leads), support="、".join(supports), deadline=phrase.format(y=context_year))
        lines.append(f"{index}．完成第{index}项改革任务，做好衔接工作。{annotation}")
        expected.append((leads, supports, due(context_year)))
    return lines, expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task_lines())
def test_generated_annotations_are_recovered(case: tuple[list[str], list[tuple[list[str], list[str], date]]]) -> None:
    lines, expected = case
    document = "\n".join(["某县人民政府办公室关于印发某县机构改革实施方案的通知", f"{PLAN_YEAR}年1月5日",
                          "某县机构改革实施方案", "一、主要任务", *lines])
    plan = parse_plan(document.encode("utf-8"), "plan.txt")
    for index, (leads, supports, due) in enumerate(expected, start=1):
        task = plan.task(f"一.{index}")
        assert task.lead_units == [u.replace("牽頭", "") for u in leads], task.text
        assert task.supporting_units == supports, task.text
        assert task.deadline == due, task.text
