"""`reform up`: start the whole product on embedded defaults.

SQLite app database, demo data, a local Prefect server (its own SQLite under REFORM_HOME/prefect),
the serve process for the deployments, and the Streamlit app. One supervisor: if any part dies the
others are stopped, so a half-running product is never left behind.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[2]


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (localhost only)
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop every child, killing those that do not exit in time. A second Ctrl+C or SIGTERM while stopping
    must not abandon the rest (Prefect 3.8.8's serve can take seconds to honour SIGTERM), so both are
    ignored from here on."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def up(
    port: int = typer.Option(8501, help="Streamlit 端口"),
    prefect_port: int = typer.Option(4200, help="本地 Prefect 服务端口"),
    demo: bool = typer.Option(True, help="没有方案时加载演示数据"),
    prefect: bool = typer.Option(True, help="启动本地 Prefect 服务与定时部署（--no-prefect 则流程在应用内执行）"),
) -> None:
    """Start everything: database + demo, local Prefect server + deployments, web app (启动整个系统)."""
    from models.demo.county import demo_password, load_demo
    from models.migrate import upgrade
    from models.settings import get_settings

    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    upgrade()
    from models.services.startup import recover

    recover()  # what a killed earlier run left behind: staged/orphan files, "running" run records
    if demo:
        plan = load_demo(today=settings.today())
        typer.echo(f"演示方案：{plan.title}（账号口令 {demo_password()}）")
        _first_scan()
    env = {**os.environ, "REFORM_HOME": str(settings.home.resolve()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        if prefect:
            from flows.serve import server_command, server_env

            env.update(server_env(prefect_port))
            typer.echo(f"启动 Prefect 服务：http://127.0.0.1:{prefect_port}")
            procs.append(subprocess.Popen([sys.executable, "-m", *server_command(prefect_port)], env=env, cwd=ROOT))
            if not wait_http(f"http://127.0.0.1:{prefect_port}/api/health", 90):
                raise typer.Exit(_fail("Prefect 服务未能在 90 秒内启动"))
            procs.append(subprocess.Popen([sys.executable, "-m", "flows.serve"], env=env, cwd=ROOT))
        procs.append(subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "webapp.py"),
                                       "--server.port", str(port), "--server.headless", "true"],
                                      env=env, cwd=ROOT))
        typer.echo(f"改革任务督办已启动：http://localhost:{port}  （Ctrl+C 停止）")
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        dead = next(p for p in procs if p.poll() is not None)
        command = " ".join(map(str, dead.args)) if isinstance(dead.args, list) else str(dead.args)
        typer.echo(f"子进程已退出（{command[:120]}），正在停止其余进程", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("正在停止…")
    finally:
        _stop(procs)


def _first_scan() -> None:
    """A product that has never scanned shows no alerts until 08:30 tomorrow: scan once at first start."""
    from sqlmodel import select

    from flows import client
    from models.db import read_session
    from models.tables import OpsRun

    with read_session() as session:
        scanned = session.exec(select(OpsRun).where(OpsRun.kind == "scan")).first()
    if scanned is None:  # before the Prefect server starts, so the client runs it in-process
        stats = client.run("deadline-scan", {}).result
        alerts = stats.get("alerts") or {}
        typer.echo(f"首次督办扫描完成：预警 {sum(alerts.values()) if isinstance(alerts, dict) else 0} 条")


def _fail(message: str) -> int:
    typer.echo(f"错误：{message}", err=True)
    return 1
