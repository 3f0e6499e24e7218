"""Handover confirmations per second with 20 concurrent writers, on SQLite and on PostgreSQL.

Each writer confirms the current step of its own handovers as the unit whose turn it is, while
also reporting progress on shared tasks, so lock waits and version conflicts are part of the figure.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import select

from models.db import engine_for, read_session
from models.demo.county import load_demo
from models.migrate import upgrade
from models.services import handovers, tasks
from models.services.accounts import actor_for
from models.services.actor import Actor
from models.services.errors import Conflict
from models.tables import Task, Unit, User

WRITERS = 20
TODAY = date(2026, 11, 21)


def _setup(url: str, count: int) -> tuple[Engine, list[int]]:
    upgrade(url)
    engine = engine_for(url)
    load_demo(today=TODAY, engine=engine)
    system = Actor.system("bench")
    with read_session(engine) as s:
        units = {u.name: u.id or 0 for u in s.exec(select(Unit)).all()}
    ids = []
    for i in range(count):
        ho = handovers.create_handover(system, kind="asset", title=f"资产移交{i}", from_unit_id=units["县住房和城乡建设局"],
                                       to_unit_id=units["县城市管理局"],
                                       items=[{"asset_code": f"B{i}", "name": "设备", "quantity": "1",
                                               "original_value": "100.00", "net_value": "50.00"}], engine=engine)
        ids.append(handovers.start(system, handover_id=ho.id or 0, expected_version=ho.version, engine=engine).id or 0)
    return engine, ids


def _writer(engine: Engine, ids: list[int], actors: dict[int, Actor], shared_task: int) -> int:
    confirmed = 0
    for hid in ids:
        while True:
            with read_session(engine) as s:
                ho = s.get(handovers.Handover, hid)
                step = handovers.current_step(handovers.steps_of(s, hid))
            if step is None or ho is None:
                break
            handovers.confirm_step(actors[step.unit_id], handover_id=hid, step_id=step.id or 0,
                                   expected_version=ho.version, engine=engine)
            confirmed += 1
        with read_session(engine) as s:
            t = s.get(Task, shared_task)
        with suppress(Conflict):  # contention on the shared task is part of what is measured
            tasks.report_progress(actors[-1], task_id=shared_task, expected_version=t.version if t else 0,
                                  percent=t.percent % 90 + 1 if t else 1, engine=engine)  # a report must change something
    return confirmed


def measure(url: str, per_writer: int) -> float:
    engine, ids = _setup(url, WRITERS * per_writer)
    with read_session(engine) as s:
        actors = {u.unit_id: actor_for(u) for u in s.exec(select(User)).all() if u.unit_id}
        chengguan = s.exec(select(User).where(User.username == "chengguan")).one()
        actors[-1] = actor_for(chengguan)
        shared = s.exec(select(Task).where(Task.code == "五.4")).one().id or 0
    started = time.perf_counter()
    with ThreadPoolExecutor(WRITERS) as pool:
        done = sum(pool.map(lambda k: _writer(engine, ids[k::WRITERS], actors, shared), range(WRITERS)))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return done / elapsed


def _postgres_url() -> str | None:
    base = os.environ.get("REFORM_TEST_POSTGRES_URL") or os.environ.get("REFORM_BENCH_POSTGRES_URL")
    if not base:
        return None
    admin_url = make_url(base)
    name = f"rt_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def bench(*, quick: bool = False) -> dict[str, float]:
    per_writer = 2 if quick else 5
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["confirmations_per_s_sqlite"] = round(measure(f"sqlite:///{Path(tmp) / 'bench.db'}", per_writer), 1)
    pg = _postgres_url()
    if pg:
        try:
            out["confirmations_per_s_postgres"] = round(measure(pg, per_writer), 1)
        finally:
            admin = create_engine(make_url(pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(pg).database}" WITH (FORCE)'))
            admin.dispose()
    return out
