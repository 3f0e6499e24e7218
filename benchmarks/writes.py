"""Write-time recompute: what a department's progress report costs in the 100,000-task synthetic
province now that the write recomputes its plan (forecasts, lights, critical path, dependants) before
it commits, against the same write with the recompute switched off, measured side by side.

Every synthetic county has its own plan (~62 tasks), so the recompute touches one plan, not the
province: the extra cost should not grow with the number of counties.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from benchmarks import median_time
from benchmarks.scan import TODAY, _database
from models.db import read_session
from models.services import tasks
from models.services.actor import Actor
from models.services.uow import Tx
from models.tables import Task, TaskUnit


@contextmanager
def _without_recompute() -> Iterator[None]:
    original = Tx.reschedule
    Tx.reschedule = lambda self, plan_id, today=None: None  # type: ignore[method-assign,assignment,misc]
    try:
        yield
    finally:
        Tx.reschedule = original  # type: ignore[method-assign]


def _leaf_tasks(engine: Engine, n: int) -> list[int]:
    """One in-progress leaf task from each of ``n`` plans (counties)."""
    with read_session(engine) as session:
        parents = select(col(Task.parent_id)).where(col(Task.parent_id).is_not(None))
        rows = session.execute(select(func.min(col(Task.id))).where(col(Task.status) == "in_progress",
                                                                    col(Task.id).not_in(parents))
                               .group_by(col(Task.plan_id)).limit(n)).all()
    return [r[0] for r in rows]


def _writer(engine: Engine, ids: list[int]) -> tuple[object, object]:
    """A progress report on the next task each call (a different plan each time, as in real use)."""
    state = {"i": 0, "percent": 11}

    def write() -> None:
        task_id = ids[state["i"] % len(ids)]
        state["i"] += 1
        state["percent"] = 11 + (state["percent"] + 7) % 80
        with read_session(engine) as session:
            version = session.get(Task, task_id).version  # type: ignore[union-attr]
            lead = session.execute(select(col(TaskUnit.unit_id)).where(col(TaskUnit.task_id) == task_id,
                                                                       col(TaskUnit.role).in_(("lead", "responsible")))
                                   ).scalars().first()
        department = Actor(user_id=None, username="bench", role="department", unit_id=lead)
        tasks.report_progress(department, task_id=task_id, expected_version=version, percent=state["percent"],
                              today=TODAY, engine=engine)
    return write, state


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    size = tasks or (10_000 if quick else 100_000)
    runs = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="reform-bench-writes-") as tmp:
        engine = _database(Path(tmp), size)
        ids = _leaf_tasks(engine, 2 * runs + 4)
        write, _ = _writer(engine, ids)
        with _without_recompute():
            bare = median_time(write, runs, warm=True)  # type: ignore[arg-type]
        with_recompute = median_time(write, runs, warm=True)  # type: ignore[arg-type]
        engine.dispose()
    return {"write_100k_s": round(bare, 4), "write_recompute_100k_s": round(with_recompute, 4),
            "write_recompute_extra_s": round(with_recompute - bare, 4),
            "write_recompute_vs_write": round(with_recompute / bare, 2)}


if __name__ == "__main__":
    print(bench())
