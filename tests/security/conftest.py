"""Helpers for the security suite: fast users, audit queries, clock travel.

Users made here get an empty password hash unless a password is given (argon2 costs ~50 ms per hash,
and most tests only need an actor that exists as a foreign key).
"""
from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import func, select

from models.db import engine_for, is_sqlite, read_session, write_session
from models.services import audit, passwords
from models.services.accounts import actor_for
from models.services.actor import Actor
from models.services.passwords import hash_password
from models.settings import get_settings
from models.tables import AuditEvent, Unit, User
from tests.conftest import BACKENDS, PG_URL, TODAY, _create_postgres, _drop_postgres, make_database

PRODUCTION_HASHER = passwords._hasher

STRONG = "Lv7#qiao-Duan!river"  # passes the default policy, not in the blocklist


def make_user(engine: Engine, username: str, role: str, unit_name: str | None = None, *,
              password: str | None = None, **fields: Any) -> Actor:
    """Insert a user directly (test setup, not a path under test) and return its actor."""
    with write_session(engine) as session:
        unit_id = None
        if unit_name:
            unit = session.exec(select(Unit).where(Unit.name == unit_name)).first()
            if unit is None:
                unit = Unit(name=unit_name)
                session.add(unit)
                session.flush()
            unit_id = unit.id
        user = User(username=username, display_name=username, role=role, unit_id=unit_id,
                    password_hash=hash_password(password) if password else "", must_change_password=False,
                    **fields)
        session.add(user)
        session.flush()
        return actor_for(user)


def audit_rows(engine: Engine, **where: Any) -> list[AuditEvent]:
    with read_session(engine) as session:
        query = select(AuditEvent)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(session.exec(query.order_by(AuditEvent.id)).all())  # type: ignore[arg-type]


def audit_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


def chain_ok(engine: Engine) -> audit.VerifyResult:
    with read_session(engine) as session:
        return audit.verify(session)


@pytest.fixture
def files_dir() -> Iterator[Any]:
    """The stored-files directory shared by the session (REFORM_HOME/files)."""
    yield get_settings().files_dir


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, but with test-sized cost so the suite stays fast; production parameters are
    checked separately against ``PRODUCTION_HASHER``."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


_TEMPLATES: dict[str, str] = {}


def _template(backend: str, tmp_root: Path, *, demo: bool = True) -> str:
    """Build the (demo or empty) database once per test session; tests get cheap copies of it."""
    key = backend if demo else f"{backend}-empty"
    if key not in _TEMPLATES:
        from models.demo.county import load_demo

        eng, name = make_database(backend, tmp_root)
        if demo:
            load_demo(today=TODAY, engine=eng)
        url = eng.url.render_as_string(hide_password=False)
        eng.dispose()
        engine_for.cache_clear()
        _TEMPLATES[key] = name if backend == "postgres" else url.removeprefix("sqlite:///")
    return _TEMPLATES[key]


def clone_demo(backend: str, tmp: Path, tmp_root: Path, *, demo: bool = True) -> tuple[Engine, str | None]:
    source = _template(backend, tmp_root, demo=demo)
    if backend == "postgres":
        admin_url = make_url(PG_URL)
        name = f"rt_{uuid.uuid4().hex[:10]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()
        return engine_for(admin_url.set(database=name).render_as_string(hide_password=False)), name
    target = tmp / f"demo-{uuid.uuid4().hex[:8]}.db"
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return engine_for(f"sqlite:///{target}"), None


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo county as of TODAY, cloned from a per-session template (SQLite file copy or
    PostgreSQL ``CREATE DATABASE … TEMPLATE``)."""
    eng, name = clone_demo(request.param, tmp_path, tmp_path_factory.getbasetemp())
    yield eng
    eng.dispose()
    engine_for.cache_clear()
    if name:
        _drop_postgres(name)


@pytest.fixture
def demo_sqlite(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo on SQLite only, for checks that do not depend on the database backend."""
    eng, _ = clone_demo("sqlite", tmp_path, tmp_path_factory.getbasetemp())
    yield eng
    eng.dispose()
    engine_for.cache_clear()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Overrides the root fixture: an empty migrated database, cloned instead of migrated per test."""
    eng, name = clone_demo(request.param, tmp_path, tmp_path_factory.getbasetemp(), demo=False)
    yield eng
    eng.dispose()
    engine_for.cache_clear()
    if name:
        _drop_postgres(name)


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    for key, value in _TEMPLATES.items():
        if key.startswith("postgres"):
            _drop_postgres(value)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(value + suffix).unlink(missing_ok=True)


@pytest.fixture
def empty_target(demo: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the demo's backend (not even migrated): where a restore goes."""
    if is_sqlite(demo):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url, name = _create_postgres()
    yield url
    engine_for(url).dispose()
    engine_for.cache_clear()
    _drop_postgres(name)
