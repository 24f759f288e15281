"""Which typed messages Rasa may read as an intent payload: only the shapes of our buttons.

Rasa reads any message that starts with "/" as ``/intent{"entity": value, ...}``: the intent
is taken as given, bypassing the model, and the entities (and the slots mapped from them)
are set to whatever JSON follows, with no check against the knowledge base. The assistant's
buttons send exactly two shapes (actions/answer.py, actions/tracking.py, replies/render.py,
actions/chitchat.py): a bare ``/intent``, and ``/inform{"key_type"|"procedure": "<id>"}``.
Anything else that starts with "/" is something a user typed to steer the bot, so the
channels refuse it (REST) or read it as plain words (WeChat, which must answer something).
The action server checks values again (actions/guard.py).
"""

from __future__ import annotations

import re

BUTTON_PAYLOAD = re.compile(
    r'/[a-z_]{1,40}(?:\{\s*"(?:key_type|procedure)"\s*:\s*"[a-z0-9_]{1,60}"\s*\})?')


def is_payload(text: str) -> bool:
    """Whether Rasa would try to read `text` as an intent payload."""
    return text.startswith("/")


def acceptable(text: str) -> bool:
    """A message that is not a payload, or one of the shapes our buttons send."""
    return not is_payload(text) or BUTTON_PAYLOAD.fullmatch(text) is not None


def as_words(text: str) -> str:
    """The message with the leading slashes that would make it a payload taken off."""
    return text if acceptable(text) else (text.lstrip("/") or "?")
