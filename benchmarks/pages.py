"""Every page × every role: AppTest cold render at 10 000 and 100 000 synthetic tasks, beside its floor.

Pages come from ``ui.components.registry.pages_for(actor)``, so a page added to the registry is measured
for every role that can open it without touching this file. A sample is a cold render (Streamlit's
caches cleared) of an already signed-in session; the floor is the bare SQL count of the page's main
query on the same database, measured in the same run (``FLOORS``; a page without its own floor is
compared with the leaf-task count). ``growth`` is the 100k/10k ratio: 10 would be linear in the plan
size, about 1 means the page does not depend on it.

Generating 100 000 tasks and scheduling them takes minutes, so the generated database is kept between
runs (SQLite: a file under ``REFORM_BENCH_CACHE``, default ``.cache/bench``; PostgreSQL: a schema of the
database in ``REFORM_BENCH_POSTGRES_URL``), keyed by the generator's source; each run works on a copy
(SQLite) and migrates it first, so new indexes are measured without regenerating.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, or_, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col

from benchmarks import median_time
from models.db import engine_for, read_session
from models.demo import synthetic
from models.migrate import upgrade
from models.services import accounts, scan
from models.services.actor import Actor
from models.settings import get_settings
from models.tables import (
    Alert,
    AuditEvent,
    Handover,
    HandoverStep,
    HolidayOverride,
    Notice,
    Plan,
    Task,
    TaskUnit,
    User,
)

TODAY = date(2026, 11, 21)
APP = str(Path(__file__).resolve().parents[1] / "ui" / "app.py")
ROOT = Path(__file__).resolve().parents[1]
TASKS_PER_COUNTY = 62  # synthetic.py: 40–80 tasks per county
PASSWORD = "Bench#Pages2026!"
SETUP_VERSION = "1"  # bump when _build changes what it writes
# role → the unit its user belongs to, as a department name of the first synthetic county (None: no unit)
ROLES: dict[str, str | None] = {"office": None, "department": "城市管理局", "staffing": "委机构编制委员会办公室",
                                "leader": None, "sysadmin": None, "secadmin": None, "auditor": None}
Floor = Callable[[Any, Actor], object]


def _count(s: Any, query: Any) -> object:
    return s.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def _mine(s: Any, actor: Actor) -> list[int]:
    from models.services.permissions import unit_and_groups

    return list(unit_and_groups(s, actor.unit_id)) if actor.unit_id else []


def _handover_floor(s: Any, actor: Actor) -> object:
    query = select(col(Handover.id))
    if actor.role in ("department", "staffing"):
        mine = _mine(s, actor)
        query = query.where(or_(col(Handover.from_unit_id).in_(mine), col(Handover.to_unit_id).in_(mine),
                                col(Handover.id).in_(select(col(HandoverStep.handover_id))
                                                .where(col(HandoverStep.unit_id).in_(mine)))))
    return _count(s, query)


FLOORS: dict[str, Floor] = {
    "overview": lambda s, a: s.execute(select(col(Task.light), func.count()).group_by(col(Task.light))).all(),
    "tasks": lambda s, a: _count(s, select(col(Task.id))),
    "my_unit": lambda s, a: _count(s, select(col(TaskUnit.task_id)).where(col(TaskUnit.unit_id).in_(_mine(s, a)))),
    "handovers": _handover_floor,
    "notices": lambda s, a: _count(s, select(col(Notice.id))),
    "alerts": lambda s, a: _count(s, select(col(Alert.id))),
    "rankings": lambda s, a: s.execute(select(col(TaskUnit.unit_id), func.count()).group_by(col(TaskUnit.unit_id))).all(),
    "import_plan": lambda s, a: _count(s, select(col(Plan.id))),
    "calendar": lambda s, a: _count(s, select(col(HolidayOverride.day))),
    "admin": lambda s, a: _count(s, select(col(User.id))),
    "audit": lambda s, a: _count(s, select(col(AuditEvent.id))),
}


def cache_key() -> str:
    """Changes whenever the generated data would: the generator's and this setup's source."""
    digest = hashlib.sha256(SETUP_VERSION.encode())
    digest.update((ROOT / "models" / "demo" / "synthetic.py").read_bytes())
    return digest.hexdigest()[:10]


def _cache_dir() -> Path:
    folder = Path(os.environ.get("REFORM_BENCH_CACHE") or ROOT / ".cache" / "bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _build(url: str, tasks: int) -> None:
    """Migrate, generate, schedule, and create one user per role (administrators through the CLI path)."""
    upgrade(url)
    engine = engine_for(url)
    synthetic.generate(counties=max(1, tasks // TASKS_PER_COUNTY), today=TODAY, engine=engine)
    scan.recompute_all(TODAY, engine=engine)
    county = synthetic.county_names(1)[0]
    for role, unit in ROLES.items():
        accounts.create_user(Actor.system("bench"), username=f"bench_{role}", display_name=f"基准测试{role}",
                             role=role, unit_name=f"{county}{unit}" if unit else None, password=PASSWORD,
                             must_change=False, engine=engine)
    engine.dispose()


def _refresh(url: str) -> None:
    """Bring a cached database to the current code: migrate it, then recompute as the daily scan would
    (lights, forecasts and the materialised ranking sums as of ``TODAY``)."""
    upgrade(url)
    scan.recompute_all(TODAY, engine=engine_for(url))


@contextmanager
def sqlite_database(tasks: int, work: Path) -> Iterator[str]:
    """A working copy of the cached generated database (built on the first use)."""
    cached = _cache_dir() / f"pages-{tasks}-{cache_key()}.db"
    if not cached.exists():
        building = work / f"build-{tasks}.db"
        _build(f"sqlite:///{building}", tasks)
        with engine_for(f"sqlite:///{building}").connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine_for.cache_clear()
        shutil.move(str(building), cached)
    copy = work / f"pages-{tasks}.db"
    shutil.copyfile(cached, copy)
    url = f"sqlite:///{copy}"
    _refresh(url)
    try:
        yield url
    finally:
        engine_for(url).dispose()


@contextmanager
def postgres_database(base: str, tasks: int) -> Iterator[str]:
    """A schema of the bench server's database, kept between runs (named by size and cache key)."""
    schema = f"bench_pages_{tasks}_{cache_key()}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        built = conn.execute(text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                                  "AND table_name = 'user'"), {"s": schema}).first() is not None
        ready = built and conn.execute(text(f'SELECT count(*) FROM "{schema}"."user" '
                                            "WHERE username = 'bench_auditor'")).scalar_one() == 1
        if not ready:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    # libpq takes the search path from PGOPTIONS (a URL ``options=`` would need a % escape that Alembic's
    # config file syntax rejects); the application name keeps one cached engine per schema
    url = make_url(base).update_query_dict({"application_name": schema}).render_as_string(hide_password=False)
    previous = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = f"-csearch_path={schema}"
    try:
        if not ready:
            _build(url, tasks)
        _refresh(url)
        yield url
    finally:
        engine_for(url).dispose()
        if previous is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = previous


