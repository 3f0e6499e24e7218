"""总览 benchmark: AppTest render time of the overview with 10 000 and 100 000 synthetic tasks.

Data: ``models.demo.synthetic`` counties (about 60 tasks each, set-based inserts), lights from the
real scheduler (``scan.recompute_all``). The overview opens on 全部方案, so every figure aggregates all
tasks. Each sample is a cold render (Streamlit caches cleared) of an already signed-in session; the
floor is the bare SQL light count on the same database, measured in the same run.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from models.db import engine_for, read_session
from models.demo import synthetic
from models.migrate import upgrade
from models.services import accounts, scan
from models.services.actor import Actor
from models.settings import get_settings
from models.tables import Task

TODAY = date(2026, 11, 21)
APP = str(Path(__file__).resolve().parents[1] / "ui" / "app.py")
TASKS_PER_COUNTY = 62  # synthetic.py: 40–80 tasks per county
PASSWORD = "Bench#Dashboard2026"


def _median(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _database(tasks: int, folder: Path) -> str:
    url = f"sqlite:///{folder / f'dash-{tasks}.db'}"
    upgrade(url)
    engine = engine_for(url)
    synthetic.generate(counties=max(1, tasks // TASKS_PER_COUNTY), today=TODAY, engine=engine)
    scan.recompute_all(TODAY, engine=engine)
    accounts.create_user(Actor.system("bench"), username="bench_office", display_name="基准测试", role="office",
                         password=PASSWORD, must_change=False, engine=engine)
    return url


def _render_seconds(url: str, runs: int) -> tuple[float, float]:
    """(median cold render of 总览, median bare SQL floor) against ``url``."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    previous = os.environ.get("REFORM_DATABASE_URL")
    os.environ["REFORM_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.text_input(key="login_username").input("bench_office")
        at.text_input(key="login_password").input(PASSWORD)
        at.button(key="login_submit").click().run()
        if at.exception or not any(t.value == "总览" for t in at.title):
            raise RuntimeError(f"overview did not render: {at.exception}")

        def cold() -> None:
            st.cache_data.clear()
            at.run()
            if at.exception:
                raise RuntimeError(str(at.exception))

        def floor() -> None:
            with read_session(engine_for(url)) as s:
                s.execute(select(Task.light, func.count()).group_by(Task.light)).all()  # type: ignore[call-overload]

        cold()  # warm-up: the first run also compiles the page scripts
        return _median(cold, runs), _median(floor, runs)
    finally:
        if previous is None:
            os.environ.pop("REFORM_DATABASE_URL", None)
        else:
            os.environ["REFORM_DATABASE_URL"] = previous
        get_settings.cache_clear()


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    runs = 1 if quick else 3
    out: dict[str, float] = {}
    large = tasks or 100_000
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        for size, key in ((max(1, large // 10), "dashboard_10k_s"), (large, "dashboard_100k_s")):
            url = _database(size, Path(tmp))
            seconds, floor = _render_seconds(url, runs)
            out[key] = round(seconds, 3)
            out[key.replace("_s", "_vs_sql_floor")] = round(seconds / floor, 1) if floor else 0.0
            engine_for(url).dispose()
    return out


if __name__ == "__main__":
    print(bench(quick=bool(os.environ.get("BENCH_QUICK"))))
