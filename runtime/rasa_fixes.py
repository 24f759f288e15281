"""Rasa's command line with three costs of Rasa 3.6 removed.

``python -m runtime.rasa_fixes run ...`` is ``rasa run ...`` (`runtime.serve` starts
every replica this way). Profiling a replica under load showed two thirds of its time in two
places that do the same work on every message:

- After every custom action, Rasa validates the action server's answer with
  ``jsonschema.validate``, which first checks the (constant) schema against the JSON Schema
  meta-schema: a third of the time of a turn, growing with nothing. Here the schema is
  checked once and the compiled validator is reused; answers are validated exactly as
  before, and an invalid one raises the `ValidationError` Rasa would (the same best
  match), with Rasa's hint minus its link to the docs.
- Turning stored events back into objects looks each event's class up by walking every
  subclass of `Event` (with `inspect.isabstract` on each), once per event, for every event
  of the conversation on every message. Here the walk's result is kept in a dictionary, in
  the walk's own order, and walked again only for a type name it does not know yet (an
  event class imported later).

A third cost is not per message but shows in the slowest answers: the loaded model leaves
about 630,000 Python objects, and each full garbage collection walked all of them (0.2 to
0.5 s, seen as a 517 ms p99 for one sender). Once the model is loaded they are moved out
of the collector's reach with `gc.freeze()`; objects of the conversations are collected
as before.

All are plain functions replaced on import of this module, before Rasa starts; nothing
else in Rasa changes. Rasa is pinned (pyproject.toml), and tests/runtime/test_rasa_fixes.py
checks the replacements against Rasa's own behaviour, so an upgrade that changes any of
them fails there first.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

import rasa.core.run
from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

# Rasa's own, for the tests that hold the replacements to them.
RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result
_EVENT_TYPES: dict[str, type[Event]] = {}
_ACTION_RESULT_VALIDATOR: list[Any] = []


def resolve_event_type(type_name: str, default: type[Event] | None = None
                       ) -> type[Event] | None:
    """`Event.resolve_by_type`, remembering the class of each type name."""
    found = _EVENT_TYPES.get(type_name)
    if found is None:
        for cls in all_subclasses(Event):  # the first class of a name wins, as in Rasa
            _EVENT_TYPES.setdefault(cls.type_name, cls)
        found = _EVENT_TYPES.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result`, with the schema checked only once."""
    if not _ACTION_RESULT_VALIDATOR:
        schema = self.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _ACTION_RESULT_VALIDATOR.append(cls(schema))
    error = exceptions.best_match(_ACTION_RESULT_VALIDATOR[0].iter_errors(result))
    if error is None:
        return True
    error.message += (". Failed to validate Action server response from API, make sure your "
                      "response from the Action endpoint is valid.")
    raise error


def freeze_after(load: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`load_agent_on_start`, then what it loaded kept out of every later collection."""

    @wraps(load)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    return load_then_freeze


Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[method-assign]
RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
rasa.core.run.load_agent_on_start = freeze_after(rasa.core.run.load_agent_on_start)


def main() -> None:
    """`rasa` with these fixes; RASA_TOKEN is added to its arguments here, not on the command
    line (runtime/endpoints.py)."""
    import os

    from rasa.__main__ import main as rasa_main

    from runtime.endpoints import rasa_args

    sys.argv = rasa_args(["rasa", *sys.argv[1:]], os.environ)
    rasa_main()


if __name__ == "__main__":
    main()
