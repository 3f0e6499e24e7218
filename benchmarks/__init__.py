"""Benchmarks for `reform bench`: each module's ``bench(quick=...)`` returns medians measured in the same
run as its floor (networkx toposort, a bare SQL query, an empty python-docx save), so ratios stay
meaningful on a shared, noisy machine."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

ORDER = ("importing", "import_accuracy", "schedule", "scan", "writes", "notify", "notices", "dashboard", "pages",
         "confirmations")


def median_time(fn: Callable[[], Any], repeat: int = 5, *, reset: Callable[[], Any] | None = None,
                warm: bool = False) -> float:
    """Median wall time of ``fn``; ``reset`` runs untimed before each call, ``warm`` calls once first."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        if reset:
            reset()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def modules() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(__path__)}
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def run_all(*, quick: bool = False, only: list[str] | None = None, tasks: int | None = None,
            progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """``tasks`` replaces the large plan size (100k) where a benchmark has one; keys keep their names."""
    results: dict[str, Any] = {"machine": f"{platform.machine()} {platform.processor() or ''} "
                                          f"python {platform.python_version()}".strip()}
    if tasks:
        results["bench_tasks"] = tasks
    for name in modules():
        if only and name not in only:
            continue
        progress(name)
        module = importlib.import_module(f"{__name__}.{name}")
        started = time.perf_counter()
        sized = tasks and "tasks" in inspect.signature(module.bench).parameters
        results.update(module.bench(quick=quick, tasks=tasks) if sized else module.bench(quick=quick))
        results[f"_{name}_total_s"] = round(time.perf_counter() - started, 1)
    return results
