"""What the review inbox learns from each turn, recorded beside the reply, never in its way.

Every turn an action answers is counted (language, channel, reply kind, procedure, facet,
intent and confidence, a salted sender hash: review/store.py); the user's text is
kept, redacted, only for a turn that was not served well:

- ``out_of_scope`` / ``nlu_fallback``: refused with the polite fallback;
- ``not_covered``: a topic the sources do not cover (a company name change);
- ``low_confidence``: answered, but the classifier gave its intent less than
  `LOW_CONFIDENCE` (REVIEW_LOW_CONFIDENCE);
- ``clarification_abandoned``: the turn after a clarifying question did not answer it (no
  button, no ``inform``): the question that led to it is kept.

The write happens on one background thread, in order, so a reply never waits for the
database; any failure is logged by its type alone (no message text in any log) and the
reply goes out regardless.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from rasa_sdk import Tracker

from review.store import Turn, shared_review_store
from runtime.settings import setting

log = logging.getLogger(__name__)
LOW_CONFIDENCE = float(setting("REVIEW_LOW_CONFIDENCE"))
REASON_OF_KIND = {"out_of_scope": "out_of_scope", "fallback": "nlu_fallback",
                  "not_covered": "not_covered"}
# Kinds whose confidence matters: a guess that was answered anyway.
ANSWERING_KINDS = {"answer", "topic"}
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-capture")


def _previous_user_text(tracker: Tracker) -> str | None:
    """The message before the latest one: the question a clarifying reply answered."""
    seen = 0
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return event.get("text")
    return None


def turn_of(tracker: Tracker, kind: str, lang: str, procedure_id: str | None = None,
            facet: str | None = None) -> tuple[Turn, str | None]:
    """The turn to record, and the abandoned question to keep, if the last reply asked one."""
    latest: dict[str, Any] = tracker.latest_message or {}
    text = latest.get("text") or ""
    typed = bool(text) and not text.startswith("/")
    intent = (latest.get("intent") or {}).get("name")
    confidence = (latest.get("intent") or {}).get("confidence")
    reason = REASON_OF_KIND.get(kind)
    if kind in ANSWERING_KINDS and intent != "inform" and confidence is not None \
            and float(confidence) < LOW_CONFIDENCE:
        reason = "low_confidence"
    abandoned = None
    if tracker.get_slot("pending_facet") and intent != "inform" and typed:
        abandoned = _previous_user_text(tracker)
    turn = Turn(lang=lang, channel=tracker.get_latest_input_channel() or "unknown",
                kind=kind, sender=tracker.sender_id, procedure_id=procedure_id, facet=facet,
                intent=intent, confidence=float(confidence) if confidence is not None else None,
                reason=reason if typed else None, text=text if typed else None)
    return turn, abandoned


def _write(turn: Turn, abandoned: str | None) -> None:
    try:
        store = shared_review_store()
        if abandoned and turn.sender:
            store.mark_abandoned(turn.sender, abandoned)
        store.record(turn)
    except Exception as exc:  # noqa: BLE001 - the reply matters more than the record
        log.warning("review capture failed: %s", type(exc).__name__)


def capture(tracker: Tracker, kind: str, lang: str, procedure_id: str | None = None,
            facet: str | None = None) -> Future | None:
    """Record this turn in the background; never raises."""
    try:
        turn, abandoned = turn_of(tracker, kind, lang, procedure_id, facet)
        return _writer.submit(_write, turn, abandoned)
    except Exception as exc:  # noqa: BLE001
        log.warning("review capture failed: %s", type(exc).__name__)
        return None


def warm_up() -> None:
    """Open the store in the background now (the action server calls this at start)."""
    _writer.submit(_open)


def _open() -> None:
    try:
        shared_review_store()
    except Exception as exc:  # noqa: BLE001 - the first capture will try again
        log.warning("review store not ready: %s", type(exc).__name__)
