"""Benchmarks run outside the default suite: `pytest -m bench` or `reform bench`."""
from __future__ import annotations

import pytest

from benchmarks import run_all


@pytest.mark.bench
def test_quick_benchmarks_produce_every_figure() -> None:
    results = run_all(quick=True)
    for key in ("import_docx_s", "schedule_vs_toposort", "notices_per_s", "confirmations_per_s_sqlite"):
        assert results[key] > 0, key
