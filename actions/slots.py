"""Only the slot events that change something go back to Rasa."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType


def only_changes(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """`events` without the SlotSets that set a slot to the value it already has.

    Rasa keeps every event of a session, re-reads them all from the tracker store and sends
    them all to the action server on every message, so an answer that re-sets five slots to
    their current values makes every later turn of the conversation slower and says nothing.
    Events are taken in order, so a slot reset and set again within one list still ends up
    as the last value.
    """
    values: dict[str, Any] = dict(tracker.slots)
    out: list[EventType] = []
    for event in events:
        if event.get("event") == "slot":
            name, value = event.get("name"), event.get("value")
            if values.get(name) == value:  # an unset slot is None
                continue
            values[name] = value
        out.append(event)
    return out
