"""`reform request list`, `reform evaluation open|close|results`, `reform ranking weights`: what the office
scripts around the everyday 督办 work (延期/调整 requests, 条块互评 rounds, ranking weights)."""
from __future__ import annotations

import json

import typer

from models.services.actor import Actor
from ui.cli.common import CLI_ACTOR_NAME, friendly, parse_day


def _round_id(label: str) -> tuple[int, int]:
    from models.services import evaluation
    from models.services.errors import NotFound

    found = next((r for r in evaluation.rounds() if r["label"] == label), None)
    if found is None:
        raise NotFound(f"互评轮次不存在：{label}")
    return found["id"], found["version"]


actor = Actor.system(CLI_ACTOR_NAME)


@friendly
def request_list(state: str = typer.Option(None, "--state", help="pending|approved|refused|withdrawn"),
                 as_json: bool = typer.Option(False, "--json", help="JSON 输出")) -> None:
    """List 延期/调整 requests, newest first, with their state (待审批/已批准/已驳回/已撤回)."""
    from models.services import requests
    from models.services.errors import Invalid

    if state and state not in requests.STATES:
        raise Invalid(f"申请状态只能是 {' / '.join(requests.STATES)}，收到：{state[:20]}")
    rows = requests.listing(actor, state=state)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return
    for r in rows:
        typer.echo(f"#{r['id']:<5} {r['state_label']} {r['kind_label']} {r['task_code']:<8} {r['unit']}  "
                   f"{r['change']}  理由：{r['reason'][:40]}")
    typer.echo(f"共 {len(rows)} 项申请")


@friendly
def evaluation_open(label: str = typer.Argument(..., help="轮次名称，如 2026年11月条块互评"),
                    start: str = typer.Option(..., "--start", help="评价期间开始 YYYY-MM-DD"),
                    end: str = typer.Option(..., "--end", help="评价期间结束 YYYY-MM-DD"),
                    low: float = typer.Option(1, "--min", help="最低分"),
                    high: float = typer.Option(5, "--max", help="最高分")) -> None:
    """Open a 条块互评 round for a period on the scale given (e.g. 1–5 or 0–100)."""
    from models.services import evaluation

    first, last = parse_day(start), parse_day(end)
    assert first is not None and last is not None  # both options are required
    rnd = evaluation.open_round(actor, label=label, period_start=first, period_end=last, scale_min=low,
                                scale_max=high)
    typer.echo(f"已开启互评“{rnd.label}”（{rnd.period_start}至{rnd.period_end}，{low:g}–{high:g}分）")


@friendly
def evaluation_close(label: str = typer.Argument(..., help="轮次名称")) -> None:
    """Close a round: its ratings become final and enter the ranking."""
    from models.services import evaluation

    round_id, version = _round_id(label)
    evaluation.close_round(actor, round_id=round_id, expected_version=version)
    typer.echo(f"已结束互评“{label}”")


@friendly
def evaluation_results(label: str = typer.Argument(..., help="轮次名称"),
                       as_json: bool = typer.Option(False, "--json", help="JSON 输出")) -> None:
    """Per rated unit: number of ratings, average, and the 0–100 figure the ranking uses."""
    from models.services import evaluation

    rows = evaluation.results(_round_id(label)[0])
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(f"{r['unit']:<20} {r['ratings']}人次  平均 {r['average']:g}  折合 {r['peer_score']:g}")


@friendly
def ranking_weights(on_time: float = typer.Option(None, "--on-time", help="按期完成的权重"),
                    signoff: float = typer.Option(None, "--signoff", help="签收率的权重"),
                    peer: float = typer.Option(None, "--peer", help="互评的权重"),
                    extensions: float = typer.Option(None, "--extensions", help="每次获批延期扣分")) -> None:
    """Show the ranking weights, or set those given (audited)."""
    from models.services import scorecard

    given = {k: v for k, v in {"on_time": on_time, "signoff": signoff, "peer": peer,
                               "extensions": extensions}.items() if v is not None}
    weights = scorecard.set_weights(actor, given) if given else scorecard.current_weights()
    for f in scorecard.FIGURES:
        kind = "每次扣分" if f.kind == "count" else "权重"
        typer.echo(f"{f.label}（{f.key}）{kind}：{weights[f.key]:g}")
