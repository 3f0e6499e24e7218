"""Plain result types of the plan importer (no database types: the service layer maps them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


class ImportRejected(Exception):
    """The file cannot be imported; ``message`` is shown to the user as is (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedDependency:
    """Finish-to-finish link: this task is due ``lag`` after task ``code`` is done."""

    code: str
    lag: str  # "3 months", "30 workdays", "15 days"


@dataclass
class ParsedTask:
    code: str
    title: str
    text: str
    parent: str | None = None
    level: int = 1
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    supporting_units: list[str] = field(default_factory=list)
    deadline: date | None = None
    deadline_text: str | None = None
    depends_on: list[ParsedDependency] = field(default_factory=list)
    ongoing: bool = False
    relative_to: str | None = None  # "机构职能调整到位" of "机构职能调整到位后3个月内"
    is_milestone: bool = False
    recurring: str | None = None  # "每年12月底前": deadline is its first occurrence after the plan date
    is_group: bool = False  # a heading that only groups other tasks
    source: str = ""  # where it was found: "正文 二.(一)", "表格第5行", "责任分工条款"
    check: str | None = None  # feasibility note for the reviewer ("时限早于印发日期")
    provisional: bool = False  # deadline computed through a year without an official calendar
    plan_lag: str | None = None  # "10 workdays": the deadline is counted from the plan's date
    report_schedule: list[dict[str, Any]] = field(default_factory=list)  # proposed 报送要求 ("每月5日前报送")
    indicator: dict[str, Any] | None = None  # proposed target ("利用率达到35%")

    @property
    def unit_mentions(self) -> list[str]:
        """Every unit named in the task, in role order, without repeats."""
        return list(dict.fromkeys(self.lead_units + self.responsible_units + self.supporting_units))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "text": self.text,
            "parent": self.parent,
            "lead_units": list(self.lead_units),
            "responsible_units": list(self.responsible_units),
            "supporting_units": list(self.supporting_units),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "depends_on": [{"code": d.code, "lag": d.lag} for d in self.depends_on],
            "level": self.level,
            "ongoing": self.ongoing,
            "relative_to": self.relative_to,
            "milestone": self.is_milestone,
            "recurring": self.recurring,
            "group": self.is_group,
            "source": self.source,
            "check": self.check,
            "provisional": self.provisional,
            "plan_lag": self.plan_lag,
            "report_schedule": [dict(r) for r in self.report_schedule],
            "indicator": dict(self.indicator) if self.indicator else None,
        }


@dataclass
class ParsedPlan:
    title: str | None
    doc_number: str | None
    issuer: str | None
    date: date | None
    fingerprint: str
    tasks: list[ParsedTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report_schedule: list[dict[str, Any]] = field(default_factory=list)  # the plan's rhythm, inherited by tasks

    def task(self, code: str) -> ParsedTask:
        """Look a task up by its code (KeyError when absent)."""
        for task in self.tasks:
            if task.code == code:
                return task
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": {
                "title": self.title,
                "doc_number": self.doc_number,
                "issuer": self.issuer,
                "date": self.date.isoformat() if self.date else None,
                "report_schedule": [dict(r) for r in self.report_schedule],
            },
            "tasks": [t.to_dict() for t in self.tasks],
            "warnings": list(self.warnings),
        }
