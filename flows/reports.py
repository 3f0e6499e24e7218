"""工作进展通报: weekly (Monday 09:00) and monthly / quarterly rankings, issued as 公文.

The idempotency key ``bulletin:{period label}`` makes a re-run (or a retry after a crash) return
the bulletin already issued instead of taking a second 文号.
"""
from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.schedules import Cron

from flows.common import today_of
from models.db import read_session
from models.services import notices, rankings
from models.services.actor import Actor

WEEKLY = Cron("0 9 * * 1", timezone="Asia/Shanghai")
MONTHLY = Cron("0 9 1 * *", timezone="Asia/Shanghai", parameters={"period": "month"})
QUARTERLY = Cron("0 9 1 1,4,7,10 *", timezone="Asia/Shanghai", parameters={"period": "quarter"})


@task(name="bulletin-data")
def collect(period: str, today: str | None) -> dict[str, Any]:
    with read_session() as session:
        return rankings.bulletin_data(session, rankings.period_for(period, today_of(today)))


@task(name="issue-bulletin", retries=3, retry_delay_seconds=[2, 10, 30])
def issue(data: dict[str, Any], today: str | None) -> dict[str, Any]:
    label = data["period"]["label"]
    notice = notices.issue(Actor.system("reports"), "bulletin", data=data, idempotency_key=f"bulletin:{label}",
                           today=today_of(today))
    return {"notice_id": notice.id, "doc_number": notice.doc_number, "title": notice.title}


@flow(name="bulletin", log_prints=True)
def bulletin(period: str = "week", today: str | None = None) -> dict[str, Any]:
    """Rank units for the last closed week/month/quarter and issue the 通报."""
    data = collect(period, today)
    result = issue(data, today)
    return {**result, "period": data["period"], "red_list": data["red_list"], "black_list": data["black_list"]}


if __name__ == "__main__":
    bulletin()
