"""Application tracking in chat: register an application, ask its status, hear of updates.

Two forms collect what is needed. `track_form` asks which procedure and when it was
submitted, then issues a reference and a private code. `status_form` asks the reference and
the code; once they match, the conversation remembers only the reference (the code is never
kept in a slot) and later questions in the same conversation are answered straight away.
Whether a conversation may read an application is the store's record (`may_read`), never
the `verified_reference` slot alone: a slot is whatever the tracker sent says.
Every stage's wording comes from knowledge/data/workflows.yaml, every date from the
procedure's time limits.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.capture import capture
from actions.chitchat import send
from actions.language import reply_language
from actions.slots import only_changes
from knowledge.dates import parse_date
from knowledge.passages import names_stage
from knowledge.query import KnowledgeBase, pick, shared_kb
from knowledge.text import Lang, normalise, stored
from knowledge.workdays import TZ
from replies import render
from replies.card import plain
from replies.status import expected_lines, status_card, status_text
from tracking.store import (
    CODE_RE,
    LOCKOUT,
    REFERENCE_RE,
    Verify,
    normalise_reference,
    shared_store,
)
from tracking.workflow import workflow_for, workflows

CANCEL = "cancel"  # fills every slot of a form so it ends; the submit action then stops
CANCEL_WORDS = re.compile(r"^\s*(/?cancel|取消|算了|不用了|stop|quit|never ?mind)\s*[.!。！]*\s*$",
                          re.IGNORECASE)
# Intents that plainly ask something else: the form steps aside and the question is answered.
ELSEWHERE = {"greet", "goodbye", "thanks", "help", "bot_challenge", "human_handoff",
             "ask_materials", "ask_steps", "ask_location", "ask_hours", "ask_open_now",
             "ask_fee", "ask_contact", "ask_password", "ask_channel", "ask_collect",
             "ask_binding", "ask_procedure", "ask_duration"}



def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _today() -> date:
    return datetime.now(TZ).date()


def _client(tracker: Tracker) -> str | None:
    """The client address tag the REST channel attaches to each message (connectors/rest.py)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return client if isinstance(client, str) and client else None


def trackable_buttons(kb: KnowledgeBase, lg: str) -> list[dict[str, str]]:
    return [{"title": pick(kb.procedure(p).name, lg),
             "payload": f'/inform{{"procedure":"{p}"}}'}
            for wf in workflows().values() for p in wf.procedures] + [
        {"title": kb.phrase("btn_cancel", lg), "payload": kb.phrase("btn_cancel", lg)}]


def _procedure_named(kb: KnowledgeBase, tracker: Tracker) -> str | None:
    """The procedure the latest message names (entities, or a button's payload)."""
    ents: dict[str, str] = {}
    for e in (tracker.latest_message or {}).get("entities") or []:
        ents.setdefault(e["entity"], e.get("value"))
    if ents.get("procedure") in kb.procedures:
        return ents["procedure"]
    if not ({"key_type", "kind"} & set(ents)):
        return None
    res = kb.resolve(ents.get("key_type") or tracker.get_slot("key_type"), ents.get("kind"),
                     ents.get("channel"), ents.get("region"))
    return res.procedure.id if res.procedure else None


class ValidateTrackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_track_form"

    async def extract_track_procedure(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("track_procedure"):
            return {}
        if CANCEL_WORDS.match(_text(tracker)):
            return {"track_procedure": CANCEL, "track_submitted": CANCEL}
        kb, lang = shared_kb(), reply_language(tracker)
        pid = _procedure_named(kb, tracker)
        if pid is None:
            asked = tracker.get_slot("requested_slot") == "track_procedure"
            if asked and _intent(tracker) not in ELSEWHERE:
                return {"track_procedure": None}  # re-ask with the buttons
            return {}
        if workflow_for(pid) is None:
            name = pick(kb.procedure(pid).name, stored(lang))
            send(dispatcher, render.Reply(kb.phrase("track_untrackable", stored(lang), name=name)),
                 lang)
            return {"track_procedure": None}
        return {"track_procedure": pid}

    async def extract_track_submitted(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("track_submitted") or tracker.get_slot("track_procedure") == CANCEL:
            return {}
        day = parse_date(_text(tracker), _today())
        lang = reply_language(tracker)
        if day is None:
            if tracker.get_slot("requested_slot") == "track_submitted" and \
                    _intent(tracker) not in ELSEWHERE and not _text(tracker).startswith("/"):
                send(dispatcher, render.Reply(shared_kb().phrase("track_bad_date", stored(lang))),
                     lang)
                return {"track_submitted": None}
            return {}
        if day > _today():
            send(dispatcher, render.Reply(shared_kb().phrase(
                "track_future_date", stored(lang), date=day.isoformat())), lang)
            return {"track_submitted": None}
        return {"track_submitted": day.isoformat()}


def ask_action(action_name: str, phrase_id: str, with_buttons: bool = False) -> type[Action]:
    """The action a form runs to ask for one slot: a phrase, in the user's language."""

    class Ask(Action):
        def name(self) -> str:
            return action_name

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
            kb, lang = shared_kb(), reply_language(tracker)
            lg = stored(lang)
            buttons = trackable_buttons(kb, lg) if with_buttons else []
            send(dispatcher, render.Reply(kb.phrase(phrase_id, lg), buttons), lang)
            return only_changes(tracker, [SlotSet("lang", lang)])

    return Ask


ActionAskTrackProcedure = ask_action("action_ask_track_procedure", "track_ask_procedure",
                                     with_buttons=True)
ActionAskTrackSubmitted = ask_action("action_ask_track_submitted", "track_ask_date")
ActionAskStatusCode = ask_action("action_ask_status_code", "status_ask_code")


class ActionAskStatusReference(Action):
    """Asks for the reference. A message that names a stage ("显示核验未通过怎么办",
    "status says verification failed, what now") first hears what the stage means and what
    to do: that needs no reference, and the user may be reading the online system's status,
    not one registered here."""

    def name(self) -> str:
        return "action_ask_status_reference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        kb, lang = shared_kb(), reply_language(tracker)
        lg = stored(lang)
        question = kb.phrase("status_ask_reference", lg)
        text = _text(tracker)
        hits = kb.passage_index.search(text, limit=8) if normalise_reference(text) is None else []
        # A stage named as the status shows it ("review failed"), best match first.
        stages = [h.passage for h in hits if names_stage(text, h.passage)][:2]
        if stages:
            send(dispatcher, render.Reply.of(render.merge(kb, [
                render.details(kb, stages, lang), render.say(kb, question, lang)], lang)), lang)
        else:
            send(dispatcher, render.Reply(question, []), lang)
        return only_changes(tracker, [SlotSet("lang", lang)])


class ActionTrackRegister(Action):
    def name(self) -> str:
        return "action_track_register"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        kb, lang = shared_kb(), reply_language(tracker)
        lg = stored(lang)
        pid, submitted = tracker.get_slot("track_procedure"), tracker.get_slot("track_submitted")
        reset = [SlotSet("track_procedure", None), SlotSet("track_submitted", None),
                 SlotSet("lang", lang)]
        if pid == CANCEL or not pid or not submitted or workflow_for(pid) is None:
            send(dispatcher, render.Reply(kb.phrase("track_cancelled", lg)), lang)
            return reset
        channel = (tracker.get_latest_input_channel() or "rest")
        app, code = shared_store().register(pid, date.fromisoformat(submitted), lang, channel,
                                            tracker.sender_id)
        name = pick(kb.procedure(pid).name, lg)
        refs = [kb.procedure(pid).source]
        card = render._card(kb, lg, "", [
            plain(kb.phrase("track_registered", lg, name=name, submitted=submitted,
                            reference=app.reference, code=code)),
            plain(kb.phrase("track_schedule", lg), *expected_lines(kb, app, lg)),
            *render.conflict_sections(kb, pid, "times", lg, refs)], refs)
        # Plain text only: the code must not travel in a second, structured copy that the
        # tracker store's masking (runtime/tracker_store.py) does not read.
        send(dispatcher, render.Reply(card.text()), lang)
        capture(tracker, "tracking", lang, procedure_id=pid)
        # The registering conversation may ask its status without typing the code back.
        return reset + [SlotSet("verified_reference", app.reference)]


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        named = normalise_reference(_text(tracker))
        verified = tracker.get_slot("verified_reference")
        if verified and (named is None or named == verified) and \
                shared_store().may_read(tracker.sender_id, verified):
            return []
        return domain_slots

    async def extract_status_reference(self, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if CANCEL_WORDS.match(_text(tracker)):
            return {"status_reference": CANCEL, "status_code": CANCEL}
        ref = normalise_reference(_text(tracker))
        if ref and ref != tracker.get_slot("status_reference"):
            return {"status_reference": ref}
        if tracker.get_slot("requested_slot") == "status_reference" and ref is None and \
                _intent(tracker) not in ELSEWHERE:
            return {"status_reference": None}
        return {}

    async def extract_status_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("status_reference") == CANCEL:
            return {}
        text = _text(tracker)
        without_ref = REFERENCE_RE.sub(" ", normalise(text))
        # A code is read only where one is expected: in answer to the question for it, or
        # typed right after the reference. Elsewhere any six letters ("STATUS") would do.
        asked = tracker.get_slot("requested_slot") == "status_code"
        codes = CODE_RE.findall(without_ref) if asked or REFERENCE_RE.search(
            normalise(text)) else []
        if not codes:
            if tracker.get_slot("requested_slot") == "status_code" and \
                    _intent(tracker) not in ELSEWHERE:
                return {"status_code": None}
            return {}
        return {"status_code": codes[-1].upper()}

    async def validate_status_code(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The check itself: on success only the reference is kept, never the code."""
        ref = tracker.get_slot("status_reference")
        if value in (None, CANCEL) or ref == CANCEL:
            return {"status_code": value}
        if ref is None:
            return {"status_code": None}  # asked again after the reference: never kept
        kb, lang = shared_kb(), reply_language(tracker)
        result, app = shared_store().verify(tracker.sender_id, ref, str(value),
                                            _client(tracker))
        if result is Verify.OK and app is not None:
            return {"status_code": "verified", "verified_reference": app.reference}
        if result is Verify.LOCKED:
            hotline = kb.contact_line("licence_hotline", stored(lang)).text
            send(dispatcher, render.Reply(kb.phrase(
                "status_locked", stored(lang), minutes=int(LOCKOUT.total_seconds() // 60),
                hotline=hotline)), lang)
            return {"status_code": CANCEL, "status_reference": CANCEL}
        send(dispatcher, render.Reply(kb.phrase("status_wrong", stored(lang))), lang)
        return {"status_code": None, "status_reference": None}


class ActionStatusAnswer(Action):
    def name(self) -> str:
        return "action_status_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        kb, lang = shared_kb(), reply_language(tracker)
        reset = [SlotSet("status_reference", None), SlotSet("status_code", None),
                 SlotSet("lang", lang)]
        ref = tracker.get_slot("verified_reference")
        if tracker.get_slot("status_code") == CANCEL or not ref:
            if tracker.get_slot("status_reference") == CANCEL and \
                    CANCEL_WORDS.match(_text(tracker)):
                send(dispatcher, render.Reply(kb.phrase("status_cancelled", stored(lang))), lang)
            return reset
        store = shared_store()
        app = store.get(ref) if store.may_read(tracker.sender_id, ref) else None
        if app is None:  # not granted (expired, or a forged slot), or deleted since
            return reset + [SlotSet("verified_reference", None)]
        send(dispatcher, render.Reply.of(status_card(kb, app, stored(lang))), lang)
        capture(tracker, "tracking", lang, procedure_id=app.procedure_id)
        return reset


class ActionStatusNotify(Action):
    """Run through Rasa's conversation API when staff move an application on.

    The notifier records the push in the store, sets `notify_reference`, then executes
    this action with the latest output channel, so the message reaches the user on a channel
    that can push (WeChat). Without that record (a tracker that merely names a reference)
    nothing is sent.
    """

    def name(self) -> str:
        return "action_status_notify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        kb = shared_kb()
        ref = tracker.get_slot("notify_reference")
        store = shared_store()
        app = store.get(ref) if store.take_notification(tracker.sender_id, ref) else None
        done: list[EventType] = [SlotSet("notify_reference", None)]
        if app is None or app.notify_recipient != tracker.sender_id:
            return done  # only the conversation that registered it hears about it
        lang: Lang = app.lang if app.lang in ("en", "zh-Hans", "zh-Hant") else "zh-Hans"
        lg = stored(lang)
        send(dispatcher, render.Reply(kb.phrase("status_update_intro", lg) + "\n"
                                      + status_text(kb, app, lg)), lang)
        return done
