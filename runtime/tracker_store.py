"""Rasa's SQL tracker store, writing conversations without the applicants' private codes.

A code must exist only as its hash (tracking/store.py), but a conversation
holds it twice: in the registration reply that shows it, and in the user's message that
types it back to ask a status. Rasa keeps every event of a conversation and this store is
where they go, so here, and only in what is written, the code is replaced by `MASK`:

- bot messages of `action_track_register` lose every code-shaped word (the reference keeps
  its "EK-", so it stays);
- user messages of a turn in which the status form ran, or that name a reference, lose every
  code-shaped word, in the message and in its parse data;
- a `status_code` slot is written empty unless it holds "verified" or "cancel" (the form
  never keeps a code there; this makes sure).

The turn itself is unchanged: Rasa saves a conversation after answering, so the form read
the code and the user saw the registration reply before anything was written. What the
rest of the system reads back (the next turn, the REST channel's answer to a retried
request, Rasa's conversation API) has the mask.

Selected in Rasa's endpoints (runtime/endpoints.py) for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import copy
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from tracking.store import CODE_LENGTH, CODE_RE, REFERENCE_RE

MASK = "*" * CODE_LENGTH
REGISTERING_ACTION = "action_track_register"
STATUS_ACTIONS = {"status_form", "validate_status_form", "action_status_answer"}
KEPT_STATUS_CODES = {None, "verified", "cancel"}
# Codes as the registration reply shows them: upper case, standing alone.
SHOWN_CODE = re.compile(rf"(?<![A-Za-z0-9-])[2-9A-HJKMNP-Z]{{{CODE_LENGTH}}}(?![A-Za-z0-9])")


def mask_typed_codes(text: str) -> str:
    """A user's message without anything that could be a code they typed (any case or width)."""
    return CODE_RE.sub(MASK, unicodedata.normalize("NFKC", text))


def mask_shown_codes(text: str) -> str:
    return SHOWN_CODE.sub(MASK, text)


def _turn_reads_codes(events: Sequence[Event], start: int) -> bool:
    """Whether the turn begun by the user message at `start` ran the status form."""
    for event in itertools.islice(events, start + 1, None):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name in STATUS_ACTIONS:
            return True
        if isinstance(event, ActiveLoop) and event.name == "status_form":
            return True
    return False


def redacted(events: Sequence[Event], start: int = 0) -> Iterator[Event]:
    """events[start:] as they may be written: copies where a code had to be masked."""
    speaker = None  # the latest action: whose bot messages follow
    for index, event in enumerate(events):
        if isinstance(event, ActionExecuted):
            speaker = event.action_name
        elif isinstance(event, UserUttered):
            speaker = None
        if index < start:
            continue
        if isinstance(event, UserUttered) and event.text and (
                REFERENCE_RE.search(event.text) or _turn_reads_codes(events, index)):
            masked = mask_typed_codes(event.text)
            if masked != event.text:
                event = copy.copy(event)
                event.text = masked
                event.parse_data = {**event.parse_data, "text": masked}
        elif isinstance(event, BotUttered) and speaker == REGISTERING_ACTION and event.text:
            masked = mask_shown_codes(event.text)
            if masked != event.text:
                event = copy.copy(event)
                event.text = masked
        elif isinstance(event, SlotSet) and event.key == "status_code" and \
                event.value not in KEPT_STATUS_CODES:
            event = SlotSet("status_code", None, event.timestamp, event.metadata)
        yield event


class RedactingSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose new events are written through `redacted`."""

    def _additional_events(self, session: Any, tracker: DialogueStateTracker
                           ) -> Iterator[Event]:
        stored = self._event_query(session, tracker.sender_id,
                                   fetch_events_from_all_sessions=False).count()
        return redacted(list(tracker.events), start=stored)
