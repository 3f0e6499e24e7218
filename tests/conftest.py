"""Shared fixtures: a migrated database per test on SQLite and (when configured) PostgreSQL.

``REFORM_TEST_POSTGRES_URL`` (set by .ci/run) points at a server where a throw-away database is
created per test module and dropped afterwards. Files and settings live in a per-session temp home.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="reform-test-"))
os.environ.setdefault("REFORM_HOME", str(_HOME))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import URL, Engine, make_url  # noqa: E402

from models.db import engine_for  # noqa: E402
from models.migrate import upgrade  # noqa: E402

TODAY = date(2026, 11, 21)
PG_URL = os.environ.get("REFORM_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
# set by .ci/run: the landing machine has every system tool (scripts/bootstrap.sh --dev), so a missing one fails
ON_CI = bool(os.environ.get("REFORM_CI"))


def needs_tool(present: bool, what: str) -> None:
    """Skip on a developer machine without ``what``; fail under .ci/run, where a skip would hide a broken install."""
    if present:
        return
    message = f"{what} is not installed (scripts/bootstrap.sh --dev installs it)"
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def libreoffice() -> None:
    from models.documents.pdf import soffice_path

    needs_tool(soffice_path() is not None, "LibreOffice (soffice)")


@pytest.fixture(scope="session")
def poppler() -> None:
    needs_tool(shutil.which("pdftoppm") is not None, "poppler-utils (pdftoppm)")


def _fresh_sqlite(tmp: Path) -> str:
    return f"sqlite:///{tmp / f'rt-{uuid.uuid4().hex[:8]}.db'}"


def _admin_url() -> URL:
    return make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
                    if PG_URL.startswith("postgresql://") else PG_URL)


def _admin_execute(sql: str) -> None:
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def _create_postgres(template: str | None = None) -> tuple[str, str]:
    """A new database (optionally a copy of ``template``); returns (url, name)."""
    name = f"rt_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return _admin_url().set(database=name).render_as_string(hide_password=False), name


def _drop_postgres(name: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_database(backend: str, tmp: Path) -> tuple[Engine, str | None]:
    if backend == "postgres":
        url, name = _create_postgres()
    else:
        url, name = _fresh_sqlite(tmp), None
    upgrade(url)
    return engine_for(url), name


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database (SQLite always; PostgreSQL when REFORM_TEST_POSTGRES_URL is set)."""
    eng, name = make_database(request.param, tmp_path)
    yield eng
    eng.dispose()
    engine_for.cache_clear()
    if name:
        _drop_postgres(name)


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The demo county is loaded once per backend; each test gets a cheap copy of it."""
    from models.demo.county import load_demo

    made: dict[str, str] = {}
    folder = tmp_path_factory.mktemp("templates")
    for backend in BACKENDS:
        eng, name = make_database(backend, folder)
        load_demo(today=TODAY, engine=eng)
        if backend == "sqlite":
            with eng.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            made[backend] = str(eng.url.database)
        else:
            made[backend] = name or ""
        eng.dispose()
    yield made
    engine_for.cache_clear()
    if "postgres" in made:
        _drop_postgres(made["postgres"])


def _copy_template(backend: str, template: str, tmp: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        target = tmp / f"demo-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}", None
    url, name = _create_postgres(template)
    return url, name


@pytest.fixture(params=BACKENDS)
def demo_engine(request: pytest.FixtureRequest, tmp_path: Path, demo_templates: dict[str, str]) -> Iterator[Engine]:
    """A database with the demo county loaded as of TODAY (a copy of the session's template)."""
    url, name = _copy_template(request.param, demo_templates[request.param], tmp_path)
    eng = engine_for(url)
    yield eng
    eng.dispose()
    engine_for.cache_clear()
    if name:
        _drop_postgres(name)
