"""action_answer: every question about the keys, answered from the knowledge base.

actions/decide.py says whether to answer and which facets are asked (materials, where, when,
...); the slots, filled by the knowledge-base entity extractor, name the key type and kind of
business. The passages of the knowledge base closest to the question are quoted first when
they answer it directly (the user name rule, who signs a letter). When the procedure cannot
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

from actions.capture import capture
from actions.chitchat import fallback_reply, send
from actions.decide import (
    EVIDENCE_SCORE,
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
from knowledge.passages import Hit, Passage, names_stage
from knowledge.query import KnowledgeBase, Resolution, pick, shared_kb
from knowledge.text import Lang, stored
from knowledge.workdays import TZ
from replies import render
from replies.card import Card

# Facets that need one procedure; the others can be answered for a key type or in general.
PROCEDURE_FACETS = {"procedure", "materials", "steps", "times", "collect", "channel",
                    "definition"}
# Passages this close to the question are quoted as its direct answer: a BM25 score of
# several shared rare terms, or fewer terms that are nearly all the question has (short
# English questions); and within 80 % of the best one.
DETAIL_MIN_SCORE = 6.0
DETAIL_SHORT_SCORE, DETAIL_SHORT_COVERAGE = 3.5, 0.9
DETAIL_RELATIVE = 0.8
DETAIL_COVERING = 0.6
MAX_DETAILS = 3
# How many of the closest passages are read: enough to reach a longer sentence that names who
# acts behind a dozen short ones that name the same letter.
PASSAGES_READ = 40
# Facets answered whole from one record, whatever the procedure.
RECORD_FACETS = {"password", "fee", "contact", "hours", "open_now", "validity"}
# A procedure is taken from the passages on weaker evidence when its sentences alone
# share the message's words: no other procedure's sentence reaches this share of its score.
DOMINANT_SCORE, DOMINANT_RATIO = 4.5, 0.6
# Facets whose answer a procedure's overview (render.overview) already contains in full.
# Not materials or times: "do I need X" and "if I submit on May 6" add to the overview's.
OVERVIEW_SHOWS = {"password"}
# Which passages a facet's own answer already shows in full.
SHOWN_BY_FACET = {"procedure": {"summary", "material", "time", "password"},
                  "materials": {"material"}, "steps": {"step"}, "times": {"time"},
                  "fee": {"fee"}, "collect": {"collect"}, "password": {"password"},
                  "contact": {"contact"}, "definition": {"summary", "note"}}


def _fits(proc: Any, kinds: list[str], channels: list[str]) -> bool:
    """A procedure agrees with the kinds and routes a message names (if it names any)."""
    return (not kinds or proc.kind_id in kinds) and (
        not channels or proc.variant is None or proc.variant in channels)


def _key_of_named(kb: KnowledgeBase, ents: dict[str, list[str]]) -> str | None:
    """The key that the offices or passwords named belong to, when they belong to one key
    only ("发证机构", "电子口岸卡密码锁了")."""
    groups, passwords = set(ents.get("office_group", [])), set(ents.get("password", []))
    keys = {p.key_type_id for p in kb.procedures.values()
            if groups & set(p.office_groups) or passwords & set(p.password_ids)}
    return keys.pop() if len(keys) == 1 else None


def _owned(hits: list[Hit]) -> str | None:
    """The procedure whose sentences alone share the message's rarer words ("外汇那一步":
    only the qualification's foreign-exchange step says 外汇), if one does."""
    if not hits or hits[0].passage.procedure_id is None or hits[0].score < DOMINANT_SCORE:
        return None
    owner = hits[0].passage.procedure_id
    runner_up = next((h.score for h in hits[1:] if h.passage.procedure_id != owner), 0.0)
    return owner if runner_up <= hits[0].score * DOMINANT_RATIO else None


