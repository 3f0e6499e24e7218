"""Small administrative writes for the web app: thresholds, notification channels, 放假安排, alert receipt.

Same pattern as every service: permission check, validation, one transaction, one audit event.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session, retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound
from models.services.permissions import require
from models.services.robots import KINDS
from models.services.settings_store import get_value
from models.services.units import names_of
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Alert, AppSetting, HolidayOverride, NotificationChannel, Unit

THRESHOLD_KEYS = ("due_soon_days", "yellow_behind_points", "red_behind_points")
CHANNEL_SCHEMES = ("mailto://", "mailtos://", "dingtalk://", "wecombot://", "wecom://", "feishu://", "json://",
                   "jsons://")


def thresholds(engine: Engine | None = None) -> dict[str, int]:
    s = get_settings()
    with read_session(engine) as session:
        stored = get_value(session, "thresholds")
    return {k: int(stored.get(k, getattr(s, k))) for k in THRESHOLD_KEYS}


@retry_transient
def set_thresholds(actor: Actor, *, due_soon_days: int, yellow_behind_points: int, red_behind_points: int,
                   engine: Engine | None = None) -> dict[str, int]:
    with transaction(actor, "config.thresholds", "setting", "thresholds", engine=engine) as tx:
        require(actor, "config.manage")
        if not 0 <= due_soon_days <= 90:
            raise Invalid("临期天数须在 0–90 之间")
        if not 1 <= yellow_behind_points < red_behind_points <= 100:
            raise Invalid("黄灯落后点数须小于红灯落后点数，且均在 1–100 之间")
        value = {"due_soon_days": due_soon_days, "yellow_behind_points": yellow_behind_points,
                 "red_behind_points": red_behind_points}
        before = get_value(tx.session, "thresholds")
        tx.session.merge(AppSetting(key="thresholds", value=value))
        tx.audit(before=before, after=value)
        tx.reschedule(None)  # every light depends on the thresholds
        return value


@retry_transient
def add_channel(actor: Actor, *, unit_name: str, url: str, label: str = "", engine: Engine | None = None) -> int:
    with transaction(actor, "config.channel_add", "channel", engine=engine) as tx:
        require(actor, "config.manage")
        url = url.strip()
        if not url.startswith(CHANNEL_SCHEMES):
            raise Invalid("通知地址须以 " + " / ".join(CHANNEL_SCHEMES) + " 开头")
        unit = tx.session.exec(select(Unit).where(Unit.name == unit_name)).first()
        if unit is None:
            raise Invalid(f"未知单位：{unit_name}")
        row = NotificationChannel(unit_id=unit.id or 0, url=url[:500], label=label.strip()[:60])
        tx.session.add(row)
        tx.session.flush()
        tx.object_id = row.id
        tx.audit(after={"unit": unit.name, "scheme": url.split("://", 1)[0], "label": row.label})
        return row.id or 0


@retry_transient
def set_channel_enabled(actor: Actor, channel_id: int, enabled: bool, *, engine: Engine | None = None) -> None:
    with transaction(actor, "config.channel_enable" if enabled else "config.channel_disable", "channel", channel_id,
                     engine=engine) as tx:
        require(actor, "config.manage")
        row = tx.session.get(NotificationChannel, channel_id)
        if row is None:
            raise NotFound("通知渠道不存在")
        before = {"enabled": row.enabled}
        row.enabled = enabled
        tx.session.add(row)
        tx.audit(before=before, after={"enabled": enabled})


def _redate(session: Session) -> int:
    """Deadlines counted in working days from a plan's date follow a changed calendar day at once."""
    from models.services.plans import redate_counted_from_plan
    from models.services.scheduling import load_calendar

    session.flush()
    return redate_counted_from_plan(session, load_calendar(session))


@retry_transient
def set_holiday(actor: Actor, *, day: date, is_workday: bool, name: str = "", engine: Engine | None = None) -> None:
    """Enter one day of a year's 放假安排 (a holiday, or a make-up working day 调休上班)."""
    with transaction(actor, "calendar.set_day", "holiday", day.isoformat(), engine=engine) as tx:
        require(actor, "holiday.manage")
        row = tx.session.get(HolidayOverride, day)
        before = {"is_workday": row.is_workday, "name": row.name} if row else {}
        tx.session.merge(HolidayOverride(day=day, is_workday=is_workday, name=name.strip()[:40] or None))
        tx.audit(before=before, after={"is_workday": is_workday, "name": name.strip()[:40],
                                       "redated_tasks": _redate(tx.session)})
        tx.reschedule(None)  # working-day deadlines of every plan may move


@retry_transient
def remove_holiday(actor: Actor, *, day: date, engine: Engine | None = None) -> None:
    with transaction(actor, "calendar.remove_day", "holiday", day.isoformat(), engine=engine) as tx:
        require(actor, "holiday.manage")
        row = tx.session.get(HolidayOverride, day)
        if row is None:
            raise NotFound(f"没有 {day.isoformat()} 的放假安排")
        before = {"is_workday": row.is_workday, "name": row.name}
        tx.session.delete(row)
        tx.audit(before=before, after={"redated_tasks": _redate(tx.session)})
        tx.reschedule(None)


@retry_transient
def acknowledge_alert(actor: Actor, alert_id: int, *, engine: Engine | None = None) -> None:
    with transaction(actor, "alert.acknowledge", "alert", alert_id, engine=engine) as tx:
        require(actor, "alert.manage")
        alert = tx.session.get(Alert, alert_id)
        if alert is None:
            raise NotFound("预警不存在")
        if alert.acknowledged_at is not None:
            raise Invalid("该预警已签收")
        alert.acknowledged_by, alert.acknowledged_at = actor.user_id, datetime.now(UTC)
        tx.session.add(alert)
        tx.audit(after={"task_id": alert.task_id, "level": alert.level})


def channels(engine: Engine | None = None) -> list[dict[str, object]]:
    with read_session(engine) as session:
        rows = session.exec(select(NotificationChannel).order_by(NotificationChannel.id)).all()  # type: ignore[arg-type]
        names = names_of(session, (c.unit_id for c in rows))
        return [{"id": c.id, "unit": names.get(c.unit_id, ""), "label": c.label,
                 "scheme": KINDS.get(c.kind, c.url.split("://", 1)[0]), "enabled": c.enabled,
                 "base_url": c.url if c.kind in KINDS else "", "keyword": c.keyword,
                 "secret": "已设置（不显示）" if c.secret_enc else ""}
                for c in rows]


def holidays(engine: Engine | None = None) -> list[dict[str, object]]:
    with read_session(engine) as session:
        return [{"day": h.day, "is_workday": h.is_workday, "name": h.name or ""}
                for h in session.exec(select(HolidayOverride).order_by(HolidayOverride.day)).all()]  # type: ignore[arg-type]


def aliases(engine: Engine | None = None) -> list[dict[str, object]]:
    from models.tables import UnitAlias

    with read_session(engine) as session:
        rows = session.exec(select(UnitAlias).order_by(UnitAlias.unit_id, UnitAlias.alias)).all()  # type: ignore[arg-type]
        names = names_of(session, (a.unit_id for a in rows))
        return [{"alias": a.alias, "unit": names.get(a.unit_id, "")} for a in rows]
