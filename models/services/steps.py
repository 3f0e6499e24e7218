"""Use cases written once, as plain steps, run in-process or as a Prefect flow.

A use case (deadline scan, handover advance, batch notices, plan import, bulletin) is one function in
the service layer that calls each of its steps through a *runner*: ``runner(step, *args, **kwargs)``.
In-process the runner simply calls the step (:func:`direct`); the Prefect flow passes a runner that
runs the step as a Prefect task (``flows.common.prefect_runner``), so the flow's steps, retries and logs
appear on the server while every line of the use case is shared. ``models`` never imports Prefect:
steps only carry their name and retry policy (:func:`step`).

Every run is recorded in ``OpsRun`` (:func:`recorded`): the day, the parameters, the step that failed
and the reason, so the office sees failures on 总览 whichever way the run was started.
"""
from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.engine import Engine

from models.db import write_session
from models.services import audit
from models.services.errors import Invalid, ServiceError
from models.settings import get_settings
from models.tables import OpsRun

F = TypeVar("F", bound=Callable[..., Any])
Runner = Callable[..., Any]


@dataclass(frozen=True)
class StepSpec:
    name: str
    label: str
    retries: int = 0
    retry_delays: tuple[int, ...] = ()


def step(name: str, label: str, *, retries: int = 0, retry_delays: tuple[int, ...] = ()) -> Callable[[F], F]:
    """Mark a service function as a step of a use case (its Prefect task name, Chinese label, retries)."""
    def mark(fn: F) -> F:
        fn.__step__ = StepSpec(name, label, retries, retry_delays)  # type: ignore[attr-defined]
        return fn
    return mark


def spec_of(fn: Callable[..., Any]) -> StepSpec:
    spec = getattr(fn, "__step__", None)
    return spec if isinstance(spec, StepSpec) else StepSpec(fn.__name__.replace("_", "-"), fn.__name__)


def direct(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The in-process runner: call the step."""
    return fn(*args, **kwargs)


def parse_day(value: str | date | None) -> date:
    """A run's ``today`` parameter: a date, ``YYYY-MM-DD``, or empty for the office's today."""
    if isinstance(value, date):
        return value
    if not value:
        return get_settings().today()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"日期参数不正确：{str(value)[:40]}（应为 YYYY-MM-DD）") from None


def failure_reason(exc: BaseException) -> str:
    """What the office reads: a service's own Chinese message, otherwise the exception in one line."""
    if isinstance(exc, ServiceError):
        return exc.message[:500]
    message = getattr(exc, "message", None)
    return (message if isinstance(message, str) else f"{type(exc).__name__}: {exc}")[:500]


@dataclass
class Recorder:
    """Runs steps through ``runner`` and remembers which one is running, for the failure record."""

    runner: Runner
    run_id: int
    stats: dict[str, Any] = field(default_factory=dict)
    current: StepSpec | None = None
    steps_done: int = 0

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.current = spec_of(fn)
        result = self.runner(fn, *args, **kwargs)
        self.current = None
        self.steps_done += 1
        return result

    @property
    def phase(self) -> str:
        if self.current is not None:
            return self.current.label
        return "汇总结果" if self.steps_done else "参数检查"


def runner_name() -> str:
    """Which machine/worker ran this (REFORM_RUNNER_NAME on each worker host, else the host name)."""
    return os.environ.get("REFORM_RUNNER_NAME") or socket.gethostname()


def start_run(kind: str, *, params: dict[str, Any] | None = None, ref: str | None = None,
              engine: Engine | None = None) -> int:
    with write_session(engine) as session:
        run = OpsRun(kind=kind, ref=ref, stats=audit.jsonable({"params": params or {}}))
        session.add(run)
        session.flush()
        return run.id or 0


def finish_run(run_id: int, status: str, stats: dict[str, Any], *, engine: Engine | None = None) -> None:
    with write_session(engine) as session:
        session.execute(update(OpsRun).where(OpsRun.id == run_id).values(  # type: ignore[arg-type]
            status=status, finished_at=datetime.now(UTC), stats=audit.jsonable(stats)))


@contextmanager
def recorded(kind: str, params: dict[str, Any], *, runner: Runner = direct, ref: str | None = None,
             engine: Engine | None = None) -> Iterator[Recorder]:
    """One ``OpsRun`` row per run: ``running`` at the start, then ``success`` or ``failed`` with the step
    and the reason. Started before the parameters are parsed, so a run refused for a bad parameter is
    on record too."""
    rec = Recorder(runner, start_run(kind, params=params, ref=ref, engine=engine),
                   {"params": params, "runner": runner_name()})
    try:
        yield rec
    except BaseException as exc:
        rec.stats.update(error=failure_reason(exc), failed_step=rec.phase)
        finish_run(rec.run_id, "failed", rec.stats, engine=engine)
        raise
    finish_run(rec.run_id, "success", rec.stats, engine=engine)
