"""action_answer: every question about the keys, answered from the knowledge base.

actions/decide.py says whether to answer and which facets are asked (materials, where, when,
...); the slots, filled by the knowledge-base entity extractor, name the key type and kind of
business. The passages of the knowledge base that answer the question directly are quoted
first (actions/quoting.py: the user name rule, who signs a letter). When the procedure cannot
be known, the user gets a clarifying question with buttons and the facet is kept, so the
answer follows the click. Out-of-scope and low-confidence messages come here too, and are
refused only when they name nothing of ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import quoting
from actions.capture import capture
from actions.chitchat import fallback_reply, send
from actions.decide import (
    REFUSED_INTENTS,
    Understanding,
    facets_asked,
    is_evidence,
    should_answer,
    understand,
)
from actions.language import reply_language
from actions.slots import only_changes
from knowledge.dates import parse_date
from knowledge.query import KnowledgeBase, Resolution, pick, shared_kb
from knowledge.text import Lang, stored
from knowledge.workdays import TZ
from replies import render
from replies.card import Card

# Facets that need one procedure; the others can be answered for a key type or in general.
PROCEDURE_FACETS = {"procedure", "materials", "steps", "times", "collect", "channel",
                    "definition"}
# Facets answered whole from one record, whatever the procedure.
RECORD_FACETS = {"password", "fee", "contact", "hours", "open_now", "validity"}
# Facets whose answer a procedure's overview (render.overview) already contains in full.
# Not materials or times: "do I need X" and "if I submit on May 6" add to the overview's.
OVERVIEW_SHOWS = {"password"}


def _key_of_named(kb: KnowledgeBase, ents: dict[str, list[str]]) -> str | None:
    """The key that the offices or passwords named belong to, when they belong to one key
    only ("发证机构", "电子口岸卡密码锁了")."""
    groups, passwords = set(ents.get("office_group", [])), set(ents.get("password", []))
    keys = {p.key_type_id for p in kb.procedures.values()
            if groups & set(p.office_groups) or passwords & set(p.password_ids)}
    return keys.pop() if len(keys) == 1 else None


class ActionAnswer(Action):
    def name(self) -> str:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return only_changes(tracker, self._respond(dispatcher, tracker))

    def _respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        kb = shared_kb()
        lang = reply_language(tracker)
        lg = stored(lang)
        u = understand(kb, self._question(kb, tracker))
        ents = u.entities
        events: list[EventType] = [SlotSet("lang", lang)]
        # A conversation that named a key earlier or already got an answer gives follow-ups
        # context; the slots this very message filled are not context.
        context = bool(tracker.get_slot("last_facet")) or any(
            tracker.get_slot(s) and tracker.get_slot(s) not in ents.get(s, [])
            for s in ("procedure", "key_type", "kind"))

        resolution = self._resolve(kb, tracker, ents)
        # A password belongs to one card; an office named does not narrow the search, as
        # customs offices also register the companies that later apply for cards.
        key_type = ents["key_type"][0] if "key_type" in ents else (
            tracker.get_slot("key_type")
            or _key_of_named(kb, {"password": ents.get("password", [])}))
        # A weak kind ("new", "apply") does not narrow the search; "unlocking" does.
        kinds = [k for k in ents.get("kind", []) if k in kb.kinds and not kb.kinds[k].weak]
        resolution = quoting.route_by_passages(kb, resolution, u.content, ents)
        hits = quoting.passages(kb, u.content, resolution.procedure, key_type, kinds)
        if resolution.procedure is None:
            resolution = quoting.procedure_by_passages(kb, resolution, hits, ents)
            if resolution.procedure is not None:
                hits = quoting.passages(kb, u.content, resolution.procedure, key_type, kinds)
        procedure_id = resolution.procedure.id if resolution.procedure else None
        whole = quoting.passages(kb, u.text, resolution.procedure, key_type, kinds)
        if not should_answer(kb, u, context, quoting.strongest(hits), quoting.strongest(whole),
                             quoting.owned(hits) is not None):
            send(dispatcher, fallback_reply(kb, lang), lang)
            capture(tracker, "out_of_scope" if u.intent == "out_of_scope" else "fallback", lang)
            return events

        asked = facets_asked(u, tracker.get_slot("pending_facet"),
                             tracker.get_slot("last_facet") if context else None)
        facets = asked or ["procedure"]
        topic = self._topic(kb, u, facets, resolution.procedure is not None)
        if topic is None and facets[0] == "binding":
            facets = ["steps", *facets[1:]]  # the Single Window rule is not what is asked
        if topic:
            send(dispatcher, render.Reply.of(render.topic(kb, topic, lang)), lang)
            capture(tracker, "not_covered" if kb.topics[topic].not_covered else "topic", lang,
                    facet=facets[0])
            return events + [SlotSet("pending_facet", None)]
        events.append(SlotSet("last_facet", facets[0]))

        if procedure_id:
            proc = resolution.procedure
            events += [SlotSet("procedure", procedure_id), SlotSet("key_type", proc.key_type_id),
                       SlotSet("kind", proc.kind_id), SlotSet("pending_facet", None)]
        details = quoting.details(quoting.answering(kb, u, hits), facets)
        if details and not asked and u.intent in REFUSED_INTENTS:
            # Kept only for what our sentences say ("激活邮件收不到"): those sentences are the
            # answer, not an overview of a procedure that nobody asked for.
            send(dispatcher, render.Reply.of(
                render.details(kb, [h.passage for h in details], lang)), lang)
            return events
        needs_procedure = [f for f in facets if f in PROCEDURE_FACETS]
        if facets[0] == "location" and not (key_type or "office_group" in ents):
            needs_procedure = ["location"]  # which key? their offices differ
        if needs_procedure and procedure_id is None:
            reply = self._clarify(kb, resolution, tracker, lang)
            # No facet is answered before the question back, so no passage is shown by one;
            # one passage per procedure, as each procedure may say it differently.
            details = quoting.details(quoting.answering(kb, u, hits), [], across=True)
            # Before a question back, with no key named, the passages come from every
            # procedure: quote only what clearly answers ("open" → "account opening permit").
            if not key_type:
                details = quoting.clear_only(details, u)
            if u.materials and not details:  # what each procedure says of the document
                details = quoting.material_passages(kb, u.materials, key_type)
            if details:
                reply = render.Reply.of(render.merge(kb, [
                    render.details(kb, [h.passage for h in details], lang),
                    render.say(kb, reply.text, lang)], lang), reply.buttons)
            send(dispatcher, reply, lang)
            capture(tracker, "clarify", lang, facet=needs_procedure[0])
            return events + [SlotSet("pending_facet", needs_procedure[0])]

        if "procedure" in facets:  # the overview lists them already
            facets = [f for f in facets if f not in OVERVIEW_SHOWS]
        cards = [self._answer(kb, f, procedure_id, tracker, u, lang, facets) for f in facets]
        # Beside an answer read from a record (a password, a fee, an office's hours or phone)
        # a quote must clearly add to it: several of the message's own terms, not one word
        # that every sentence has ("system", "customs").
        if details and set(facets) <= RECORD_FACETS and not is_evidence(details[0]):
            details = []
        if details:
            cards.insert(0, render.details(kb, [h.passage for h in details], lang))
        buttons: list[dict[str, str]] = []
        if procedure_id and set(facets) & PROCEDURE_FACETS and resolution.alternatives:
            offer, buttons = render.alternatives_buttons(
                kb, [p.id for p in resolution.alternatives], lg)
            cards.append(render.say(kb, "\n".join(offer), lang))
        send(dispatcher, render.Reply.of(render.merge(kb, cards, lang), buttons), lang)
        capture(tracker, "answer", lang, procedure_id=procedure_id, facet=facets[0])
        return events

    @staticmethod
    def _question(kb: KnowledgeBase, tracker: Tracker) -> dict[str, Any]:
        """The message to answer: the latest, or for "answer in English" the one before it."""
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if (latest.get("intent") or {}).get("name") != "inform" or \
                kb.requested_language(text)[0] is None:
            return latest
        for event in reversed(tracker.events):
            data = event.get("parse_data") or {}
            if event.get("event") == "user" and data.get("text") not in (None, text):
                return data
        return latest


    @staticmethod
    def _topic(kb: KnowledgeBase, u: Understanding, facets: list[str], resolved: bool
               ) -> str | None:
        """A stand-alone rule (topics.yaml) answers when it is what the message is about.

        Its words are broad ("单一窗口", "bind"), so when the message also names a key, a kind
        of business or a procedure, the rule must also be the closest passage to win.
        """
        topic = next(iter(u.entities.get("topic", [])), None)
        if topic is not None and kb.topics[topic].not_covered:
            return topic  # "公司改名了怎么办": whatever is asked, the sources do not cover it
        if facets[0] == "binding":
            topic = topic or "ail_binding"
        elif not (topic and facets[0] in {"procedure", "steps"}):
            return None
        if resolved and facets[0] != "binding":
            return None  # the procedure the message names answers it
        named = {"key_type", "kind", "procedure"} & set(u.entities)
        # Closest among all our sentences, not only the procedure's the message seemed to
        # name: "电子许可证系统的用户收到电子钥匙后还要干啥" is another route's step, not
        # the Single Window rule.
        closest = kb.passage_index.search(u.content, None, limit=1) if named else []
        return topic if not named or (closest and closest[0].passage.id == f"topic/{topic}") \
            else None


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
        key_type = slot("key_type") or _key_of_named(kb, ents)
        res = kb.resolve(key_type, slot("kind"), slot("channel"), slot("region"))
        if res.ask == "kind" and key_type and slot("channel"):
            # "e-port card on site": only one procedure of that key has that route
            routes = [p for p in kb.procedures.values()
                      if p.key_type_id == key_type and p.variant == slot("channel")]
            if len(routes) == 1:
                return Resolution(routes[0])
        return res

    @staticmethod
    def _clarify(kb: KnowledgeBase, res: Resolution, tracker: Tracker, lang: Lang
                 ) -> render.Reply:
        lg = stored(lang)
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
                tracker: Tracker, u: Understanding, lang: Lang,
                asked: tuple[str, ...] | list[str] = ()) -> Card:
        ents = u.entities
        lg = stored(lang)
        key_type = tracker.get_slot("key_type")
        if ents.get("key_type"):
            key_type = ents["key_type"][0]
        if facet == "materials" and procedure_id and u.materials:
            return render.merge(kb, [render.material_check(kb, procedure_id, u.materials, lang),
                                     render.materials(kb, procedure_id, lang)], lang)
        if facet == "fee" and procedure_id is None:
            return render.fee_overview(
                kb, self._scope_procedures(kb, None, key_type), lang)
        if facet == "validity":
            return render.validity(kb, procedure_id, key_type, lang)
        if procedure_id and (facet in PROCEDURE_FACETS or facet == "fee"):
            if facet == "times":
                text = (tracker.latest_message or {}).get("text") or ""
                submitted = parse_date(text, datetime.now(TZ).date())
                return render.times(kb, procedure_id, lang, submitted)
            if facet == "collect" and not kb.collect_for(procedure_id, lg):
                return render.merge(kb, [render.collect(kb, procedure_id, lang),
                                         render.steps(kb, procedure_id, lang)], lang)
            renderer = {"procedure": render.overview, "materials": render.materials,
                        "steps": render.steps, "fee": render.fee, "collect": render.collect,
                        "channel": render.channel, "definition": render.definition}[facet]
            return renderer(kb, procedure_id, lang)
        scope = self._scope_procedures(kb, procedure_id, key_type)
        if len(u.key_types) > 1 and facet in {"password", "contact"}:
            scope = [p for k in u.key_types for p in self._scope_procedures(kb, None, k)]
        if facet == "password":
            named = ents.get("password", [])
            lines = ([kb.password_line(p, lg) for p in named] if named else
                     [kb.password_line(p, lg) for p in self._union(kb, scope, "password_ids")]
                     or kb.passwords_for(None, lg))
            return render.passwords(kb, lines, lang)
        if facet == "contact" and procedure_id and not (
                kb.procedure(procedure_id).contact_ids or kb.procedure(procedure_id).office_groups):
            return render.steps(kb, procedure_id, lang)  # the steps name them
        if facet == "contact":
            # A key type's own contacts, and its region's ("北京…在哪看": the Beijing portal
            # and the forms' page); with no key named, every contact we know.
            region = tracker.get_slot("region")
            key = kb.procedure(procedure_id).key_type_id if procedure_id else key_type
            local = [p.id for p in kb.procedures.values()
                     if p.region in kb.regions_around(region)
                     and p.key_type_id == key and p.id not in scope]
            ids = self._union(kb, scope + local, "contact_ids") if scope else list(kb.contacts)
            office_list = self._offices(kb, scope, tracker, ents, lg)
            phones = [o for o in office_list if o.phone]
            lines = [kb.contact_line(c, lg) for c in ids]
            blocks = [render.contacts(kb, lines, lang)] if lines else []
            used = [] if "steps" in asked else quoting.steps_using(kb, procedure_id, ids)
            if used:  # "在哪个系统填表，怎么登录": the system, and the step that uses it
                blocks.append(render.details(kb, used, lang))
            if phones:
                blocks.append(render.offices(kb, phones, lang, with_hours=False))
            return (render.merge(kb, blocks, lang) if blocks
                    else render.offices(kb, office_list, lang))
        office_list = self._offices(kb, scope, tracker, ents, lg)
        if facet == "hours":
            return render.hours(kb, office_list, lang)
        if facet == "open_now":
            return render.open_now(kb, office_list, lang, datetime.now(TZ))
        if procedure_id and not kb.procedure(procedure_id).office_groups:
            return render.steps(kb, procedure_id, lang)  # the steps say where
        where = render.offices(kb, office_list, lang)
        if procedure_id and "materials" not in asked:
            # nobody should cross Beijing without knowing what to bring
            where = render.merge(kb, [render.materials(kb, procedure_id, lang), where], lang)
        return where


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
