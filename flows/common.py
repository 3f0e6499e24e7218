"""The Prefect side of the use cases: each service step runs as a Prefect task, and the run is recorded
under its flow-run id, so the flow shows its steps while the use case itself lives in the service layer."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.services.errors import ServiceError
from models.services.steps import spec_of


def _worth_retrying(_task: Any, _run: Any, state: Any) -> bool:
    """Refusals (bad input, permission, conflicts) fail the same way every time: retry only the rest."""
    try:
        state.result()
    except ServiceError:
        return False
    except BaseException:  # noqa: BLE001 - anything else may be transient (database, SMTP, LibreOffice)
        return True
    return False


@cache
def _as_task(fn: Callable[..., Any]) -> Any:
    spec = spec_of(fn)
    return task(name=spec.name, retries=spec.retries, retry_delay_seconds=[float(d) for d in spec.retry_delays] or None,
                retry_condition_fn=_worth_retrying if spec.retries else None, cache_policy=NO_CACHE)(fn)


def prefect_runner(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The runner a flow passes to its use case: every step becomes a Prefect task run."""
    return _as_task(fn)(*args, **kwargs)


def flow_ref() -> str | None:
    """The current flow run's id (recorded in OpsRun, so a waiting client finds the outcome)."""
    from prefect.runtime import flow_run

    run_id = flow_run.get_id()
    return str(run_id) if run_id else None
