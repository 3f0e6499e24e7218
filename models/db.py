"""Engines and transactions.

SQLite (the embedded default) gets WAL, a busy timeout and foreign keys on every connection, and write
transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing with
"database is locked" half-way through. PostgreSQL uses READ COMMITTED plus explicit version checks;
serialization failures and deadlocks are retried a bounded number of times.
"""
from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

from models.settings import get_settings

P = ParamSpec("P")
R = TypeVar("R")
WRITE_RETRIES = 8


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL for the life of the process (pools are expensive to rebuild)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def sync_sequences(conn: Connection) -> int:
    """PostgreSQL: move every ``id`` sequence past the largest id (after inserts with explicit ids: the
    synthetic generator, a restore); otherwise the next ordinary insert fails with UniqueViolation.
    A no-op on SQLite, whose rowids follow the data by themselves. Returns the number of sequences set."""
    if conn.dialect.name != "postgresql":
        return 0
    from sqlmodel import SQLModel

    moved = 0
    for table in SQLModel.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        result = conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)')).scalar()
        moved += result is not None
    return moved


def _refuse_nul(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
    """NUL cannot be stored in PostgreSQL text (psycopg raises DataError) and SQLite would keep it: refuse
    it the same way on both, as invalid input with a Chinese message, before the statement runs."""
    rows = parameters if isinstance(parameters, list) else [parameters]
    for row in rows:
        values = row.values() if isinstance(row, dict) else row if isinstance(row, tuple | list) else (row,)
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                from models.services.errors import Invalid

                raise Invalid("输入内容含有不可见的控制字符（NUL），已拒绝，请删除后重试")


def get_engine() -> Engine:
    return engine_for(get_settings().url)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for queries; never commits."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction: commits once on success, rolls back on any error."""
    eng = engine or get_engine()
    if is_sqlite(eng):
        eng = eng.execution_options(sqlite_begin="IMMEDIATE")
    with Session(eng, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a read builds ~100,000 small, acyclic rows or dicts (at
    100k tasks the collector's repeated rescans cost a third of such a read). The web server runs reads in
    several threads: the collector stays off while any of them is inside, and is switched back on by the
    last one out (and only if it was on when the first one came in)."""
    global _gc_depth, _gc_was_on
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_on = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_on:
                gc.enable()


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_on = True


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in {"40001", "40P01"}
    return False


def retry_transient(fn: Callable[P, R]) -> Callable[P, R]:
    """Retry a whole unit of work on lock timeouts / serialization failures, with jittered backoff."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(WRITE_RETRIES):
            try:
                return fn(*args, **kwargs)
            except DBAPIError as exc:
                if not _is_transient(exc) or attempt == WRITE_RETRIES - 1:
                    raise
                time.sleep(min(2.0, 0.02 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    return wrapper
