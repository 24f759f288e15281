"""action_answer: every question about the keys, answered from the knowledge base.

The intent names the facet asked about (materials, where, when, ...); the slots, filled by
the knowledge-base entity extractor, name the key type and kind of business. When the
procedure cannot be known, the user gets a clarifying question with buttons and the facet is
kept, so the answer follows the click.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import render
from actions.chitchat import fallback_reply, send
from actions.language import reply_language
from actions.slots import only_changes
from knowledge.dates import parse_date
from knowledge.query import KnowledgeBase, Resolution, pick, shared_kb
from knowledge.text import Lang
from knowledge.workdays import TZ

FACET_OF_INTENT = {
    "ask_procedure": "procedure", "ask_materials": "materials", "ask_steps": "steps",
    "ask_location": "location", "ask_hours": "hours", "ask_open_now": "open_now",
    "ask_duration": "times", "ask_fee": "fee", "ask_contact": "contact",
    "ask_password": "password", "ask_channel": "channel", "ask_collect": "collect",
    "ask_binding": "binding",
}
# Facets that need one procedure; the others can be answered for a key type or in general.
PROCEDURE_FACETS = {"procedure", "materials", "steps", "times", "fee", "collect", "channel"}
# Below this confidence a question that names nothing we know is treated as out of scope.
UNGROUNDED_MIN_CONFIDENCE = 0.85


def latest_entities(tracker: Tracker) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ent in (tracker.latest_message or {}).get("entities") or []:
        values = out.setdefault(ent["entity"], [])
        if ent.get("value") not in values:
            values.append(ent.get("value"))
    return out


class ActionAnswer(Action):
    def name(self) -> str:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return only_changes(tracker, self._respond(dispatcher, tracker))

    def _respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        kb = shared_kb()
        lang = reply_language(tracker)
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or ""
        facet = FACET_OF_INTENT.get(intent) or tracker.get_slot("pending_facet") or "procedure"
        ents = latest_entities(tracker)
        events: list[EventType] = [SlotSet("lang", lang)]

        if self._ungrounded(tracker, ents, intent):
            reply = fallback_reply(kb, lang)
            send(dispatcher, reply, lang)
            return events

        topic = next(iter(ents.get("topic", [])), None)
        not_covered = topic is not None and kb.topics[topic].not_covered
        if facet == "binding" or (topic and (facet in {"procedure", "steps"} or not_covered)):
            topic = topic or "ail_binding"
            send(dispatcher, render.Reply(render.topic(kb, topic, lang)), lang)
            return events + [SlotSet("pending_facet", None)]

        resolution = self._resolve(kb, tracker, ents)
        procedure_id = resolution.procedure.id if resolution.procedure else None
        if procedure_id:
            proc = resolution.procedure
            events += [SlotSet("procedure", procedure_id), SlotSet("key_type", proc.key_type_id),
                       SlotSet("kind", proc.kind_id), SlotSet("pending_facet", None)]
        if facet in PROCEDURE_FACETS and procedure_id is None:
            send(dispatcher, self._clarify(kb, resolution, tracker, lang), lang)
            return events + [SlotSet("pending_facet", facet)]

        reply = self._answer(kb, facet, procedure_id, tracker, ents, lang)
        if procedure_id and facet in PROCEDURE_FACETS and resolution.alternatives:
            offer, buttons = render.alternatives_buttons(
                kb, [p.id for p in resolution.alternatives], "en" if lang == "en" else "zh")
            reply.text += "\n\n" + "\n".join(offer)
            reply.buttons += buttons
        send(dispatcher, reply, lang)
        return events

    @staticmethod
    def _ungrounded(tracker: Tracker, ents: dict[str, list[str]], intent: str) -> bool:
        """A confident-looking question that names nothing of ours, with no context to lean on."""
        if ents or intent == "inform":
            return False
        context = any(tracker.get_slot(s) for s in ("procedure", "key_type", "kind"))
        confidence = float(((tracker.latest_message or {}).get("intent") or {})
                           .get("confidence") or 0.0)
        return not context and confidence < UNGROUNDED_MIN_CONFIDENCE

    @staticmethod
    def _resolve(kb: KnowledgeBase, tracker: Tracker, ents: dict[str, list[str]]) -> Resolution:
        named = [p for p in ents.get("procedure", []) if p in kb.procedures]
        if named:
            proc = kb.procedure(named[0])
            others = [kb.procedure(p) for p in named[1:]]
            return Resolution(proc, alternatives=tuple(others))
        slot = tracker.get_slot
        steering = {"key_type", "kind", "channel", "region"} & set(ents)
        if not steering and slot("procedure") in kb.procedures:
            return Resolution(kb.procedure(slot("procedure")))
        return kb.resolve(slot("key_type"), slot("kind"), slot("channel"), slot("region"))

    @staticmethod
    def _clarify(kb: KnowledgeBase, res: Resolution, tracker: Tracker, lang: Lang
                 ) -> render.Reply:
        lg = "en" if lang == "en" else "zh"
        if res.ask == "key_type" and res.options:
            buttons = [{"title": pick(kb.key_types[k].name, lg),
                        "payload": f'/inform{{"key_type":"{k}"}}'} for k in res.options]
            return render.Reply(kb.phrase("ask_key_type", lg), buttons)
        if res.ask == "kind" and res.options:
            key = tracker.get_slot("key_type")
            key_name = pick(kb.key_types[key].short, lg) if key in kb.key_types else ""
            buttons = [{"title": pick(kb.procedure(p).name, lg),
                        "payload": f'/inform{{"procedure":"{p}"}}'} for p in res.options]
            return render.Reply(kb.phrase("ask_kind", lg, key=key_name), buttons)
        buttons = [{"title": pick(kb.key_types[k].name, lg),
                    "payload": f'/inform{{"key_type":"{k}"}}'} for k in kb.key_types]
        return render.Reply(kb.phrase("ask_anything", lg), buttons)

    def _answer(self, kb: KnowledgeBase, facet: str, procedure_id: str | None,
                tracker: Tracker, ents: dict[str, list[str]], lang: Lang) -> render.Reply:
        if procedure_id and facet in PROCEDURE_FACETS:
            if facet == "times":
                text = (tracker.latest_message or {}).get("text") or ""
                submitted = parse_date(text, datetime.now(TZ).date())
                return render.Reply(render.times(kb, procedure_id, lang, submitted))
            renderer = {"procedure": render.overview, "materials": render.materials,
                        "steps": render.steps, "fee": render.fee, "collect": render.collect,
                        "channel": render.channel}[facet]
            return render.Reply(renderer(kb, procedure_id, lang))
        lg = "en" if lang == "en" else "zh"
        key_type = tracker.get_slot("key_type")
        scope = self._scope_procedures(kb, procedure_id, key_type)
        if facet == "password":
            named = ents.get("password", [])
            lines = ([kb.password_line(p, lg) for p in named] if named else
                     [kb.password_line(p, lg) for p in self._union(kb, scope, "password_ids")]
                     or kb.passwords_for(None, lg))
            return render.Reply(render.passwords(kb, lines, lang))
        if facet == "contact":
            # A key type's own contacts; with no key named, every contact we know.
            ids = self._union(kb, scope, "contact_ids") if scope else list(kb.contacts)
            office_list = self._offices(kb, scope, tracker, ents, lg)
            phones = [o for o in office_list if o.phone]
            lines = [kb.contact_line(c, lg) for c in ids]
            blocks = [render.contacts(kb, lines, lang)] if lines else []
            if phones:
                blocks.append(render.offices(kb, phones, lang, with_hours=False))
            return render.Reply("\n\n".join(blocks) or render.offices(kb, office_list, lang))
        office_list = self._offices(kb, scope, tracker, ents, lg)
        if facet == "hours":
            return render.Reply(render.hours(kb, office_list, lang))
        if facet == "open_now":
            return render.Reply(render.open_now(kb, office_list, lang, datetime.now(TZ)))
        return render.Reply(render.offices(kb, office_list, lang))

    @staticmethod
    def _scope_procedures(kb: KnowledgeBase, procedure_id: str | None,
                          key_type: str | None) -> list[str]:
        if procedure_id:
            return [procedure_id]
        if key_type:
            return [p.id for p in kb.procedures.values() if p.key_type_id == key_type]
        return []

    @staticmethod
    def _union(kb: KnowledgeBase, procedure_ids: list[str], attr: str) -> list[str]:
        out: list[str] = []
        for pid in procedure_ids:
            out += [x for x in getattr(kb.procedure(pid), attr) if x not in out]
        return out

    def _offices(self, kb: KnowledgeBase, scope: list[str], tracker: Tracker,
                 ents: dict[str, list[str]], lg: str) -> list:
        groups = ents.get("office_group") or self._union(kb, scope, "office_groups")
        region = tracker.get_slot("region")
        if not groups:
            return kb.offices_for(region=region, lang=lg)
        out = []
        for g in groups:
            out += kb.offices_for(group=g, region=region, lang=lg)
        return out
