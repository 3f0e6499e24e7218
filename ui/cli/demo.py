"""`reform demo load` (the demo county) and `reform demo generate` (deterministic synthetic counties for scale
tests and benchmarks)."""
from __future__ import annotations

import typer

from models.settings import get_settings
from ui.cli.common import friendly, parse_day


@friendly
def demo_load(today: str = typer.Option(None, help="演示数据的“今天” YYYY-MM-DD")) -> None:
    """Load the demo county (清河县城市管理体制改革) with units, users, tasks and handovers."""
    from models.demo.county import demo_password, load_demo
    from models.migrate import upgrade

    upgrade()
    plan = load_demo(today=parse_day(today) or get_settings().today())
    typer.echo(f"演示方案已就绪：#{plan.id} {plan.title}")
    typer.echo(f"演示账号口令：{demo_password()}（sysadmin 首次登录须修改口令）")


@friendly
def generate(counties: int = typer.Option(..., "--counties", min=1, max=20000, help="县的数量（1600 ≈ 10 万项任务）"),
             seed: int = typer.Option(7, help="随机种子（相同种子生成相同数据）"),
             today: str = typer.Option(None, help="数据中的“今天” YYYY-MM-DD"),
             schedule: bool = typer.Option(True, help="生成后计算全部方案的红黄绿灯")) -> None:
    """Generate N synthetic counties (units, plans of 40–80 tasks, dependencies, handovers, progress)."""
    import time

    from models.demo.synthetic import generate as run
    from models.migrate import upgrade
    from models.services.actor import Actor
    from models.services.scheduling import recompute_all

    upgrade()
    day = parse_day(today) or get_settings().today()
    started = time.perf_counter()
    counts = run(counties=counties, seed=seed, today=day)
    typer.echo("已生成：" + "，".join(f"{k} {v}" for k, v in counts.items())
               + f"（{time.perf_counter() - started:.1f} 秒）")
    if schedule:
        done = recompute_all(Actor.system("generate"), today=day)
        typer.echo(f"已计算 {done.tasks} 项任务的红黄绿灯：{done.counts}")
