"""Read the submission date a user types: "11月16日", "上週三", "last Monday", "2026-11-16".

Submission dates lie in the past, so a date without a year is the latest such date not
after today, and relative words never yield a future day. An explicit date with a year is
returned as written, even in the future: the caller decides what to say about it.

Digits are only read as a date with a separator (2026-11-16, 11月16日, 11/16/2026), so long
digit runs such as passwords (88888888) and phone numbers (010-58103599) never parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from knowledge.text import normalise

Resolver = Callable[[re.Match[str], date], date | None]

_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]
_MONTH_NUMBER = {name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)}
# Full names and the usual abbreviations only: a bare prefix would read "decided 16" as Dec 16.
_MONTH = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
_EN_NUMBER = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
              "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_DAYS_BACK = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1,
              "前天": 2, "the day before yesterday": 2, "大前天": 3}


def _safe(year: int, month: int, day: int) -> date | None:
    """The date, or None for a day that does not exist (2月30日)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest(month: int, day: int, today: date) -> date | None:
    """The latest month/day not after today; 29 Feb goes back to the last leap year."""
    for year in range(today.year, today.year - 9, -1):
        found = _safe(year, month, day)
        if found and found <= today:
            return found
    return None


def _zh_number(word: str) -> int | None:
    """Digits or a Chinese numeral up to 99 (三, 十, 十五, 二十, 二十三)."""
    if word.isdigit():
        return int(word)
    if "十" not in word:
        return _ZH_DIGIT.get(word) if len(word) == 1 else None
    tens, _, units = word.partition("十")
    tens_value = _ZH_DIGIT.get(tens, 0 if tens else 1) if len(tens) <= 1 else 0
    units_value = _ZH_DIGIT.get(units, 0) if len(units) <= 1 else 0
    return tens_value * 10 + units_value or None


# --- resolvers: one per pattern, given the match and today ---------------------------------

def _ymd(m: re.Match[str], today: date) -> date | None:
    return _safe(int(m["y"]), int(m["m"]), int(m["d"]))


def _slashed_with_year(m: re.Match[str], today: date) -> date | None:
    """a/b/yyyy is month/day (US order); a first number above 12 can only be a day."""
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    return _safe(year, b, a) if a > 12 >= b else _safe(year, a, b)


def _md(m: re.Match[str], today: date) -> date | None:
    return _latest(int(m["m"]), int(m["d"]), today)


def _named_month(m: re.Match[str], today: date) -> date | None:
    month, day = _MONTH_NUMBER[m["mon"][:3]], int(m["d"])
    return _safe(int(m["y"]), month, day) if m["y"] else _latest(month, day, today)


def _days_back(m: re.Match[str], today: date) -> date | None:
    return today - timedelta(days=_DAYS_BACK[" ".join(m[0].split())])


def _zh_days_ago(m: re.Match[str], today: date) -> date | None:
    n = _zh_number(m["n"])
    return None if n is None else today - timedelta(days=n)


def _en_days_ago(m: re.Match[str], today: date) -> date | None:
    n = int(m["n"]) if m["n"].isdigit() else _EN_NUMBER[m["n"]]
    return today - timedelta(days=n)


def _in_week(weeks_back: int, weekday: int, today: date) -> date | None:
    """That weekday in the Monday-start calendar week `weeks_back` weeks ago, if not future."""
    day = today - timedelta(days=today.weekday(), weeks=weeks_back) + timedelta(days=weekday)
    return day if day <= today else None


def _latest_weekday(weekday: int, today: date, strictly_before: bool = False) -> date:
    back = (today.weekday() - weekday) % 7
    return today - timedelta(days=7 if strictly_before and back == 0 else back)


def _zh_weekday(m: re.Match[str], today: date) -> date | None:
    """上周三: last calendar week; 这周三/本周三: this week; 周三 alone: the latest Wednesday."""
    weekday, prefix = _WEEKDAY_ZH[m["wd"]], m["pre"]
    if prefix is None:
        return _latest_weekday(weekday, today)
    weeks_back = {"上上": 2, "上": 1}.get(prefix, 0)
    return _in_week(weeks_back, weekday, today)


def _en_weekday(m: re.Match[str], today: date) -> date | None:
    """'Monday' is the latest Monday up to today, 'last Monday' the latest before today."""
    weekday, prefix = _WEEKDAY_EN.index(m["wd"]), m["pre"]
    if prefix == "this":
        return _in_week(0, weekday, today)
    return _latest_weekday(weekday, today, strictly_before=prefix == "last")


# --- patterns, most trustworthy tier first --------------------------------------------------

_EXPLICIT, _RELATIVE, _TODAY = 0, 1, 2

_PATTERNS: list[tuple[int, re.Pattern[str], Resolver]] = [
    (_EXPLICIT, re.compile(r"(?<!\d)(?P<y>20\d{2})(?:(?P<s>[-/.])|年\s*)(?P<m>\d{1,2})"
                           r"(?:(?P=s)|月\s*)(?P<d>\d{1,2})(?:日|号)?(?!\d)"), _ymd),
    (_EXPLICIT, re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>20\d{2})(?![\d/])"),
     _slashed_with_year),
    (_EXPLICIT, re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})"
                           r"(?:日|号|(?![\d次个天周年月]))"),
     _md),
    (_EXPLICIT, re.compile(rf"\b(?P<mon>{_MONTH})\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b"
                           r"(?:,?\s*(?P<y>20\d{2})\b)?"), _named_month),
    (_EXPLICIT, re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{_MONTH})"
                           r"(?![a-z])(?:,?\s*(?P<y>20\d{2})\b)?"), _named_month),
    (_RELATIVE, re.compile(r"(?<!\d)(?P<n>\d{1,3}|[一二两三四五六七八九十]{1,3})\s*天(?:以)?前"),
     _zh_days_ago),
    (_RELATIVE, re.compile(r"\b(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine"
                           r"|ten)\s+days?\s+ago\b"), _en_days_ago),
    (_RELATIVE, re.compile(r"(?P<pre>上上|上|这|本)?个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])"
                           r"(?![次个])"),
     _zh_weekday),
    (_RELATIVE, re.compile(r"\b(?:(?P<pre>last|this)\s+|on\s+)?(?P<wd>"
                           + "|".join(_WEEKDAY_EN) + r")\b"), _en_weekday),
    (_RELATIVE, re.compile(r"大前天|(?<!大)前天|昨天|昨日|the\s+day\s+before\s+yesterday"
                           r"|\byesterday\b"), _days_back),
    # "today" is weakest: "我上周三提交的，今天还没好" is about Wednesday, not today.
    (_TODAY, re.compile(r"今天|今日|\btoday\b"), _days_back),
]


def parse_date(text: str, today: date) -> date | None:
    """The submission date the text mentions, or None.

    Any script and full-width digits are accepted. With several expressions, an explicit
    date beats a relative one, which beats "today"; ties go to the earliest. If the chosen
    expression names no real day (2月30日, 这周五 said on Monday) the answer is None rather
    than a guess from a weaker expression.
    """
    t = normalise(text)
    best: tuple[int, int, re.Match[str], Resolver] | None = None
    for tier, pattern, resolve in _PATTERNS:
        m = pattern.search(t)
        if m and (best is None or (tier, m.start()) < best[:2]):
            best = (tier, m.start(), m, resolve)
    return None if best is None else best[3](best[2], today)
