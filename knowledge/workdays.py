"""Chinese working days and office opening times, in Asia/Shanghai.

Time limits in the sources are counted in working days (工作日), so a date answer must skip
public holidays and count the adjusted working weekends (调休). The official calendar comes
from chinese_calendar; a year it does not cover yet is counted over weekends only and every
answer built on it is flagged as an estimate rather than presented as fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
HOLIDAY_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
_SEARCH_DAYS = 30


def calendar_covers(d: date) -> bool:
    try:
        chinese_calendar.is_workday(d)
    except NotImplementedError:
        return False
    return True


def is_working_day(d: date) -> bool:
    """Official working day; Monday-Friday where the official calendar has no data yet."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


def holiday_name(d: date, lang: str = "en") -> str | None:
    """The named public holiday on d (weekends inside a holiday period count), else None."""
    if not calendar_covers(d):
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(d)
    if not on_holiday or not name:
        return None
    return HOLIDAY_ZH.get(name, name) if lang == "zh" else name


@dataclass(frozen=True)
class WorkdayDate:
    date: date
    estimated: bool  # some counted day lies in a year the official calendar does not cover


def add_working_days(start: date, n: int) -> WorkdayDate:
    """The n-th working day after start (submitted Friday + 1 = next working Monday)."""
    if n < 0:
        raise ValueError("working days cannot be negative")
    day, estimated, left = start, not calendar_covers(start), n
    while left:
        day += timedelta(days=1)
        estimated = estimated or not calendar_covers(day)
        if is_working_day(day):
            left -= 1
    return WorkdayDate(day, estimated)


Period = tuple[time, time]


@dataclass(frozen=True)
class OpeningHours:
    weekday_periods: tuple[Period, ...]
    saturday_periods: tuple[Period, ...] = ()
    saturday_by_reservation: bool = False
    saturday_except_holidays: bool = True

    @classmethod
    def from_strings(cls, weekday_periods: list[list[str]],
                     saturday_periods: list[list[str]] | None = None,
                     saturday_by_reservation: bool = False,
                     saturday_except_holidays: bool = True) -> OpeningHours:
        def parse(periods: list[list[str]] | None) -> tuple[Period, ...]:
            return tuple((time.fromisoformat(a), time.fromisoformat(b))
                         for a, b in periods or [])

        return cls(parse(weekday_periods), parse(saturday_periods),
                   saturday_by_reservation, saturday_except_holidays)


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    by_reservation: bool
    reason: str  # open | open_by_reservation | lunch_break | before_hours | after_hours
    #              | weekend | holiday
    holiday: str | None = None
    next_open: datetime | None = None
    next_open_by_reservation: bool = False


def _periods_on(hours: OpeningHours, d: date) -> tuple[tuple[Period, ...], bool]:
    """The day's opening periods and whether they need a reservation."""
    if is_working_day(d):
        return hours.weekday_periods, False
    if d.weekday() == 5 and hours.saturday_periods:
        if hours.saturday_except_holidays and holiday_name(d):
            return (), False
        return hours.saturday_periods, hours.saturday_by_reservation
    return (), False


def open_state(hours: OpeningHours, at: datetime) -> OpenState:
    """Is the office open at `at` (naive = Beijing time), and if not, why and when next."""
    local = at.replace(tzinfo=TZ) if at.tzinfo is None else at.astimezone(TZ)
    periods, reservation = _periods_on(hours, local.date())
    now = local.time()
    for start, end in periods:
        if start <= now < end:
            reason = "open_by_reservation" if reservation else "open"
            return OpenState(True, reservation, reason)
    if periods:
        if now < periods[0][0]:
            reason = "before_hours"
        elif now >= periods[-1][1]:
            reason = "after_hours"
        else:
            reason = "lunch_break"
    else:
        reason = "holiday" if holiday_name(local.date()) else "weekend"
    nxt, nxt_res = _next_open(hours, local)
    return OpenState(False, False, reason, holiday_name(local.date()), nxt, nxt_res)


def _next_open(hours: OpeningHours, after: datetime) -> tuple[datetime | None, bool]:
    for offset in range(_SEARCH_DAYS + 1):
        d = after.date() + timedelta(days=offset)
        periods, reservation = _periods_on(hours, d)
        for start, _ in periods:
            moment = datetime.combine(d, start, TZ)
            if moment > after:
                return moment, reservation
    return None, False
