"""Chinese labels for codes stored in the database."""
from __future__ import annotations

from models.services.handover_items import KIND_LABELS as HANDOVER_KINDS  # noqa: F401 - re-exported
from models.services.handovers import PARTY_LABELS  # noqa: F401 - re-exported
from models.services.permissions import ROLE_LABELS  # noqa: F401 - re-exported
from models.services.tasks import ACTION_LABELS, STATUS_LABELS  # noqa: F401 - re-exported

LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成"}
LIGHT_COLORS = {"red": "#d62728", "yellow": "#f2b600", "green": "#2ca02c", "done": "#7f7f7f"}
TASK_ROLES = {"lead": "牵头", "responsible": "负责", "supporting": "配合"}
ALERT_LEVELS = {"reminder": "提示", "urging": "催办", "supervision": "督办", "interview": "约谈"}
STEP_STATUS = {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回"}
HANDOVER_STATUS = {"draft": "草稿", "in_progress": "办理中", "completed": "已完成"}
RULES = {"absolute": "固定日期", "relative": "相对时限（随前置任务推算）", "ongoing": "持续推进", "none": "未规定时限"}
LAG_UNITS = {"days": "天", "workdays": "个工作日", "months": "个月"}
OUTCOMES = {"success": "成功", "denied": "拒绝", "conflict": "冲突", "invalid": "无效", "error": "错误"}


def light(code: str | None) -> str:
    return LIGHTS.get(code or "", code or "")


def lag(value: int, unit: str) -> str:
    return "紧接" if value == 0 else f"{value}{LAG_UNITS.get(unit, unit)}"
