"""What the office must know about the automation itself: the latest scan or bulletin that failed (with
its day, the step and the reason) and the 26-hour liveness warning — read from ``OpsRun``, whichever way
the run was started (schedule, 立即扫描, CLI)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.services.scan import liveness
from models.settings import get_settings
from models.tables import OpsRun

WATCHED = {"scan": "督办扫描", "bulletin": "进展通报"}


@dataclass(frozen=True)
class Failure:
    kind: str
    label: str
    day: str
    step: str
    reason: str
    finished_at: datetime | None

    @property
    def message(self) -> str:
        return f"{self.label}（{self.day}）失败：{self.step}环节出错——{self.reason}"


@dataclass(frozen=True)
class OpsStatus:
    failures: list[Failure]
    liveness: str | None


def status(*, engine: Engine | None = None) -> OpsStatus:
    """The latest run of each watched kind, when it failed (a later success clears it), and liveness."""
    failures = []
    with read_session(engine) as session:
        for kind, label in WATCHED.items():
            last = session.exec(select(OpsRun).where(OpsRun.kind == kind, OpsRun.status != "running")
                                .order_by(OpsRun.id.desc()).limit(1)).first()  # type: ignore[union-attr]
            if last is not None and last.status == "failed":
                stats = last.stats or {}
                day = stats.get("today") or (stats.get("params") or {}).get("today") or "今天"
                failures.append(Failure(kind, label, str(day), str(stats.get("failed_step") or "未知"),
                                        str(stats.get("error") or "未记录原因"), last.finished_at))
        alive = liveness(session, datetime.now(get_settings().tz))
    return OpsStatus(failures, alive)
