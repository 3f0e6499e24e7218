"""Deadline-scan benchmark: the scan's database work against a bare SQL query on the same data.

Synthetic counties (``models.demo.synthetic``, ~62 tasks each) go into a temporary SQLite
database; lights are recomputed once (that is the scheduler's benchmark), then we time what the
scan itself does on the database — the four set-based alert INSERT … SELECTs plus reading today's
alerts with their recipients for notification — with the alerts deleted between runs so every run
does the full work. The floor is one GROUP BY counting overdue tasks per responsible unit.
"""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine

from benchmarks import median_time
from models.db import engine_for, write_session
from models.demo import synthetic
from models.migrate import upgrade
from models.services import scan, scheduling
from models.services.actor import Actor
from models.tables import Alert

TODAY = date(2026, 11, 21)
TASKS_PER_COUNTY = 62.5  # synthetic plans have 40–80 tasks
BARE_SQL = text("""
    SELECT tu.unit_id, COUNT(*) FROM task t JOIN taskunit tu ON tu.task_id = t.id
    WHERE t.status IN ('not_started', 'in_progress') AND t.deadline < :today AND tu.role IN ('lead', 'responsible')
    GROUP BY tu.unit_id
""")


def _recompute_times(engine: Engine, runs: int) -> tuple[float, float]:
    """The scan's first step on its own: (cold, with a fresh graph build; warm, structure cached)."""
    scheduling._GRAPHS.clear()
    started = time.perf_counter()
    scheduling.recompute_all(Actor.system("bench"), today=TODAY, engine=engine)
    cold = time.perf_counter() - started
    warm = median_time(lambda: scheduling.recompute_all(Actor.system("bench"), today=TODAY, engine=engine), runs)
    return cold, warm


def _database(tmp: Path, tasks: int) -> Engine:
    url = f"sqlite:///{tmp / f'scan-{tasks}.db'}"
    upgrade(url)
    engine = engine_for(url)
    synthetic.generate(counties=max(1, round(tasks / TASKS_PER_COUNTY)), today=TODAY, engine=engine)
    scheduling.recompute_all(Actor.system("bench"), today=TODAY, engine=engine)
    return engine


def _scan_db_work(engine: Engine) -> None:
    scan.create_alerts(TODAY, engine=engine)
    scan.alert_messages(TODAY, engine=engine)


def _reset(engine: Engine) -> Callable[[], None]:
    def reset() -> None:
        with write_session(engine) as session:
            session.execute(delete(Alert))
    return reset


def _bare(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(BARE_SQL, {"today": TODAY.isoformat()}).all()


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    """``quick`` uses 2k/10k tasks under the same keys (for CI smoke runs); the full run 10k/100k;
    ``tasks`` replaces the large size (and a tenth of it the small one)."""
    small, big = (2_000, 10_000) if quick else (10_000, 100_000)
    if tasks:
        small, big = max(1, tasks // 10), tasks
    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="reform-bench-scan-") as tmp:
        eng_small = _database(Path(tmp), small)
        scan_small = median_time(lambda: _scan_db_work(eng_small), runs, reset=_reset(eng_small))
        eng_big = _database(Path(tmp), big)
        scan_big = median_time(lambda: _scan_db_work(eng_big), runs, reset=_reset(eng_big))
        sql_big = median_time(lambda: _bare(eng_big), runs)
        cold, warm = _recompute_times(eng_big, runs)
        eng_small.dispose()
        eng_big.dispose()
    return {"scan_10k_s": round(scan_small, 4), "scan_100k_s": round(scan_big, 4),
            "scan_sql_100k_s": round(sql_big, 4), "scan_vs_sql": round(scan_big / sql_big, 2),
            "recompute_db_100k_cold_s": round(cold, 3), "recompute_db_100k_warm_s": round(warm, 3)}


if __name__ == "__main__":
    print(bench())
