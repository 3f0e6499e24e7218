"""The one way every entry point (web app, CLI, scripts) starts a use case, in both modes.

- With a Prefect server (``PREFECT_API_URL`` set): the use case's deployment is run; with ``wait`` the
  client waits for the run and reads its outcome from the app database (``OpsRun.ref`` is the flow-run
  id), the source of truth; without it returns at once and the run goes on on a worker.
- Without a server: the service function runs in-process, right here. No Prefect import, no temporary
  Prefect server: ``reform scan`` on the demo takes well under a second.

Either way the caller gets a :class:`Outcome`, and a failed run raises :class:`RunFailed` (a
``ServiceError``, so pages and the CLI show its Chinese message). Refusals from the service itself
(``Invalid``, ``PermissionDenied``…) propagate unchanged in-process.
"""
from __future__ import annotations

import inspect
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from flows.registry import USE_CASES, deployment_name, service
from models.services.actor import Actor
from models.services.errors import ServiceError
from models.services.permissions import require

STATE_LABELS = {"Scheduled": "排队中", "Pending": "等待执行", "Running": "执行中", "Completed": "已完成",
                "Failed": "失败", "Crashed": "异常中止", "Cancelled": "已取消", "Late": "延迟", "Unknown": "未知"}


class RunFailed(ServiceError):
    outcome = "error"


@dataclass
class Outcome:
    """A use case run: ``id`` is the flow-run id (None in-process), ``result`` the use case's stats."""

    state: str
    result: dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    @property
    def done(self) -> bool:
        return self.state == "Completed"


def server_mode() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def run(name: str, parameters: dict[str, Any] | None = None, *, actor: Actor | None = None, wait: bool = True,
        timeout: float = 600.0, **in_process: Any) -> Outcome:
    """Run use case ``name`` (a key of ``flows.registry.USE_CASES``).

    ``actor``: the signed-in user; their permission is checked before anything starts, and in-process
    the service acts as them. ``in_process`` keyword arguments (``engine``, ``progress``) only apply
    in-process; a deployment run takes JSON parameters only.
    """
    if name not in USE_CASES:
        raise ValueError(f"unknown use case {name!r}; known: {', '.join(USE_CASES)}")
    params = dict(parameters or {})
    accepted = _parameters_of(name)
    if actor is not None:
        require(actor, USE_CASES[name].permission)
        if "requested_by" in accepted:
            params.setdefault("requested_by", actor.username)
    if not server_mode():
        kwargs = {**params, **in_process}
        if actor is not None and "actor" in accepted:
            kwargs["actor"] = actor
        return Outcome("Completed", service(name)(**kwargs))
    return _run_deployment(name, params, wait=wait, timeout=timeout)


def _parameters_of(name: str) -> set[str]:
    return set(inspect.signature(service(name)).parameters)


def _run_deployment(name: str, params: dict[str, Any], *, wait: bool, timeout: float) -> Outcome:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    flow_run = run_deployment(deployment_name(name), parameters=params, timeout=0)
    assert isinstance(flow_run, FlowRun)  # called from sync code: the sync variant ran
    run_id = str(flow_run.id)
    if not wait:
        return Outcome("Scheduled", {}, run_id)
    deadline = time.monotonic() + timeout
    while True:
        state = status(run_id)
        if state.state in {"Completed", "Failed", "Crashed", "Cancelled"}:
            break
        if time.monotonic() > deadline:
            raise RunFailed(f"后台任务 {USE_CASES[name].label} 在 {timeout:.0f} 秒内未完成（运行编号 {run_id}），"
                            "请检查工作进程（reform worker）")
        time.sleep(0.5)
    if not state.done:
        reason = state.result.get("error") or f"后台任务{STATE_LABELS.get(state.state, state.state)}"
        raise RunFailed(f"{USE_CASES[name].label}失败：{reason}")
    return state


def status(run_id: str) -> Outcome:
    """A deployment run's state from the server, with the use case's recorded outcome from the app DB."""
    from prefect import get_client

    from models.db import read_session
    from models.tables import OpsRun

    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(uuid.UUID(run_id))
    state = (flow_run.state.name if flow_run.state else None) or "Unknown"
    with read_session() as session:
        from sqlmodel import select

        record = session.exec(select(OpsRun).where(OpsRun.ref == run_id)).first()
    result = dict(record.stats) if record else {}
    if state == "Completed" and record is not None and record.status == "failed":
        state = "Failed"
    return Outcome(state, result, run_id)


def _api(path: str, body: dict[str, Any]) -> Any:
    """POST to the Prefect REST API. The 3.8.8 Python client sends unset nested filters as null, which
    the same version's server refuses (422), so filters are sent as plain JSON with explicit limits."""
    import httpx

    response = httpx.post(f"{os.environ['PREFECT_API_URL'].rstrip('/')}{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def progress(run_id: str) -> float | None:
    """The latest progress artifact of a run (batch notices report one), 0–100."""
    artifacts = _api("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}, "limit": 20,
                                           "offset": 0, "sort": "CREATED_DESC"})
    return next((float(a["data"]) for a in artifacts if a.get("type") == "progress" and a.get("data") is not None),
                None)


def recent(flow_names: list[str], limit: int = 8) -> list[dict[str, Any]]:
    """The latest runs of these flows, read from the server, so a page reload still shows background work."""
    flows = _api("/flows/filter", {"flows": {"name": {"any_": flow_names}}, "limit": len(flow_names), "offset": 0})
    names = {f["id"]: f["name"] for f in flows}
    runs = _api("/flow_runs/filter", {"flows": {"name": {"any_": flow_names}}, "limit": limit, "offset": 0,
                                      "sort": "EXPECTED_START_TIME_DESC",
                                      "flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}})
    return [{"id": r["id"], "flow": names.get(r["flow_id"], ""), "state": r["state_name"] or "Unknown",
             "started": r.get("start_time") or r.get("expected_start_time"), "parameters": r.get("parameters")}
            for r in runs]


def deployments() -> list[dict[str, Any]]:
    """Every registered deployment with its flow, work pool and schedules (``reform flows list``)."""
    flows = {f["id"]: f["name"] for f in _api("/flows/filter", {"limit": 200, "offset": 0})}
    rows = _api("/deployments/filter", {"limit": 200, "offset": 0, "sort": "NAME_ASC"})
    return [{"name": f"{flows.get(d['flow_id'], '?')}/{d['name']}", "work_pool": d.get("work_pool_name"),
             "paused": d.get("paused", False),
             "schedules": [s.get("schedule", {}).get("cron") for s in d.get("schedules") or []
                           if s.get("schedule", {}).get("cron")]}
            for d in rows]


# ---------------------------------------------------------------- what follows a write
def after_handover_change(handover_id: int, **in_process: Any) -> Outcome:
    """Every start, confirmation or rejection of a handover is followed by the handover automation (list
    document, next party's notice, 交接确认书, release of dependants). In-process it runs now; with a
    server it goes to a worker and the page shows it under 后台任务. The write itself was authorised by
    its service; this follow-up acts as the system."""
    return run("advance-handover", {"handover_id": handover_id}, wait=False, **in_process)
