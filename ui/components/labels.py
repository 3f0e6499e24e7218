"""Chinese labels for codes stored in the database."""
from __future__ import annotations

from models.services.handover_items import KIND_LABELS as HANDOVER_KINDS  # noqa: F401 - re-exported
from models.services.handovers import PARTY_LABELS  # noqa: F401 - re-exported
from models.services.permissions import ROLE_LABELS  # noqa: F401 - re-exported
from models.services.tasks import ACTION_LABELS, STATUS_LABELS  # noqa: F401 - re-exported

LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成"}
LIGHT_COLORS = {"red": "#d62728", "yellow": "#f2b600", "green": "#2ca02c", "done": "#7f7f7f"}
TASK_ROLES = {"lead": "牵头", "responsible": "负责", "supporting": "配合"}
ALERT_LEVELS = {"reminder": "提示", "urging": "催办", "supervision": "督办", "interview": "约谈", "report": "报送提醒"}
STEP_STATUS = {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回"}
HANDOVER_STATUS = {"draft": "草稿", "in_progress": "办理中", "completed": "已完成"}
RULES = {"absolute": "固定日期", "relative": "相对时限（随前置任务推算）", "plan": "自方案印发日期起算（按工作日）", "ongoing": "持续推进", "none": "未规定时限"}
LAG_UNITS = {"days": "天", "workdays": "个工作日", "months": "个月"}
OUTCOMES = {"success": "成功", "denied": "拒绝", "conflict": "冲突", "invalid": "无效", "error": "错误"}


def light(code: str | None) -> str:
    return LIGHTS.get(code or "", code or "")


def lag(value: int, unit: str) -> str:
    return "紧接" if value == 0 else f"{value}{LAG_UNITS.get(unit, unit)}"
AUDIT_ACTIONS = {
    "task.progress": "报告进展", "task.report_done": "报告完成", "task.close": "审核办结", "task.return": "退回重办",
    "task.reopen": "重新打开", "task.handover_milestone": "交接完成自动办结", "handover.create": "新建交接",
    "handover.set_items": "修改交接清单", "handover.set_declared": "调整申报合计", "handover.start": "启动交接", "handover.confirm": "确认交接",
    "handover.reject": "退回交接", "notice.issue": "印发公文", "notice.issue_repeat": "重复印发（返回原文号）",
    "notice.void": "作废文号", "plan.publish": "发布方案", "schedule.recompute": "重新计算进度",
    "scan.alerts": "生成预警", "alert.acknowledge": "签收预警", "auth.login": "登录", "auth.logout": "退出",
    "auth.lockout": "账户锁定", "user.create": "新建用户", "user.disable": "停用账户", "user.enable": "启用账户",
    "user.set_role": "修改角色", "user.unlock": "解除锁定", "user.reset_password": "重置口令",
    "user.change_password": "修改口令", "unit.alias": "单位简称对照", "unit.create": "新增单位",
    "config.thresholds": "修改预警阈值", "config.channel_add": "添加通知渠道", "config.channel_enable": "启用通知渠道",
    "config.channel_disable": "停用通知渠道", "calendar.set_day": "录入放假安排", "calendar.remove_day": "删除放假安排",
    "audit.purge": "清理过期审计记录",
}


def action(code: str) -> str:
    label = AUDIT_ACTIONS.get(code)
    return f"{label}（{code}）" if label else code
