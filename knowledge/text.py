"""Script handling: one normalisation for matching, one rule for the reply language.

Matching always happens on Simplified, lower-cased, NFKC-folded text, so the knowledge base
stores aliases once (Simplified) and Traditional input still finds them. OpenCC's ``t2s``
keeps string length for the characters we use, which keeps token offsets valid.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

import opencc

Lang = Literal["en", "zh-Hans", "zh-Hant"]
# The language a record is stored in: Chinese once, in Simplified (Traditional is converted
# on the way out), and English.
Stored = Literal["en", "zh"]


def stored(lang: str) -> Stored:
    """The stored language that a reply language (or a console's "zh"/"zh-Hant") reads."""
    return "en" if lang == "en" else "zh"

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2tw")  # Taiwan standard characters: 為, 核驗, 裡


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def normalise(text: str) -> str:
    """Simplified, lower case, full-width folded: the form every alias is matched in."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def detect_language(text: str) -> Lang | None:
    """The language and script to answer in, or None when the text has no words at all.

    Chinese wins whenever its words carry at least as much of the message as Latin words;
    a Chinese word is about two characters, so "我的USB key锁了" is Chinese and an English
    question quoting a system's Chinese name ("password for 许可证联网申领系统?") is English.
    The script is whichever has more characters of its own, as readers of either would judge.
    """
    han = _HAN.findall(text)
    latin = _LATIN_WORD.findall(text)
    if not han and not latin:
        return None
    if len(han) < 2 or len(han) < 2 * len(latin):
        return "en" if latin else "zh-Hans"
    chars = set(han)
    simplified_only = sum(1 for c in chars if to_traditional(c) != c)
    traditional_only = sum(1 for c in chars if to_simplified(c) != c)
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


def localise(text: str, lang: Lang) -> str:
    """Chinese text rendered in the user's script (the knowledge base stores Simplified)."""
    return to_traditional(text) if lang == "zh-Hant" else text
