"""Unit names: validation of candidate names, normalisation and alias resolution.

Plans name units loosely (县编办 for 县委机构编制委员会办公室, 各镇人民政府 for a whole group).
The importer keeps names exactly as written; ``resolve_units`` maps them to canonical names with
an alias table supplied by the service layer (from the database).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from models.importing.textnorm import fold

GROUP_MENTIONS: frozenset[str] = frozenset({
    "各镇人民政府", "各乡镇人民政府", "各乡镇", "各镇", "各街道办事处", "各街道", "各街乡",
    "各乡镇（街道）", "各乡镇(街道)", "各镇（街道）", "各镇(街道)", "各镇街", "各区县",
    "县直有关部门", "县直各部门", "县直相关部门", "县直有关单位", "县级有关部门",
    "市直有关单位", "市直有关部门", "市直各部门", "市直相关部门", "市级有关部门",
    "区直有关部门", "区直有关单位", "区级有关部门",
    "相关职能部门", "有关职能部门", "各有关单位", "各有关部门", "各相关部门", "各相关单位",
    "有关部门", "相关部门", "有关单位", "相关单位", "各成员单位",
})

# A unit name ends with one of these (checked on the folded, simplified name).
UNIT_SUFFIXES: tuple[str, ...] = (
    "局", "委", "办", "厅", "部", "处", "科", "室", "所", "站", "院", "会", "中心", "政府", "办事处",
    "街道", "镇", "乡", "街乡", "镇街", "组", "队", "社", "行", "司", "集团", "署", "馆", "台", "校",
    "单位", "部门", "机关", "机构", "小组", "园区", "开发区", "管委会", "党委", "党组", "人大", "政协",
    "纪委", "监委", "法院", "检察院", "联", "团", "区", "县", "市", "省", "公安", "税务", "海关",
)
# Words that start a clause, not a name: a candidate beginning with them is not a unit.
_VERB_PREFIXES = (
    "加强", "强化", "建立", "健全", "完善", "推进", "推动", "组织", "做好", "开展", "落实", "按照",
    "根据", "依据", "进一步", "全面", "积极", "切实", "认真", "统筹", "研究", "制定", "指导", "督促",
    "确保", "实行", "实施", "负责", "牵头", "配合", "参与", "协助", "对", "在", "将", "把", "向",
    "为", "以", "同时", "其中", "主要", "原", "成立", "设立", "组建", "整合", "明确", "提高",
    "提升", "使", "让", "引导", "鼓励", "动员", "吸引", "支持", "发挥", "加大", "接受", "通过",
)
_TRAILING_ETC = re.compile(r"(?:等(?:有关|相关)?(?:部门|单位|机构|成员单位)?|等)$")
_STRIP = re.compile(r"[\s,.;:!?、。，；：！？“”\"'‘’·•\-—_]+")


def clean_candidate(name: str) -> str:
    """Trim decorations around a written unit name but keep its own characters."""
    name = name.strip(" \t\r\n,.;:、，。；：“”\"'")
    folded = fold(name)
    match = _TRAILING_ETC.search(folded)
    if match and match.start() > 0 and not _is_group_tail(folded):
        name = name[: match.start()]
    return name.strip(" ,、，")


def _is_group_tail(folded: str) -> bool:
    """'各有关单位' is a group mention on its own; '市档案局等有关单位' is not."""
    return folded in GROUP_MENTIONS


def is_unit_name(name: str) -> bool:
    """Heuristic: a short noun phrase ending like an organisation, not a clause."""
    folded = fold(name)
    if not 2 <= len(folded) <= 40 or folded in {"地区", "城区", "社区", "辖区", "园区", "部门", "单位"}:
        return False
    if folded in GROUP_MENTIONS:
        return True
    if re.search(r"\d{4}|[。；;，,:：]|任务|问题|机制|制度|情况|的", folded):
        return False
    if folded.startswith(_VERB_PREFIXES) or folded.endswith(("社会", "社区", "小区", "地区", "城区")):
        return False
    bare = re.sub(r"[(（][^()（）]*[)）]$", "", folded)  # 市综合行政执法局(市城市管理局)
    return bare.endswith(UNIT_SUFFIXES)


def normalize_unit_name(name: str) -> str:
    """Comparable form: no spaces/punctuation, simplified characters, no trailing 等/等部门."""
    folded = fold(name)
    folded = _STRIP.sub("", folded)
    folded = re.sub(r"等(?:有关|相关)?(?:部门|单位)?$", "", folded)
    return folded.replace("(", "（").replace(")", "）")


def resolve_units(names: list[str], aliases: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """Map each written name to its canonical unit: exact alias, then normalised match, else None."""
    normalized = {normalize_unit_name(alias): canonical for alias, canonical in aliases.items()}
    for canonical in set(aliases.values()):
        normalized.setdefault(normalize_unit_name(canonical), canonical)
    resolved: list[tuple[str, str | None]] = []
    for name in names:
        if name in aliases:
            resolved.append((name, aliases[name]))
        else:
            resolved.append((name, normalized.get(normalize_unit_name(name))))
    return resolved


def _subsequence(short: str, long: str) -> bool:
    """'县人力社保局' in '县人力资源和社会保障局': an abbreviation keeps the characters in order."""
    position = 0
    for char in short:
        position = long.find(char, position) + 1
        if position == 0:
            return False
    return True


def propose_unit(name: str, aliases: Mapping[str, str]) -> tuple[str | None, float]:
    """The canonical unit a written name most likely means and a confidence in [0, 1].

    1.0 for a known spelling; otherwise the best of edit similarity (rapidfuzz) and abbreviation
    (the written characters in order inside the canonical name, same last character), lowered
    when a second candidate is nearly as good.  Used to propose, never to decide: the office
    confirms each mapping before publishing.
    """
    from rapidfuzz import fuzz

    resolved = resolve_units([name], aliases)[0][1]
    if resolved is not None:
        return resolved, 1.0
    wanted = normalize_unit_name(name)
    scores: dict[str, float] = {}
    for spelling, canonical in aliases.items():
        candidate = normalize_unit_name(spelling)
        if not candidate or not wanted:
            continue
        score = fuzz.ratio(wanted, candidate) / 100
        if wanted[-1] == candidate[-1] and _subsequence(wanted, candidate):
            score = max(score, 0.7 + 0.25 * len(wanted) / len(candidate))
        scores[canonical] = max(scores.get(canonical, 0.0), score)
    if not scores:
        return None, 0.0
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, confidence = ranked[0]
    if len(ranked) > 1 and ranked[1][1] >= confidence - 0.05:
        confidence *= 0.8  # two units fit about equally well
    return best, round(confidence, 2)
