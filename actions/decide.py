"""Decide what a message asks, from three kinds of evidence, before any fact is fetched.

The classifier's intent alone is a single label with a probability. It cannot say that a
message asks two things ("要准备什么材料，大概多久能拿到"), and a message that names the
licence e-key in full can still land on "out of scope" when its wording is unlike the
training data. So the decision combines:

- the intent and its ranking (what kind of question, and how sure),
- the knowledge base's own words found in the message: keys, procedures, offices, systems
  (entities), documents (materials) and question words (facets, knowledge/data/facets.yaml),
- the conversation so far (a key or procedure named earlier).

A message that names something only this assistant knows about is never refused: at worst it
gets a question about what it named. A message the classifier calls out of scope, and that
names nothing of ours, is refused however it is worded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from knowledge.passages import Hit
from knowledge.query import KnowledgeBase
from rasa_project.intents import FACET_OF_INTENT, INTENT_OF_FACET

# Facets with an answer of their own; the others (status, track) only steer the forms.
ANSWERED_FACETS = set(FACET_OF_INTENT.values()) | {"validity", "definition"}
REFUSED_INTENTS = {"out_of_scope", "nlu_fallback"}
# Named things the passage search looks past: those that choose the procedure, and a
# system's password, answered from its own record ("电子口岸卡密码" would otherwise pull in
# every sentence about the card), and a region, which chooses its own procedure ("北京这边"
# alone would quote every Beijing sentence). Office names stay: "海关注册" is a step.
SCOPE_ENTITIES = {"key_type", "kind", "procedure", "channel", "password", "region"}
# Named things that belong to this assistant alone. A kind of business ("补办", "locked") is
# not among them: other cards get lost and locked too.
OWN_ENTITIES = {"key_type", "procedure", "office_group", "topic", "password"}
# A second facet named by its cue words is answered when the classifier gives its intent at
# least this probability: the cue says it is mentioned, the classifier that it is asked.
SECOND_FACET_SUPPORT = 0.01
MAX_FACETS = 3
# Kinds of business a password is the symptom of: "my card password is locked" asks how to
# unlock the card as well as what the password is.
PASSWORD_SYMPTOM_KINDS = {"unlock"}
# Below this, an in-scope intent for a message that names nothing of ours, with no context,
# is a guess (logistic-regression probabilities over 23 intents; see the README).
UNGROUNDED_MIN_CONFIDENCE = 0.7
# Below this the classifier's facet gives way to an explicit "是什么意思".
UNSURE = 0.6
# "那平时呢", "what about the e-port card?": a short continuation of the conversation.
FOLLOW_UP_MAX_CHARS = 24
# A knowledge-base passage that shares this much with a message (BM25 score, and share of the
# message's known terms) is evidence that the message is about us: several rare terms of one
# stated fact, not one common word (knowledge/passages.py).
EVIDENCE_SCORE = 7.0
EVIDENCE_COVERAGE = 0.5
IN_SCOPE_EVIDENCE = 5.0
# Against an out-of-scope reading, two shared words are not enough: "import" and "code" are
# in our sentences and in a question about tariff codes.
OUT_OF_SCOPE_TERMS = 3


@dataclass(frozen=True)
class Understanding:
    """One message as the decision sees it."""

    text: str
    intent: str
    confidence: float
    ranking: dict[str, float]
    entities: dict[str, list[str]]
    facets: list[str] = field(default_factory=list)      # cue words, in order of mention
    materials: list[str] = field(default_factory=list)   # documents named
    lookalike: bool = False                              # another card or licence is named
    # The text without the names that choose the procedure (key, kind, procedure) and the
    # question words: what it says beyond them, which is what the passage search looks for
    # ("外汇那一步要带什么材料" → "外汇那一步";
    # "经营范围没有进出口 能去办对外贸易经营者备案吗" → "经营范围没有进出口 能去办 吗").
    content: str = ""
    key_types: list[str] = field(default_factory=list)   # every key named, not just the first
    # A facet whose cue is only part of another facet's longer cue, and the longer one's
    # facet: in "在哪看" the classifier may hear "在哪" (location), the user asks where to
    # read it (contact).
    swallowed: dict[str, str] = field(default_factory=dict)
    district: bool = False  # a district is named ("朝阳区"): a question about a place


def understand(kb: KnowledgeBase, message: dict[str, Any]) -> Understanding:
    """Read Rasa's parse of the latest message, adding what the knowledge base recognises."""
    text = message.get("text") or ""
    intent = message.get("intent") or {}
    ranking = {r.get("name"): float(r.get("confidence") or 0.0)
               for r in message.get("intent_ranking") or [] if r.get("name")}
    typed = not text.startswith("/")  # button payloads carry no question words
    others = kb.lookalike_spans(text) if typed else []
    entities: dict[str, list[str]] = {}
    content = list(text)
    documents = [(mt.start, mt.end) for mt in kb.material_matcher.find(text)] if typed else []
    for ent in message.get("entities") or []:
        start, end = ent.get("start"), ent.get("end")
        if isinstance(start, int) and isinstance(end, int) and any(
                a <= start and end <= b for a, b in others):
            continue  # "许可证" inside "食品经营许可证" is not our licence e-key
        values = entities.setdefault(str(ent.get("entity")), [])
        if ent.get("value") not in values:
            values.append(ent.get("value"))
        if ent.get("entity") in SCOPE_ENTITIES and isinstance(start, int) and isinstance(end, int) \
                and not any(a <= start and end <= b for a, b in documents):
            content[start:end] = " " * (end - start)  # "电子签章" in a letter's name stays
    swallowed: dict[str, str] = {}
    for mt in kb.matcher.find(text) if typed else []:
        # Every region and kind of business named, not only the one the slots keep: "in
        # Beijing ... near Haidian" is a place to look in, not words to look for. Not a weak
        # kind ("申领过" says something), nor a key's looser names ("许可证" in
        # "自动进口许可证申领系统" names another system).
        strong_kind = mt.entity == "kind" and not kb.kinds[mt.target_id].weak
        if (strong_kind or mt.entity == "region") and not any(
                a <= mt.start and mt.end <= b for a, b in documents + others):
            content[mt.start:mt.end] = " " * (mt.end - mt.start)
    for cue in kb.facet_matcher.find(text) if typed else []:
        if cue.target_id in ANSWERED_FACETS:  # "通知我" is about the subject, not a question
            content[cue.start:cue.end] = " " * (cue.end - cue.start)
            for inner in kb.facet_matcher.inside(cue.term) - {cue.target_id}:
                swallowed.setdefault(inner, cue.target_id)
    return Understanding(
        text=text, intent=str(intent.get("name") or ""),
        confidence=float(intent.get("confidence") or 0.0), ranking=ranking, entities=entities,
        facets=kb.facets_named(text) if typed else [],
        materials=kb.materials_named(text) if typed else [], lookalike=bool(others),
        content="".join(content) if typed else "",
        key_types=kb.entities(text).get("key_type", []) if typed else [],
        swallowed=swallowed,
        district=any(kb.regions[r].within for r in entities.get("region", [])
                     if r in kb.regions))


