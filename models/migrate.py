"""Schema migrations (Alembic) driven from code, so ``reform db upgrade`` needs no alembic.ini."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from models.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url or get_settings().url)
    return cfg


def upgrade(url: str | None = None) -> None:
    url = url or get_settings().url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def current(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from models.db import engine_for

    with engine_for(url or get_settings().url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
