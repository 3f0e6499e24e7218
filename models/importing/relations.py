"""Relative deadlines -> dependencies, and the warnings that make gaps visible.

"机构职能调整到位后3个月内" names another task by a phrase, not by a number.  The phrase is
compared with every other task by character bigrams (titles weigh double, since they carry the
topic); the best task above a modest overlap wins.  Phrases about the plan itself (方案印发,
本方案发布) anchor on the plan date instead: deadline = plan date + lag.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from models.importing.builder import Draft
from models.importing.deadlines import DEFERRED, PLAN_REFERENCE, next_occurrence, parse_deadline
from models.importing.model import ParsedDependency, ParsedTask
from models.importing.textnorm import fold
from models.workcalendar import Lag, WorkCalendar

_PLAN_ANCHOR = re.compile(
    r"(?:本|此|该)?(?:实施)?(?:方案|意见|文件|通知)(?:正式)?(?:印发|发布|出台|下发|实施)|印发之日|发布之日"
    r"|^\s*(?:印发|发布|下发|出台|公布)\s*$")  # "（本方案）印发之日起…": the bracket leaves only 印发
_STOP_BIGRAMS = {"完成", "工作", "到位", "之日", "以后", "之后", "有关", "相关", "进行", "开展"}
MIN_SCORE = 0.34
_COUNTED_FROM_ISSUE = re.compile(r"之日|即时|立即|即日起|马上|立行立改")  # due at the issue on purpose
FEASIBLE_DAYS = 7


def resolve_relative(drafts: list[Draft], *, plan_date: date | None, warnings: list[str],
                     calendar: WorkCalendar | None = None) -> None:
    """Turn each relative deadline into a dependency (or a dated deadline for plan anchors)."""
    for draft in drafts:
        _anchor_on_plan_date(draft, plan_date, warnings)
    for draft in drafts:
        relative = draft.deadline.relative
        if relative is None or draft.parent is not None and draft.parent.deadline is draft.deadline:
            continue
        task = draft.task
        if _PLAN_ANCHOR.search(fold(relative.reference)):
            if plan_date is None:
                warnings.append(f"任务 {task.code}“{task.title}”：时限“{task.deadline_text}”以方案印发为起点，"
                                f"但未识别到方案日期，请手工填写")
            else:
                task.deadline, task.provisional = add_lag(plan_date, relative.lag, calendar)
                task.plan_lag = relative.lag
                if task.provisional:
                    warnings.append(f"任务 {task.code}“{task.title}”：{task.deadline.year}年放假安排尚未录入，"
                                    f"按周一至周五推算为 {task.deadline.isoformat()}（暂定），录入后请重新核对")
            continue
        target = best_match(relative.reference, draft, drafts)
        if target is None:
            warnings.append(f"任务 {task.code}“{task.title}”：未找到“{relative.reference}”对应的任务，"
                            f"相对时限“{task.deadline_text}”需手工关联")
            continue
        task.depends_on.append(ParsedDependency(code=target.task.code, lag=relative.lag))
    for draft in drafts:  # children that inherited a relative deadline share the parent's dependency
        if draft.parent is not None and draft.parent.deadline is draft.deadline and (
                draft.deadline.relative or draft.deadline.recurring or draft.deadline.immediate):
            draft.task.depends_on = list(draft.parent.task.depends_on)
            draft.task.deadline = draft.parent.task.deadline
            draft.task.provisional = draft.parent.task.provisional
            draft.task.plan_lag = draft.parent.task.plan_lag
            draft.task.recurring = draft.parent.task.recurring


def _anchor_on_plan_date(draft: Draft, plan_date: date | None, warnings: list[str]) -> None:
    """'即时' is due on the plan date; '每年12月底前' first falls due on or after it."""
    parse, task = draft.deadline, draft.task
    if draft.parent is not None and draft.parent.deadline is parse:
        return  # inherited: the ancestor's own resolution is copied below
    if parse.recurring is not None:
        task.recurring = parse.text
        if plan_date is not None:
            task.deadline = next_occurrence(parse.recurring, plan_date)
        warnings.append(f"任务 {task.code}“{task.title}”：时限“{parse.text}”为周期性要求，"
                        f"已取方案印发后首个节点 {task.deadline.isoformat() if task.deadline else '（未识别到方案日期）'}")
    elif parse.immediate:
        task.deadline = plan_date
        warnings.append(f"任务 {task.code}“{task.title}”：时限为“{parse.text}”，"
                        + (f"已按方案日期 {plan_date.isoformat()} 计" if plan_date else "未识别到方案日期，请手工填写"))
    elif parse.relative is not None and parse.relative.reference == PLAN_REFERENCE and parse.text == _bare(parse.text):
        warnings.append(f"任务 {task.code}“{task.title}”：时限“{parse.text}”未写明起算点，已按方案印发日期起算")


def _bare(text: str | None) -> str | None:
    return text if text and not re.search(r"印发|发布|出台|之日|后|起", text) else None


def best_match(reference: str, source: Draft, drafts: list[Draft]) -> Draft | None:
    wanted = _bigrams(reference)
    if not wanted:
        return None
    excluded = {id(source)} | {id(d) for d in _lineage(source)}
    best: tuple[float, int, Draft] | None = None
    for position, draft in enumerate(drafts):
        if id(draft) in excluded:
            continue
        title = _bigrams(draft.task.title)
        body = _bigrams(draft.own_text)
        score = (2 * len(wanted & title) + len(wanted & body)) / (3 * len(wanted))
        if score >= MIN_SCORE and (best is None or score > best[0]):
            best = (score, position, draft)
    return best[2] if best else None


def add_lag(start: date, lag: str, calendar: WorkCalendar | None = None) -> tuple[date, bool]:
    """'3 months' / '30 workdays' / '15 days' after ``start`` and whether that date is provisional.

    The office calendar (entered 放假安排) is used when given; the scheduler uses the same function of
    :class:`WorkCalendar`, so an imported deadline and a forecast can never count days differently.
    """
    return (calendar or default_calendar()).add_lag_flagged(start, Lag.parse(lag))


def attach_supporters(drafts: list[Draft], warnings: list[str]) -> list[Draft]:
    """A 责任分工 clause "县财政局配合做好人员划转经费保障" serves a task named elsewhere: its units support
    the best-matching task; without one the clause becomes a task of its own under its section."""
    added: list[Draft] = []
    for draft in drafts:
        for number, (clause, names) in enumerate(draft.serves, start=1):
            target = _served_task(clause, [d for d in drafts if not d.task.is_group and d is not draft])
            if target is not None:
                target.task.supporting_units.extend(n for n in names if n not in target.task.unit_mentions)
                continue
            task = ParsedTask(code=f"{draft.task.code}.配{number}", title=clause[:60], text=clause,
                              parent=draft.task.code, level=draft.task.level + 1, lead_units=list(names),
                              source=f"责任分工条款 {draft.task.code}")
            added.append(Draft(task=task, annotation=draft.annotation, deadline=type(draft.deadline)(),
                               own_text=clause, parent=draft))
            warnings.append(f"任务 {task.code}：“{clause[:30]}”写明配合，但未找到对应的任务，已单列，请核对")
    if not added:
        return drafts
    ordered = list(drafts)
    for extra in added:  # after the section's last descendant, so codes stay in document order
        at = max(i for i, d in enumerate(ordered) if d is extra.parent or extra.parent in _ancestors(d))
        ordered.insert(at + 1, extra)
    return ordered


def _ancestors(draft: Draft) -> list[Draft]:
    chain: list[Draft] = []
    node = draft.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def _served_task(clause: str, drafts: list[Draft]) -> Draft | None:
    """The task whose title reappears most in ``clause`` (share of the title's bigrams, at least 60%)."""
    wanted = _bigrams(clause)
    best: tuple[float, Draft] | None = None
    for draft in drafts:
        title = _bigrams(draft.task.title)
        score = len(title & wanted) / len(title) if title else 0.0
        if score >= 0.6 and (best is None or score > best[0]):
            best = (score, draft)
    return best[1] if best else None


def plan_anchored_lag(deadline_text: str | None) -> str | None:
    """The lag of a deadline phrase counted from the plan's date ("印发之日起10个工作日内" -> "10 workdays")."""
    if not deadline_text:
        return None
    parsed = parse_deadline(deadline_text, default_year=None)
    relative = parsed.relative
    if relative is None or not _PLAN_ANCHOR.search(fold(relative.reference)):
        return None
    return relative.lag


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """chinese-calendar's years plus weekdays: what a plan is dated with when no office calendar is given."""
    return WorkCalendar()


def check_feasibility(tasks: list[ParsedTask], plan_date: date | None, *, days: int = FEASIBLE_DAYS) -> list[str]:
    """Flag deadlines before the plan's date or within ``days`` of it (the plan came out late)."""
    warnings: list[str] = []
    if plan_date is None:
        return warnings
    for task in tasks:
        if task.deadline is None or task.is_group:
            continue
        gap = (task.deadline - plan_date).days
        if gap < 0:
            task.check = f"时限早于印发日期（{task.deadline.isoformat()}，方案印发于{plan_date.isoformat()}）"
        elif gap < days and task.deadline_text and not _COUNTED_FROM_ISSUE.search(fold(task.deadline_text)) \
                and not _PLAN_ANCHOR.search(fold(task.deadline_text)):
            task.check = f"时限距印发日期仅{gap}天（{task.deadline.isoformat()}），请核实能否完成"
        else:
            continue
        warnings.append(f"任务 {task.code}“{task.title}”：{task.check}；如已完成，可在任务清单中勾选“已完成”并填写说明")
    return warnings


def task_warnings(tasks: list[ParsedTask]) -> list[str]:
    """Every task without a lead unit or a deadline, by code; groups summarised in one line."""
    warnings: list[str] = []
    groups: list[str] = []
    for task in tasks:
        if task.is_group and not task.lead_units and task.deadline is None and not task.depends_on:
            groups.append(task.code)
            continue
        missing = []
        if not task.lead_units and not task.is_milestone:
            missing.append("牵头单位" + (f"（仅有负责单位：{'、'.join(task.responsible_units)}）"
                                      if task.responsible_units else ""))
        if task.ongoing:
            warnings.append(f"任务 {task.code}“{task.title}”：时限为“{task.deadline_text}”（长期任务，无固定完成日期）")
        elif task.deadline is None and task.relative_to is None:
            if task.deadline_text and DEFERRED.search(fold(task.deadline_text)):
                warnings.append(f"任务 {task.code}“{task.title}”：时限为“{task.deadline_text}”，无固定完成日期，"
                                f"请在上级明确后补填")
            elif task.deadline_text:
                warnings.append(f"任务 {task.code}“{task.title}”：时限“{task.deadline_text}”缺少年份，无法换算为日期")
            else:
                missing.append("完成时限")
        if missing:
            warnings.append(f"任务 {task.code}“{task.title}”：未识别到{'和'.join(missing)}")
    if groups:
        warnings.append(f"分组标题（本身未标注牵头单位和时限）：{'、'.join(groups)}")
    return warnings


def _lineage(draft: Draft) -> list[Draft]:
    chain: list[Draft] = []
    node = draft.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    stack = list(draft.children)
    while stack:
        child = stack.pop()
        chain.append(child)
        stack.extend(child.children)
    return chain


def _bigrams(text: str) -> set[str]:
    cleaned = re.sub(r"[^\u4e00-\u9fff]", "", fold(text))
    return {cleaned[i:i + 2] for i in range(len(cleaned) - 1)} - _STOP_BIGRAMS
