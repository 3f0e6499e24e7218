"""One Prefect test harness (temporary server) for the whole session: a server per test is far too slow."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from models.settings import get_settings


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def app_db(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> Iterator[Engine]:
    """The demo database as the flows' default database (flows read REFORM_DATABASE_URL like in production)."""
    monkeypatch.setenv("REFORM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield demo_engine
    get_settings.cache_clear()
