"""Submission dates as users type them, in Simplified and Traditional Chinese and English.

Most cases are said on Monday 23 Nov 2026, so "this week" began today and "last week" ran
16-22 Nov; a few are said on Friday 27 Nov 2026 to exercise "this week" before today.
"""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.dates import parse_date

MON = date(2026, 11, 23)
FRI = date(2026, 11, 27)


def test_reference_days_are_what_the_tests_assume() -> None:
    assert MON.weekday() == 0 and FRI.weekday() == 4


@pytest.mark.parametrize("text, expected", [
    ("2026-11-16", date(2026, 11, 16)),
    ("我是2026-11-16提交的", date(2026, 11, 16)),
    ("2026/11/16", date(2026, 11, 16)),
    ("2026.11.16", date(2026, 11, 16)),
    ("2026-1-5", date(2026, 1, 5)),
    ("2026年11月16日", date(2026, 11, 16)),
    ("2026年11月16号交的材料", date(2026, 11, 16)),
    ("2026 年 11 月 16 日", date(2026, 11, 16)),
    ("２０２６年１１月１６日", date(2026, 11, 16)),         # full-width digits
    ("11月16日", date(2026, 11, 16)),
    ("我11月16号提交的", date(2026, 11, 16)),
    ("11月16提交的", date(2026, 11, 16)),
    ("11月23日", date(2026, 11, 23)),                       # today
    ("11月30日", date(2025, 11, 30)),                       # not yet this year: last year's
    ("12月1日", date(2025, 12, 1)),
    ("1月5日", date(2026, 1, 5)),
])
def test_numeric_and_chinese_dates(text: str, expected: date) -> None:
    assert parse_date(text, MON) == expected


@pytest.mark.parametrize("text, expected", [
    ("我2026年11月16號提交的", date(2026, 11, 16)),
    ("11月16號", date(2026, 11, 16)),
    ("我上週三提交的", date(2026, 11, 18)),
    ("上禮拜三送件", date(2026, 11, 18)),
    ("我昨天提交的", date(2026, 11, 22)),
    ("前天遞交的申請", date(2026, 11, 21)),
    ("週日", date(2026, 11, 22)),
    ("三天前", date(2026, 11, 20)),
    ("今日送出", date(2026, 11, 23)),
])
def test_traditional_chinese(text: str, expected: date) -> None:
    assert parse_date(text, MON) == expected


@pytest.mark.parametrize("text, expected", [
    ("今天", date(2026, 11, 23)),
    ("今日提交", date(2026, 11, 23)),
    ("昨天交的", date(2026, 11, 22)),
    ("昨日", date(2026, 11, 22)),
    ("前天", date(2026, 11, 21)),
    ("大前天提交的", date(2026, 11, 20)),
    ("3天前", date(2026, 11, 20)),
    ("10天以前", date(2026, 11, 13)),
    ("一天前", date(2026, 11, 22)),
    ("两天前", date(2026, 11, 21)),
    ("五天前提交", date(2026, 11, 18)),
    ("十天前", date(2026, 11, 13)),
    ("十五天前", date(2026, 11, 8)),
    ("二十天前", date(2026, 11, 3)),
    ("0天前", date(2026, 11, 23)),
])
def test_chinese_relative_days(text: str, expected: date) -> None:
    assert parse_date(text, MON) == expected


