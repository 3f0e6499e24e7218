"""Chinese labels for codes stored in the database."""
from __future__ import annotations

from typing import Any

from models.documents import KINDS as NOTICE_KINDS
from models.services.handover_items import KIND_LABELS as HANDOVER_KINDS
from models.services.handovers import PARTY_LABELS
from models.services.permissions import ROLE_LABELS
from models.services.tasks import ACTION_LABELS, STATUS_LABELS

# re-exported for the pages
__all__ = ["ACTION_LABELS", "HANDOVER_KINDS", "PARTY_LABELS", "ROLE_LABELS", "STATUS_LABELS"]
from models.vocabulary import AlertLevel, HandoverStatus, StepStatus, TaskRole

LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成"}
LIGHT_COLORS = {"red": "#d62728", "yellow": "#f2b600", "green": "#2ca02c", "done": "#7f7f7f"}
TASK_ROLES = TaskRole.labels()
ALERT_LEVELS = AlertLevel.labels()
STEP_STATUS = StepStatus.labels()
HANDOVER_STATUS = HandoverStatus.labels()
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
    "audit.purge": "清理过期审计记录", "audit.retention_policy": "修改审计保留策略", "notice.issue_reuse": "沿用已印发公文",
    "notice.download": "下载公文", "notice.preview": "预览公文", "evidence.download": "下载佐证材料",
    "plan.parse": "识别方案文件", "schedule.recompute_all": "重新计算全部方案", "calendar.import_year": "导入全年放假安排",
    "config.agencies": "修改发文机关设置", "delivery.resend": "重发通知", "signoff.sign": "签收通知",
    "user.second_factor": "设置动态验证码", "user.second_factor_reset": "重置动态验证码", "auth.second_factor": "动态验证码登录",
    "session.revoke": "注销会话", "page.view": "打开页面", "ops.backup": "备份", "ops.restore": "恢复备份",
    "ops.recover_files": "清理未完成的文件", "ops.recover_runs": "清理中断的后台任务", "backup.key": "备份密钥",
}
OBJECT_LABELS = {
    "task": "任务", "handover": "交接", "notice": "公文", "plan": "方案", "alert": "预警", "user": "用户",
    "unit": "单位", "unit_alias": "单位简称", "setting": "系统设置", "channel": "通知渠道", "delivery": "通知",
    "calendar": "工作日历", "holiday": "放假安排", "receipt": "签收", "evidence": "佐证材料", "page": "页面",
    "audit": "审计日志", "session": "会话", "auth": "登录", "ops": "运维", "backup": "备份", "scan": "扫描",
    "config": "系统设置", "schedule": "进度计算", "signoff": "签收", "system": "系统",
}


def action(code: str) -> str:
    """An audit action in words: its own label, else "<对象>操作" (a code never reaches the page)."""
    if code in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[code]
    return f"{OBJECT_LABELS.get(code.partition('.')[0], '其他')}操作"


def object_label(code: str | None) -> str:
    return OBJECT_LABELS.get(code or "", "其他") if code else ""


FIELD_LABELS = {
    "status": "状态", "percent": "进度%", "actual_finish": "实际完成", "note": "说明", "evidence": "佐证材料",
    "reason": "原因", "doc_number": "文号", "title": "标题", "kind": "类别", "items": "清单条目", "totals": "合计",
    "declared_total": "申报合计", "step": "步骤", "party": "参与方", "parties": "参与方", "completed": "已完成",
    "released": "解除等待的后续任务", "handover": "交接", "key": "幂等键", "role": "角色", "username": "用户名",
    "unit": "单位", "unit_id": "单位", "units": "单位", "name": "名称", "aliases": "简称", "enabled": "启用",
    "label": "名称", "scheme": "方式", "level": "级别", "message": "内容", "day": "日期", "tasks": "任务数",
    "task_id": "任务", "created": "新建", "changed": "变更", "closed": "关闭", "counts": "数量", "locked_until": "锁定至",
    "retention_days": "保留天数", "fingerprint": "文件指纹", "today": "日期", "topic": "主题", "members": "成员",
    "options": "选项", "counties": "县（区）", "redated_tasks": "重新推算日期的任务", "second_factor": "动态验证码",
    "totp_required": "须用动态验证码", "enrolled": "已绑定", "password_changed": "已改口令", "session": "会话",
    "other_sessions_ended": "其他会话已结束", "method": "方式", "factor": "验证方式", "noop": "无变化", "seed": "种子",
    "anchor_id": "锚点", "auto_purge": "自动清理", "due_soon_days": "临期提醒天数", "yellow_behind_points": "黄灯落后点数",
    "red_behind_points": "红灯落后点数", "is_workday": "调休上班", "count": "数量", "reply_days": "反馈期限",
    "sha256": "文件校验值", "volumes": "卷数", "quantity": "数量合计", "original_value": "原值合计（元）",
    "net_value": "净值合计（元）", "issuer": "发文机关", "recipients": "主送", "overrides": "修改内容",
}
SYSTEM_ACTORS = {"system": "系统", "handover": "交接流程（自动）", "scan": "督办扫描（自动）", "import": "方案导入（自动）",
                 "notices": "公文印发（自动）", "reports": "进展通报（自动）", "cli": "命令行", "demo": "演示数据",
                 "startup": "系统启动", "bench": "性能测试", "generate": "测试数据生成"}


def actor_label(name: str, role: str) -> str:
    """An automation's actor ("scan", "import:gaiban") in words; people keep their names."""
    if role != "system":
        return name
    base, _, on_behalf = name.partition(":")
    return SYSTEM_ACTORS.get(base, "系统") + (f"，由 {on_behalf} 发起" if on_behalf else "")
_VALUE_LABELS = {"status": {**HANDOVER_STATUS, **STATUS_LABELS, "voided": "已作废", "issued": "有效"},
                 "party": PARTY_LABELS, "role": {**ROLE_LABELS, **PARTY_LABELS}, "level": ALERT_LEVELS,
                 "kind": {**{k: v.label for k, v in NOTICE_KINDS.items()}, **HANDOVER_KINDS, **ACTION_LABELS}}
_HIDDEN = {"version"}  # internal counters a reader has no use for


def _value(field: str, value: object, units: dict[int, str]) -> str:
    if field == "parties" and isinstance(value, list):  # [[role, unit id], …] of a started handover
        return "、".join(f"{PARTY_LABELS.get(p[0], p[0])} {units.get(p[1], '')}".strip() for p in value
                        if isinstance(p, list | tuple) and len(p) == 2)
    if field in ("unit_id", "unit") and isinstance(value, int):
        return units.get(value, str(value))
    if value is None or value == "" or value == [] or value == {}:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_value(field, v, units) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{FIELD_LABELS.get(str(k), str(k))} {_value(str(k), v, units)}" for k, v in value.items())
    return _VALUE_LABELS.get(field, {}).get(str(value), str(value))


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None, units: dict[int, str] | None = None) -> str:
    """An audit event's before/after as "字段：旧值 → 新值；…" (a field only after: "字段：值"); ``units``
    names the unit ids some events record."""
    before, after, units = before or {}, after or {}, units or {}
    parts = []
    for field in dict.fromkeys([*before, *after]):
        if field in _HIDDEN:
            continue
        label = FIELD_LABELS.get(field, field)
        if field in before and field in after:
            if before[field] != after[field]:
                parts.append(f"{label}：{_value(field, before[field], units)} → {_value(field, after[field], units)}")
        elif field in after:
            parts.append(f"{label}：{_value(field, after[field], units)}")
        else:
            parts.append(f"{label}：{_value(field, before[field], units)} → （删除）")
    return "；".join(parts)
