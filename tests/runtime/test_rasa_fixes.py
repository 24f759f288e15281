"""The replacements in runtime/rasa_fixes.py behave as the Rasa functions they replace.

Every conversation test already runs through them (runtime.serve starts Rasa with the
fixes); these tests compare them with Rasa's originals directly, case by case, so that a
Rasa upgrade that changes either original is noticed here.
"""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from runtime import rasa_fixes


def test_every_event_type_resolves_to_rasas_class() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "slot", "action", "session_started"} <= names
    for name in names:
        assert rasa_fixes.resolve_event_type(name) is rasa_fixes.RASA_RESOLVE_BY_TYPE(name)
    assert Event.resolve_by_type is rasa_fixes.resolve_event_type


def test_unknown_event_types_as_in_rasa() -> None:
    assert rasa_fixes.resolve_event_type("topic") is None
    assert rasa_fixes.resolve_event_type("no-such-event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no-such-event'"):
        rasa_fixes.resolve_event_type("no-such-event")


def test_stored_events_round_trip() -> None:
    events = [ActionExecuted("action_listen"),
              UserUttered("电子钥匙锁了", {"name": "ask_materials"}),
              SlotSet("procedure", "mofcom_unlock")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "lang", "value": "en"}],
     "responses": [{"text": "hi", "buttons": []}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "lang"}]},                   # an event without its type
    {"events": [{"event": "slot", "name": 5}]},        # a slot name that is no string
    {"responses": ["text, not an object"]},
    ["not", "an", "object"],
]


@pytest.mark.parametrize("result", VALID)
def test_valid_action_results_pass(result: dict) -> None:
    action = RemoteAction("action_answer", None)
    assert rasa_fixes.validate_action_result(action, result) is True
    assert rasa_fixes.RASA_VALIDATE_ACTION_RESULT(action, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_action_results_fail_as_in_rasa(result: dict) -> None:
    action = RemoteAction("action_answer", None)
    with pytest.raises(ValidationError) as ours:
        rasa_fixes.validate_action_result(action, result)
    with pytest.raises(ValidationError) as rasas:
        rasa_fixes.RASA_VALIDATE_ACTION_RESULT(action, result)
    assert ours.value.path == rasas.value.path
    assert ours.value.validator == rasas.value.validator


def test_what_the_model_load_leaves_is_frozen_out_of_collections() -> None:
    import asyncio
    import gc

    import rasa.core.run

    async def load() -> str:
        return "agent"

    assert rasa.core.run.load_agent_on_start.__wrapped__ is not None  # replaced in Rasa
    try:
        assert asyncio.run(rasa_fixes.freeze_after(load)()) == "agent"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
