"""工作进展通报: weekly (Monday 09:00) and monthly / quarterly rankings, issued as 公文.

The use case is ``models.services.bulletins.run_bulletin``; this flow runs its steps as Prefect tasks.
"""
from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.schedules import Cron, Schedule

from flows.common import flow_ref, prefect_runner
from models.services import bulletins
from models.settings import get_settings


def schedules() -> list[Schedule]:
    tz = get_settings().timezone
    return [Cron("0 9 * * 1", timezone=tz, parameters={"period": "week"}),
            Cron("0 9 1 * *", timezone=tz, parameters={"period": "month"}),
            Cron("0 9 1 1,4,7,10 *", timezone=tz, parameters={"period": "quarter"})]


@flow(name="bulletin", log_prints=True)
def bulletin(period: str = "week", today: str | None = None) -> dict[str, Any]:
    """Rank units for the last closed week/month/quarter and issue the 通报."""
    return bulletins.run_bulletin(period, today, runner=prefect_runner, ref=flow_ref())


if __name__ == "__main__":
    bulletin()
