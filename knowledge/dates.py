"""Read the submission date a user types: "11月16日", "上週三", "last Monday", "2026-11-16".

Submission dates lie in the past, so a date without a year is the latest such date not
after today, and relative words never yield a future day. Long digit runs (passwords like
88888888, phone numbers) are never read as dates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from knowledge.text import to_simplified

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9, "十": 10}
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_EN = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
_MONTHS = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MONTH_RE = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"

_ISO = re.compile(r"(?<!\d)(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:日|号)?(?!\d)")
_US = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(20\d{2})(?!\d)")
_ZH_MD = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})(?:日|号)")
_EN_MD = re.compile(rf"\b{_MONTH_RE}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(20\d{{2}}))?\b")
_EN_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_RE}(?:,?\s+(20\d{{2}}))?\b")
_DAYS_AGO_ZH = re.compile(r"(\d{1,2}|[一二两三四五六七八九十])天(?:以)?前")
_DAYS_AGO_EN = re.compile(r"\b(\d{1,2})\s+days?\s+ago\b")
_ZH_WEEK = re.compile(r"(上上|上|这|本)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天])")
_EN_WEEK = re.compile(r"\b(last\s+|on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday"
                      r"|sunday)\b")
_RELATIVE = [("大前天", 3), ("前天", 2), ("昨天", 1), ("昨日", 1), ("今天", 0), ("今日", 0),
             ("the day before yesterday", 2), ("yesterday", 1), ("today", 0)]


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest(month: int, day: int, today: date) -> date | None:
    """The latest month/day not after today (last year's when this year's is ahead)."""
    this_year = _safe(today.year, month, day)
    if this_year and this_year <= today:
        return this_year
    return _safe(today.year - 1, month, day)


def parse_date(text: str, today: date) -> date | None:
    """The first date expression in the text, or None."""
    t = to_simplified(text).lower()
    if m := _ISO.search(t):
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if m := _US.search(t):
        return _safe(int(m[3]), int(m[1]), int(m[2]))
    if m := _ZH_MD.search(t):
        return _latest(int(m[1]), int(m[2]), today)
    if m := _EN_MD.search(t):
        month, day = _MONTHS[m[1][:3]], int(m[2])
        return _safe(int(m[3]), month, day) if m[3] else _latest(month, day, today)
    if m := _EN_DM.search(t):
        month, day = _MONTHS[m[2][:3]], int(m[1])
        return _safe(int(m[3]), month, day) if m[3] else _latest(month, day, today)
    for word, back in _RELATIVE:
        if word in t:
            return today - timedelta(days=back)
    if m := _DAYS_AGO_ZH.search(t):
        n = int(m[1]) if m[1].isdigit() else _CN_NUM[m[1]]
        return today - timedelta(days=n)
    if m := _DAYS_AGO_EN.search(t):
        return today - timedelta(days=int(m[1]))
    if m := _ZH_WEEK.search(t):
        return _zh_weekday(m[1] or "", _WEEKDAY_ZH[m[2]], today)
    if m := _EN_WEEK.search(t):
        return _en_weekday(bool(m[1] and m[1].startswith("last")), _WEEKDAY_EN[m[2]], today)
    return None


def _zh_weekday(prefix: str, weekday: int, today: date) -> date | None:
    """上周三 is Wednesday of last calendar week (weeks start Monday); 周三 the latest one."""
    monday = today - timedelta(days=today.weekday())
    if prefix in ("上", "上上"):
        weeks_back = 2 if prefix == "上上" else 1
        return monday - timedelta(weeks=weeks_back) + timedelta(days=weekday)
    if prefix in ("这", "本"):
        day = monday + timedelta(days=weekday)
        return day if day <= today else None
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _en_weekday(last: bool, weekday: int, today: date) -> date:
    """'Monday' is the latest Monday up to today; 'last Monday' the latest before today."""
    back = (today.weekday() - weekday) % 7
    if last and back == 0:
        back = 7
    return today - timedelta(days=back)
