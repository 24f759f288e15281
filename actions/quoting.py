"""Which of the knowledge base's sentences answer a question, and what they point to.

actions/answer.py decides the facets and renders the reply; this module reads the passage
search (knowledge/passages.py) for it: the passages within what the message is about, the
procedure or route whose own sentences answer when the words name none, whether the best
passages are evidence that the message is ours, and which of them to quote first ("关于您问
的"): the ones that say what the facet answers do not, one of a kind per procedure, each
sentence once, a conflict never left out, and for "who" questions one that names someone.
"""

from __future__ import annotations

from typing import Any

from actions.decide import EVIDENCE_SCORE, Understanding, is_evidence
from knowledge.passages import Hit, Passage, names_stage
from knowledge.query import KnowledgeBase, Resolution

# Passages this close to the question are quoted as its direct answer: a BM25 score of
# several shared rare terms, or fewer terms that are nearly all the question has (short
# English questions); and within 80 % of the best one, or holding all of its terms and
# within 60 %.
DETAIL_MIN_SCORE = 6.0
DETAIL_SHORT_SCORE, DETAIL_SHORT_COVERAGE = 3.5, 0.9
DETAIL_RELATIVE = 0.8
DETAIL_COVERING = 0.6
MAX_DETAILS = 3
# How many of the closest passages are read: enough to reach a longer sentence that names who
# acts behind a dozen short ones that name the same letter.
PASSAGES_READ = 40
# A procedure is taken from the passages on weaker evidence when its sentences alone
# share the message's words: no other procedure's sentence reaches this share of its score.
DOMINANT_SCORE, DOMINANT_RATIO = 4.5, 0.6
# Which passages a facet's own answer already shows in full.
SHOWN_BY_FACET = {"procedure": {"summary", "material", "time", "password"},
                  "materials": {"material"}, "steps": {"step"}, "times": {"time"},
                  "fee": {"fee"}, "collect": {"collect"}, "password": {"password"},
                  "contact": {"contact"}, "definition": {"summary", "note"}}


def fits(proc: Any, kinds: list[str], channels: list[str]) -> bool:
    """A procedure agrees with the kinds and routes a message names (if it names any)."""
    return (not kinds or proc.kind_id in kinds) and (
        not channels or proc.variant is None or proc.variant in channels)


def owned(hits: list[Hit]) -> str | None:
    """The procedure whose sentences alone share the message's rarer words ("外汇那一步":
    only the qualification's foreign-exchange step says 外汇), if one does."""
    if not hits or hits[0].passage.procedure_id is None or hits[0].score < DOMINANT_SCORE:
        return None
    owner = hits[0].passage.procedure_id
    runner_up = next((h.score for h in hits[1:] if h.passage.procedure_id != owner), 0.0)
    return owner if runner_up <= hits[0].score * DOMINANT_RATIO else None


def strongest(hits: list[Hit], among: int = 3) -> Hit | None:
    """The first of the best few passages that is evidence, else the best: a short
    sentence sharing one rare word ("未通过") may outscore the one sharing four."""
    return next((h for h in hits[:among] if is_evidence(h)), hits[0] if hits else None)


def passages(kb: KnowledgeBase, text: str, procedure: Any, key_type: str | None,
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
                 if key_type in (None, p.key_type_id) and fits(p, kinds, [])} | {None}
    return kb.passage_index.search(text, scope, limit=PASSAGES_READ)


def procedure_by_passages(kb: KnowledgeBase, resolution: Resolution, hits: list[Hit],
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
    hits = [h for h in hits if h.passage.procedure_id is None or fits(
        kb.procedure(h.passage.procedure_id), kinds, channels)]
    if not hits or hits[0].passage.procedure_id is None:
        return resolution
    best = hits[0]
    owner = best.passage.procedure_id
    runner_up = next((h.score for h in hits[1:] if h.passage.procedure_id != owner), 0.0)
    if runner_up >= best.score * DETAIL_RELATIVE:
        return resolution
    # Clear evidence, or a rarer word only this procedure's sentences contain ("外汇").
    if not (is_evidence(best) or owned(hits) is not None):
        return resolution
    proc = kb.procedure(best.passage.procedure_id)
    if strong_kinds and proc.kind_id not in strong_kinds:
        return resolution
    if ents.get("key_type") and proc.key_type_id not in ents["key_type"]:
        return resolution
    return Resolution(proc)


def route_by_passages(kb: KnowledgeBase, resolution: Resolution, content: str,
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


def material_passages(kb: KnowledgeBase, material_ids: list[str], key_type: str | None
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


def answering(kb: KnowledgeBase, u: Understanding, hits: list[Hit]) -> list[Hit]:
    """The passages that can answer the kind of question asked: "who signs it" is
    answered by a sentence naming someone ("由受托人签字"), not by the shorter one
    that only says the letter is signed. A stage's meaning ("已提交：...") answers only
    a message that names the stage."""
    hits = [h for h in hits if h.passage.kind != "stage" or names_stage(u.text, h.passage)]
    if "who" not in u.facets:
        return hits
    named = [h for h in hits if kb.names_actor(h.passage.zh) or kb.names_actor(h.passage.en)]
    return named or hits


def details(hits: list[Hit], facets: list[str], across: bool = False) -> list[Hit]:
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


def steps_using(kb: KnowledgeBase, procedure_id: str | None, contact_ids: list[str]
                 ) -> list[Passage]:
    """A procedure's steps that name one of these websites or systems by address."""
    if procedure_id is None:
        return []
    addresses = [kb.contacts[c].value for c in contact_ids if "." in kb.contacts[c].value]
    return [p for p in kb.passage_index.passages
            if p.procedure_id == procedure_id and p.kind == "step"
            and any(a in p.zh for a in addresses)][:MAX_DETAILS]


def clear_only(hits: list[Hit], u: Understanding) -> list[Hit]:
    """The quotes that clearly answer, for a reply that names no key: the passages then come
    from every procedure ("open" → "account opening permit"). A "who" question's quotes
    already name someone, so a strong match suffices for them."""
    return [h for h in hits if is_evidence(h) or ("who" in u.facets
                                                  and h.score >= EVIDENCE_SCORE)]
