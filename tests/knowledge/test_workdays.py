"""Working-day arithmetic and opening times against the real 2026 official calendar.

Expected dates were worked out from the State Council holiday schedule and are pinned against
chinese_calendar first, so a change in the library's data fails loudly in one place.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from knowledge.workdays import (
    HOLIDAY_ZH,
    TZ,
    OpeningHours,
    WorkdayDate,
    add_working_days,
    calendar_covers,
    holiday_name,
    is_working_day,
    open_state,
)

# A typical window: two periods with a lunch break, Saturday mornings by reservation.
HOURS = OpeningHours.from_strings([["09:00", "12:00"], ["13:30", "17:00"]],
                                  [["09:00", "13:00"]], True, True)


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi)


def shanghai(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


# --- the calendar facts the rest relies on --------------------------------------------------

NATIONAL_DAY_2026_OFF = [date(2026, 10, d) for d in range(1, 8)]
SPRING_FESTIVAL_2026_OFF = [date(2026, 2, d) for d in range(15, 24)]
ADJUSTED_WORKING_2026 = [date(2026, 2, 14), date(2026, 2, 28),   # Saturdays, Spring Festival
                         date(2026, 9, 20), date(2026, 10, 10)]  # Sunday and Saturday, Oct


def test_calendar_data_for_2026_is_what_the_tests_assume() -> None:
    for d in NATIONAL_DAY_2026_OFF:
        assert chinese_calendar.get_holiday_detail(d) == (True, "National Day")
    for d in SPRING_FESTIVAL_2026_OFF:
        assert chinese_calendar.get_holiday_detail(d) == (True, "Spring Festival")
    for d in ADJUSTED_WORKING_2026:
        assert d.weekday() >= 5 and chinese_calendar.is_workday(d)
    assert chinese_calendar.is_holiday(date(2026, 10, 11))  # the Sunday after: an ordinary one
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 25)) == (True, "Mid-autumn Festival")
    assert not chinese_calendar.is_workday(date(2026, 9, 19))  # Saturday before the work Sunday
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 2, 8))


# --- is_working_day / calendar_covers -------------------------------------------------------

@pytest.mark.parametrize("d, expected", [
    (date(2026, 11, 24), True),    # ordinary Tuesday
    (date(2026, 11, 28), False),   # ordinary Saturday
    (date(2026, 10, 5), False),    # National Day, a Monday
    (date(2026, 10, 10), True),    # adjusted working Saturday
    (date(2026, 9, 20), True),     # adjusted working Sunday
    (date(2026, 2, 14), True),     # adjusted working Saturday before Spring Festival
    (date(2026, 2, 18), False),    # Spring Festival, a Wednesday
])
def test_is_working_day_follows_the_official_calendar(d: date, expected: bool) -> None:
    assert is_working_day(d) is expected


def test_uncovered_years_count_the_statutory_holidays_without_raising() -> None:
    assert not calendar_covers(date(2027, 1, 1))
    assert not calendar_covers(date(2003, 6, 2))
    assert calendar_covers(date(2026, 12, 31))
    assert calendar_covers(date(2004, 1, 1))
    assert not is_working_day(date(2027, 1, 1))    # a Friday: New Year's Day, by rule
    assert not is_working_day(date(2027, 1, 2))    # Saturday
    assert not is_working_day(date(2027, 1, 3))    # Sunday
    assert is_working_day(date(2027, 1, 4))        # Monday
    # Spring Festival 2027: Eve Fri 5 Feb, 1st-3rd Sat 6 - Mon 8 Feb, the weekend days made
    # up on Tue 9 and Wed 10 Feb (statutory rule); Thu 11 Feb is an ordinary working day.
    for day in range(5, 11):
        assert not is_working_day(date(2027, 2, day)), day
    assert is_working_day(date(2027, 2, 11))
    assert not is_working_day(date(2027, 4, 5))   # Qingming, a Monday
    assert not is_working_day(date(2027, 10, 1))  # National Day, a Friday


def test_uncovered_years_name_their_statutory_holidays() -> None:
    assert holiday_name(date(2027, 1, 1)) == "New Year's Day"
    assert holiday_name(date(2027, 2, 8), "zh") == "春节"
    assert holiday_name(date(2027, 2, 9), "zh-Hant") == "春节"   # the made-up day, no marker
    assert holiday_name(date(2027, 4, 5), "zh") == "清明节"
    assert holiday_name(date(2027, 1, 4)) is None


def test_counting_into_an_unpublished_year_skips_its_statutory_holidays() -> None:
    # Wed 30 Dec 2026 + 2: Thu 31 Dec, (Fri 1 Jan New Year's Day), Mon 4 Jan 2027
    assert add_working_days(date(2026, 12, 30), 2) == WorkdayDate(date(2027, 1, 4), True)
    # Wed 3 Feb 2027 + 5: Thu 4, (5-10 Feb Spring Festival), Thu 11, Fri 12, Mon 15, Tue 16
    assert add_working_days(date(2027, 2, 3), 5) == WorkdayDate(date(2027, 2, 16), True)


# --- add_working_days ----------------------------------------------------------------------

@pytest.mark.parametrize("start, n, expected", [
    # submitted Wednesday 30 Sep 2026; 1-7 Oct off, Sat 10 Oct worked, Sun 11 Oct off
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 9, 30), 2, date(2026, 10, 9)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),
    (date(2026, 9, 30), 4, date(2026, 10, 12)),
    (date(2026, 9, 30), 5, date(2026, 10, 13)),
    # Mid-autumn Fri 25 Sep and the weekend after it are off
    (date(2026, 9, 24), 1, date(2026, 9, 28)),
    # Sat 19 Sep is off, Sun 20 Sep is worked
    (date(2026, 9, 18), 1, date(2026, 9, 20)),
    # Spring Festival: Sat 14 Feb worked, 15-23 Feb off, Sat 28 Feb worked
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    (date(2026, 2, 13), 5, date(2026, 2, 27)),
    (date(2026, 2, 13), 6, date(2026, 2, 28)),
    (date(2026, 2, 13), 7, date(2026, 3, 2)),
    (date(2026, 2, 16), 1, date(2026, 2, 24)),   # submitted during the holiday
    # plain weeks: Friday + 1 is Monday
    (date(2026, 11, 20), 1, date(2026, 11, 23)),
    (date(2026, 11, 23), 5, date(2026, 11, 30)),
])
def test_add_working_days_in_2026(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == WorkdayDate(expected, False)


def test_zero_days_is_the_start_day_itself() -> None:
    assert add_working_days(date(2026, 10, 3), 0) == WorkdayDate(date(2026, 10, 3), False)
    assert add_working_days(date(2027, 3, 1), 0) == WorkdayDate(date(2027, 3, 1), True)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 23), -1)


def test_counting_into_an_uncovered_year_is_an_estimate() -> None:
    # Thu 31 Dec 2026 + 1: Fri 1 Jan 2027 is New Year's Day by rule; Mon 4 Jan, flagged
    assert add_working_days(date(2026, 12, 31), 1) == WorkdayDate(date(2027, 1, 4), True)
    assert add_working_days(date(2026, 12, 30), 1) == WorkdayDate(date(2026, 12, 31), False)


# --- holiday_name --------------------------------------------------------------------------

@pytest.mark.parametrize("d, en, zh", [
    (date(2026, 10, 1), "National Day", "国庆节"),
    (date(2026, 10, 3), "National Day", "国庆节"),      # a Saturday inside the holiday
    (date(2026, 2, 17), "Spring Festival", "春节"),
    (date(2026, 9, 25), "Mid-autumn Festival", "中秋节"),
    (date(2026, 1, 1), "New Year's Day", "元旦"),
    (date(2026, 4, 6), "Tomb-sweeping Day", "清明节"),
    (date(2026, 5, 1), "Labour Day", "劳动节"),
    (date(2026, 6, 19), "Dragon Boat Festival", "端午节"),
])
def test_holiday_names(d: date, en: str, zh: str) -> None:
    assert holiday_name(d) == en
    assert holiday_name(d, lang="en") == en
    assert holiday_name(d, lang="zh") == zh
    assert holiday_name(d, lang="zh-Hant") == zh


@pytest.mark.parametrize("d", [
    date(2026, 10, 10),   # adjusted working day: the library labels it, but it is not a holiday
    date(2026, 10, 11),   # ordinary Sunday
    date(2026, 11, 24),   # ordinary Tuesday
    date(2027, 1, 4),     # not in the calendar yet, and no statutory holiday
])
def test_no_holiday_name(d: date) -> None:
    assert holiday_name(d) is None
    assert holiday_name(d, lang="zh") is None


def test_every_library_holiday_has_a_chinese_name() -> None:
    assert {h.value for h in chinese_calendar.Holiday} <= HOLIDAY_ZH.keys()


# --- OpeningHours --------------------------------------------------------------------------

def test_from_strings_parses_and_sorts_periods() -> None:
    h = OpeningHours.from_strings([["13:30", "17:00"], ["09:00", "12:00"]], None, False, True)
    assert [(a.isoformat("minutes"), b.isoformat("minutes")) for a, b in h.weekday_periods] == [
        ("09:00", "12:00"), ("13:30", "17:00")]
    assert h.saturday_periods == ()


def test_from_strings_refuses_an_empty_period() -> None:
    with pytest.raises(ValueError):
        OpeningHours.from_strings([["17:00", "09:00"]], None, False, True)


# --- open_state ----------------------------------------------------------------------------

def test_open_on_a_working_tuesday() -> None:
    s = open_state(HOURS, at(2026, 11, 24, 10))
    assert (s.is_open, s.by_reservation, s.reason) == (True, False, "open")
    assert s.next_open is None and s.holiday is None and not s.estimated


def test_opening_minute_is_open_and_closing_minute_is_not() -> None:
    assert open_state(HOURS, at(2026, 11, 24, 9)).is_open
    assert open_state(HOURS, at(2026, 11, 24, 13, 30)).is_open
    assert not open_state(HOURS, at(2026, 11, 24, 12)).is_open


def test_lunch_break() -> None:
    s = open_state(HOURS, at(2026, 11, 24, 12, 30))
    assert (s.is_open, s.reason) == (False, "lunch_break")
    assert s.next_open == shanghai(2026, 11, 24, 13, 30)
    assert not s.next_open_by_reservation


def test_before_hours() -> None:
    s = open_state(HOURS, at(2026, 11, 24, 8, 59))
    assert s.reason == "before_hours"
    assert s.next_open == shanghai(2026, 11, 24, 9)


def test_closing_time_exactly_is_after_hours() -> None:
    s = open_state(HOURS, at(2026, 11, 24, 17))
    assert (s.is_open, s.reason) == (False, "after_hours")
    assert s.next_open == shanghai(2026, 11, 25, 9)


def test_friday_evening_next_opening_is_saturday_by_reservation() -> None:
    s = open_state(HOURS, at(2026, 11, 27, 18))
    assert s.reason == "after_hours"
    assert s.next_open == shanghai(2026, 11, 28, 9)
    assert s.next_open_by_reservation


def test_saturday_morning_is_open_by_reservation() -> None:
    s = open_state(HOURS, at(2026, 11, 28, 10))
    assert (s.is_open, s.by_reservation, s.reason) == (True, True, "open_by_reservation")


def test_saturday_afternoon_is_after_hours_until_monday() -> None:
    s = open_state(HOURS, at(2026, 11, 28, 13, 30))
    assert (s.is_open, s.reason) == (False, "after_hours")
    assert s.next_open == shanghai(2026, 11, 30, 9)
    assert not s.next_open_by_reservation


def test_sunday_is_weekend_until_monday_morning() -> None:
    s = open_state(HOURS, at(2026, 11, 22, 10))
    assert (s.is_open, s.reason, s.holiday) == (False, "weekend", None)
    assert s.next_open == shanghai(2026, 11, 23, 9)


def test_saturday_without_saturday_hours_is_weekend() -> None:
    weekdays_only = OpeningHours.from_strings([["09:00", "17:00"]], None, False, True)
    s = open_state(weekdays_only, at(2026, 11, 28, 10))
    assert s.reason == "weekend"
    assert s.next_open == shanghai(2026, 11, 30, 9)


def test_holiday_weekday_is_closed_with_its_name() -> None:
    s = open_state(HOURS, at(2026, 10, 5, 10))
    assert (s.is_open, s.reason, s.holiday) == (False, "holiday", "National Day")
    # Sat 3 Oct is a holiday too, so the next opening is Thu 8 Oct
    assert s.next_open == shanghai(2026, 10, 8, 9)
    assert not s.next_open_by_reservation


def test_holiday_saturday_has_no_reservation_service_unless_configured() -> None:
    s = open_state(HOURS, at(2026, 10, 3, 10))
    assert (s.is_open, s.reason, s.holiday) == (False, "holiday", "National Day")
    always = OpeningHours.from_strings([["09:00", "17:00"]], [["09:00", "13:00"]], True, False)
    s = open_state(always, at(2026, 10, 3, 10))
    assert (s.is_open, s.by_reservation, s.reason) == (True, True, "open_by_reservation")


def test_holiday_sunday_is_a_holiday_not_a_weekend() -> None:
    s = open_state(HOURS, at(2026, 10, 4, 10))
    assert (s.reason, s.holiday) == ("holiday", "National Day")


def test_eve_of_national_day_next_opening_skips_the_whole_holiday() -> None:
    s = open_state(HOURS, at(2026, 9, 30, 17, 30))
    assert s.reason == "after_hours"
    assert s.next_open == shanghai(2026, 10, 8, 9)


def test_adjusted_working_sunday_uses_weekday_hours() -> None:
    s = open_state(HOURS, at(2026, 9, 20, 10))
    assert (s.is_open, s.by_reservation, s.reason) == (True, False, "open")
    assert open_state(HOURS, at(2026, 9, 20, 15)).is_open   # afternoon too, unlike a Saturday


def test_adjusted_working_saturday_needs_no_reservation() -> None:
    s = open_state(HOURS, at(2026, 10, 10, 15))
    assert (s.is_open, s.by_reservation, s.reason) == (True, False, "open")


def test_aware_times_are_converted_to_beijing_time() -> None:
    s = open_state(HOURS, datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc))  # 10:00 Beijing
    assert s.reason == "open"
    s = open_state(HOURS, datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))  # 17:00 Beijing
    assert s.reason == "after_hours"
    assert s.next_open == shanghai(2026, 11, 25, 9)
    assert s.next_open.utcoffset() == timedelta(hours=8)


def test_uncovered_year_is_flagged_as_an_estimate() -> None:
    s = open_state(HOURS, at(2027, 1, 4, 10))
    assert s.reason == "open" and s.estimated
    s = open_state(HOURS, at(2026, 12, 31, 18))   # Fri 1 Jan 2027 is New Year's Day by rule;
    assert s.next_open == shanghai(2027, 1, 2, 9) and s.estimated   # Sat 2 Jan by reservation
    assert s.next_open_by_reservation
    s = open_state(HOURS, at(2027, 1, 1, 10))
    assert (s.is_open, s.reason, s.holiday) == (False, "holiday", "New Year's Day")


def test_no_opening_within_the_search_window() -> None:
    never = OpeningHours(weekday_periods=())
    s = open_state(never, at(2026, 11, 24, 10))
    assert (s.is_open, s.next_open, s.next_open_by_reservation) == (False, None, False)