def _strongest(hits: list[Hit], among: int = 3) -> Hit | None:
    """The first of the best few passages that is evidence, else the best: a short
    sentence sharing one rare word ("未通过") may outscore the one sharing four."""
    return next((h for h in hits[:among] if is_evidence(h)), hits[0] if hits else None)


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
        resolution = self._route_by_passages(kb, resolution, u.content, ents)
        hits = self._passages(kb, u.content, resolution.procedure, key_type, kinds)
        if resolution.procedure is None:
            resolution = self._by_passages(kb, resolution, hits, ents)
            if resolution.procedure is not None:
                hits = self._passages(kb, u.content, resolution.procedure, key_type, kinds)
        procedure_id = resolution.procedure.id if resolution.procedure else None
        whole = self._passages(kb, u.text, resolution.procedure, key_type, kinds)
        if not should_answer(kb, u, context, _strongest(hits), _strongest(whole),
                             _owned(hits) is not None):
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
        details = self._details(self._answering(kb, u, hits), facets)
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
            details = self._details(self._answering(kb, u, hits), [], across=True)
            # Before a question back, with no key named, the passages come from every
            # procedure: quote only what clearly answers ("open" → "account opening permit").
            if not key_type:
                # A "who" question's quotes already name someone: a strong match suffices.
                details = [h for h in details if is_evidence(h) or (
                    "who" in u.facets and h.score >= EVIDENCE_SCORE)]
            if u.materials and not details:  # what each procedure says of the document
                details = self._material_passages(kb, u.materials, key_type)
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
    def _passages(kb: KnowledgeBase, text: str, procedure: Any, key_type: str | None,
                  kinds: list[str] = ()) -> list[Hit]:
        """The knowledge base's sentences closest to the question, within what it is about:
        the procedure, else the key's and the named kinds' procedures ("does unlocking
        change the validity" is not answered from the information change)."""
        if not text.strip():
            return []
        scope: set[str | None] | None = None
        if procedure is not None:
            scope = {procedure.id, None}
        elif key_type or kinds:
            scope = {p.id for p in kb.procedures.values()
                     if key_type in (None, p.key_type_id) and _fits(p, kinds, [])} | {None}
        return kb.passage_index.search(text, scope, limit=PASSAGES_READ)

    @staticmethod
    def _by_passages(kb: KnowledgeBase, resolution: Resolution, hits: list[Hit],
                     ents: dict[str, list[str]]) -> Resolution:
        """The procedure whose own sentences answer the question, when the words alone do.

        "Which documents are scanned and uploaded?" names no kind of business, but only the
        online first application has an upload step. Taken only when the best passage is
        clear evidence, belongs to one procedure, no close runner-up belongs to another, and
        it fits any key or kind the message named.
        """
        strong_kinds = [k for k in ents.get("kind", []) if k in kb.kinds and not kb.kinds[k].weak]
        if resolution.ask == "key_type" and (strong_kinds or not ents.get("kind")):
            return resolution  # nothing, or a kind both keys have: which key is a real question
        kinds, channels = ents.get("kind", []), ents.get("channel", [])
        hits = [h for h in hits if h.passage.procedure_id is None or _fits(
            kb.procedure(h.passage.procedure_id), kinds, channels)]
        if not hits or hits[0].passage.procedure_id is None:
            return resolution
        best = hits[0]
        owner = best.passage.procedure_id
        runner_up = next((h.score for h in hits[1:] if h.passage.procedure_id != owner), 0.0)
        if runner_up >= best.score * DETAIL_RELATIVE:
            return resolution
        # Clear evidence, or a rarer word only this procedure's sentences contain ("外汇").
        if not (is_evidence(best) or _owned(hits) is not None):
            return resolution
        proc = kb.procedure(best.passage.procedure_id)
        if strong_kinds and proc.kind_id not in strong_kinds:
            return resolution
        if ents.get("key_type") and proc.key_type_id not in ents["key_type"]:
            return resolution
        return Resolution(proc)

    @staticmethod
    def _route_by_passages(kb: KnowledgeBase, resolution: Resolution, content: str,
                           ents: dict[str, list[str]]) -> Resolution:
        """Another route of the same key and kind, when its own sentence is what the message
        says ("非机电产品自动进口许可证申领系统的用户收到电子钥匙后": the offline route's
        step), and nothing but the default route chose the first one."""
        proc = resolution.procedure
        if proc is None or ents.get("procedure") or ents.get("channel"):
            return resolution
        best = next(iter(kb.passage_index.search(content, None, limit=1)), None) \
            if content.strip() else None
        owner = best.passage.procedure_id if best else None
        if owner is None or owner == proc.id or not is_evidence(best):
            return resolution
        other = kb.procedure(owner)
        if (other.key_type_id, other.kind_id) != (proc.key_type_id, proc.kind_id):
            return resolution
        return Resolution(other, alternatives=(proc,))

    @staticmethod
    def _material_passages(kb: KnowledgeBase, material_ids: list[str], key_type: str | None
                           ) -> list[Hit]:
        """The material lines naming these documents, one per distinct wording."""
        wanted = {f"{p.id}/material/{pm.position}" for p in kb.procedures.values()
                  if key_type in (None, p.key_type_id)
                  for pm in p.materials if pm.material_id in material_ids}
        seen: dict[str, Hit] = {}
        for passage in kb.passage_index.passages:
            if passage.id in wanted:
                seen.setdefault(passage.zh, Hit(passage, 0.0, 0.0))
        return list(seen.values())[:3]

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
    def _answering(kb: KnowledgeBase, u: Understanding, hits: list[Hit]) -> list[Hit]:
        """The passages that can answer the kind of question asked: "who signs it" is
        answered by a sentence naming someone ("由受托人签字"), not by the shorter one
        that only says the letter is signed. A stage's meaning ("已提交：...") answers only
        a message that names the stage."""
        hits = [h for h in hits if h.passage.kind != "stage" or names_stage(u.text, h.passage)]
        if "who" not in u.facets:
            return hits
        named = [h for h in hits if kb.names_actor(h.passage.zh) or kb.names_actor(h.passage.en)]
        return named or hits

    @staticmethod
    def _details(hits: list[Hit], facets: list[str], across: bool = False) -> list[Hit]:
        """Passages that answer the question directly and the facet answers do not show.

        Besides those close to the best, a passage with all of the best one's terms counts
        even when it is longer (BM25 shortens the score of long sentences): "用户名" is ruled
        in a long step of the first application as well as in the reissue's short one.
        ``across`` procedures, each procedure's best passage only.
        """
        if not hits:
            return []
        best = hits[0]
        if best.score < DETAIL_MIN_SCORE and not (
                best.score >= DETAIL_SHORT_SCORE and best.coverage >= DETAIL_SHORT_COVERAGE):
            return []
        shown = set().union(*(SHOWN_BY_FACET.get(f, set()) for f in facets))
        out: list[Hit] = []
        said: set[str] = set()  # the same sentence in four procedures is said once
        seen: set[tuple[str, str]] = set()
        for h in hits:
            close = h.score >= best.score * DETAIL_RELATIVE
            as_full = (best.terms >= 2 and h.coverage >= best.coverage
                       and h.terms >= best.terms and h.score >= best.score * DETAIL_COVERING)
            owner, kind = h.passage.procedure_id, h.passage.kind
            # Across procedures, one passage of a kind per procedure, and its summary only
            # alone: the summary restates what its steps say.
            again = across and owner is not None and (
                (owner, kind) in seen or (kind == "summary" and any(o == owner for o, _ in seen)))
            if not (close or as_full) or kind in shown or again or h.passage.zh in said:
                continue
            if owner is not None:
                seen.add((owner, "summary" if kind == "summary" else kind))
            said.add(h.passage.zh)
            out.append(h)
        # Where the sources disagree the answer must say so: a conflict that qualifies is
        # never the one left out.
        shown, rest = out[:MAX_DETAILS], out[MAX_DETAILS:]
        conflict = next((h for h in rest if h.passage.kind == "conflict"), None)
        if conflict and not any(h.passage.kind == "conflict" for h in shown):
            shown[-1] = conflict
        return shown

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
            used = [] if "steps" in asked else self._steps_using(kb, procedure_id, ids)
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
    def _steps_using(kb: KnowledgeBase, procedure_id: str | None, contact_ids: list[str]
                     ) -> list[Passage]:
        """A procedure's steps that name one of these websites or systems by address."""
        if procedure_id is None:
            return []
        addresses = [kb.contacts[c].value for c in contact_ids if "." in kb.contacts[c].value]
        return [p for p in kb.passage_index.passages
                if p.procedure_id == procedure_id and p.kind == "step"
                and any(a in p.zh for a in addresses)][:MAX_DETAILS]

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
