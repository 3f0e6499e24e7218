"""Outline nodes -> tasks.  This is where "which sections are tasks" is decided.

Rule (in this order):
1. Sections whose heading names the plan's frame (总体要求, 指导思想, 基本原则, 工作目标 …) are
   not tasks, unless a node inside carries an explicit annotation (a bracket or 牵头单位：field).
2. Every heading inside a task section (主要任务, 重点任务, 工作任务, 主要内容, 进度安排 …) is a task.
3. Elsewhere (组织实施, 保障措施, plans without such names) a heading is a task when its own text
   names units with a role or states a deadline.
4. The ancestors of a task are tasks too (groups: ``is_group`` when they carry nothing themselves).
Under a task, unnumbered paragraphs that each carry their own annotation become child tasks
(plans that annotate item by item without numbers) — but a line that is only a field
("牵头单位：X" / "完成时限：…" under the item) annotates its item; clauses of "一是…；二是…"
with their own annotations become children "{code}.1", "{code}.2"; two or more clauses that start with a
deadline ("2017年3月底前，完成…；2017年6月底前，完成…") become milestone children.
A task without its own units or deadline inherits those of its nearest annotated ancestor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from models.importing.annotations import Annotation, extract_annotation
from models.importing.deadlines import DeadlineParse, find_deadlines, parse_deadline, years_mentioned
from models.importing.duties import (
    DUTY_HEADING,
    SERVING_VERBS,
    accompanying,
    clause_subject,
    duty_clauses,
    required_subjects,
)
from models.importing.model import ParsedTask
from models.importing.outline import Node, Outline
from models.importing.textnorm import cn_to_int, fold

TASK_SECTION = re.compile(
    r"主要任务|重点任务|工作任务|改革任务|具体任务|主要内容|任务分工|重点工作|主要工作|工作措施|主要措施"
    r"|具体措施|工作内容|改革内容|实施步骤|进度安排|时间安排|工作步骤|步骤安排|任务安排|工作安排")
FRAME_SECTION = re.compile(
    r"总体要求|指导思想|基本原则|工作原则|工作目标|总体目标|主要目标|目标任务|改革目标|重要意义|适用范围"
    r"|总体思路|基本思路|目标要求")
_SENTENCE_END = re.compile(r"[。；;!！?？]")
_PHASE_PREFIX = re.compile(r"^\s*(?:第[一二三四五六七八九十]+阶段)?\s*[(（]?\s*")
_PROSE_ONGOING = re.compile(r"(?:^|[。；;，,(（])\s*(长期坚持|持续推进|长期推进|长期)\s*[)）]?\s*[。；;]?\s*$")
TITLE_MAX = 60
# "牵头单位：县编办" on a line of its own annotates the item above it; it is not an item itself
_FIELD_LINE = re.compile(r"^\s*[【\[(]?\s*(?:牵头|责任|配合|协办|参与|主责|负责|完成|时限|时间)[^:：]{0,4}[:：]")


@dataclass
class Draft:
    """A task before relative deadlines are resolved."""

    task: ParsedTask
    annotation: Annotation
    deadline: DeadlineParse
    own_text: str
    children: list[Draft] = field(default_factory=list)
    parent: Draft | None = None
    serves: list[tuple[str, list[str]]] = field(default_factory=list)  # 责任分工 "X配合做好…" clauses


def build_tasks(outline: Outline, *, plan_year: int | None, first_is_lead: bool) -> list[Draft]:
    """Drafts in document order (parents before children)."""
    context = _Context(plan_year, first_is_lead)
    keep = _select(outline)
    drafts: list[Draft] = []
    by_node: dict[int, Draft] = {}
    for node in outline.walk():
        if id(node) not in keep:
            context.see_outside_tasks(node.heading + "".join(node.body))
            continue
        parent = by_node.get(id(node.parent)) if node.parent else None
        draft = context.draft_for(node, parent)
        by_node[id(node)] = draft
        drafts.append(draft)
        drafts.extend(context.split_children(draft))
    for draft in drafts:
        _inherit(draft)
    return drafts


class _Context:
    """Carries the nearest preceding year through the document."""

    def __init__(self, plan_year: int | None, first_is_lead: bool) -> None:
        self.year = plan_year
        self.first_is_lead = first_is_lead

    def see_outside_tasks(self, text: str) -> None:
        """Goals ("到2020年底，基本建立…") do not date the tasks of a plan whose year is known."""
        if self.year is None:
            self.see(text)

    def see(self, text: str) -> None:
        years = years_mentioned(text)
        if years:
            self.year = years[-1]

    def draft_for(self, node: Node, parent: Draft | None) -> Draft:
        paragraphs = [node.heading, *node.body]
        own_text = "\n".join(p for p in paragraphs if p)
        draft = self._draft(node.code, own_text, parent, level=len(node.code.split(".")), title_source=node.heading)
        draft.task.is_group = bool(node.children)
        draft.task.source = f"正文第{node.line + 1}段"
        return draft

    def _draft(self, code: str, text: str, parent: Draft | None, *, level: int, title_source: str) -> Draft:
        annotation = prose_leads(extract_annotation(text, first_is_lead=self.first_is_lead), text)
        deadline = self._deadline(text, annotation)
        self.see(text)
        if deadline.date is not None:
            self.year = deadline.date.year
        task = ParsedTask(code=code, title=make_title(title_source, annotation), text=text,
                          parent=parent.task.code if parent else None, level=level,
                          lead_units=list(annotation.lead), responsible_units=list(annotation.responsible),
                          supporting_units=list(annotation.supporting), deadline=deadline.date,
                          deadline_text=deadline.text, ongoing=deadline.ongoing,
                          relative_to=deadline.relative.reference if deadline.relative else None)
        draft = Draft(task=task, annotation=annotation, deadline=deadline, own_text=text, parent=parent)
        if parent is not None:
            parent.children.append(draft)
        return draft

    def _deadline(self, text: str, annotation: Annotation) -> DeadlineParse:
        for source in annotation.deadline_sources:
            parsed = parse_deadline(source, default_year=self._year_before(text, source), allow_ongoing=True)
            if parsed.found:
                return parsed
        parsed = parse_deadline(_without_spans(text, annotation.spans), default_year=self.year, allow_ongoing=False)
        if not parsed.found and _PROSE_ONGOING.search(fold(text)):
            parsed = parse_deadline(_PROSE_ONGOING.search(fold(text)).group(1), default_year=self.year)  # type: ignore[union-attr]
        return parsed

    def _year_before(self, text: str, source: str) -> int | None:
        position = text.find(source)
        years = years_mentioned(text[:position]) if position > 0 else []
        return years[-1] if years else self.year

    def split_children(self, draft: Draft) -> list[Draft]:
        """Milestones of a phase schedule, or annotated unnumbered paragraphs, as child tasks."""
        milestones = self._milestones(draft)
        if milestones:
            return milestones
        if draft.task.is_group:
            return []
        duties = self._duties(draft)
        if duties:
            return duties
        paragraphs = draft.own_text.split("\n")
        annotated = [p for p in paragraphs[1:] if _annotated(p, self.first_is_lead) and not _FIELD_LINE.match(fold(p))]
        if len(annotated) < 2:
            return self._enumerated(draft)
        children = []
        for number, paragraph in enumerate(annotated, start=1):
            child = self._draft(f"{draft.task.code}.{number}", paragraph, draft,
                                level=draft.task.level + 1, title_source=paragraph)
            children.append(child)
        draft.task.is_group = True
        draft.task.text = "\n".join(p for p in paragraphs if p not in annotated)
        _clear_units(draft)
        return children

    def _duties(self, draft: Draft) -> list[Draft]:
        """A 责任分工 paragraph: each clause "X负责…" becomes a task led by X (see ``duties``)."""
        clauses = duty_clauses(draft.own_text)
        if len(clauses) < 2 or (len(clauses) < 3 and not DUTY_HEADING.search(draft.task.title)):
            return []
        own = [(c, names) for c, names in clauses if clause_subject(c)[1] not in SERVING_VERBS]  # type: ignore[index]
        draft.serves = [(c, names) for c, names in clauses if (c, names) not in own]
        children = []
        for number, (clause, subject) in enumerate(own, start=1):
            child = self._draft(f"{draft.task.code}.{number}", clause, draft, level=draft.task.level + 1,
                                title_source=clause)
            task = child.task
            task.lead_units = list(subject)
            task.responsible_units = [n for n in task.responsible_units if n not in subject]
            task.supporting_units = [n for n in dict.fromkeys(task.supporting_units + accompanying(clause))
                                     if n not in subject]
            task.source = f"责任分工条款 {draft.task.code}"
            child.annotation.lead = list(subject)
            children.append(child)
        draft.task.is_group = True
        _clear_units(draft)
        return children

    def _enumerated(self, draft: Draft) -> list[Draft]:
        """'一是…；二是…': clauses with their own annotations are tasks; so are the clauses of a measure
        that names no unit and no deadline itself (a prose 意见 enumerates its measures this way)."""
        clauses = enumerated_clauses(draft.own_text)
        annotated = sum(_annotated(c, self.first_is_lead) for c in clauses)
        if annotated < 2 and not (len(clauses) >= 2 and not draft.annotation.has_units and not draft.deadline.found):
            return []
        children = [self._draft(f"{draft.task.code}.{number}", clause, draft, level=draft.task.level + 1,
                                title_source=clause)
                    for number, clause in enumerate(clauses, start=1)]
        draft.task.is_group = True
        _clear_units(draft)
        return children

    def _milestones(self, draft: Draft) -> list[Draft]:
        clauses = [c for c in re.split(r"[；;。\n]", draft.own_text) if c.strip()]
        phases: list[tuple[str, date | None, str, str]] = []
        year = self.year
        for clause in clauses:
            prefix = _PHASE_PREFIX.match(fold(clause))
            offset = prefix.end() if prefix else 0
            found = find_deadlines(clause, default_year=year)
            if not found or found[0].start > offset:
                continue
            rest = clause[found[0].end:]
            separator = re.match(r"^\s*[)）]?\s*[,，:：]\s*", fold(rest))
            if not separator or found[0].date is None:
                continue
            year = found[0].date.year
            phases.append((clause.strip(), found[0].date, found[0].text, rest[separator.end():].strip()))
        if len(phases) < 2:
            return []
        milestones = []
        for number, (clause, due, due_text, body) in enumerate(phases, start=1):
            task = ParsedTask(code=f"{draft.task.code}.M{number}", title=_shorten(body) or due_text,
                              text=clause, parent=draft.task.code, level=draft.task.level + 1,
                              deadline=due, deadline_text=due_text, is_milestone=True)
            milestone = Draft(task=task, annotation=Annotation(), deadline=DeadlineParse(date=due, text=due_text),
                              own_text=clause, parent=draft)
            draft.children.append(milestone)
            milestones.append(milestone)
        last = max(phases, key=lambda p: p[1] or date.min)
        draft.task.deadline, draft.task.deadline_text = last[1], last[2]
        draft.task.is_group = True
        return milestones


_ENUMERATOR = re.compile(r"(?:^|(?<=[。；;，,：:\s]))([一二三四五六七八九十]{1,2})是(?=[^,，。;；\s])")


def enumerated_clauses(text: str) -> list[str]:
    """The clauses of a '一是…；二是…；三是…' paragraph, markers removed (consecutive from 一 only)."""
    starts: list[tuple[int, int]] = []
    for match in _ENUMERATOR.finditer(fold(text)):
        if cn_to_int(match.group(1)) == len(starts) + 1:
            starts.append((match.start(), match.end()))
    if len(starts) < 2:
        return []
    clauses = []
    for index, (_start, body_start) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        clauses.append(text[body_start:stop].strip().rstrip("；;，,"))
    return clauses


def prose_leads(annotation: Annotation, text: str) -> Annotation:
    """Without an explicit annotation, prose names the lead: "由X牵头", else "X负责", else "X要…"."""
    if annotation.explicit or annotation.lead:
        return annotation
    if annotation.responsible:
        annotation.lead, annotation.responsible = annotation.responsible, []
    elif not annotation.supporting:
        annotation.lead = required_subjects(text)
    return annotation


def make_title(heading: str, annotation: Annotation | None = None) -> str:
    """The heading sentence: up to the first 。/；, without annotations or trailing punctuation."""
    text = heading
    if annotation is not None:
        text = _without_spans(heading, [s for s in annotation.spans if s[1] <= len(heading)])
    match = _SENTENCE_END.search(text)
    title = (text[:match.start()] if match else text).strip(" ，,：:、\t")
    title = re.sub(r"[(（]\s*[)）]", "", title).strip()
    return _shorten(title)


def _shorten(text: str) -> str:
    text = text.strip(" ，,：:、。；;")
    return text if len(text) <= TITLE_MAX else text[:TITLE_MAX - 1] + "…"


def _annotated(paragraph: str, first_is_lead: bool) -> bool:
    annotation = extract_annotation(paragraph, first_is_lead=first_is_lead)
    return annotation.explicit and (annotation.has_units or bool(annotation.deadline_sources))


def _select(outline: Outline) -> set[int]:
    keep: set[int] = set()
    for node in outline.walk():
        chain = [node, *node.ancestors()]
        titles = [make_title(n.heading) for n in chain]
        annotation = extract_annotation("\n".join([node.heading, *node.body]))
        if any(FRAME_SECTION.search(t) for t in titles):
            chosen = annotation.explicit and annotation.has_units
        elif any(TASK_SECTION.search(t) for t in titles) or (node.parent is not None and not node.children):
            chosen = True  # a numbered measure inside a section is a task, annotated or not
        else:
            chosen = annotation.has_units or bool(
                find_deadlines(_without_spans(node.heading + "".join(node.body), annotation.spans), default_year=None))
        if chosen:
            keep.update(id(n) for n in chain)
    return keep


def _inherit(draft: Draft) -> None:
    task = draft.task
    if task.is_milestone:
        return
    ancestor = draft.parent
    while ancestor is not None:
        source = ancestor.task
        if not (task.lead_units or task.responsible_units or task.supporting_units) and ancestor.annotation.has_units:
            task.lead_units = list(ancestor.annotation.lead)
            task.responsible_units = list(ancestor.annotation.responsible)
            task.supporting_units = list(ancestor.annotation.supporting)
        if not draft.deadline.found and ancestor.deadline.found and not source.is_milestone:
            task.deadline, task.deadline_text, task.ongoing = source.deadline, source.deadline_text, source.ongoing
            task.relative_to = source.relative_to
            draft.deadline = ancestor.deadline
        ancestor = ancestor.parent


def _clear_units(draft: Draft) -> None:
    draft.annotation = Annotation()
    draft.deadline = DeadlineParse()
    task = draft.task
    task.lead_units, task.responsible_units, task.supporting_units = [], [], []
    task.deadline = task.deadline_text = None
    task.ongoing = False


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
