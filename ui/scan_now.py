"""“立即扫描”: the deadline scan through ``flows.client`` — in-process without a Prefect server (the page
shows the result at once), as a deployment run with one (we keep its run id and show its state)."""
from __future__ import annotations

from datetime import date

from flows import client
from models.services.actor import Actor


def start_scan(actor: Actor, *, today: date) -> tuple[str | None, str]:
    """Returns (flow run id or None, message for the user)."""
    outcome = client.run("deadline-scan", {"today": today.isoformat()}, actor=actor, wait=False)
    if not outcome.done:
        return outcome.id, "已提交扫描任务，完成后预警将自动更新。"
    alerts = outcome.result.get("alerts") or {}
    created = sum(alerts.values()) if isinstance(alerts, dict) else 0
    return None, f"扫描完成：新增预警 {created} 条，印发督办通知单 {len(outcome.result.get('notices') or [])} 份。"


def scan_status(run_id: str) -> str:
    state = client.status(run_id)
    text = f"扫描任务状态：{client.STATE_LABELS.get(state.state, state.state)}"
    return text + (f"（{state.result['error']}）" if state.result.get("error") else "")
