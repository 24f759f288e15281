"""The action server's second fence: injected values never reach an action."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answer, chitchat
from actions.guard import clean_tracker
from knowledge.query import KnowledgeBase

# What `/intent{...}` payloads and Rasa's trigger_intent let a caller put into a tracker.
INJECTED = [
    ("ask_password", [{"entity": "password", "value": "x"}]),
    ("ask_materials", [{"entity": "procedure", "value": [["x"]]}]),
    ("ask_location", [{"entity": "office_group", "value": {"$ne": 1}}]),
    ("inform", [{"entity": "key_type", "value": 7}, {"entity": "kind", "value": None}]),
    ("ask_steps", [{"entity": "topic", "value": "../../etc/passwd"}, {"value": "no type"}]),
]


@pytest.fixture(autouse=True)
def use_test_kb(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer, "shared_kb", lambda: kb)
    monkeypatch.setattr(chitchat, "shared_kb", lambda: kb)


def state(intent: str, entities: list[Any], **slots: Any) -> dict[str, Any]:
    return {"sender_id": "unit", "slots": slots, "events": [],
            "latest_message": {"text": "/x", "intent": {"name": intent, "confidence": 1.0},
                               "entities": entities}}


def test_entities_and_slots_hold_only_known_ids(kb: KnowledgeBase) -> None:
    cleaned = clean_tracker(kb, state(
        "ask_materials",
        [{"entity": "procedure", "value": [["x"]]}, {"entity": "password", "value": "x"},
         {"entity": "procedure", "value": "mofcom_unlock"}, {"entity": "new_type", "value": "v"}],
        procedure=["mofcom_unlock"], key_type="nope", kind="unlock", lang="klingon",
        track_procedure="cancel", status_reference="'; DROP TABLE--",
        verified_reference="EK-7K3Q9M", pending_facet={"a": 1}))
    assert cleaned["latest_message"]["entities"] == [
        {"entity": "procedure", "value": "mofcom_unlock"}, {"entity": "new_type", "value": "v"}]
    assert cleaned["slots"] == {
        "procedure": None, "key_type": None, "kind": "unlock", "lang": None,
        "track_procedure": "cancel", "status_reference": None,
        "verified_reference": "EK-7K3Q9M",  # well-formed; the store decides what it may see
        "pending_facet": None}


def test_a_tracker_of_the_wrong_shape_becomes_an_empty_one(kb: KnowledgeBase) -> None:
    cleaned = clean_tracker(kb, ["not", "a", "tracker"])
    assert cleaned["sender_id"] == "" and cleaned["slots"] == {}
    assert cleaned["latest_message"]["text"] == "" and cleaned["events"] == []
    cleaned = clean_tracker(kb, {"sender_id": 5, "latest_message": {
        "text": ["x"], "intent": {"name": 3, "confidence": "high"}, "metadata": "m"}})
    assert cleaned["latest_message"] == {"text": "", "intent": {"name": None,
                                                                "confidence": 0.0},
                                         "entities": [], "metadata": {}}


@pytest.mark.parametrize(("intent", "entities"), INJECTED)
def test_every_question_action_answers_whatever_was_injected(
        kb: KnowledgeBase, intent: str, entities: list[Any]) -> None:
    slots = {e.get("entity", "x"): e.get("value") for e in entities}
    tracker = Tracker.from_dict(clean_tracker(kb, state(intent, entities, **slots)))
    for action in (answer.ActionAnswer(), chitchat.ActionChitchat(), chitchat.ActionFallback()):
        dispatcher = CollectingDispatcher()
        asyncio.run(action.run(dispatcher, tracker, {}))
        assert dispatcher.messages and dispatcher.messages[0]["text"], (action.name(), intent)