def facets_asked(u: Understanding, pending: str | None = None,
                 previous: str | None = None) -> list[str]:
    """Every facet the message asks, the classifier's first; empty when none is named.

    ``pending`` is the facet of an open clarifying question; ``previous`` the facet answered
    last, which a follow-up without a question word of its own asks again ("那电子口岸卡呢").
    """
    primary = FACET_OF_INTENT.get(u.intent) or (pending if u.intent == "inform" else None)
    if primary in u.swallowed and primary not in u.facets:
        primary = u.swallowed[primary]  # the user's own words were the longer cue's
    if primary is None and not ANSWERED_FACETS & set(u.facets) and not u.materials:
        primary = pending or previous
    if primary in {"procedure", None} and u.district and not ANSWERED_FACETS & set(u.facets) \
            and not u.materials:
        primary = "location"  # "朝阳区有没有得办电子口岸卡": where, in that district
    out = [primary] if primary else []
    if primary == "password" and PASSWORD_SYMPTOM_KINDS & set(u.entities.get("kind", [])):
        out.append("procedure")  # "密码锁了怎么办": the unlocking, beside the password
    if "validity" in u.facets and primary in {"times", "procedure", None}:
        out = ["validity"]  # "有效期多久" asks how long the card is valid, not processing time
    elif "definition" in u.facets and (primary in {"procedure", None}
                                       or u.confidence < UNSURE):
        out = ["definition"]  # "首次申领是什么意思": who it is for and what the sources note
    for facet in u.facets:
        if facet in out or facet in {"procedure", "definition"} or facet not in ANSWERED_FACETS:
            continue  # a definition is asked instead of an overview, never beside answers
        if facet == "times" and "validity" in out:
            continue  # "how long valid": the "how long" is the validity's
        intent = INTENT_OF_FACET.get(facet)
        support = u.ranking.get(intent, 0.0) if intent else 1.0
        if primary is None or support >= SECOND_FACET_SUPPORT:
            out.append(facet)
    if u.materials and "materials" not in out and primary in {None, "procedure"}:
        out.append("materials")  # "营业执照要带吗"
    return out[:MAX_FACETS]


