"""Ranked free-text search for the hotline staff console and its command line.

A caller is on the phone, so staff type whatever they heard, in whichever language or script
("IC卡 解锁", "unlock e-port", "補辦", "海关 地址", "密码"). Two kinds of evidence are added up:

* the knowledge base's own terms (``kb.matcher``: the aliases the chatbot understands), which
  name a procedure, key type, kind of business, route, district, office group, password or
  topic outright, so the console and the bot agree on what a word means;
* word overlap with each record's text (names and aliases first, then materials, then steps
  and notes), so words no alias covers ("补办" in a name, a phone number, "密码") still find
  something. Chinese is compared in character pairs, English in crude stems.

Everything is computed from the in-memory `KnowledgeBase`; the overlap index is built once per
loaded knowledge base, and a search takes well under a millisecond.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.query import KnowledgeBase
from knowledge.terms import Match
from knowledge.text import normalise

# What a hit can be: the card the console shows for it.
PROCEDURE, TOPIC, OFFICES, PASSWORD = "procedure", "topic", "office_group", "password"
_ORDER = {PROCEDURE: 0, TOPIC: 1, OFFICES: 2, PASSWORD: 3}

# Evidence from a knowledge-base term, by the entity it names. A named procedure or topic is
# the answer; a key type plus a kind (30 + 30) outranks either alone.
_NAMED = {PROCEDURE: 100.0, TOPIC: 90.0, PASSWORD: 60.0, OFFICES: 50.0}
_KEY_TYPE, _KIND, _WEAK_KIND, _CHANNEL, _REGION = 30.0, 30.0, 12.0, 10.0, 20.0
_RELATED = 8.0  # a procedure handled at a named office group, or using a named password
_OVERLAP = 40.0  # a record whose name holds every query word
_FACET = 30.0  # "地址"/"password" asks for that kind of card
_MIN_SCORE = 8.0

# Words that ask for a kind of card rather than name a record. Query vocabulary, not facts.
_FACET_WORDS = {
    OFFICES: ("地址", "在哪", "哪里", "地点", "位置", "电话", "办公时间", "几点", "营业",
              "address", "where", "location", "phone", "telephone", "hours", "open"),
    PASSWORD: ("密码", "口令", "password", "passcode", "pin"),
}
_EN_STOP = frozenset((
    "a", "an", "and", "are", "at", "can", "do", "does", "for", "from", "how", "i", "in", "is",
    "it", "my", "of", "on", "or", "the", "to", "what", "when", "where", "which", "with", "you",
    "your"))
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Hit:
    """One result: which card to show, how sure we are, and the words that led to it."""

    kind: str  # PROCEDURE | TOPIC | OFFICES | PASSWORD
    id: str
    score: float
    matched: tuple[str, ...] = ()
    region: str | None = None  # a district the query named: narrows the offices shown


def _stem(word: str) -> str:
    """Crude, but the same on both sides: "unlocking"/"unlocked" meet "unlock", "keys" "key"."""
    for suffix in ("ing", "ed", "es", "s"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and not stem.endswith("s"):
            return stem
    return word


def tokens(text: str) -> set[str]:
    """Comparable pieces of normalised text: Chinese character pairs, English stems, numbers.

    Pairs rather than a word segmenter: they need no dictionary, cost nothing, and "补办"
    still meets "补办电子钥匙" and "许可证电子钥匙补办".
    """
    out: set[str] = set()
    for run in _HAN.findall(text):
        if len(run) == 1:
            out.add(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    for word in _LATIN.findall(text):
        if word.isdigit() or (len(word) > 1 and word not in _EN_STOP):
            out.add(_stem(word))
    return out


@dataclass
class _Doc:
    """A record's text as token sets, strongest field first."""

    fields: list[tuple[float, set[str]]] = field(default_factory=list)

    def add(self, weight: float, texts: Iterable[str | None]) -> None:
        toks: set[str] = set()
        for text in texts:
            if text:
                toks |= tokens(normalise(text))
        self.fields.append((weight, toks))

    def weight(self, token: str) -> float:
        return max((w for w, toks in self.fields if token in toks), default=0.0)


def _both(text: dict | None) -> list[str]:
    return [text.get("zh", ""), text.get("en", "")] if text else []


def _lines(texts: Iterable[dict | None]) -> list[str]:
    return [s for t in texts for s in _both(t)]


@dataclass
class _Index:
    docs: dict[tuple[str, str], _Doc]
    idf: dict[str, float]
    order: dict[tuple[str, str], int]


def _aliases(kb: KnowledgeBase) -> dict[tuple[str, str], list[str]]:
    """Every term of the matcher, by the record it names (the loader keeps no other copy)."""
    out: dict[tuple[str, str], list[str]] = {}
    for term in kb.matcher.vocabulary:
        for mt in kb.matcher.find(term):
            if mt.start == 0 and mt.end == len(term):
                out.setdefault((mt.entity, mt.target_id), []).append(term)
    return out


