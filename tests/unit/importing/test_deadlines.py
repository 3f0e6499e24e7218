from datetime import date

import pytest

from models.importing.deadlines import find_deadlines, parse_deadline


@pytest.mark.parametrize(("phrase", "expected"), [
    ("2017年年底前完成", date(2017, 12, 31)),
    ("2017年9月底前", date(2017, 9, 30)),
    ("到2018年6月底", date(2018, 6, 30)),
    ("2017年10月底前建成", date(2017, 10, 31)),
    ("上半年", date(2017, 6, 30)),
    ("下半年", date(2017, 12, 31)),
    ("一季度", date(2017, 3, 31)),
    ("二季度", date(2017, 6, 30)),
    ("第三季度末", date(2017, 9, 30)),
    ("四季度", date(2017, 12, 31)),
    ("年内", date(2017, 12, 31)),
    ("年底前", date(2017, 12, 31)),
    ("6月30日前", date(2017, 6, 30)),
    ("2018年2月底前", date(2018, 2, 28)),
    ("2018.3", date(2018, 3, 31)),
    ("2018-05-20", date(2018, 5, 20)),
    ("明年底前", date(2018, 12, 31)),
    ("2019年完成", date(2019, 12, 31)),
])
def test_absolute_phrases_map_to_the_end_of_their_period(phrase: str, expected: date) -> None:
    assert parse_deadline(phrase, default_year=2017).date == expected


def test_year_and_month_run_together_are_read_and_flagged() -> None:
    parsed = parse_deadline("20179月底前", default_year=2016)
    assert parsed.date == date(2017, 9, 30)
    assert parsed.damaged
    assert parse_deadline("201712月底前", default_year=2016).date == date(2017, 12, 31)


def test_missing_year_comes_from_the_nearest_preceding_year_in_the_text() -> None:
    assert parse_deadline("根据2018年工作安排，年底前完成", default_year=2017).date == date(2018, 12, 31)
    assert parse_deadline("9月底前", default_year=2020).date == date(2020, 9, 30)


def test_missing_year_without_context_is_reported_not_guessed() -> None:
    parsed = parse_deadline("年底前完成", default_year=None)
    assert parsed.date is None and parsed.year_missing and parsed.text == "年底前完成"


@pytest.mark.parametrize("phrase", ["长期坚持", "持续推进", "长期"])
def test_ongoing_phrases_have_no_date(phrase: str) -> None:
    parsed = parse_deadline(phrase, default_year=2017)
    assert parsed.ongoing and parsed.date is None


def test_ongoing_words_in_prose_are_ignored_when_not_allowed() -> None:
    assert not parse_deadline("形成经常抓、长期抓的长效机制", default_year=2017, allow_ongoing=False).found


@pytest.mark.parametrize(("phrase", "reference", "lag"), [
    ("机构职能调整到位后3个月内", "机构职能调整到位", "3 months"),
    ("方案印发之日起30个工作日内", "方案印发", "30 workdays"),
    ("人员划转完成后15日内", "人员划转完成", "15 days"),
    ("三定规定印发后两周内", "三定规定印发", "14 days"),
    ("待资产清查完成后一个月内", "资产清查完成", "1 months"),
])
def test_relative_deadlines_give_reference_and_lag(phrase: str, reference: str, lag: str) -> None:
    parsed = parse_deadline(phrase, default_year=2017)
    assert parsed.date is None
    assert parsed.relative is not None
    assert (parsed.relative.reference, parsed.relative.lag) == (reference, lag)


@pytest.mark.parametrize("text", ["（浙委发〔2016〕30号）", "1.5万人", "3个人", "第12号", "2017622"])
def test_numbers_that_are_not_deadlines(text: str) -> None:
    assert find_deadlines(text, default_year=2017) == []


def test_latest_date_wins_and_text_is_kept_as_written() -> None:
    parsed = parse_deadline("２０１７年９月底前制定方案，２０１７年底前全面完成", default_year=2016)
    assert parsed.date == date(2017, 12, 31)
    assert parsed.text == "２０１７年底前全面完成"
