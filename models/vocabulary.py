"""The codes stored in the database, their Chinese labels and the sets the services test against.

Every member is a ``StrEnum`` whose value is the string the database holds, so members compare equal
to stored values and bind as plain strings. Pure: no database, no service imports.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Self


class Vocabulary(StrEnum):
    """A stored code with its label: ``Member = "value", "标签"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:  # the default only keeps ``TaskStatus("done")`` typed
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """``{value: label}`` for lookups by a stored string (``labels().get(code, code)``)."""
        return {m.value: m.label for m in cls}


class TaskStatus(Vocabulary):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    PENDING_REVIEW = "pending_review", "待审核"  # the department reported done, the office reviews
    DONE = "done", "已办结"


# finished for scheduling and never alerted (``actual_finish`` is the reported date)
FINISHED: tuple[TaskStatus, ...] = (TaskStatus.PENDING_REVIEW, TaskStatus.DONE)
UNFINISHED: tuple[TaskStatus, ...] = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


class TaskRole(Vocabulary):
    LEAD = "lead", "牵头"
    RESPONSIBLE = "responsible", "负责"
    SUPPORTING = "supporting", "配合"


class HandoverKind(Vocabulary):
    STAFF = "staff", "人员划转"
    ASSET = "asset", "国有资产移交"
    ARCHIVE = "archive", "档案移交"
    ESTABLISHMENT = "establishment", "编制划转"
    FUNCTION = "function", "职能划转"


class HandoverStatus(Vocabulary):
    DRAFT = "draft", "草稿"
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETED = "completed", "已完成"


class StepStatus(Vocabulary):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已退回"


class PartyRole(Vocabulary):
    SENDER = "sender", "移交方"
    RECEIVER = "receiver", "接收方"
    SUPERVISOR = "supervisor", "监督方"


class AlertLevel(Vocabulary):
    REMINDER = "reminder", "提示"
    URGING = "urging", "催办"
    SUPERVISION = "supervision", "督办"
    INTERVIEW = "interview", "约谈"
    REPORT = "report", "报送提醒"  # a 报送要求 slot is due, outside the escalation ladder


# the escalation ladder of an overdue task, in order (提示 → 催办 → 督办通知单 → 约谈)
ESCALATION: tuple[AlertLevel, ...] = (AlertLevel.REMINDER, AlertLevel.URGING, AlertLevel.SUPERVISION,
                                      AlertLevel.INTERVIEW)


class NoticeKind(Vocabulary):
    ISSUE_PLAN = "issue-plan", "印发通知"
    STAFF_TRANSFER = "staff-transfer", "人员划转通知"
    ESTABLISHMENT = "establishment", "编制调整通知"
    SUPERVISION = "supervision", "督办通知单"
    URGING = "urging", "催办函"
    BULLETIN = "bulletin", "工作进展通报"
    STAFF_ROSTER = "staff-roster", "人员划转名册"
    ASSET_LIST = "asset-list", "资产移交清单"
    ARCHIVE_LIST = "archive-list", "档案移交清单"
    HANDOVER_CONFIRMATION = "handover-confirmation", "交接确认书"


# what the staffing office (编办) may issue
STAFFING_NOTICE_KINDS = frozenset({NoticeKind.STAFF_TRANSFER, NoticeKind.ESTABLISHMENT, NoticeKind.STAFF_ROSTER})


class Role(Vocabulary):
    OFFICE = "office", "改革领导小组办公室"
    DEPARTMENT = "department", "部门用户"
    STAFFING = "staffing", "编办"
    LEADER = "leader", "领导（批示、关注）"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


class RequestState(Vocabulary):
    """A 延期/调整 request."""

    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "已驳回"
    WITHDRAWN = "withdrawn", "已撤回"


class InstructionState(Vocabulary):
    """A leader's 批示."""

    OPEN = "open", "待回复"
    ANSWERED = "answered", "已回复"
    CLOSED = "closed", "已办结"
