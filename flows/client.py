"""What the web app calls to start a flow and poll it, in both modes.

Production / embedded server (``PREFECT_API_URL`` set): the run is created from the flow's
deployment and executed by a worker or by ``flows.serve``; ``status`` reads the flow run from the API.
Without a server: the flow runs in-process in a background thread and ``status`` reads a local
registry. The caller only ever sees a run id and a small status dict.
"""
from __future__ import annotations

import os
import threading
import uuid
from typing import Any

from flows.registry import FLOWS, deployment_name

_local: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def server_mode() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def trigger(flow_name: str, parameters: dict[str, Any] | None = None) -> str:
    """Start ``flow_name`` (a key of ``flows.registry.FLOWS``) and return its run id."""
    if flow_name not in FLOWS:
        raise ValueError(f"unknown flow {flow_name!r}; known: {', '.join(FLOWS)}")
    params = dict(parameters or {})
    if server_mode():
        from prefect.deployments import run_deployment

        run = run_deployment(deployment_name(flow_name), parameters=params, timeout=0)
        return str(run.id)
    run_id = f"local-{uuid.uuid4()}"
    with _lock:
        _local[run_id] = {"state": "Running", "progress": None, "result": None}
    threading.Thread(target=_run_local, args=(run_id, flow_name, params), daemon=True).start()
    return run_id


def _run_local(run_id: str, flow_name: str, params: dict[str, Any]) -> None:
    try:
        result = FLOWS[flow_name]()(**params)
        update = {"state": "Completed", "progress": 100.0, "result": result}
    except BaseException as exc:  # the web app shows the message; the thread must not die silently
        update = {"state": "Failed", "progress": None, "result": {"error": getattr(exc, "message", str(exc))}}
    with _lock:
        _local[run_id].update(update)


def status(run_id: str) -> dict[str, Any]:
    """``{"state": "Scheduled|Pending|Running|Completed|Failed|…", "progress": 0-100|None, "result": …}``."""
    if run_id.startswith("local-"):
        with _lock:
            return dict(_local.get(run_id) or {"state": "Unknown", "progress": None, "result": None})
    return _remote_status(run_id)


def _api(path: str, body: dict[str, Any]) -> Any:
    """POST to the Prefect REST API. The 3.8.8 Python client sends unset nested filters as null, which
    the same version's server refuses (422), so filters are sent as plain JSON."""
    import httpx

    response = httpx.post(f"{os.environ['PREFECT_API_URL'].rstrip('/')}{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def _remote_status(run_id: str) -> dict[str, Any]:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(uuid.UUID(run_id))
        state = run.state
        result = None
        if state is not None and state.is_completed():
            try:
                result = state.result(raise_on_failure=False)
            except Exception:  # results may not be persisted on the server: the state is still useful
                result = None
    artifacts = _api("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}, "limit": 20,
                                           "offset": 0, "sort": "CREATED_DESC"})
    progress = next((float(a["data"]) for a in artifacts if a.get("type") == "progress" and a.get("data") is not None),
                    None)
    if state is not None and state.is_completed():
        progress = 100.0
    return {"state": state.name if state else "Unknown", "progress": progress, "result": result}


def recent(flow_names: list[str], limit: int = 8) -> list[dict[str, Any]]:
    """The latest runs of these flows, read from the server, so a page reload still shows background work."""
    if not server_mode():
        with _lock:
            return [{"id": k, "flow": "", **v} for k, v in list(_local.items())[-limit:]][::-1]
    flows = _api("/flows/filter", {"flows": {"name": {"any_": flow_names}}, "limit": len(flow_names), "offset": 0})
    names = {f["id"]: f["name"] for f in flows}
    runs = _api("/flow_runs/filter", {"flows": {"name": {"any_": flow_names}}, "limit": limit, "offset": 0,
                                      "sort": "EXPECTED_START_TIME_DESC",
                                      "flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}})
    return [{"id": r["id"], "flow": names.get(r["flow_id"], ""), "state": r["state_name"] or "Unknown",
             "started": r.get("start_time") or r.get("expected_start_time"), "parameters": r.get("parameters")}
            for r in runs]
