import pytest

from models.importing.annotations import extract_annotation, split_unit_list
from models.importing.units import GROUP_MENTIONS, normalize_unit_name, resolve_units


@pytest.mark.parametrize(("written", "normalized"), [
    ("县 编办", "县编办"),
    ("縣編辦", "县编办"),
    ("县人社局等部门", "县人社局"),
    ("县人社局等单位", "县人社局"),
    ("县人社局等", "县人社局"),
    ("“县财政局”，", "县财政局"),
    ("市综合行政执法局(市城市管理局)", "市综合行政执法局（市城市管理局）"),
])
def test_normalize_unit_name(written: str, normalized: str) -> None:
    assert normalize_unit_name(written) == normalized


def test_group_mentions_cover_the_usual_groups() -> None:
    assert {"各镇人民政府", "各乡镇人民政府", "各街道办事处", "县直有关部门", "市直有关单位", "相关职能部门",
            "各有关单位"} <= GROUP_MENTIONS


def test_resolve_units_exact_then_normalized_then_unknown() -> None:
    aliases = {"县编办": "县委机构编制委员会办公室", "县人社局": "县人力资源和社会保障局"}
    assert resolve_units(["县编办", "縣人社局等部门", "县气象局"], aliases) == [
        ("县编办", "县委机构编制委员会办公室"),
        ("縣人社局等部门", "县人力资源和社会保障局"),
        ("县气象局", None),
    ]


def test_canonical_names_resolve_to_themselves() -> None:
    aliases = {"县编办": "县委机构编制委员会办公室"}
    canonical = "县委机构编制委员会办公室"
    assert resolve_units([canonical], aliases) == [(canonical, canonical)]


def test_unit_lists_split_on_separators_but_not_inside_names() -> None:
    assert split_unit_list("县住房和城乡建设局、县人力资源和社会保障局以及县财政局，县委组织部和县人社局等部门") == [
        "县住房和城乡建设局", "县人力资源和社会保障局", "县财政局", "县委组织部", "县人社局"]


@pytest.mark.parametrize(("text", "lead", "responsible", "supporting"), [
    ("（牵头单位：县编办；配合单位：县人社局、县财政局）", ["县编办"], [], ["县人社局", "县财政局"]),
    ("（县编办牵头，县人社局、县财政局配合）", ["县编办"], [], ["县人社局", "县财政局"]),
    ("由县城管局牵头，县公安局等部门配合，开展联合执法。", ["县城管局"], [], ["县公安局"]),
    ("（牽頭單位：縣編辦；配合單位：縣財政局）", ["縣編辦"], [], ["縣財政局"]),
    ("（县发改局负责，各镇人民政府参与）", [], ["县发改局"], ["各镇人民政府"]),
    ("（县审计局负责落实，县财政局协助）", [], ["县审计局"], ["县财政局"]),
    ("〔县委组织部、县人社局牵头，县直有关部门配合〕", ["县委组织部", "县人社局"], [], ["县直有关部门"]),
    ("(县编办牵头负责,县人社局配合)", ["县编办"], [], ["县人社局"]),
    ("牵头单位：县委组织部和县人社局 配合单位：各乡镇人民政府 完成时限：2017年9月底前",
     ["县委组织部", "县人社局"], [], ["各乡镇人民政府"]),
    ("工作由市编委办、市综合行政执法局(市城市管理局)牵头，市财政局、市档案局等有关单位加强协调配合。",
     ["市编委办", "市综合行政执法局(市城市管理局)"], [], ["市财政局", "市档案局"]),
])
def test_annotations(text: str, lead: list[str], responsible: list[str], supporting: list[str]) -> None:
    annotation = extract_annotation(text)
    assert (annotation.lead, annotation.responsible, annotation.supporting) == (lead, responsible, supporting)


@pytest.mark.parametrize("prose", [
    "成立区城市管理体制改革工作领导小组，负责深入贯彻落实市委的决定",
    "成员由相关政府职能部门及乡镇(街道)、玉环经济开发区主要负责人组成",
    "强化区城管委督察督办、牵头抓总的职责任务",
    "提升整个社会参与城市管理活动的积极性",
])
def test_prose_without_a_unit_before_the_role_word_names_nobody(prose: str) -> None:
    assert not extract_annotation(prose).has_units


def test_first_listed_unit_leads_when_the_plan_says_so() -> None:
    annotation = extract_annotation("（责任单位：县编办、县人社局）", first_is_lead=True)
    assert annotation.lead == ["县编办"] and annotation.responsible == ["县人社局"]


def test_role_tag_after_a_name_in_a_list() -> None:
    annotation = extract_annotation("（责任单位：县委编办（牵头）、县人社局、县财政局）")
    assert annotation.lead == ["县委编办"]
    assert annotation.responsible == ["县人社局", "县财政局"]
