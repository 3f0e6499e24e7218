"""Unit annotations: who leads, who is responsible, who supports a task.

Explicit annotations win over prose: a bracket whose content carries a role marker
("（X牵头，Y、Z配合）", "（牵头单位：X；配合单位：Y）") or a labelled field ("牵头单位：X") is
authoritative; only when a task has none is its running text searched for "由X牵头", "X负责",
"Y配合", "由X会同Y负责" (X leads, Y supports), and then every candidate must look like an organisation name (``is_unit_name``).
Names are returned exactly as written (slices of the original text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.importing.textnorm import fold
from models.importing.units import GROUP_MENTIONS, clean_candidate, is_unit_name

LEAD, RESPONSIBLE, SUPPORTING, TIME = "lead", "responsible", "supporting", "time"

_LABELS = {
    "牵头单位": LEAD, "牵头部门": LEAD, "主责单位": LEAD, "主责部门": LEAD, "主办单位": LEAD,
    "牵头": LEAD, "责任单位": RESPONSIBLE, "责任部门": RESPONSIBLE, "负责单位": RESPONSIBLE,
    "负责部门": RESPONSIBLE, "承办单位": RESPONSIBLE, "实施单位": RESPONSIBLE, "负责": RESPONSIBLE,
    "配合单位": SUPPORTING, "配合部门": SUPPORTING, "协办单位": SUPPORTING, "协助单位": SUPPORTING,
    "参与单位": SUPPORTING, "参与部门": SUPPORTING, "支持单位": SUPPORTING, "配合": SUPPORTING,
    "协同单位": SUPPORTING, "协同部门": SUPPORTING, "协作单位": SUPPORTING,
    "完成时限": TIME, "完成时间": TIME, "时间节点": TIME, "时限要求": TIME, "完成期限": TIME,
    "时间要求": TIME, "时限": TIME, "时间": TIME,
}
_LABEL_RE = re.compile("(" + "|".join(sorted(_LABELS, key=len, reverse=True)) + r")\s*[:：]")
_VERBS = {"牵头负责": LEAD, "牵头抓总": LEAD, "牵头": LEAD, "会同": LEAD, "负责落实": RESPONSIBLE, "具体负责": RESPONSIBLE,
          "负责": RESPONSIBLE, "配合": SUPPORTING, "参与": SUPPORTING, "协助": SUPPORTING,
          "协办": SUPPORTING}
_VERB_RE = re.compile(r"(牵头负责|牵头抓总|牵头(?!单位|部门)|会同|负责落实|具体负责|负责(?!人|同志|单位|部门)"
                      r"|配合(?!单位|部门)|参与(?!单位|部门)|协助(?!单位)|协办(?!单位))(?!\s*[:：])")
_ROLE_TAG = re.compile(r"([^、,，;；:：()\s]{2,30})\((牵头|负责|配合|参与|协助)\)")
_HARD_STOP = re.compile(r"[;；。:：\n]")
_ITEM_SEP = re.compile(r"[、,，/]")
_CONJ = re.compile(r"以及|及|和|与")
_LEADING_FLUFF = re.compile(r"^(?:.*?(?<!自)由|请|并|要求|责成)")
_TRAILING_FLUFF = re.compile(
    r"(?:共同|具体|主要|分别|统一|要|应|积极|加强协调|协调|做好|全力|按职责分工|按照职责分工|按职责|依职责|各自|切实|负责)+$")
_FIRST_IS_LEAD = re.compile(r"(?:列|排)?(?:在)?(?:首位|第一位|第一个|排名第一|排序第一)的?(?:单位)?(?:为|是)牵头")
_ANNOTATION_HINT = re.compile(r"牵头|负责|配合|参与|协助|协办|单位|部门|完成|时限|前|底|季度|半年|长期|持续|年内")


@dataclass
class Annotation:
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    supporting: list[str] = field(default_factory=list)
    deadline_sources: list[str] = field(default_factory=list)  # bracket contents, 完成时限 values
    explicit: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)  # explicit annotations in the text

    @property
    def has_units(self) -> bool:
        return bool(self.lead or self.responsible or self.supporting)

    def add(self, role: str, names: list[str]) -> None:
        target = {LEAD: self.lead, RESPONSIBLE: self.responsible, SUPPORTING: self.supporting}[role]
        for name in names:
            if name and name not in target:
                target.append(name)

    def finish(self) -> Annotation:
        """A unit that leads is not also listed as responsible or supporting."""
        self.responsible = [n for n in self.responsible if n not in self.lead]
        self.supporting = [n for n in self.supporting if n not in self.lead and n not in self.responsible]
        return self


def first_unit_is_lead(document_text: str) -> bool:
    """Plans that say '列第一位的为牵头单位' make the first name of a plain list the lead."""
    return _FIRST_IS_LEAD.search(fold(document_text)) is not None


def extract_annotation(text: str, *, first_is_lead: bool = False) -> Annotation:
    """Units and deadline sources of one task's own text."""
    result = Annotation()
    folded = _tagged_units(text, fold(text), result)
    for start, end in _brackets(folded):
        content = folded[start + 1:end]
        if _parse_segment(text, folded, start + 1, end, result, first_is_lead, bare_list=_is_tail(folded, end)):
            result.explicit = True
            result.spans.append((start, end + 1))
            result.deadline_sources.append(text[start + 1:end])
        elif (_ANNOTATION_HINT.search(content) and re.fullmatch(r"[^,，;；。]{0,40}", content)
              and not is_unit_name(content)):
            result.deadline_sources.append(text[start + 1:end])
    outside = _mask(folded, result.spans)
    for label in _LABEL_RE.finditer(outside):
        result.explicit = True
        stop = _field_end(outside, label.end())
        role = _LABELS[label.group(1)]
        value_start = label.end()
        result.spans.append((label.start(), stop))
        if role == TIME:
            result.deadline_sources.append(text[value_start:stop])
        elif not _parse_verbs(text, folded, value_start, stop, result, strict=False):
            names = _split_units(text, folded, value_start, stop, strict=False)
            if first_is_lead and role == RESPONSIBLE and names:
                result.add(LEAD, names[:1])
                names = names[1:]
            result.add(role, names)
    if not result.explicit:
        _parse_verbs(text, folded, 0, len(folded), result, strict=True)
    return result.finish()


