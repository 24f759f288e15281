"""Which language and script a reply goes out in."""

from __future__ import annotations

from rasa_sdk import Tracker

from knowledge.text import Lang, detect_language

DEFAULT_LANG: Lang = "zh-Hans"


def reply_language(tracker: Tracker) -> Lang:
    """The script of the latest typed message; button payloads keep the previous one."""
    text = (tracker.latest_message or {}).get("text") or ""
    detected = None if text.startswith("/") else detect_language(text)
    return detected or tracker.get_slot("lang") or DEFAULT_LANG
