"""Automation commands: run any flow in-process, check scan liveness, start a worker, deploy."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[2]
handover_app = typer.Typer(help="交接流程 / handover processes", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from ui.cli import echo_json, friendly, parse_day

    @app.command("scan")
    @friendly
    def scan_cmd(today: str = typer.Option(None, help="按该日期扫描 YYYY-MM-DD（默认今天）"),
                 check: bool = typer.Option(False, "--check", help="只检查最近26小时内是否有成功的扫描")) -> None:
        """Run the daily deadline scan now: lights, alerts, 督办通知单, notifications (督办扫描)."""
        from datetime import datetime

        from models.db import read_session
        from models.services.scan import liveness
        from models.settings import get_settings

        if check:
            with read_session() as session:
                message = liveness(session, datetime.now(get_settings().tz))
            typer.echo(message or "督办扫描运行正常：26小时内有成功运行记录")
            raise typer.Exit(1 if message else 0)
        from flows.deadline_scan import deadline_scan

        echo_json(deadline_scan(today=str(parse_day(today)) if today else None))

    @app.command("bulletin")
    @friendly
    def bulletin_cmd(period: str = typer.Option("week", help="week|month|quarter"),
                     today: str = typer.Option(None, help="报告日期 YYYY-MM-DD，统计其前一个完整周期")) -> None:
        """Issue the 工作进展通报 / ranking for the last closed week, month or quarter (通报与排名)."""
        if period not in {"week", "month", "quarter"}:
            typer.echo("错误：--period 只能是 week、month 或 quarter", err=True)
            raise typer.Exit(2)
        from flows.reports import bulletin

        echo_json(bulletin(period=period, today=str(parse_day(today)) if today else None))

    @handover_app.command("advance")
    @friendly
    def handover_advance(handover_id: int) -> None:
        """Do what is due for a handover: list document, next party's notice, 交接确认书 (推进交接)."""
        from flows.handover import advance_handover

        echo_json(advance_handover(handover_id))

    app.add_typer(handover_app, name="handover")

    @app.command("worker")
    def worker_cmd(pool: str = typer.Option("reform-pool", help="Prefect 工作池")) -> None:
        """Start a Prefect process worker (production: `prefect worker start --pool reform-pool`).

        Needs PREFECT_API_URL, REFORM_DATABASE_URL and REFORM_HOME in the environment; flow runs
        inherit them.
        """
        os.execv(sys.executable, [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool,
                                  "--type", "process"])

    @app.command("deploy")
    def deploy_cmd() -> None:
        """Register the deployments of prefect.yaml on the server PREFECT_API_URL points at (部署流程)."""
        if not os.environ.get("PREFECT_API_URL"):
            typer.echo("错误：请先设置 PREFECT_API_URL（Prefect 服务地址）", err=True)
            raise typer.Exit(2)
        env = {**os.environ, "REFORM_CODE_DIR": os.environ.get("REFORM_CODE_DIR", str(ROOT))}
        subprocess.run([sys.executable, "-m", "prefect", "work-pool", "create", "reform-pool", "--type", "process"],
                       cwd=ROOT, env=env, check=False, capture_output=True)
        raise typer.Exit(subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
                                        cwd=ROOT, env=env).returncode)
