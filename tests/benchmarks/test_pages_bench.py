"""The pages benchmark on a quick run (500 and 5 000 tasks): one figure per page × role from the registry,
each beside its floor, and no page growing faster than the data."""
from __future__ import annotations

import pytest

from benchmarks import pages
from models.services.actor import Actor
from ui.components.registry import pages_for


@pytest.mark.bench
def test_every_page_of_every_role_is_measured_beside_its_floor() -> None:
    results = pages.bench(quick=True)
    expected = {(pages.page_name(p.path), role) for role in pages.ROLES for p in pages_for(Actor(1, "bench", role))}
    measured = {tuple(k[len("page_"):-len("_growth")].rsplit("_", 1))  # page names may hold "_", roles do not
                for k in results if k.startswith("page_") and k.endswith("_growth") and "postgres" not in k}
    assert measured == expected
    assert {"overview", "tasks", "my_unit", "handovers", "rankings", "audit"} <= {p for p, _ in expected}
    for page, role in expected:
        base = f"page_{page}_{role}"
        small, large = results[f"{base}_10k_s"], results[f"{base}_100k_s"]
        assert 0 < results[f"{base}_100k_floor_s"] < large, base  # a render costs more than its bare count
        assert results[f"{base}_growth"] == pytest.approx(large / small, rel=0.05, abs=0.02)
        assert results[f"{base}_growth"] < 10, base  # ten times the tasks: less than ten times the time
    assert 0 < results["signin_password_check_s"] < results["signin_demo_s"]
    # the browser figure (Chromium is installed by the test set-up) covers the server's share and more
    assert results["signin_browser_demo_s"] > results["signin_password_check_s"]
    assert results["signin_browser_100k_s"] > 0
    table = pages.table(results)
    assert table.count("\n") == len(expected) + 1 and "| rankings_office |" in table
