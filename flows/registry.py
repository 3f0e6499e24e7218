"""The one list of use cases: serve.py, client.py, the CLI, ``reform deploy`` and prefect.yaml agree on
names through it. Each entry names the service function (run in-process) and the flow that wraps it
(run as a deployment), the permission an entry point checks before starting it, and a Chinese label.

Values are import paths, so importing the registry imports neither Prefect nor the flow modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class UseCase:
    name: str
    service: str     # "module:function" — the implementation
    flow: str        # "module:function" — the Prefect flow wrapping it (entrypoint of its deployment)
    permission: str
    label: str
    description: str


USE_CASES: dict[str, UseCase] = {u.name: u for u in [
    UseCase("deadline-scan", "models.services.scan:run_scan", "flows/deadline_scan.py:deadline_scan",
            "schedule.run", "督办扫描", "每日督办扫描（08:30）"),
    UseCase("bulletin", "models.services.bulletins:run_bulletin", "flows/reports.py:bulletin",
            "schedule.run", "进展通报", "工作进展通报（周一 09:00）与月度、季度排名"),
    UseCase("advance-handover", "models.services.handover_automation:advance", "flows/handover.py:advance_handover",
            "handover.confirm", "交接推进", "交接清单、下一方通知、交接确认书、后续任务放行"),
    UseCase("start-handover", "models.services.handover_automation:start", "flows/handover.py:start_handover",
            "handover.admin", "启动交接", "以系统身份启动交接并推进（脚本调用）"),
    UseCase("plan-import", "models.services.plan_imports:run_import", "flows/plan_import.py:plan_import",
            "plan.import", "方案导入", "解析、比对、发布方案并计算进度"),
    UseCase("audit-retention", "models.services.retention:run_purge", "flows/retention.py:audit_retention",
            "audit.purge", "审计清理", "按审计管理员策略清理过期审计日志（每日 03:00）"),
    UseCase("issue-notices", "models.services.notice_batches:run_batch", "flows/notices.py:issue_notices",
            "notice.issue", "批量印发", "批量印发督办通知单 / 催办函"),
]}


def _load(path: str) -> Any:
    module, attr = path.split(":")
    return getattr(import_module(module.replace("/", ".").removesuffix(".py")), attr)


def service(name: str) -> Any:
    return _load(USE_CASES[name].service)


def flow(name: str) -> Any:
    return _load(USE_CASES[name].flow)


def deployment_name(flow_name: str) -> str:
    """Deployments are named after their flow (``deadline-scan/deadline-scan``)."""
    return f"{flow_name}/{flow_name}"
