"""`reform bench`: every benchmark side by side, medians and ratios in one run."""
from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import typer

from ui.cli.common import echo_json

TARGETS = {
    "import_docx_s": ("< 0.5 s", lambda v: v < 0.5),
    "import_xlsx_5k_s": ("< 5 s", lambda v: v < 5),
    "schedule_100k_s": ("< 2 s", lambda v: v < 2),
    "schedule_vs_toposort": ("≤ 3×", lambda v: v <= 3),
    "scan_100k_s": ("< 3 s", lambda v: v < 3),
    "scan_vs_sql": ("≤ 10×", lambda v: v <= 10),
    "write_recompute_extra_s": ("< 0.05 s", lambda v: v < 0.05),
    "notices_per_s": ("≥ 30/s", lambda v: v >= 30),
    "notice_vs_blank": ("≤ 3×", lambda v: v <= 3),
    "supervision_1000_s": ("< 40 s", lambda v: v < 40),
    "dashboard_10k_s": ("< 2 s", lambda v: v < 2),
    "dashboard_100k_s": ("< 6 s", lambda v: v < 6),
    "scan_notify_dead_channel_ratio": ("≤ 2×", lambda v: v <= 2),
    "signin_demo_s": ("< 1 s", lambda v: v < 1),
    "signin_100k_s": ("< 1.5 s", lambda v: v < 1.5),
    "signin_browser_demo_s": ("< 1 s", lambda v: v < 1),
    "signin_browser_100k_s": ("< 1.5 s", lambda v: v < 1.5),
    **{f"import_accuracy_{shape}_{figure}": ("≥ 0.95", lambda v: v >= 0.95)
       for shape in ("fengong", "prose", "duties", "annotated") for figure in ("recall", "lead", "units_f1", "deadline")},
}


def target(key: str) -> tuple[str, Any]:
    """The floor a figure is judged by: a fixed key, or a pages-benchmark pattern (every page × role)."""
    if key in TARGETS:
        return TARGETS[key]
    if key.startswith("page_") and key.endswith("_growth"):
        return "≤ 10×", lambda v: v <= 10  # 10k → 100k: no faster than linear
    if key.startswith("page_") and "_100k" in key and not key.endswith("_floor_s"):
        return "< 1 s", lambda v: v < 1
    return "", None


def _benchmarks() -> ModuleType:
    """The development package ``benchmarks/`` beside ``ui/`` in a source checkout (also behind an editable install,
    whose console script does not put the checkout on ``sys.path``); installed copies do not ship it."""
    root = Path(__file__).resolve().parents[2]
    if (root / "benchmarks" / "__init__.py").is_file() and str(root) not in sys.path:
        sys.path.append(str(root))
    try:
        import benchmarks
    except ModuleNotFoundError as exc:
        if exc.name != "benchmarks":
            raise
        typer.echo("错误：未找到基准测试包 benchmarks（仅随源代码提供，安装包中不含）；请在源代码检出中运行 reform bench",
                   err=True)
        raise typer.Exit(2) from None
    return benchmarks


def bench(as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
          quick: bool = typer.Option(False, "--quick", help="小规模快速检查"),
          only: list[str] = typer.Option(None, "--only", help="只运行某些基准：importing/schedule/scan/…"),
          tasks: int = typer.Option(None, "--tasks", min=100, help="大规模测试的任务数（默认 10 万；小规模取其十分之一）")) -> None:
    """Run the benchmarks (import, schedule, scan, notices, dashboard, confirmations); print medians and ratios."""
    run_all = _benchmarks().run_all
    results = run_all(quick=quick, only=only or None, tasks=tasks,
                      progress=lambda name: None if as_json else typer.echo(f"… {name}", err=True))
    if as_json:
        echo_json({k: v for k, v in results.items() if not k.startswith("_")})
        return
    typer.echo(f"机器：{results.pop('machine')}")
    for key, value in results.items():
        if key.startswith("_"):
            continue
        goal, ok = target(key)
        verdict = "" if ok is None or not isinstance(value, int | float) else ("达标" if ok(value) else "未达标")
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        typer.echo(f"  {key:<34} {shown:>12}  {goal:<8} {verdict}")
