"""“立即扫描”: with a Prefect server the deadline-scan flow runs on a worker (we keep its run id and poll
it); without one the same scan steps run here through the service layer."""
from __future__ import annotations

from datetime import date

from models.services.actor import Actor
from models.services.permissions import require

SCAN_FLOW = "deadline-scan"


def start_scan(actor: Actor, *, today: date) -> tuple[str | None, str]:
    """Returns (flow run id or None, message for the user)."""
    require(actor, "schedule.run")
    from flows import client

    if client.server_mode():
        run_id = client.trigger(SCAN_FLOW, {"today": today.isoformat()})
        return run_id, "已提交扫描任务，完成后预警将自动更新。"
    from models.services.scan import run_scan

    stats = run_scan(today)
    alerts = stats.get("alerts") or {}
    created = sum(alerts.values()) if isinstance(alerts, dict) else 0
    notices = stats.get("notices") or []
    return None, f"扫描完成：新增预警 {created} 条，印发督办通知单 {len(notices)} 份。"


def scan_status(run_id: str) -> str:
    from flows import client

    state = client.status(run_id)
    progress = state.get("progress")
    return f"扫描任务状态：{state.get('state')}" + (f"（{progress:.0f}%）" if progress is not None else "")
