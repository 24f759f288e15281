"""Which language and script a reply goes out in."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from knowledge.query import shared_kb
from knowledge.text import Lang, detect_language, to_traditional

DEFAULT_LANG: Lang = "zh-Hans"
# Application references and codes (EK-7K3Q9M, 4HX2PD) say nothing about the user's language.
_CODES = re.compile(r"\b(?:EK-?)?[0-9A-Z]{6}\b")


def reply_language(tracker: Tracker) -> Lang:
    """The script of the latest typed message; button payloads and bare codes keep the last.

    A message that asks for a language ("用繁體中文回答", "in English please") gets it.

    Chinese written only with characters both scripts share ("2026年11月16日") keeps a
    Traditional conversation Traditional.
    """
    text = (tracker.latest_message or {}).get("text") or ""
    requested, _ = shared_kb().requested_language(text)
    if requested in ("en", "zh-Hans", "zh-Hant"):
        return requested  # "please answer in English"
    previous = tracker.get_slot("lang")
    detected = None if text.startswith("/") else detect_language(_CODES.sub(" ", text))
    if detected == "zh-Hans" and previous == "zh-Hant" and to_traditional(text) == text:
        return "zh-Hant"
    return detected or previous or DEFAULT_LANG