def _token(username: str, engine: Engine) -> str:
    """A full session token through the services (password, then TOTP for the administrators)."""
    import pyotp
    from sqlalchemy import update

    from models.db import write_session
    from models.services import second_factor

    result = accounts.login(username, PASSWORD, engine=engine)
    if result.second_factor:
        enrolment = second_factor.enrolment(result.token, engine=engine)
        with read_session(engine) as s:
            user = s.execute(select(User).where(col(User.username) == username)).scalars().one()
        secret = enrolment.secret if enrolment else user.totp_secret
        with write_session(engine) as s:  # a code may be reused within its step in this measurement
            s.execute(update(User).where(User.username == username).values(totp_last_step=None))  # type: ignore[arg-type]
        second_factor.verify(result.token, pyotp.TOTP(secret).now(), engine=engine)
    return result.token


def page_name(path: str) -> str:
    return Path(path).stem


@contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """The app reads ``url`` and lives on ``TODAY`` (the day the data was generated and scanned for)."""
    wanted = {"REFORM_DATABASE_URL": url, "REFORM_TODAY": TODAY.isoformat()}
    previous = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def _cold_render(at: Any, label: str) -> None:
    import streamlit as st

    st.cache_data.clear()
    at.run()
    if at.exception or not at.title:
        raise RuntimeError(f"{label} did not render: {at.exception or [w.value for w in at.warning]}")


