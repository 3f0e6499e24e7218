"""Automation commands: every use case through ``flows.client`` (in-process without a Prefect server,
a deployment run with one), scan liveness, the production worker, deployments and their listing."""
from __future__ import annotations

import os
import sys
from typing import Any

import typer

from ui.cli.common import echo_json, friendly


def run_use_case(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """In-process without ``PREFECT_API_URL``; with it, a deployment run the command waits for."""
    from flows import client

    return client.run(name, parameters, wait=True).result


@friendly
def scan_cmd(today: str = typer.Option(None, help="按该日期扫描 YYYY-MM-DD（默认今天）"),
             check: bool = typer.Option(False, "--check", help="只检查最近26小时内是否有成功的扫描")) -> None:
    """Run the daily deadline scan now: lights, alerts, 督办通知单, notifications (督办扫描)."""
    if check:
        from models.services.scan import check_liveness

        message = check_liveness()
        typer.echo(message or "督办扫描运行正常：26小时内有成功运行记录")
        raise typer.Exit(1 if message else 0)
    echo_json(run_use_case("deadline-scan", {"today": today}))


@friendly
def bulletin_cmd(period: str = typer.Option("week", help="week|month|quarter"),
                 today: str = typer.Option(None, help="报告日期 YYYY-MM-DD，统计其前一个完整周期")) -> None:
    """Issue the 工作进展通报 / ranking for the last closed week, month or quarter (通报与排名)."""
    echo_json(run_use_case("bulletin", {"period": period, "today": today}))


@friendly
def handover_advance(handover_id: int) -> None:
    """Do what is due for a handover: list document, next party's notice, 交接确认书 (推进交接)."""
    echo_json(run_use_case("advance-handover", {"handover_id": handover_id}))


def worker_cmd(pool: str = typer.Option("reform-pool", help="Prefect 工作池")) -> None:
    """Start a Prefect process worker (production: `prefect worker start --pool reform-pool`).

    Needs PREFECT_API_URL, REFORM_DATABASE_URL and REFORM_HOME in the environment; flow runs
    inherit them.
    """
    os.execv(sys.executable, [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool,
                              "--type", "process"])


@friendly
def deploy_cmd(pool: str = typer.Option("reform-pool", help="Prefect 工作池"),
               code_dir: str = typer.Option(None, help="工作进程所在机器上的代码目录（默认本目录）")) -> None:
    """Register every deployment on the server PREFECT_API_URL points at, on a process work pool (部署流程)."""
    from pathlib import Path

    from flows.serve import register as register_deployments

    _need_server()
    ids = register_deployments(work_pool=pool, code_dir=Path(code_dir) if code_dir else None)
    typer.echo(f"已注册 {len(ids)} 个部署到工作池 {pool}")


@friendly
def flows_list(as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    """List the deployments registered on the Prefect server, with their work pool and schedules (流程清单)."""
    from flows import client

    _need_server()
    rows = client.deployments()
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        where = row["work_pool"] or "本机服务（reform up）"
        typer.echo(f"{row['name']:<36} {where:<16} {'、'.join(row['schedules']) or '按需运行'}"
                   + ("（已暂停）" if row["paused"] else ""))


def _need_server() -> None:
    if not os.environ.get("PREFECT_API_URL"):
        typer.echo("错误：请先设置 PREFECT_API_URL（Prefect 服务地址）", err=True)
        raise typer.Exit(2)