def names_our_things(kb: KnowledgeBase, u: Understanding) -> bool:
    """A key, procedure, office, system or stand-alone rule of ours is named."""
    return bool(OWN_ENTITIES & set(u.entities))


def is_evidence(hit: Hit | None, score: float = 0.0, terms: int = 2) -> bool:
    """The best passage shares enough of the message: ``terms`` of its terms or more, the
    rarer half of them, and a BM25 score over ``score`` (default the strict bar). One word,
    however often a short passage repeats it ("new"), is not evidence."""
    return hit is not None and hit.score >= (score or EVIDENCE_SCORE) \
        and hit.coverage >= EVIDENCE_COVERAGE and hit.terms >= terms


def should_answer(kb: KnowledgeBase, u: Understanding, has_context: bool,
                  best: Hit | None, best_whole: Hit | None = None,
                  owned: bool = False) -> bool:
    """Whether the message is ours to answer; False sends the polite refusal.

    ``best`` is the closest passage to the message's content (its question words left out),
    ``best_whole`` to the whole message; ``owned`` says that the content's rarer words occur
    in one procedure's sentences only ("外汇那一步要带什么材料"), which counts when the
    message also asks something we answer (materials, place). When the classifier itself
    is unsure that it is out of scope, the question words count too: "证书有效期几年" shares
    only "证书" beside its question word, but "有效期" with it is a sentence of ours.
    """
    own = names_our_things(kb, u)
    # A stand-alone rule's words are broad ("单一窗口"): beside another matter's name
    # ("单一窗口上报关单怎么录入") they do not make the message ours.
    if u.lookalike and not (OWN_ENTITIES - {"topic"}) & set(u.entities):
        return False
    # "and in Shunyi?" in a conversation about our offices: a place continues it.
    follow_up = has_context and (
        ("follow_up" in u.facets and len(u.text) <= FOLLOW_UP_MAX_CHARS) or u.district)
    asks_ours = has_context and bool(ANSWERED_FACETS & set(u.facets))
    unsure = u.intent == "nlu_fallback" or u.confidence < UNSURE
    if unsure and is_evidence(best_whole, terms=OUT_OF_SCOPE_TERMS) and not u.lookalike:
        return True
    asks = bool(ANSWERED_FACETS & set(u.facets))
    if u.intent == "out_of_scope":  # mid-conversation "do I need to book?" asks about it
        return (own or is_evidence(best, terms=OUT_OF_SCOPE_TERMS) or follow_up or asks_ours
                or (owned and asks))
    if u.intent == "nlu_fallback":
        strong_kind = any(not kb.kinds[k].weak for k in u.entities.get("kind", [])
                          if k in kb.kinds)
        # Unsure, not out of scope: every word of ours in it is in one sentence of ours, and a
        # rare one ("what are the rules for the username").
        whole_word = best is not None and best.coverage >= 1.0 and best.score >= IN_SCOPE_EVIDENCE
        return (own or strong_kind or bool(u.materials) or is_evidence(best) or whole_word
                or (has_context and bool(u.facets)) or follow_up)
    if u.entities or u.materials or has_context or u.intent == "inform":
        return True
    # An in-scope guess needs less from the passages than an out-of-scope one.
    return (u.confidence >= UNGROUNDED_MIN_CONFIDENCE or is_evidence(best, IN_SCOPE_EVIDENCE)
            or (owned and asks))
