"""Working-day arithmetic, hand-checked against the published 放假安排 (2026 春节, 2025 国庆)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.workcalendar import Lag, WorkCalendar, holiday_names_from_arrangement, parse_holiday_arrangement

CAL = WorkCalendar()

# 国务院办公厅关于2026年部分节假日安排的通知 (as published).
NOTICE_2026 = """
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


@pytest.mark.parametrize(("text", "lag"), [
    ("3 months", Lag(3, "months")), ("30 workdays", Lag(30, "workdays")), ("5 days", Lag(5, "days")),
    ("0 days", Lag(0, "days")), ("1 month", Lag(1, "months")), ("30个工作日", Lag(30, "workdays")),
    ("3个月", Lag(3, "months")), ("10天", Lag(10, "days")),
])
def test_lag_parses_and_round_trips(text: str, lag: Lag) -> None:
    assert Lag.parse(text) == lag
    assert Lag.parse(str(lag)) == lag


@pytest.mark.parametrize("text", ["", "3", "three months", "3 weeks", "-1 days", "3 months later"])
def test_lag_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        Lag.parse(text)


def test_spring_festival_2026_with_saturday_makeup_days() -> None:
    # Holidays 2-15 (Sun) .. 2-23 (Mon); make-up workdays 2-14 (Sat) and 2-28 (Sat).
    friday = date(2026, 2, 13)
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))
    assert not CAL.is_workday(date(2026, 2, 16))
    assert CAL.add_workdays(friday, 1) == date(2026, 2, 14)
    assert CAL.add_workdays(friday, 2) == date(2026, 2, 24)
    assert CAL.add_workdays(date(2026, 2, 24), 4) == date(2026, 2, 28)
    assert CAL.add_workdays(date(2026, 2, 28), 1) == date(2026, 3, 2)
    assert CAL.workdays_between(friday, date(2026, 2, 28)) == 6
    assert CAL.add_lag(friday, Lag(10, "workdays")) == date(2026, 3, 5)
    assert CAL.holiday_name(date(2026, 2, 17)) == "春节"
    assert CAL.holiday_name(date(2026, 2, 14)) == "春节调休上班"
    assert CAL.holiday_name(date(2026, 3, 3)) is None


def test_national_day_2025_with_sunday_and_saturday_makeup_days() -> None:
    # Holidays 10-1 .. 10-8; make-up workdays 9-28 (Sun) and 10-11 (Sat).
    friday = date(2025, 9, 26)
    expected = [date(2025, 9, 28), date(2025, 9, 29), date(2025, 9, 30), date(2025, 10, 9),
                date(2025, 10, 10), date(2025, 10, 11), date(2025, 10, 13)]
    assert [CAL.add_workdays(friday, n) for n in range(1, 8)] == expected
    assert CAL.add_workdays(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert CAL.add_workdays(date(2025, 9, 28), 0) == date(2025, 9, 28)
    assert CAL.sub_lag(date(2025, 10, 9), Lag(1, "workdays")) == date(2025, 10, 8)
    assert CAL.holiday_name(date(2025, 10, 3)) == "国庆节"


def test_month_lags_clamp_to_month_end_and_invert() -> None:
    assert CAL.add_lag(date(2026, 1, 31), Lag(1, "months")) == date(2026, 2, 28)
    assert CAL.add_lag(date(2024, 1, 31), Lag(1, "months")) == date(2024, 2, 29)
    assert CAL.add_lag(date(2025, 11, 15), Lag(3, "months")) == date(2026, 2, 15)
    assert CAL.sub_lag(date(2026, 2, 28), Lag(1, "months")) == date(2026, 1, 31)
    assert CAL.sub_lag(date(2026, 3, 15), Lag(1, "months")) == date(2026, 2, 15)


def test_years_without_data_are_weekdays_and_provisional() -> None:
    assert CAL.is_provisional(date(2027, 1, 1)) and not CAL.is_provisional(date(2026, 12, 31))
    assert CAL.is_workday(date(2027, 1, 1))  # a Friday: only a guess until the office imports 2027
    office = WorkCalendar({date(2027, 1, 1): False}, official_years=[2027])
    assert not office.is_provisional(date(2027, 1, 1))
    assert office.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_office_overrides_take_precedence_over_package_data() -> None:
    office = WorkCalendar({date(2026, 3, 2): False, date(2026, 2, 22): True})
    assert not office.is_workday(date(2026, 3, 2))
    assert office.is_workday(date(2026, 2, 22))


def test_parsed_2026_notice_matches_the_official_data() -> None:
    parsed = parse_holiday_arrangement(NOTICE_2026, 2026)
    assert len(parsed) == 33 + 6
    assert all(CAL.is_workday(day) == is_work for day, is_work in parsed.items())
    rebuilt = WorkCalendar(parsed, official_years=[2026])
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert rebuilt.is_workday(day) == CAL.is_workday(day), day
        day += timedelta(days=1)
    names = holiday_names_from_arrangement(NOTICE_2026, 2026)
    named = WorkCalendar(parsed, official_years=[2026], names=names)
    assert named.holiday_name(date(2026, 10, 10)) == "国庆节调休上班"


def test_parses_a_new_year_range_crossing_into_the_notice_year() -> None:
    text = "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。"
    parsed = parse_holiday_arrangement(text, 2019)
    assert parsed == {date(2018, 12, 30): False, date(2018, 12, 31): False, date(2019, 1, 1): False,
                      date(2018, 12, 29): True}


@pytest.mark.parametrize(("text", "message"), [
    ("一、元旦：1月1日（周五）放假。", "不是周五"),            # pasted under the wrong year
    ("一、春节：2月15日至23日放假调休，共8天。", "共8天"),
    ("一、春节：2月14日（周六）照常。", "无法判断"),
    ("今年不放假", "未识别"),
])
def test_notice_errors_are_explicit(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_holiday_arrangement(text, 2026)


days_2024_2028 = st.dates(date(2024, 1, 1), date(2028, 12, 31))
lags = st.builds(Lag, st.integers(0, 60), st.sampled_from(["days", "workdays", "months"]))


@settings(max_examples=200, deadline=None)
@given(days_2024_2028, lags)
def test_sub_lag_is_the_latest_date_whose_lag_lands_in_time(d: date, lag: Lag) -> None:
    earliest = CAL.sub_lag(d, lag)
    assert CAL.add_lag(earliest, lag) <= d < CAL.add_lag(earliest + timedelta(days=1), lag)


@settings(max_examples=200, deadline=None)
@given(days_2024_2028, st.integers(1, 40))
def test_add_workdays_lands_on_a_workday_n_workdays_later(d: date, n: int) -> None:
    result = CAL.add_workdays(d, n)
    assert CAL.is_workday(result)
    assert CAL.workdays_between(d, result) == n
