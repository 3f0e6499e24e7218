"""The 工作进展通报 use case: rank the units for the last closed week / month / quarter and issue the
通报 as a 公文. The idempotency key ``bulletin:{period label}`` makes a re-run (or a retry after a crash)
return the bulletin already issued instead of taking a second 文号."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from models.db import read_session
from models.services import notices, rankings
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.steps import Runner, direct, parse_day, recorded, step

PERIODS = {"week": "周", "month": "月", "quarter": "季度"}
REPORTS_ACTOR = Actor.system("reports")


@step("bulletin-data", "统计排名")
def collect(period: str, day: date, *, engine: Engine | None = None) -> dict[str, Any]:
    with read_session(engine) as session:
        return rankings.bulletin_data(session, rankings.period_for(period, day))


@step("issue-bulletin", "印发通报", retries=3, retry_delays=(2, 10, 30))
def issue(data: dict[str, Any], day: date, *, engine: Engine | None = None) -> dict[str, Any]:
    label = data["period"]["label"]
    notice = notices.issue(REPORTS_ACTOR, "bulletin", data=data, idempotency_key=f"bulletin:{label}", today=day,
                           engine=engine)
    return {"notice_id": notice.id, "doc_number": notice.doc_number, "title": notice.title}


def run_bulletin(period: str = "week", today: str | date | None = None, *, runner: Runner = direct,
                 ref: str | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """The one implementation behind ``reform bulletin``, the web app and the weekly/monthly schedules."""
    params = {"period": period, "today": today.isoformat() if isinstance(today, date) else today}
    with recorded("bulletin", params, runner=runner, ref=ref, engine=engine) as run:
        if period not in PERIODS:
            raise Invalid(f"通报周期只能是 week（周）、month（月）或 quarter（季度），收到：{str(period)[:20]}")
        day = parse_day(today)
        data = run(collect, period, day, engine=engine)
        result = run(issue, data, day, engine=engine)
        run.stats.update(result, period=data["period"], red_list=data["red_list"], black_list=data["black_list"])
        return run.stats