def _tagged_units(text: str, folded: str, result: Annotation) -> str:
    """'县委编办（牵头）、县人社局': the tagged name takes the role; the tag is blanked out."""
    for match in _ROLE_TAG.finditer(folded):
        names = _units_before(text, folded, match.start(1), match.end(1), strict=False)
        if names:
            result.add(_VERBS[match.group(2)], names[-1:])
            result.explicit = True
    return _ROLE_TAG.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), folded)


def split_unit_list(text: str) -> list[str]:
    """'县编办、县人社局和县财政局等部门' -> names as written (table cells: lines and spaces split too)."""
    separated = re.sub(r"[\n\r；;]|(?<=[\u4e00-\u9fff)）])[ \u3000]+(?=[\u4e00-\u9fff(（])",
                       lambda m: "、" * len(m.group(0)), text)
    return _split_units(text, _tagged_units(text, fold(separated), Annotation()), 0, len(text), strict=False)


def _parse_segment(text: str, folded: str, start: int, end: int, result: Annotation,
                   first_is_lead: bool, *, bare_list: bool) -> bool:
    """A bracket's content: labelled fields, 'X牵头，Y配合', or (at a sentence end) a plain list."""
    content = folded[start:end]
    if _LABEL_RE.search(content):
        labels = list(_LABEL_RE.finditer(folded, start, end))
        # "（县委编办牵头，县财政局配合；时限：即时）": roles stated before the first label count too
        found = _parse_verbs(text, folded, start, labels[0].start(), result, strict=False)
        for index, label in enumerate(labels):
            stop = labels[index + 1].start() if index + 1 < len(labels) else end
            stop = min(stop, _field_end(folded, label.end(), end))
            role = _LABELS[label.group(1)]
            if role == TIME:
                found = True
                continue
            if _parse_verbs(text, folded, label.end(), stop, result, strict=False):
                found = True
                continue
            names = _split_units(text, folded, label.end(), stop, strict=False)
            if first_is_lead and role == RESPONSIBLE and names:
                result.add(LEAD, names[:1])
                names = names[1:]
            result.add(role, names)
            found = found or bool(names)
        return found
    if _parse_verbs(text, folded, start, end, result, strict=False):
        return True
    if bare_list:
        names = _split_units(text, folded, start, end, strict=True)
        raw_items = [i for i in _ITEM_SEP.split(content) if i.strip()]
        if names and len(names) == len(raw_items):
            if first_is_lead:
                result.add(LEAD, names[:1])
                names = names[1:]
            result.add(RESPONSIBLE, names)
            return True
    return False


def _parse_verbs(text: str, folded: str, start: int, end: int, result: Annotation, *, strict: bool) -> bool:
    """Suffix markers: the names just before '牵头'/'负责'/'配合' in [start, end)."""
    found = False
    previous_end = start
    previous_verb = ""
    for verb in _VERB_RE.finditer(folded, start, end):
        role = _VERBS[verb.group(1)]
        if previous_verb == "会同" and role != SUPPORTING:  # "由A会同B、C负责": B and C support A
            role = SUPPORTING
        previous_verb = verb.group(1)
        region_start = previous_end
        for stop in _HARD_STOP.finditer(folded, previous_end, verb.start()):
            region_start = stop.end()
        names = _units_before(text, folded, region_start, verb.start(), strict=strict)
        if names:
            result.add(role, names)
            found = True
        previous_end = verb.end()
    return found


