"""The scheduler benchmark runs and reports its figures (timing itself is not asserted here)."""

from benchmarks.schedule import bench, synthetic_plan


def test_synthetic_plan_has_the_requested_shape() -> None:
    tasks, deps = synthetic_plan(2_000)
    assert len(tasks) == 2_000
    assert 2_800 <= len(deps) <= 3_000
    assert all(d.pred < d.succ for d in deps)


def test_quick_bench_reports_every_figure() -> None:
    figures = bench(quick=True)
    assert set(figures) >= {"schedule_10k_s", "schedule_100k_s", "toposort_100k_s", "schedule_vs_toposort"}
    assert all(value > 0 for value in figures.values())
