"""Holiday arrangements for years the calendar package does not know yet (国务院办公厅 放假安排).

Importing a year's notice replaces that year's office-entered days and marks the year official, so
dates computed through it are no longer shown as provisional, and deadlines counted in working days
from a plan's date ("印发之日起10个工作日内") are re-dated with it. The pasted text is kept as the source.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from models.db import retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.plans import redate_counted_from_plan
from models.services.scheduling import load_calendar
from models.services.uow import transaction
from models.tables import HolidayOverride, OfficialYear
from models.workcalendar import holiday_names_from_arrangement, parse_holiday_arrangement


@retry_transient
def import_arrangement(actor: Actor, *, year: int, text: str, engine: Engine | None = None) -> int:
    """Store every holiday and make-up working day of ``year``; returns how many days were stored."""
    if not 2000 <= year <= 2100:
        raise Invalid(f"年份不正确：{year}")
    try:
        days = parse_holiday_arrangement(text, year)
        names = holiday_names_from_arrangement(text, year)
    except ValueError as exc:
        raise Invalid(f"放假安排无法识别：{exc}") from None
    if not days:
        raise Invalid("没有识别到任何放假或调休上班日期，请粘贴国务院办公厅放假安排通知全文")
    with transaction(actor, "calendar.import_year", "calendar", year, engine=engine) as tx:
        require(actor, "holiday.manage")
        tx.session.execute(delete(HolidayOverride).where(HolidayOverride.day.between(  # type: ignore[attr-defined]
            date(year, 1, 1), date(year, 12, 31))))
        for day, workday in sorted(days.items()):
            tx.session.add(HolidayOverride(day=day, is_workday=workday, name=(names.get(day) or None)))
        tx.session.merge(OfficialYear(year=year, source=text.strip()[:20000]))
        tx.session.flush()
        moved = redate_counted_from_plan(tx.session, load_calendar(tx.session))
        tx.audit(after={"year": year, "holidays": sum(not w for w in days.values()),
                        "workdays": sum(days.values()), "redated_tasks": moved})
        tx.reschedule(None)  # provisional dates in that year become official
    return len(days)
