"""Greetings, help, hand-off and the fallback: the assistant's own words, never key facts.

The fallback deliberately lists no materials: a question we did not understand must not
send anyone off with the wrong papers. It names what we can help with and the hotline.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.capture import capture
from actions.language import reply_language
from actions.slots import only_changes
from knowledge.query import KnowledgeBase, shared_kb
from knowledge.text import Lang, localise, stored
from replies.render import Reply

HOTLINE_CONTACT = "licence_hotline"



def handoff_button(kb: KnowledgeBase, lang: Lang) -> dict[str, str]:
    return {"title": kb.phrase("btn_handoff", stored(lang)), "payload": "/human_handoff"}


def hotline_text(kb: KnowledgeBase, lang: Lang) -> str:
    line = kb.contact_line(HOTLINE_CONTACT, stored(lang))
    return kb.phrase("fallback_hotline", stored(lang), hotline=line.text)


def fallback_reply(kb: KnowledgeBase, lang: Lang) -> Reply:
    text = kb.phrase("fallback", stored(lang)) + "\n\n" + hotline_text(kb, lang)
    return Reply(text, [handoff_button(kb, lang)])


def send(dispatcher: CollectingDispatcher, reply: Reply, lang: Lang) -> None:
    """One message per reply: its plain text, and an answer's card beside it (`custom`)."""
    buttons = [{**b, "title": localise(b["title"], lang)} for b in reply.buttons]
    if reply.card is None:
        dispatcher.utter_message(text=localise(reply.text, lang), buttons=buttons or None)
        return
    card = reply.card.converted(lambda text: localise(text, lang))
    dispatcher.utter_message(text=card.text(), buttons=buttons or None,
                             json_message=card.payload(lang))


# Small talk that may carry a question: it is answered when it names something of ours.
# Never a hand-off or "are you a bot": those are answered as asked.
QUESTION_IN_DISGUISE = {"help", "greet", "thanks", "goodbye"}
_NAMED = {"key_type", "procedure", "kind", "region", "office_group", "topic", "password"}


def _names_ours(kb: KnowledgeBase, tracker: Tracker) -> bool:
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    if text.startswith("/"):
        return False
    named = {e.get("entity") for e in latest.get("entities") or []}
    return bool(_NAMED & named) or bool(kb.materials_named(text))


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        lang = reply_language(tracker)
        send(dispatcher, fallback_reply(shared_kb(), lang), lang)
        capture(tracker, "fallback", lang)
        return only_changes(tracker, [SlotSet("lang", lang)])


class ActionChitchat(Action):
    def name(self) -> str:
        return "action_chitchat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        kb, lang = shared_kb(), reply_language(tracker)
        lg = stored(lang)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or "help"
        if intent in QUESTION_IN_DISGUISE and _names_ours(kb, tracker):
            # "what about Shunyi?", "hi, e-port card unlock?": a question, not small talk
            from actions.answer import ActionAnswer  # answer imports this module

            return await ActionAnswer().run(dispatcher, tracker, domain)
        kind = "chitchat"  # what the review inbox counts it as
        if intent == "human_handoff":
            lines = [kb.contact_line(HOTLINE_CONTACT, lg).text]
            reply = Reply(kb.phrase("handoff", lg) + "\n• " + "\n• ".join(lines))
        elif intent == "help":
            reply = Reply(kb.phrase("help", lg) + "\n" + kb.phrase("help_examples", lg))
        elif intent in {"greet", "goodbye", "thanks", "bot_challenge"}:
            reply = Reply(kb.phrase(intent, lg))
            if intent == "bot_challenge":
                reply.buttons.append(handoff_button(kb, lang))
        else:
            reply = fallback_reply(kb, lang)
            kind = "fallback"
        send(dispatcher, reply, lang)
        capture(tracker, kind, lang)
        return only_changes(tracker, [SlotSet("lang", lang)])
