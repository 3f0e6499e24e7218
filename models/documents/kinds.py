"""Notice kinds: which subject each needs, its variables, and the content it contributes.

The layout is shared (``layout.compose``); a kind only turns ``context.data`` into variables for
its template and into tables, charts and parties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from models.documents import bulletin, handover
from models.documents.context import NoticeContext
from models.documents.layout import Attachment, Block, Column, Content, Layout, Party, Table, Text
from models.documents.templates import NoticeTemplate
from models.documents.text import cn_date, fill, join_units, preview_number, sanitize
from models.vocabulary import NoticeKind

Subject = Literal["task", "handover", "plan", "period"]
LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成"}
RECEIPT = ("承办单位", "签收人", "签收时间", "联系电话")


@dataclass(frozen=True)
class KindSpec:
    kind: NoticeKind
    subject: Subject
    agency: str  # default key in _agency.toml
    layout: Layout

    @property
    def label(self) -> str:
        return self.kind.label


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(NoticeKind.ISSUE_PLAN, "plan", "office", "notice"),
        KindSpec(NoticeKind.STAFF_TRANSFER, "handover", "staffing", "notice"),
        KindSpec(NoticeKind.ESTABLISHMENT, "handover", "staffing", "notice"),
        KindSpec(NoticeKind.SUPERVISION, "task", "office", "form"),
        KindSpec(NoticeKind.URGING, "task", "office", "letter"),
        KindSpec(NoticeKind.BULLETIN, "period", "office", "notice"),
        KindSpec(NoticeKind.STAFF_ROSTER, "handover", "staffing", "list"),
        KindSpec(NoticeKind.ASSET_LIST, "handover", "office", "list"),
        KindSpec(NoticeKind.ARCHIVE_LIST, "handover", "office", "list"),
        KindSpec(NoticeKind.HANDOVER_CONFIRMATION, "handover", "office", "list"),
    )
}


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _plan_vars(data: Mapping[str, Any]) -> dict[str, str]:
    plan = _map(data.get("plan"))
    return {
        "plan_title": _str(plan.get("title")),
        "plan_doc_number": _str(plan.get("doc_number")),
        "plan_issuer": _str(plan.get("issuer")),
        "plan_date": cn_date(plan.get("date")),
        "task_count": str(sum(1 for t in _tasks(data) if not t.get("is_group"))),
    }


def _tasks(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [t for t in data.get("tasks") or [] if isinstance(t, Mapping)]


def _handover_kind(spec: KindSpec, ho: Mapping[str, Any]) -> str:
    declared = _str(ho.get("kind"))
    return handover.LIST_KIND.get(spec.kind) or (declared if declared in handover.KIND_LABELS else "staff")


def _handover_vars(spec: KindSpec, data: Mapping[str, Any]) -> dict[str, str]:
    ho = _map(data.get("handover"))
    kind = _handover_kind(spec, ho)
    items = [i for i in ho.get("items") or [] if isinstance(i, Mapping)]
    counts = handover.totals(kind, items)
    return {
        "handover_title": _str(ho.get("title")),
        "from_unit": _str(ho.get("from_unit")),
        "to_unit": _str(ho.get("to_unit")),
        "task_code": _str(ho.get("task_code")),
        "task_title": _str(ho.get("task_title")),
        "item_count": str(len(items)),
        "kind_label": handover.KIND_LABELS[kind],
        "summary": handover.summary(kind, ho),
        "staff_breakdown": handover.breakdown(items, counted=False),
        "establishment_breakdown": handover.breakdown(items, counted=True),
        "establishment_total": f"{int(counts.get('count', 0))}",
        "party_count": str(len(_parties(ho)) or 2),
    }


def _task_vars(data: Mapping[str, Any]) -> dict[str, str]:
    task, alert = _map(data.get("task")), _map(data.get("alert"))
    overdue = _str(task.get("days_overdue"))
    light = _str(task.get("light") or alert.get("level"))
    return {
        "task_code": _str(task.get("code")),
        "task_title": _str(task.get("title")),
        "lead_units": join_units(task.get("lead_units")),
        "supporting_units": join_units(task.get("supporting_units")) or "无",
        "deadline": cn_date(task.get("deadline")),
        "percent": _str(task.get("percent")),
        "status_label": _str(task.get("status_label")),
        "days_overdue": overdue,
        "overdue_text": f"已逾期{overdue}天" if overdue not in ("", "0", "None") else "尚未逾期",
        "light_label": LIGHTS.get(light, light),
        "red_days": _str(alert.get("red_days")),
        "reply_by": cn_date(data.get("reply_by")),
        "due_by": cn_date(data.get("due_by") or data.get("reply_by")),
        # the task's stable link (models/links.py), where the unit reads, reports and signs for it
        "task_link": f"（{_str(task.get('url'))}）" if task.get("url") else "",
    }


def _parties(ho: Mapping[str, Any]) -> list[Party]:
    return [
        Party(_str(p.get("role_label")) or _str(p.get("role")), _str(p.get("unit")),
              _str(p.get("confirmed_by")) or None, cn_date(p.get("confirmed_at")) or None)
        for p in ho.get("parties") or [] if isinstance(p, Mapping)
    ]


def variables(spec: KindSpec, context: NoticeContext, template: NoticeTemplate) -> dict[str, str]:
    data = context.data if isinstance(context.data, Mapping) else {}
    by_subject: dict[Subject, Callable[[], dict[str, str]]] = {
        "plan": lambda: _plan_vars(data),
        "handover": lambda: _handover_vars(spec, data),
        "task": lambda: _task_vars(data),
        "period": lambda: bulletin.variables(data),
    }
    return {
        "issue_date": cn_date(context.issue_date),
        "year": str(context.issue_date.year),
        "agency_name": template.agency_name,
        "county": template.county,
        **by_subject[spec.subject](),
    }


def _task_division(data: Mapping[str, Any]) -> Table:
    """任务分工表: group headings (一、…) are rows without a number and are not counted as tasks."""
    rows: list[list[str | list[str]]] = []
    count = 0
    for t in _tasks(data):
        content = f"{_str(t.get('code'))}　{_str(t.get('title'))}".strip("　")
        if t.get("is_group"):
            rows.append(["", content, "", "", ""])
            continue
        count += 1
        rows.append([str(count), content, join_units(t.get("lead_units")), join_units(t.get("supporting_units")),
                     _str(t.get("deadline_text")) or cn_date(t.get("deadline"))])
    return Table(
        [Column("序号", 0.9), Column("任务内容", 4, "left"), Column("牵头单位", 1.8, "left"),
         Column("配合单位", 1.8, "left"), Column("完成时限", 1.5)],
        rows,
        ["合计", f"{count}项", "", "", ""],
    )


def _attachments(spec: KindSpec, data: Mapping[str, Any], titles: list[str]) -> list[Attachment]:
    if spec.kind == "bulletin":
        return bulletin.attachments(data, titles)
    if spec.kind == "issue-plan":
        return [Attachment(t, [_task_division(data)]) for t in titles[:1]]
    if spec.subject == "handover":
        ho = _map(data.get("handover"))
        return [Attachment(t, list(handover.item_table(_handover_kind(spec, ho), ho))) for t in titles[:1]]
    return []


def _body(spec: KindSpec, context: NoticeContext, template: NoticeTemplate, v: dict[str, str]) -> list[Block]:
    indent = spec.layout in ("notice", "letter") or spec.kind == "handover-confirmation"
    blocks: list[Block] = []
    if spec.layout == "form":
        blocks.append(Table([Column("", 1.3, heading=True), Column("", 5, "left")],
                            [[fill(label, v), fill(value, v)] for label, value in template.rows], header=False))
    for line in template.body:
        if line.strip() == "$chart" and spec.kind == "bulletin":
            blocks.append(bulletin.chart(context.data))
        else:
            blocks.append(Text(fill(line, v), indent=indent))
    if spec.layout == "list" and spec.kind != "handover-confirmation":
        ho = _map(context.data.get("handover"))
        blocks.extend(handover.item_table(_handover_kind(spec, ho), ho))
    if context.extra_body:
        blocks.append(Text(context.extra_body))
    return blocks


def _names(override: list[str] | None, patterns: tuple[str, ...], v: dict[str, str]) -> list[str]:
    names = override if override is not None else [fill(p, v) for p in patterns]
    return [sanitize(n) for n in names if sanitize(n).strip()]


def notice_title(kind: str, context: NoticeContext, template: NoticeTemplate) -> str:
    spec = KINDS[kind]
    return sanitize(fill(template.title, variables(spec, context, template)))


def build_content(kind: str, context: NoticeContext, template: NoticeTemplate) -> Content:
    spec = KINDS[kind]
    v = variables(spec, context, template)
    number = context.doc_number or preview_number(template.code, context.issue_date.year)
    data = context.data if isinstance(context.data, Mapping) else {}
    return Content(
        layout=spec.layout,
        title=sanitize(fill(template.title, v)),
        doc_number=number,
        date=v["issue_date"],
        mark=template.mark.removesuffix("文件") if spec.layout == "letter" else template.mark,
        signature=template.signature,
        recipients=_names(context.recipients, template.recipients, v),
        blocks=_body(spec, context, template, v),
        attachments=_attachments(spec, data, [fill(t, v) for t in template.attachments]),
        parties=_parties(_map(data.get("handover"))) if spec.layout == "list" else [],
        cc=_names(context.cc, template.cc, v),
        issuer=template.issuer,
        receipt=list(RECEIPT) if spec.layout == "form" else [],
    )