def _documents(kb: KnowledgeBase) -> Iterator[tuple[tuple[str, str], _Doc]]:
    aliases = _aliases(kb)
    for pid, p in kb.procedures.items():
        doc = _Doc()
        doc.add(3.0, [*_both(p.name), *aliases.get((PROCEDURE, pid), [])])
        doc.add(1.5, [*_lines(pm.material.name for pm in p.materials),
                      *_lines(pm.qualifier for pm in p.materials)])
        doc.add(1.0, [*_both(p.summary), *aliases.get(("kind", p.kind_id), [])])
        doc.add(0.5, _lines(i.text for i in p.items))
        yield (PROCEDURE, pid), doc
    for tid, t in kb.topics.items():
        doc = _Doc()
        doc.add(3.0, [*_both(t.name), *aliases.get((TOPIC, tid), [])])
        doc.add(1.0, _both(t.text))
        yield (TOPIC, tid), doc
    for gid, g in kb.office_groups.items():
        offices = [o for o in kb.offices.values() if o.group_id == gid]
        doc = _Doc()
        doc.add(3.0, [*_both(g.name), *aliases.get((OFFICES, gid), [])])
        doc.add(1.5, [*_lines(o.name for o in offices), *_lines(o.address for o in offices),
                      *_lines(o.district for o in offices), *(o.phone for o in offices)])
        doc.add(0.5, _lines(o.note for o in offices))
        yield (OFFICES, gid), doc
    for pwid, pw in kb.passwords.items():
        doc = _Doc()
        doc.add(3.0, [*_both(pw.system), *aliases.get((PASSWORD, pwid), [])])
        doc.add(1.0, [*_both(pw.note), pw.password])
        yield (PASSWORD, pwid), doc


@lru_cache(maxsize=8)
def _index(kb: KnowledgeBase) -> _Index:
    """Token sets and word rarity for one loaded knowledge base, built on first search."""
    docs = dict(_documents(kb))
    df: dict[str, int] = {}
    for doc in docs.values():
        for tok in set().union(*(toks for _, toks in doc.fields)):
            df[tok] = df.get(tok, 0) + 1
    idf = {tok: math.log(1 + len(docs) / n) for tok, n in df.items()}
    return _Index(docs, idf, {key: i for i, key in enumerate(docs)})


def prepare(kb: KnowledgeBase) -> None:
    """Build the overlap index now (at server start), so the first staff search is fast too."""
    _index(kb)


def _entity_scores(kb: KnowledgeBase, matches: list[Match]
                   ) -> dict[tuple[str, str], tuple[float, list[str]]]:
    """Points each record earns from the knowledge-base terms found in the query."""
    scores: dict[tuple[str, str], tuple[float, list[str]]] = {}

    def give(key: tuple[str, str], points: float, term: str) -> None:
        score, terms = scores.get(key, (0.0, []))
        scores[key] = (score + points, terms if term in terms else [*terms, term])

    kinds = [mt for mt in matches if mt.entity == "kind"]
    strong_kind = any(not kb.kinds[mt.target_id].weak for mt in kinds)
    for mt in matches:
        if mt.entity in _NAMED:
            give((mt.entity, mt.target_id), _NAMED[mt.entity], mt.term)
        for pid, p in kb.procedures.items():
            if mt.entity == "key_type" and p.key_type_id == mt.target_id:
                give((PROCEDURE, pid), _KEY_TYPE, mt.term)
            elif mt.entity == "kind" and p.kind_id == mt.target_id:
                weak = kb.kinds[mt.target_id].weak
                if not (weak and strong_kind):
                    give((PROCEDURE, pid), _WEAK_KIND if weak else _KIND, mt.term)
            elif mt.entity == "channel" and p.variant == mt.target_id:
                give((PROCEDURE, pid), _CHANNEL, mt.term)
            elif mt.entity == "region" and p.region == mt.target_id:
                give((PROCEDURE, pid), _REGION, mt.term)
            elif ((mt.entity == OFFICES and mt.target_id in p.office_groups)
                  or (mt.entity == PASSWORD and mt.target_id in p.password_ids)):
                give((PROCEDURE, pid), _RELATED, mt.term)
        if mt.entity == "region" and mt.target_id != "beijing":
            for gid in {o.group_id for o in kb.offices.values() if o.region == mt.target_id}:
                give((OFFICES, gid), _REGION, mt.term)
    return scores


def _leftover(norm: str, matches: list[Match]) -> str:
    """The query with recognised terms blanked: "输错密码" names unlocking, not passwords."""
    chars = list(norm)
    for mt in matches:
        chars[mt.start:mt.end] = " " * (mt.end - mt.start)
    return "".join(chars)


def search(kb: KnowledgeBase, text: str, limit: int = 6) -> list[Hit]:
    """The cards a staff query asks for, best first; [] when nothing fits."""
    norm = normalise(text).strip()
    if not norm:
        return []
    index = _index(kb)
    matches = kb.matcher.find(norm)
    scores = _entity_scores(kb, matches)
    region = next((mt.target_id for mt in matches if mt.entity == "region"), None)

    query = tokens(norm)
    possible = sum(3.0 * index.idf.get(tok, 1.0) for tok in query)
    rest = _leftover(norm, matches)
    rest_words = set(_LATIN.findall(rest))
    facets = {kind for kind, words in _FACET_WORDS.items()
              if any(w in rest_words if w.isascii() else w in rest for w in words)}

    ranked: list[Hit] = []
    for key, doc in index.docs.items():
        score, terms = scores.get(key, (0.0, []))
        words = [tok for tok in query if doc.weight(tok)]
        if possible and words:
            overlap = sum(doc.weight(tok) * index.idf.get(tok, 1.0) for tok in words)
            score += _OVERLAP * overlap / possible
        if key[0] in facets and (score or key[0] == PASSWORD):
            score += _FACET
        if score >= _MIN_SCORE:
            shown = [*terms, *sorted(w for w in words if not any(w in t for t in terms))]
            ranked.append(Hit(key[0], key[1], round(score, 1), tuple(shown), region))
    ranked.sort(key=lambda h: (-h.score, _ORDER[h.kind], index.order[(h.kind, h.id)]))
    return ranked[:limit]
