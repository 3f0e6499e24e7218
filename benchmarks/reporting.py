"""报送要求 benchmark at 100 000 tasks: opening a month of report slots, and the ranking's missed-slot figure.

Data: ``models.demo.synthetic`` counties with a monthly plan schedule ("每月5日前") on every plan, slots
opened by the scan's step from the plans' start dates. ``report_missed_100k_s`` is
``rankings.missed_reports`` (one aggregate over the (task, due_on, filed_on) index) against the floor of a bare
count of the same slots; ``report_open_100k_s`` is the scan step on a day that opens nothing new (the daily
case), against a bare count of the tasks.
"""
from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select

from benchmarks import median_time
from models.db import engine_for, read_session, write_session
from models.demo import synthetic
from models.migrate import upgrade
from models.services import rankings, reporting
from models.tables import Plan, ReportSchedule, ReportSlot, Task

TODAY = date(2026, 11, 21)
TASKS_PER_COUNTY = 62


def _database(tasks: int, folder: Path) -> str:
    url = f"sqlite:///{folder / f'report-{tasks}.db'}"
    upgrade(url)
    engine = engine_for(url)
    synthetic.generate(counties=max(1, tasks // TASKS_PER_COUNTY), today=TODAY, engine=engine)
    with write_session(engine) as s:
        plan_ids = list(s.execute(select(Plan.id)).scalars())  # type: ignore[call-overload]
        s.execute(insert(ReportSchedule), [{"plan_id": p, "task_id": None, "frequency": "monthly", "day": 5,
                                            "stages": [], "remind_days": 3, "starts_on": date(2026, 6, 1),
                                            "version": 1} for p in plan_ids])
    reporting.open_slots(TODAY, engine=engine)
    return url


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    runs = 1 if quick else 5
    size = tasks or (10_000 if quick else 100_000)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        url = _database(size, Path(tmp))
        engine = engine_for(url)
        with read_session(engine) as s:
            out["report_slots"] = float(s.execute(select(func.count(ReportSlot.id))).scalar_one())  # type: ignore[arg-type]

            def missed() -> None:
                rankings.missed_reports(s, as_of=TODAY)

            def missed_floor() -> None:
                s.execute(select(func.count()).select_from(ReportSlot)
                          .where(ReportSlot.due_on < TODAY, ReportSlot.filed_on.is_(None))).scalar_one()  # type: ignore[arg-type,union-attr]

            def task_floor() -> None:
                s.execute(select(Task.id, Task.plan_id, Task.deadline, Task.status)).all()  # type: ignore[call-overload]

            seconds, floor = median_time(missed, runs, warm=True), median_time(missed_floor, runs, warm=True)
            out["report_missed_100k_s"] = round(seconds, 3)
            out["report_missed_vs_count"] = round(seconds / floor, 1) if floor else 0.0
            task_seconds = median_time(task_floor, runs, warm=True)
        seconds = median_time(lambda: reporting.open_slots(TODAY, engine=engine), runs, warm=True)
        out["report_open_100k_s"] = round(seconds, 3)
        out["report_open_vs_task_read"] = round(seconds / task_seconds, 1) if task_seconds else 0.0
        engine.dispose()
    return out


if __name__ == "__main__":
    print(bench(quick=bool(os.environ.get("BENCH_QUICK"))))
