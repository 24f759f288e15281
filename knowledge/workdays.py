"""Chinese working days and office opening times, in Asia/Shanghai.

Time limits in the sources are counted in working days (工作日), so a date answer must skip
public holidays and count the adjusted working weekends (调休). The official calendar comes
from chinese_calendar, which knows each year only once the State Council has published its
schedule. For a year it does not know yet, the `holidays` package gives the statutory holidays,
which follow fixed rules (lunar dates, and a holiday that falls on a weekend is made up on a
working day); the in-lieu working weekends are announced only with the schedule, so every
answer built on such a year is flagged as an estimate rather than presented as fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays

TZ = ZoneInfo("Asia/Shanghai")

# chinese_calendar names holidays in English only; users asking in Chinese need these.
HOLIDAY_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
SEARCH_DAYS = 30  # how far ahead open_state looks for the next opening

Period = tuple[time, time]


def calendar_covers(d: date) -> bool:
    """Whether the official calendar has data for d's year, i.e. whether answers are facts."""
    try:
        chinese_calendar.is_workday(d)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=32)
def _statutory(year: int, language: str = "en_US") -> holidays.HolidayBase:
    """China's statutory holidays of a year, computed by rule (no in-lieu working days)."""
    return holidays.China(years=year, language=language)


def _statutory_name(d: date, lang: str) -> str | None:
    """The statutory holiday on d by rule, without the library's "observed" marker."""
    names = _statutory(d.year, "zh_CN" if lang.startswith("zh") else "en_US")
    name = names.get(d)
    if not name:
        return None
    first = name.split(";")[0].strip()
    return first.replace("（观察日）", "").replace(" (observed)", "").strip()


def is_working_day(d: date) -> bool:
    """Official working day; where the official calendar has no data yet, Monday-Friday less
    the statutory holidays.

    Never raises: an assistant asked about next year should still answer, and callers learn
    through `calendar_covers` (or `WorkdayDate.estimated`) that the in-lieu working weekends
    of that year are not known, so the answer is an estimate.
    """
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return _statutory(d.year).is_working_day(d)


def holiday_name(d: date, lang: str = "en") -> str | None:
    """The named public holiday on d, else None.

    Weekends inside a holiday period count as the holiday; adjusted working days (which
    chinese_calendar also labels with the holiday's name) do not, because the office is open.
    `lang` "zh" (or "zh-Hans"/"zh-Hant") gives the Chinese name, anything else the English.
    A year the official calendar does not know yet names only its statutory holidays.
    """
    if not calendar_covers(d):
        return _statutory_name(d, lang)
    on_holiday, name = chinese_calendar.get_holiday_detail(d)
    if not on_holiday or not name:
        return None
    return HOLIDAY_ZH.get(name, name) if lang.startswith("zh") else name


@dataclass(frozen=True)
class WorkdayDate:
    """A counted date, with whether any counted day fell outside the official calendar
    (counted with the statutory holidays, but without the unpublished in-lieu working days)."""

    date: date
    estimated: bool


def add_working_days(start: date, n: int) -> WorkdayDate:
    """The n-th working day after start: submitted on a Friday, +1 is the next working Monday.

    n=0 is start itself. The result is an estimate as soon as one day counted (start
    included) lies in a year whose holidays are not published in our calendar.
    """
    if n < 0:
        raise ValueError(f"working days cannot be negative: {n}")
    day, estimated, left = start, not calendar_covers(start), n
    while left:
        day += timedelta(days=1)
        estimated = estimated or not calendar_covers(day)
        if is_working_day(day):
            left -= 1
    return WorkdayDate(day, estimated)


def _parse_periods(periods: list[list[str]] | None) -> tuple[Period, ...]:
    """"HH:MM" pairs as sorted [open, close) periods; a period that is empty is a data error."""
    out = []
    for opens, closes in periods or []:
        start, end = time.fromisoformat(opens), time.fromisoformat(closes)
        if not start < end:
            raise ValueError(f"opening period {opens}-{closes} closes before it opens")
        out.append((start, end))
    return tuple(sorted(out))


