"""Small helpers to build actors and look things up in tests (instead of fixture sprawl)."""
from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from benchmarks.browser import stop  # noqa: F401 - the tests' process helper lives beside the launcher
from models.db import read_session
from models.services.accounts import actor_for
from models.services.actor import Actor
from models.tables import Handover, Task, User


def actor(engine: Engine, username: str) -> Actor:
    with read_session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        return actor_for(user)


def task(engine: Engine, code: str) -> Task:
    with read_session(engine) as session:
        return session.exec(select(Task).where(Task.code == code)).one()


def handover(engine: Engine, kind: str) -> Handover:
    with read_session(engine) as session:
        return session.exec(select(Handover).where(Handover.kind == kind)).one()

