"""Benchmarks run outside the default suite: `pytest -m bench` or `reform bench`.

A quick run of every area: each figure is present, each ratio is its median over the floor measured in the
same run (so it can be recomputed from the two), and each ratio stays within a generous bound of the target
the product card tracks (the machine is shared and noisy, so the bounds leave room; a regression by an order
of magnitude still fails).
"""
from __future__ import annotations

import math

import pytest

from benchmarks import modules, run_all

# area -> figures it reports on a quick run
FIGURES = {
    "importing": ("import_docx_s", "import_txt_50k_s", "import_xlsx_5k_s"),
    "schedule": ("schedule_10k_s", "schedule_100k_s", "toposort_100k_s", "schedule_vs_toposort"),
    "scan": ("scan_10k_s", "scan_100k_s", "scan_sql_100k_s", "scan_vs_sql"),
    "writes": ("write_100k_s", "write_recompute_100k_s", "write_recompute_vs_write"),
    "notify": ("scan_notify_up_s", "scan_notify_dead_channel_s", "scan_notify_dead_channel_ratio"),
    "notices": ("notice_s", "blank_docx_s", "notice_vs_blank", "notices_per_s"),
    "dashboard": ("dashboard_10k_s", "dashboard_100k_s", "dashboard_100k_vs_sql_floor"),
    "confirmations": ("confirmations_per_s_sqlite",),
    "scorecard": ("scorecard_figures_s", "scorecard_floor_group_by_s", "scorecard_vs_group_by"),
}
# ratio -> (measured, floor, generous upper bound)
RATIOS = {
    "schedule_vs_toposort": ("schedule_100k_s", "toposort_100k_s", 400),
    "scan_vs_sql": ("scan_100k_s", "scan_sql_100k_s", 2000),
    "write_recompute_vs_write": ("write_recompute_100k_s", "write_100k_s", 100),
    "scan_notify_dead_channel_ratio": ("scan_notify_dead_channel_s", "scan_notify_up_s", 10),  # target ≤ 2
    "notice_vs_blank": ("notice_s", "blank_docx_s", 30),  # target ≤ 3
}


@pytest.mark.bench
@pytest.mark.timeout(1800)  # every area on a quick run: minutes on a shared machine
def test_quick_benchmarks_report_every_area_with_ratios_against_their_floors() -> None:
    results = run_all(quick=True, only=[*FIGURES])
    assert {f"_{area}_total_s" for area in FIGURES} <= set(results)  # every area ran
    assert set(FIGURES) <= set(modules())
    for area, keys in FIGURES.items():
        for key in keys:
            assert key in results, (area, key)
            assert math.isfinite(results[key]) and results[key] > 0, (area, key, results[key])
    for ratio, (measured, floor, bound) in RATIOS.items():
        # rounded figures: the ratio is the two medians of this run divided, within rounding
        assert results[ratio] == pytest.approx(results[measured] / results[floor], rel=0.1, abs=0.05), ratio
        assert results[ratio] < bound, (ratio, results[ratio])
    assert results["notices_per_s"] == pytest.approx(1 / results["notice_s"], rel=0.01)
