"""ui.components.reads.read: a read passed by function is cached per function, database, data stamp and
arguments, and recomputed after any audited change."""
from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from models.services import units
from models.services.reads import common, tasks
from tests import factories as f
from ui.components.reads import read

CALLS: list[dict[str, Any]] = []


def counted_names(*, prefix: str = "", engine: Engine | None = None) -> list[str]:
    """A read function that counts its executions."""
    CALLS.append({"prefix": prefix})
    return sorted(n for n in common.unit_names(engine).values() if n.startswith(prefix))


def other_names(*, prefix: str = "", engine: Engine | None = None) -> list[str]:
    """Same arguments as ``counted_names``, another function: never served from its cache entry."""
    return ["other"]


def test_read_by_function_is_cached_and_refreshed_by_a_change(app_db):
    st.cache_data.clear()
    CALLS.clear()
    before = read(counted_names, prefix="县")
    assert read(counted_names, prefix="县") == before and len(CALLS) == 1  # served from the cache
    assert read(other_names, prefix="县") == ["other"]  # keyed by the function, not only the arguments
    read(counted_names, prefix="城")
    assert len(CALLS) == 2  # other arguments, another entry
    stamp = common.data_stamp()

    units.add_unit(f.actor(app_db, "sysadmin"), name="县测试局", engine=app_db)  # an audited change

    assert common.data_stamp() > stamp
    after = read(counted_names, prefix="县")
    assert len(CALLS) == 3 and after == sorted([*before, "县测试局"])
    assert "县测试局" in read(common.unit_names).values()


def test_scoped_reads_carry_their_scope(app_db):
    st.cache_data.clear()
    names = {v: k for k, v in read(common.unit_names).items()}
    mine = read(tasks.my_tasks, unit_id=names["县城市管理局"])
    theirs = read(tasks.my_tasks, unit_id=names["县财政局"])
    assert mine == tasks.my_tasks(names["县城市管理局"]) and theirs == tasks.my_tasks(names["县财政局"])
    assert {r["id"] for r in mine} != {r["id"] for r in theirs}