def _page(at: Any, engine: Engine, actor: Actor, path: str, runs: int) -> tuple[float, float]:
    name = page_name(path)
    floor_query = FLOORS.get(name, FLOORS["tasks"])

    def floor() -> None:
        with read_session(engine) as s:
            floor_query(s, actor)

    at.switch_page(path)
    _cold_render(at, f"{name} ({actor.role})")  # warm-up: the first run also compiles the page script
    return median_time(lambda: _cold_render(at, f"{name} ({actor.role})"), runs), median_time(floor, runs)


def measure_pages(url: str, runs: int, roles: tuple[str, ...] = tuple(ROLES)) -> dict[tuple[str, str], tuple[float, float]]:
    """(page, role) → (median cold render, median floor) for every page each role may open."""
    from streamlit.testing.v1 import AppTest

    from models.services.accounts import validate_session
    from ui.components.registry import pages_for

    out: dict[tuple[str, str], tuple[float, float]] = {}
    engine = engine_for(url)
    with _pointed_at(url):
        for role in roles:
            token = _token(f"bench_{role}", engine)
            actor = validate_session(token, engine=engine).actor
            at = AppTest.from_file(APP, default_timeout=180)
            at.session_state["auth_token"] = token
            at.run()
            for spec in pages_for(actor):
                out[(page_name(spec.path), role)] = _page(at, engine, actor, spec.path, runs)
    return out


