"""A year's 放假安排 entered by the office takes precedence and ends the provisional marking."""
from __future__ import annotations

from datetime import date

import pytest

from models.db import read_session
from models.services.calendar import import_arrangement
from models.services.errors import Invalid, PermissionDenied
from models.services.scheduling import load_calendar
from models.workcalendar import Lag
from tests.factories import actor

NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月13日（周六）上班。
三、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def test_imported_year_is_official_and_moves_working_day_lags(demo_engine) -> None:  # type: ignore[no-untyped-def]
    with read_session(demo_engine) as s:
        before = load_calendar(s)
    assert before.is_provisional(date(2027, 2, 8))
    assert before.is_workday(date(2027, 2, 8))  # a plain Monday until the arrangement is known

    stored = import_arrangement(actor(demo_engine, "gaiban"), year=2027, text=NOTICE_2027, engine=demo_engine)
    assert stored == 3 + 7 + 1 + 7 + 2
    with read_session(demo_engine) as s:
        cal = load_calendar(s)
    assert not cal.is_provisional(date(2027, 2, 8))
    assert not cal.is_workday(date(2027, 2, 8)) and cal.is_workday(date(2027, 2, 13))
    # 5 working days after Thu 2027-02-04: Fri 02-12, Sat 02-13 (调休上班), Mon 02-15, Tue 02-16, Wed 02-17
    assert cal.add_lag(date(2027, 2, 4), Lag(5, "workdays")) == date(2027, 2, 17)


def test_bad_arrangements_and_wrong_roles_are_refused(demo_engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid):  # the weekday in brackets does not match 2027
        import_arrangement(actor(demo_engine, "gaiban"), year=2027,
                           text="一、元旦：1月1日（周四）至3日（周六）放假，共3天。", engine=demo_engine)
    with pytest.raises(Invalid):
        import_arrangement(actor(demo_engine, "gaiban"), year=2027, text="无关文字", engine=demo_engine)
    with pytest.raises(PermissionDenied):
        import_arrangement(actor(demo_engine, "chengguan"), year=2027, text=NOTICE_2027, engine=demo_engine)