@pytest.mark.parametrize("text, today, expected", [
    # bare weekday: the latest one on or before today
    ("周三", MON, date(2026, 11, 18)),
    ("星期三", MON, date(2026, 11, 18)),
    ("礼拜三", MON, date(2026, 11, 18)),
    ("周一", MON, date(2026, 11, 23)),
    ("星期天", MON, date(2026, 11, 22)),
    ("周日", MON, date(2026, 11, 22)),
    ("周三", FRI, date(2026, 11, 25)),
    ("周五", FRI, date(2026, 11, 27)),
    ("周六", FRI, date(2026, 11, 21)),
    # 上: the previous Monday-start calendar week
    ("上周三", MON, date(2026, 11, 18)),
    ("上星期三", MON, date(2026, 11, 18)),
    ("上礼拜三", MON, date(2026, 11, 18)),
    ("上个星期一", MON, date(2026, 11, 16)),
    ("上周日", MON, date(2026, 11, 22)),
    ("上周三", FRI, date(2026, 11, 18)),
    ("上周五", FRI, date(2026, 11, 20)),
    ("上上周三", FRI, date(2026, 11, 11)),
    # 这/本: this calendar week, never after today
    ("这周三", FRI, date(2026, 11, 25)),
    ("本周三", FRI, date(2026, 11, 25)),
    ("这个礼拜一", FRI, date(2026, 11, 23)),
    ("本周一", MON, date(2026, 11, 23)),
    ("这周三", MON, None),
    ("本周六", FRI, None),
])
def test_chinese_weekdays(text: str, today: date, expected: date | None) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize("text, today, expected", [
    ("today", MON, date(2026, 11, 23)),
    ("I submitted it today", MON, date(2026, 11, 23)),
    ("Yesterday", MON, date(2026, 11, 22)),
    ("the day before yesterday", MON, date(2026, 11, 21)),
    ("3 days ago", MON, date(2026, 11, 20)),
    ("1 day ago", MON, date(2026, 11, 22)),
    ("two days ago", MON, date(2026, 11, 21)),
    ("Monday", MON, date(2026, 11, 23)),
    ("on monday", MON, date(2026, 11, 23)),
    ("I applied on Wednesday", MON, date(2026, 11, 18)),
    ("Sunday", MON, date(2026, 11, 22)),
    ("last Monday", MON, date(2026, 11, 16)),
    ("last Sunday", MON, date(2026, 11, 22)),
    ("last Friday", FRI, date(2026, 11, 20)),
    ("Friday", FRI, date(2026, 11, 27)),
    ("this Wednesday", FRI, date(2026, 11, 25)),
    ("this Friday", MON, None),
])
def test_english_relative(text: str, today: date, expected: date | None) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize("text, expected", [
    ("Nov 16", date(2026, 11, 16)),
    ("nov. 16", date(2026, 11, 16)),
    ("November 16", date(2026, 11, 16)),
    ("submitted on November 16th", date(2026, 11, 16)),
    ("16 Nov", date(2026, 11, 16)),
    ("16th of November", date(2026, 11, 16)),
    ("16 November 2026", date(2026, 11, 16)),
    ("November 16, 2026", date(2026, 11, 16)),
    ("Sept 3", date(2026, 9, 3)),
    ("December 1", date(2025, 12, 1)),                   # not yet this year: last year's
    ("11/16/2026", date(2026, 11, 16)),
    ("1/5/2026", date(2026, 1, 5)),                      # US order: 5 January
    ("16/11/2026", date(2026, 11, 16)),                  # 16 can only be the day
])
def test_english_dates(text: str, expected: date) -> None:
    assert parse_date(text, MON) == expected


def test_month_day_without_year_is_the_latest_not_after_today() -> None:
    assert parse_date("11月30日", MON) == date(2025, 11, 30)
    assert parse_date("11月30日", date(2026, 11, 30)) == date(2026, 11, 30)
    assert parse_date("2月29日", date(2026, 3, 1)) == date(2024, 2, 29)  # last leap year
    assert parse_date("2月29日", date(2024, 3, 1)) == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["2月30日", "2026-02-30", "13月1日", "2026-13-01",
                                  "February 30", "31 April", "13/13/2026"])
def test_days_that_do_not_exist_are_none(text: str) -> None:
    assert parse_date(text, MON) is None


def test_explicit_future_dates_with_a_year_are_returned_as_written() -> None:
    assert parse_date("2027-01-05", MON) == date(2027, 1, 5)
    assert parse_date("2027年1月5日", MON) == date(2027, 1, 5)
    assert parse_date("January 5, 2027", MON) == date(2027, 1, 5)


@pytest.mark.parametrize("text", [
    "电子钥匙怎么解锁",
    "How do I unlock my e-key?",
    "",
    "99999999",
    "88888888",
    "密码是12345678",
    "010-58103599",
    "请拨打010-85733354",
    "13800138000",
    "20261116",                       # compact digits look like a password, never a date
    "需要5个工作日",
    "每周三次",
    "I decided to march on",
    "may I ask",
    "3个月",
])
def test_no_date(text: str) -> None:
    assert parse_date(text, MON) is None


@pytest.mark.parametrize("text, expected", [
    # "today" is the weakest signal; the submission day is the other expression
    ("我上周三提交的，今天还没好", date(2026, 11, 18)),
    ("今天还没好，我上周三提交的", date(2026, 11, 18)),
    ("I sent it yesterday and today it still doesn't work", date(2026, 11, 22)),
    # an explicit date beats a relative one
    ("上周提交的，具体是11月17日", date(2026, 11, 17)),
    # passwords and phone numbers next to a date do not disturb it
    ("密码88888888，昨天锁的", date(2026, 11, 22)),
    ("打了010-58103599，11月16日交的", date(2026, 11, 16)),
    # the earliest of two explicit dates
    ("2026-11-16 or 2026-11-17", date(2026, 11, 16)),
])
def test_choosing_among_several_expressions(text: str, expected: date) -> None:
    assert parse_date(text, MON) == expected


def test_an_impossible_chosen_date_is_none_not_a_weaker_guess() -> None:
    assert parse_date("2月30日提交的，今天还没好", MON) is None