def _units_before(text: str, folded: str, start: int, end: int, *, strict: bool) -> list[str]:
    """Walk back over comma/、 separated items while they look like unit names."""
    pieces = _split_positions(folded, start, end)
    names: list[str] = []
    for piece_start, piece_end in reversed(pieces):
        if strict and names and folded[piece_end:piece_end + 1] in (",", "，"):
            break  # in prose a comma separates clauses: "办公室设在县城管局，县委编办负责" names one unit
        item = _clean(text, folded, piece_start, piece_end)
        if item is None:
            if names or folded[piece_start:piece_end].strip():
                break
            continue
        sub = _split_conjunctions(item)
        if not all(is_unit_name(n) for n in sub):
            break
        names[:0] = sub
    return names


def _split_units(text: str, folded: str, start: int, end: int, *, strict: bool) -> list[str]:
    names: list[str] = []
    for piece_start, piece_end in _split_positions(folded, start, end):
        item = _clean(text, folded, piece_start, piece_end)
        if item is None:
            continue
        for name in _split_conjunctions(item):
            if is_unit_name(name) or (not strict and _plausible_written_name(name)):
                names.append(name)
    return names


def _plausible_written_name(name: str) -> bool:
    """Inside an explicit '牵头单位：' field anything short and clause-free is a name."""
    return 2 <= len(name) <= 30 and not re.search(r"[。;；:：]|\d{4}|完成|推进|工作", fold(name))


def _split_positions(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) on 、，, outside brackets."""
    pieces: list[tuple[int, int]] = []
    depth, piece_start = 0, start
    for index in range(start, end):
        char = folded[index]
        if char in "(〔【[":
            depth += 1
        elif char in ")〕】]" and depth:
            depth -= 1
        elif depth == 0 and _ITEM_SEP.match(char):
            pieces.append((piece_start, index))
            piece_start = index + 1
    pieces.append((piece_start, end))
    return pieces


def _clean(text: str, folded: str, start: int, end: int) -> str | None:
    """Strip '由'-style lead-ins and adverbs around one item; None when nothing is left."""
    while end > start and folded[end - 1].isspace():  # blanked role tags, trailing spaces
        end -= 1
    item_folded = folded[start:end]
    lead = _LEADING_FLUFF.match(item_folded)
    if lead and lead.end() < len(item_folded):
        start += lead.end()
        item_folded = folded[start:end]
    trail = _TRAILING_FLUFF.search(item_folded)
    if trail and trail.start() > 0:
        end = start + trail.start()
    name = clean_candidate(text[start:end])
    return name or None


def _split_conjunctions(name: str) -> list[str]:
    """'县委组织部和县人社局' splits; '县住房和城乡建设局' does not (left part is no unit)."""
    folded = fold(name)
    for conj in _CONJ.finditer(folded):
        left, right = name[: conj.start()], name[conj.end():]
        if is_unit_name(left) and (is_unit_name(right) or fold(right) in GROUP_MENTIONS):
            return [clean_candidate(left), *_split_conjunctions(clean_candidate(right))]
    return [name]


def _brackets(folded: str) -> list[tuple[int, int]]:
    """Outermost bracket pairs ((), 〔〕, 【】) as (open index, close index)."""
    pairs: list[tuple[int, int]] = []
    depth, opened = 0, 0
    for index, char in enumerate(folded):
        if char in "(〔【[":
            if depth == 0:
                opened = index
            depth += 1
        elif char in ")〕】]" and depth:
            depth -= 1
            if depth == 0:
                pairs.append((opened, index))
    return pairs


def _is_tail(folded: str, close: int) -> bool:
    """A bracket that ends its sentence (followed by 。；, a line end or another bracket)."""
    rest = folded[close + 1:close + 3].lstrip()
    return not rest or rest[0] in "。;；\n(【"


def _mask(folded: str, spans: list[tuple[int, int]]) -> str:
    chars = list(folded)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _field_end(folded: str, start: int, limit: int | None = None) -> int:
    limit = len(folded) if limit is None else limit
    stop = re.compile(r"[;；。\n]").search(folded, start, limit)
    nxt = _LABEL_RE.search(folded, start, limit)
    candidates = [m.start() for m in (stop, nxt) if m is not None]
    return min(candidates, default=limit)