@dataclass(frozen=True)
class OpeningHours:
    """An office's opening periods; Saturday service may differ and need a reservation."""

    weekday_periods: tuple[Period, ...]
    saturday_periods: tuple[Period, ...] = ()
    saturday_by_reservation: bool = False
    saturday_except_holidays: bool = True

    @classmethod
    def from_strings(cls, weekday_periods: list[list[str]],
                     saturday_periods: list[list[str]] | None = None,
                     saturday_by_reservation: bool = False,
                     saturday_except_holidays: bool = True) -> OpeningHours:
        """Build from the knowledge base's [["09:00", "12:00"], ...] lists."""
        return cls(_parse_periods(weekday_periods), _parse_periods(saturday_periods),
                   saturday_by_reservation, saturday_except_holidays)


@dataclass(frozen=True)
class OpenState:
    """Whether an office is open at a moment, why not, and when it opens next.

    reason: open | open_by_reservation | lunch_break | before_hours | after_hours | weekend |
    holiday. `holiday` is the English holiday name when closed for one. `estimated` is True
    when a day looked at lies outside the official calendar (its holidays are unknown).
    """

    is_open: bool
    by_reservation: bool
    reason: str
    holiday: str | None = None
    next_open: datetime | None = None
    next_open_by_reservation: bool = False
    estimated: bool = False


def _periods_on(hours: OpeningHours, d: date) -> tuple[tuple[Period, ...], bool]:
    """The day's opening periods and whether they need a reservation.

    Working days (adjusted working weekends included) follow the weekday hours; a Saturday
    off follows the Saturday hours unless it is a public holiday the office closes on.
    """
    if is_working_day(d):
        return hours.weekday_periods, False
    if d.weekday() == 5 and hours.saturday_periods:
        if hours.saturday_except_holidays and holiday_name(d):
            return (), False
        return hours.saturday_periods, hours.saturday_by_reservation
    return (), False


def _closed_reason(periods: tuple[Period, ...], now: time, d: date) -> str:
    """Why a closed office is closed: outside its periods that day, or no periods at all."""
    if not periods:
        return "holiday" if holiday_name(d) else "weekend"
    if now < periods[0][0]:
        return "before_hours"
    if now >= max(end for _, end in periods):
        return "after_hours"
    return "lunch_break"


def _next_open(hours: OpeningHours, after: datetime) -> tuple[datetime | None, bool, bool]:
    """The first opening strictly after `after` within SEARCH_DAYS days.

    Returns the moment, whether it needs a reservation, and whether a day searched lies
    outside the official calendar.
    """
    estimated = False
    for offset in range(SEARCH_DAYS + 1):
        d = after.date() + timedelta(days=offset)
        estimated = estimated or not calendar_covers(d)
        periods, reservation = _periods_on(hours, d)
        for start, _ in periods:
            moment = datetime.combine(d, start, TZ)
            if moment > after:
                return moment, reservation, estimated
    return None, False, estimated


def open_state(hours: OpeningHours, at: datetime) -> OpenState:
    """Is the office open at `at` (naive means Beijing time), and if not, why and when next."""
    local = at.replace(tzinfo=TZ) if at.tzinfo is None else at.astimezone(TZ)
    today, now = local.date(), local.time()
    periods, reservation = _periods_on(hours, today)
    if any(start <= now < end for start, end in periods):
        reason = "open_by_reservation" if reservation else "open"
        return OpenState(True, reservation, reason, estimated=not calendar_covers(today))
    nxt, nxt_reservation, estimated = _next_open(hours, local)
    return OpenState(False, False, _closed_reason(periods, now, today), holiday_name(today),
                     nxt, nxt_reservation, estimated)
