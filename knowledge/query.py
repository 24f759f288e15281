"""The read side of the knowledge base, shared by the actions, the staff tools and tests.

The whole knowledge base is a few hundred rows, so it is read once into memory and every
question is answered from there: no database round trip per chat message, and staff
searches stay far below the 100 ms a hotline call can afford.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.db import make_engine
from knowledge.passages import PassageIndex, collect_passages
from knowledge.terms import SEPARATE_VOCABULARIES, Match, TermMatcher
from knowledge.text import normalise
from knowledge.workdays import OpeningHours, OpenState, WorkdayDate, add_working_days, open_state

LangCode = str  # "en", "zh", "zh-Hans" or "zh-Hant"; Chinese is stored Simplified


def pick(text: dict | None, lang: LangCode) -> str:
    """One language of a bilingual record ("zh-Hant" reads the Simplified text)."""
    if not text:
        return ""
    return text["en"] if lang == "en" else text["zh"]


@dataclass(frozen=True)
class Line:
    text: str
    source: str


@dataclass(frozen=True)
class MaterialLine:
    material_id: str
    name: str
    qualifier: str
    source: str


@dataclass(frozen=True)
class TimeLine:
    stage: str
    working_days: int | None
    text: str
    source: str


@dataclass(frozen=True)
class OfficeInfo:
    id: str
    group_id: str
    name: str
    address: str
    district: str
    phone: str | None
    hours_text: str
    hours: OpeningHours | None
    note: str
    source: str


@dataclass(frozen=True)
class ConflictInfo:
    id: str
    topic: str
    values: tuple[Line, ...]


@dataclass(frozen=True)
class StageDate:
    stage: str
    text: str
    due: WorkdayDate
    source: str


@dataclass(frozen=True)
class Resolution:
    """Which procedure a question is about, or what must be asked to know it.

    ``ask`` is "key_type" when the kind of business exists for both keys, "kind" when only
    the key is known; ``options`` are the ids to offer as buttons. ``alternatives`` are the
    other routes (online/offline) of the chosen procedure.
    """

    procedure: m.Procedure | None
    ask: str | None = None
    options: tuple[str, ...] = ()
    alternatives: tuple[m.Procedure, ...] = ()


# What may stand between a document and what happened to it: "营业执照丢了", "执照被偷了",
# "business licence was lost".
_LINKING = frozenset({"", "被", "已", "已经", "也", "又", "is", "was", "got", "has been"})


class KnowledgeBase:
    def __init__(self, session: Session):
        def all_of(model: type) -> list:
            return list(session.execute(select(model)).scalars())

        self.sources = {s.id: s for s in all_of(m.Source)}
        self.key_types = {k.id: k for k in all_of(m.KeyType)}
        self.kinds = {k.id: k for k in all_of(m.Kind)}
        self.channels = {c.id: c for c in all_of(m.Channel)}
        self.regions = {r.id: r for r in all_of(m.Region)}
        self.procedures = {p.id: p for p in all_of(m.Procedure)}
        self.materials = {x.id: x for x in all_of(m.Material)}
        self.office_groups = {g.id: g for g in all_of(m.OfficeGroup)}
        self.offices = {o.id: o for o in all_of(m.Office)}
        self.contacts = {c.id: c for c in all_of(m.Contact)}
        self.passwords = {p.id: p for p in all_of(m.Password)}
        self.topics = {t.id: t for t in all_of(m.Topic)}
        self.conflicts = list(all_of(m.Conflict))
        self.phrases = {p.id: p.text for p in all_of(m.Phrase)}
        terms = all_of(m.Term)
        # Vocabularies matched independently, so none hides another's words: what a message
        # is about (entities), which documents it names, what it asks (facets), and other
        # people's cards and licences it may name instead of ours (look-alikes).
        own: dict[str, list[tuple[str, str, str]]] = {v: [] for v in SEPARATE_VOCABULARIES}
        named = []
        for t in terms:
            own.get(t.entity, named).append((t.term, t.entity, t.target_id))
        self.matcher = TermMatcher(named)
        self.material_matcher = TermMatcher(own["material"])
        self.facet_matcher = TermMatcher(own["facet"])
        self.lookalike_matcher = TermMatcher(own["lookalike"])
        self.language_matcher = TermMatcher(own["language"])
        self._hours = {
            h.id: OpeningHours.from_strings(h.weekday_periods, h.saturday_periods,
                                            h.saturday_by_reservation, h.saturday_except_holidays)
            for h in all_of(m.OpeningHours)
        }
        self._hours_rows = {h.id: h for h in all_of(m.OpeningHours)}

    @classmethod
    def load(cls, url: str | None = None) -> KnowledgeBase:
        engine = make_engine(url)
        try:
            with Session(engine, future=True, expire_on_commit=False) as session:
                return cls(session)
        finally:
            engine.dispose()

    @cached_property
    def passage_index(self) -> PassageIndex:
        """Every stated fact as a searchable passage (knowledge/passages.py), built once."""
        return PassageIndex(collect_passages(self))

    # --- wording -------------------------------------------------------------------------
    def phrase(self, phrase_id: str, lang: LangCode, **values: object) -> str:
        text = pick(self.phrases[phrase_id], lang)
        return text.format(**values) if values else text

    def source_label(self, ref: str, lang: LangCode) -> str:
        """'北京市商务局 · 000 §1': the authority behind a fact and where it is written."""
        src = self.sources.get(ref.split(" ", 1)[0])
        return f"{pick(src.authority, lang)} · {ref}" if src else ref

    # --- understanding -------------------------------------------------------------------
    def entities(self, text: str) -> dict[str, list[str]]:
        """Knowledge-base ids named in a message, by entity type, in order of appearance."""
        found: dict[str, list[str]] = defaultdict(list)
        for match in self.matcher.find(text):
            if match.target_id not in found[match.entity]:
                found[match.entity].append(match.target_id)
        return dict(found)

    def facets_named(self, text: str) -> list[str]:
        """The facets a message asks about (knowledge/data/facets.yaml), in order of mention."""
        return list(dict.fromkeys(mt.target_id for mt in self.facet_matcher.find(text)))

    def names_actor(self, text: str) -> bool:
        """Whether a sentence names someone who acts (facets.yaml `actor`): what a "who"
        question needs of its answer."""
        return any(mt.target_id == "actor" for mt in self.facet_matcher.find(text))

    def materials_named(self, text: str) -> list[str]:
        """Material ids a message names by their short names ("营业执照", "power of attorney")."""
        return list(dict.fromkeys(mt.target_id for mt in self.material_matcher.find(text)))

    def lookalike_spans(self, text: str) -> list[tuple[int, int]]:
        """Where a message names another card or licence (knowledge/data/lookalikes.yaml),
        or makes one of our documents the thing lost or renewed: "营业执照丢了去哪补办" is
        the business licence's own business, not a step of ours."""
        spans = [(mt.start, mt.end) for mt in self.lookalike_matcher.find(text)]
        norm = normalise(text)
        named = self.matcher.find(text)
        kinds = [mt for mt in named if mt.entity == "kind" and not self.kinds[mt.target_id].weak]
        ours = [mt for mt in named if mt.entity in ("key_type", "procedure")]
        for doc in self.material_matcher.find(text):
            if any(mt.start < doc.end and doc.start < mt.end for mt in ours):
                continue  # "IC卡丢了": the card is a document and our key
            for kind in kinds:
                if kind.start >= doc.end and norm[doc.end:kind.start].strip() in _LINKING:
                    spans.append((doc.start, kind.end))
        return spans

    def requested_language(self, text: str) -> tuple[str | None, str]:
        """A reply language the message asks for, and the message without that request."""
        found = self.language_matcher.find(text)
        if not found:
            return None, text
        rest = normalise(text)
        for mt in reversed(found):
            rest = rest[:mt.start] + " " + rest[mt.end:]
        # "用繁体中文回答" also contains "中文回答": the more specific request wins.
        named = {mt.target_id for mt in found}
        return next(lang for lang in ("zh-Hant", "en", "zh-Hans") if lang in named), rest

    def find_terms(self, text: str) -> list[Match]:
        """One match per entity type: what a message is about, for slots that hold one value.

        The first mention of each type wins, except for a district named beside its city,
        and for the kind of business: a weak kind
        (申请, apply) gives way to any other, and of several others the last wins, because
        people state the situation before the request ("钥匙丢了，不打算补了，想注销";
        "it broke and we don't need it any more, can we cancel it"). Words inside a
        document's name are not a kind of business: "对外贸易经营者备案登记表" is a form.
        """
        documents = [(mt.start, mt.end) for mt in self.material_matcher.find(text)]
        matches = [mt for mt in self.matcher.find(text) if not (
            mt.entity == "kind" and any(a <= mt.start and mt.end <= b for a, b in documents))]
        kinds = [mt for mt in matches if mt.entity == "kind"]
        strong = [mt for mt in kinds if not self.kinds[mt.target_id].weak]
        chosen: dict[str, Match] = {}
        if strong:
            chosen["kind"] = strong[-1]
        regions = [mt for mt in matches if mt.entity == "region"]
        inner = [mt for mt in regions if any(
            o.target_id in self.regions_around(mt.target_id)[1:] for o in regions)]
        if inner:  # "in Beijing ... near Haidian": the district says more
            chosen["region"] = inner[0]
        for mt in matches:
            chosen.setdefault(mt.entity, mt)
        return sorted(chosen.values(), key=lambda mt: mt.start)

    def resolve(self, key_type: str | None = None, kind: str | None = None,
                channel: str | None = None, region: str | None = None) -> Resolution:
        procs = list(self.procedures.values())  # data-file order: the first route is default
        if kind == "qualification" or (kind is None and key_type is None and region is None):
            quals = [p for p in procs if p.kind_id == kind] if kind else []
            return Resolution(quals[0]) if quals else Resolution(None, ask="kind")
        if kind is None:
            if key_type and region:
                local = [p for p in procs if p.key_type_id == key_type
                         and p.region in self.regions_around(region)]
                if local:
                    return Resolution(local[0])
            if key_type is None:
                return Resolution(None, ask="key_type", options=tuple(self.key_types))
            own = [p.id for p in procs if p.key_type_id == key_type and p.region is None]
            return Resolution(None, ask="kind", options=tuple(own))
        fitting = [p for p in procs if p.kind_id == kind and p.region is None]
        if key_type:
            fitting = [p for p in fitting if p.key_type_id == key_type]
        keys = list(dict.fromkeys(p.key_type_id for p in fitting))
        if not fitting:
            options = tuple(p.id for p in procs if key_type and p.key_type_id == key_type)
            return Resolution(None, ask="kind", options=options)
        if len(keys) > 1:
            return Resolution(None, ask="key_type", options=tuple(keys))
        chosen = next((p for p in fitting if channel and p.variant == channel), fitting[0])
        others = tuple(p for p in fitting if p is not chosen)
        return Resolution(chosen, alternatives=others)

    # --- facts of a procedure ------------------------------------------------------------
    def procedure(self, procedure_id: str) -> m.Procedure:
        return self.procedures[procedure_id]

    def materials_for(self, procedure_id: str, lang: LangCode) -> list[MaterialLine]:
        return [MaterialLine(pm.material_id, pick(pm.material.name, lang),
                             pick(pm.qualifier, lang), pm.source)
                for pm in self.procedures[procedure_id].materials]

    def _items(self, procedure_id: str, section: str, lang: LangCode) -> list[Line]:
        return [Line(pick(i.text, lang), i.source)
                for i in self.procedures[procedure_id].items if i.section == section]

    def steps_for(self, procedure_id: str, lang: LangCode) -> list[Line]:
        return self._items(procedure_id, "step", lang)

    def notes_for(self, procedure_id: str, lang: LangCode) -> list[Line]:
        return self._items(procedure_id, "note", lang)

    def collect_for(self, procedure_id: str, lang: LangCode) -> list[Line]:
        return self._items(procedure_id, "collect", lang)

    def times_for(self, procedure_id: str, lang: LangCode) -> list[TimeLine]:
        return [TimeLine(t.stage, t.working_days, pick(t.text, lang), t.source)
                for t in self.procedures[procedure_id].times]

    def fee_for(self, procedure_id: str, lang: LangCode) -> Line | None:
        fee = self.procedures[procedure_id].fee
        return Line(pick(fee["text"], lang), fee["source"]) if fee else None

    def contacts_for(self, procedure_id: str | None, lang: LangCode) -> list[Line]:
        ids = self.procedures[procedure_id].contact_ids if procedure_id else list(self.contacts)
        return [self.contact_line(cid, lang) for cid in ids]

    def contact_line(self, contact_id: str, lang: LangCode) -> Line:
        c = self.contacts[contact_id]
        return Line(f"{pick(c.label, lang)}: {c.value}", c.source)

    def passwords_for(self, procedure_id: str | None, lang: LangCode) -> list[Line]:
        ids = self.procedures[procedure_id].password_ids if procedure_id else list(self.passwords)
        return [self.password_line(pid, lang) for pid in ids]

    def password_line(self, password_id: str, lang: LangCode) -> Line:
        p = self.passwords[password_id]
        note = pick(p.note, lang)
        text = f"{pick(p.system, lang)}: {p.password}" + (f" ({note})" if note else "")
        return Line(text, p.source)

    def conflicts_for(self, procedure_id: str | None, facet: str | None = None,
                      lang: LangCode = "zh") -> list[ConflictInfo]:
        """Disagreements between sources that bear on this procedure (and facet)."""
        out = []
        for c in self.conflicts:
            if procedure_id is not None and procedure_id not in c.applies_to:
                continue
            if facet and c.facets and facet not in c.facets:
                continue
            out.append(ConflictInfo(c.id, pick(c.topic, lang), tuple(
                Line(pick(v["text"], lang), v["source"]) for v in c.values)))
        return out

    # --- places and times ----------------------------------------------------------------
    def regions_around(self, region: str | None) -> list[str]:
        """A region and the ones it is within: Haidian, then Beijing."""
        out: list[str] = []
        while region in self.regions and region not in out:
            out.append(region)
            region = self.regions[region].within
        return out

    def offices_for(self, procedure_id: str | None = None, group: str | None = None,
                    region: str | None = None, lang: LangCode = "zh") -> list[OfficeInfo]:
        """Offices of a procedure (or group), narrowed to a district when one was named."""
        groups = ([group] if group else
                  self.procedures[procedure_id].office_groups if procedure_id else
                  list(self.office_groups))
        offices = [o for o in self.offices.values() if o.group_id in groups]
        if region in self.regions and self.regions[region].within:  # a district
            narrowed = [o for o in offices if o.region == region]
            offices = narrowed or offices
        return [self.office_info(o.id, lang) for o in offices]

    def office_info(self, office_id: str, lang: LangCode) -> OfficeInfo:
        o = self.offices[office_id]
        hours_row = self._hours_rows.get(o.hours_id) if o.hours_id else None
        return OfficeInfo(
            id=o.id, group_id=o.group_id, name=pick(o.name, lang), address=pick(o.address, lang),
            district=pick(o.district, lang), phone=o.phone,
            hours_text=pick(hours_row.text, lang) if hours_row else "",
            hours=self._hours.get(o.hours_id) if o.hours_id else None,
            note=pick(o.note, lang), source=o.source)

    def group_notes(self, group_id: str, lang: LangCode) -> list[Line]:
        """What must be said under any list of a group's offices (that the list is partial)."""
        return [Line(pick(n["text"], lang), n["source"])
                for n in self.office_groups[group_id].notes or []]

    def hours_sets(self) -> dict[str, m.OpeningHours]:
        return dict(self._hours_rows)

    def open_state(self, hours_id: str, at: datetime) -> OpenState:
        return open_state(self._hours[hours_id], at)

    def expected_dates(self, procedure_id: str, submitted: date,
                       lang: LangCode = "zh") -> list[StageDate]:
        """Each timed stage's expected end, counted in working days one after another."""
        out, day = [], submitted
        for t in self.times_for(procedure_id, lang):
            if t.working_days is None:
                continue
            due = add_working_days(day, t.working_days)
            out.append(StageDate(t.stage, t.text, due, t.source))
            day = due.date
        return out


@lru_cache(maxsize=4)
def shared_kb(url: str | None = None) -> KnowledgeBase:
    """One loaded knowledge base per process (the action server, the console)."""
    return KnowledgeBase.load(url)
