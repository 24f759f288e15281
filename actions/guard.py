"""What an action may believe of the tracker it is sent: text where text is expected, and
knowledge-base ids that exist.

Rasa hands each action the conversation state, and a user can put values into it: a typed
`/intent{"entity": value}` payload sets entities (and the slots mapped from them) to any
JSON, lists and objects included, and nothing checks them against the knowledge base. One
such message made an action raise (a KeyError on `{"password": "x"}`, a TypeError on
`{"procedure": [["x"]]}`), answer nothing, and Rasa log the whole request. The channels
refuse payloads that are not the assistant's own buttons (connectors/payloads.py); this is
the second fence, applied by the action server (runtime/action_server.py) before any
action runs, so no action has to defend itself: an entity whose value is not an id of its
table is dropped, a slot holding such a value or anything but a scalar is emptied, and the
message's text, intent and metadata have their expected types.

Nothing here decides who may see what: that is the application store's record, never a slot.
"""

from __future__ import annotations

import re
from typing import Any

from knowledge.query import KnowledgeBase

# Entity types (and the slots of the same name) whose values are ids of a knowledge table.
ID_TABLES = {"key_type": "key_types", "kind": "kinds", "channel": "channels",
             "region": "regions", "procedure": "procedures", "office_group": "office_groups",
             "password": "passwords", "topic": "topics"}
ID_SLOTS = {"track_procedure": "procedures"}  # besides the entity slots; "cancel" is allowed
REFERENCE_SLOTS = ("status_reference", "verified_reference", "notify_reference")
LANGS = ("zh-Hans", "zh-Hant", "en")
CANCEL = "cancel"
_REFERENCE = re.compile(r"^EK-[2-9A-HJKMNP-Z]{6}$")
MAX_TEXT = 10_000  # what the channels let through is 2,000 characters
MAX_VALUE = 200


def _known(kb: KnowledgeBase, table: str, value: Any) -> bool:
    return isinstance(value, str) and value in getattr(kb, table)


def clean_entities(kb: KnowledgeBase, entities: Any) -> list[dict[str, Any]]:
    """The entities with a string type and a value their table knows (or short text)."""
    out = []
    for ent in entities if isinstance(entities, list) else []:
        if not isinstance(ent, dict) or not isinstance(ent.get("entity"), str):
            continue
        value, table = ent.get("value"), ID_TABLES.get(ent["entity"])
        if (table and _known(kb, table, value)) or (
                not table and isinstance(value, str) and len(value) <= MAX_VALUE):
            out.append(ent)
    return out


def clean_slot(kb: KnowledgeBase, name: str, value: Any) -> Any:
    """The slot's value, or None when no action could rely on it."""
    if value is None:
        return None
    if not isinstance(value, (str, bool, int, float)):
        return None  # every slot of this domain holds text; lists and objects are injected
    table = ID_TABLES.get(name) or ID_SLOTS.get(name)
    if table:
        return value if _known(kb, table, value) or (name in ID_SLOTS and value == CANCEL) \
            else None
    if name == "lang":
        return value if value in LANGS else None
    if name in REFERENCE_SLOTS:
        return value if value == CANCEL or (isinstance(value, str)
                                            and _REFERENCE.match(value)) else None
    if isinstance(value, str) and len(value) > MAX_VALUE:
        return None
    return value


def clean_tracker(kb: KnowledgeBase, tracker: Any) -> dict[str, Any]:
    """The tracker of an action call, made safe to read (a new dict; the input is unchanged)."""
    state = dict(tracker) if isinstance(tracker, dict) else {}
    state["sender_id"] = state.get("sender_id") if isinstance(state.get("sender_id"), str) \
        else ""
    slots = state.get("slots") if isinstance(state.get("slots"), dict) else {}
    state["slots"] = {name: clean_slot(kb, name, value) for name, value in slots.items()}
    latest = state.get("latest_message") if isinstance(state.get("latest_message"), dict) \
        else {}
    latest = dict(latest)
    text = latest.get("text")
    latest["text"] = text[:MAX_TEXT] if isinstance(text, str) else ""
    intent = latest.get("intent") if isinstance(latest.get("intent"), dict) else {}
    name, confidence = intent.get("name"), intent.get("confidence")
    latest["intent"] = {
        "name": name if isinstance(name, str) else None,
        "confidence": float(confidence) if isinstance(confidence, (int, float))
        and not isinstance(confidence, bool) else 0.0}
    latest["entities"] = clean_entities(kb, latest.get("entities"))
    if not isinstance(latest.get("metadata"), dict):
        latest["metadata"] = {}
    state["latest_message"] = latest
    if not isinstance(state.get("events"), list):
        state["events"] = []
    state["events"] = [e for e in state["events"] if isinstance(e, dict)]
    return state