def measure_signin(url: str, username: str, password: str, runs: int) -> dict[str, float]:
    """Sign-in to the first page: the login page's submit through the first page's cold render, beside
    the part that is the password hash check alone (argon2id at the security issue's parameters)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from models.services.passwords import verify_password

    engine = engine_for(url)
    with read_session(engine) as s:
        stored = s.execute(select(col(User.password_hash)).where(col(User.username) == username)).scalar_one()

    def sign_in() -> None:
        at = AppTest.from_file(APP, default_timeout=180).run()
        at.text_input(key="login_username").input(username)
        at.text_input(key="login_password").input(password)
        st.cache_data.clear()
        started = time.perf_counter()
        at.button(key="login_submit").click().run()
        # the run after the password check draws the first page (a browser also sends the cookie ticket
        # in the background: benchmarks/browser.py measures that path)
        samples.append(time.perf_counter() - started)
        if at.exception or not at.title or at.title[0].value == "改革任务督办系统":
            raise RuntimeError(f"sign-in as {username} did not reach a page: {at.exception}")

    samples: list[float] = []
    with _pointed_at(url):
        for _ in range(runs + 1):  # the first one also compiles the page scripts
            sign_in()
    return {"signin_s": statistics.median(samples[1:]),
            "password_check_s": median_time(lambda: verify_password(stored, password), runs)}


def _browser_signin(url: str, work: Path, username: str, password: str, runs: int) -> float:
    """The same sign-in in Debian Chromium against the real web server (benchmarks/browser.py)."""
    from benchmarks import browser

    home = work / f"home-{username}"
    home.mkdir(exist_ok=True)
    with browser.served(url, home) as base:
        return browser.measure_signin(base, username, password, "总览", runs)


def _demo_signin(work: Path, runs: int) -> dict[str, float]:
    from benchmarks import browser
    from models.demo.county import demo_password, load_demo

    url = f"sqlite:///{work / 'demo.db'}"
    upgrade(url)
    load_demo(today=TODAY, engine=engine_for(url))
    try:
        out = measure_signin(url, "gaiban", demo_password(), runs)
        if browser.available():
            engine_for(url).dispose()
            out["browser_s"] = _browser_signin(url, work, "gaiban", demo_password(), runs)
        return out
    finally:
        engine_for(url).dispose()


def figures(small: dict[tuple[str, str], tuple[float, float]], large: dict[tuple[str, str], tuple[float, float]],
            suffix: str = "") -> dict[str, float]:
    """Flat `reform bench` keys: page_<page>_<role>_{10k,100k}[_postgres]_s, their floors and the growth."""
    out: dict[str, float] = {}
    for (page, role), (seconds, floor) in large.items():
        base = f"page_{page}_{role}"
        small_s, small_floor = small[(page, role)]
        out[f"{base}_10k{suffix}_s"] = round(small_s, 3)
        out[f"{base}_100k{suffix}_s"] = round(seconds, 3)
        out[f"{base}_10k{suffix}_floor_s"] = round(small_floor, 4)
        out[f"{base}_100k{suffix}_floor_s"] = round(floor, 4)
        out[f"{base}{suffix}_growth"] = round(seconds / small_s, 2) if small_s else 0.0
    return out


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    """``quick``: 500 and 5 000 tasks, one sample (the keys keep their 10k/100k names). With Debian Chromium
    and Playwright present, the sign-in is also measured in the browser (``signin_browser_*``)."""
    from benchmarks import browser

    runs = 1 if quick else 3
    large = tasks or (5_000 if quick else 100_000)
    sizes = (max(100, large // 10), large)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        measured = []
        for size in sizes:
            with sqlite_database(size, Path(tmp)) as url:
                measured.append(measure_pages(url, runs))
                if size == large:
                    signin = measure_signin(url, "bench_office", PASSWORD, runs)
                    if browser.available():
                        engine_for(url).dispose()
                        out["signin_browser_100k_s"] = round(
                            _browser_signin(url, Path(tmp), "bench_office", PASSWORD, runs), 3)
        out.update(figures(measured[0], measured[1]))
        demo = _demo_signin(Path(tmp), runs)
    out.update({"signin_demo_s": round(demo["signin_s"], 3), "signin_100k_s": round(signin["signin_s"], 3),
                "signin_password_check_s": round(demo["password_check_s"], 3)})
    if "browser_s" in demo:
        out["signin_browser_demo_s"] = round(demo["browser_s"], 3)
    pg = os.environ.get("REFORM_BENCH_POSTGRES_URL")
    if pg:
        measured = []
        for size in sizes:
            with postgres_database(pg, size) as url:
                measured.append(measure_pages(url, runs))
        out.update(figures(measured[0], measured[1], suffix="_postgres"))
    return out


def table(results: dict[str, float]) -> str:
    """The README's markdown table: one row per page × role, SQLite (and PostgreSQL when measured)."""
    rows = sorted({k[len("page_"):-len("_100k_s")] for k in results if k.startswith("page_") and k.endswith("_100k_s")})
    pg = any(k.endswith("_postgres_s") for k in results)
    head = "| page × role | 10k s | 100k s | 100k floor s | growth |" + (
        " PG 10k s | PG 100k s | PG floor s | PG growth |" if pg else "")
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for r in rows:
        cells = [r, results[f"page_{r}_10k_s"], results[f"page_{r}_100k_s"], results[f"page_{r}_100k_floor_s"],
                 results[f"page_{r}_growth"]]
        if pg:
            cells += [results.get(f"page_{r}_10k_postgres_s", ""), results.get(f"page_{r}_100k_postgres_s", ""),
                      results.get(f"page_{r}_100k_postgres_floor_s", ""), results.get(f"page_{r}_postgres_growth", "")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json

    result = bench(quick=bool(os.environ.get("BENCH_QUICK")),
                   tasks=int(os.environ["BENCH_TASKS"]) if os.environ.get("BENCH_TASKS") else None)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print(table(result))
