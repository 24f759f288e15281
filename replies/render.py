"""Turn knowledge-base records into answers, one function per facet.

Each answer is one `Card` (replies/card.py): a heading, sections with numbered or bulleted
lines, and the sources it comes from. Its plain text (readable on WeChat, in the widget and
read aloud on the hotline) always ends with the authority and section; the widget draws the
same card with sources that open. Chinese is rendered Simplified here; the caller converts
to Traditional when needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from knowledge.passages import Passage
from knowledge.query import KnowledgeBase, Line, OfficeInfo, pick
from knowledge.text import Lang, stored
from knowledge.workdays import holiday_name
from replies.card import Card, Section, SourceRef, listed, plain


@dataclass
class Reply:
    """What one turn says: an answer's card (its plain text derived), or a plain sentence."""

    text: str = ""
    buttons: list[dict[str, str]] = field(default_factory=list)
    card: Card | None = None

    @classmethod
    def of(cls, card: Card, buttons: list[dict[str, str]] | None = None) -> Reply:
        return cls(card.text(), list(buttons or []), card)



def _sources(kb: KnowledgeBase, refs: Iterable[str], lang: str) -> str:
    """'Source: authority · 003 §4(2); …' naming each document once, by its section."""
    by_doc: dict[str, list[str]] = {}
    for ref in refs:
        doc = ref.split(" ", 1)[0]
        section = ref.split(" step", 1)[0]
        if section not in by_doc.setdefault(doc, []):
            by_doc[doc].append(section)
    parts = [f"{pick(kb.sources[d].authority, lang)} · {', '.join(s)}" for d, s in by_doc.items()]
    sep = "；" if lang == "zh" else "; "
    return kb.phrase("source_line", lang, sources=sep.join(parts))


def _card(kb: KnowledgeBase, lg: str, heading: str, sections: Iterable[Section | None],
          refs: Iterable[str]) -> Card:
    """An answer: its sections (empty ones dropped) and every citation, each once, to open."""
    cited = list(dict.fromkeys(r for r in refs if r))
    return Card(heading=heading,
                sections=[s for s in sections if s is not None and (s.items or s.title)],
                sources=[SourceRef(r, kb.source_label(r, lg)) for r in cited],
                source_line=_sources(kb, cited, lg) if cited else "")


def conflict_sections(kb: KnowledgeBase, procedure_id: str | None, facet: str, lang: str,
                      refs: list[str]) -> list[Section]:
    """Every disagreement between sources that bears on this answer, each with its source."""
    out: list[Section] = []
    for c in kb.conflicts_for(procedure_id, facet, lang):
        values = []
        for v in c.values:
            values.append(f"{v.text}（{v.source}）" if lang == "zh" else f"{v.text} ({v.source})")
            refs.append(v.source)
        out.append(listed(values, kb.phrase("conflict_intro", lang, topic=c.topic), "dash"))
    return out


def _title(kb: KnowledgeBase, procedure_id: str, lang: str) -> str:
    return kb.phrase("heading_procedure", lang, name=pick(kb.procedure(procedure_id).name, lang))


def _material_texts(kb: KnowledgeBase, procedure_id: str, lang: str,
                    refs: list[str]) -> list[str]:
    out = []
    for mline in kb.materials_for(procedure_id, lang):
        refs.append(mline.source)
        if mline.qualifier:
            out.append(f"{mline.name}（{mline.qualifier}）" if lang == "zh"
                       else f"{mline.name} ({mline.qualifier})")
        else:
            out.append(mline.name)
    return out


def _materials_section(kb: KnowledgeBase, procedure_id: str, lg: str,
                       refs: list[str]) -> Section:
    return listed(_material_texts(kb, procedure_id, lg, refs), kb.phrase("heading_materials", lg),
                  "numbered", kind="materials")


def _line_texts(lines: Iterable[Line], refs: list[str]) -> list[str]:
    out = []
    for line in lines:
        refs.append(line.source)
        out.append(line.text)
    return out


def alternatives_buttons(kb: KnowledgeBase, alternatives: Sequence[str], lang: str,
                         ) -> tuple[list[str], list[dict[str, str]]]:
    lines, buttons = [], []
    for pid in alternatives:
        name = pick(kb.procedure(pid).name, lang)
        lines.append(kb.phrase("alternative_offer", lang, name=name))
        buttons.append({"title": name, "payload": f'/inform{{"procedure":"{pid}"}}'})
    return lines, buttons


def materials(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    lg, refs = stored(lang), [kb.procedure(procedure_id).source]
    body = _materials_section(kb, procedure_id, lg, refs)
    conflicts = conflict_sections(kb, procedure_id, "materials", lg, refs)
    return _card(kb, lg, _title(kb, procedure_id, lg), [body, *conflicts], refs)


def steps(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    lg, refs = stored(lang), [kb.procedure(procedure_id).source]
    body = listed(_line_texts(kb.steps_for(procedure_id, lg), refs),
                  kb.phrase("heading_steps", lg), "numbered")
    conflicts = conflict_sections(kb, procedure_id, "steps", lg, refs)
    return _card(kb, lg, _title(kb, procedure_id, lg), [body, *conflicts], refs)


def _channels(kb: KnowledgeBase, procedure_id: str, lg: str) -> str:
    words = [kb.phrase(f"channel_{c}", lg) for c in kb.procedure(procedure_id).channels]
    return kb.phrase("heading_channels", lg) + ("、" if lg == "zh" else ", ").join(words)


def times(kb: KnowledgeBase, procedure_id: str, lang: Lang,
          submitted: date | None = None) -> Card:
    lg, refs = stored(lang), [kb.procedure(procedure_id).source]
    name = pick(kb.procedure(procedure_id).name, lg)
    lines = _line_texts(
        (Line(t.text, t.source) for t in kb.times_for(procedure_id, lg)), refs)
    if not lines:
        return _card(kb, lg, _title(kb, procedure_id, lg),
                     [plain(kb.phrase("times_not_stated", lg, name=name))], refs)
    expected: list[Section] = []
    if submitted is not None:
        due: list[str] = []
        estimated_years: set[int] = set()
        for stage in kb.expected_dates(procedure_id, submitted, lg):
            due.append(kb.phrase("expected_line", lg, text=stage.text,
                                 date=stage.due.date.isoformat()))
            if stage.due.estimated:
                estimated_years.add(stage.due.date.year)
        expected.append(listed(due, kb.phrase("heading_expected", lg,
                                              submitted=submitted.isoformat())))
        expected.append(plain(*[kb.phrase("expected_estimated", lg, year=y)
                                for y in sorted(estimated_years)],
                              kb.phrase("expected_open_end", lg)))
    else:
        expected.append(plain(kb.phrase("ask_date_hint", lg)))
    conflicts = conflict_sections(kb, procedure_id, "times", lg, refs)
    return _card(kb, lg, _title(kb, procedure_id, lg),
                 [listed(lines, kb.phrase("heading_times", lg)), *expected, *conflicts], refs)


def fee(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    lg, refs = stored(lang), [kb.procedure(procedure_id).source]
    line = kb.fee_for(procedure_id, lg)
    if line is None:
        name = pick(kb.procedure(procedure_id).name, lg)
        hotline = [kb.contact_line(c, lg).text for c in kb.procedure(procedure_id).contact_ids]
        return _card(kb, lg, _title(kb, procedure_id, lg),
                     [plain(kb.phrase("fee_not_stated", lg, name=name)), listed(hotline)], refs)
    refs.append(line.source)
    conflicts = conflict_sections(kb, procedure_id, "fee", lg, refs)
    return _card(kb, lg, _title(kb, procedure_id, lg),
                 [plain(kb.phrase("heading_fee", lg) + line.text), *conflicts], refs)


def collect(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    lg, refs = stored(lang), [kb.procedure(procedure_id).source]
    lines = _line_texts(kb.collect_for(procedure_id, lg), refs)
    body = (listed(lines, kb.phrase("heading_collect", lg)) if lines
            else plain(kb.phrase("collect_not_stated", lg)))
    conflicts = conflict_sections(kb, procedure_id, "collect", lg, refs)
    return _card(kb, lg, _title(kb, procedure_id, lg), [body, *conflicts], refs)


def channel(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    """How it can be done (online, on site, by courier), with the steps that say so:
    "can I courier it?" is answered by the step that couriers the materials, and where to."""
    lg, refs = stored(lang), [kb.procedure(procedure_id).source]
    steps = kb.steps_for(procedure_id, lg)
    routed = [s for s in steps if any(m.target_id == "channel" for m in kb.facet_matcher.find(
        s.text)) or any(m.entity == "channel" for m in kb.matcher.find(s.text))]
    first_steps = _line_texts(routed or steps[:2], refs)
    return _card(kb, lg, _title(kb, procedure_id, lg),
                 [plain(_channels(kb, procedure_id, lg)), listed(first_steps)], refs)


def overview(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    """What a caller needs first: what to bring, how long, where; details on request."""
    lg, proc = stored(lang), kb.procedure(procedure_id)
    refs = [proc.source]
    mats = _materials_section(kb, procedure_id, lg, refs)
    time_lines = _line_texts(
        (Line(t.text, t.source) for t in kb.times_for(procedure_id, lg)), refs)
    passwords = _line_texts(kb.passwords_for(procedure_id, lg), refs)
    groups = [pick(kb.office_groups[g].name, lg) for g in proc.office_groups]
    where = (kb.phrase("heading_where", lg) + ("；" if lg == "zh" else "; ").join(groups)
             if groups else "")
    conflicts = conflict_sections(kb, procedure_id, "materials", lg, refs)
    return _card(kb, lg, _title(kb, procedure_id, lg), [
        plain(pick(proc.summary, lg)), mats,
        listed(time_lines, kb.phrase("heading_times", lg)) if time_lines else None,
        listed(passwords, kb.phrase("heading_passwords", lg)) if passwords else None,
        plain(_channels(kb, procedure_id, lg), where), *conflicts], refs)


def definition(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> Card:
    """"What does it mean": who the procedure is for, and what the sources note about it."""
    lg, proc = stored(lang), kb.procedure(procedure_id)
    refs = [proc.source]
    notes = _line_texts(kb.notes_for(procedure_id, lg), refs)
    return _card(kb, lg, _title(kb, procedure_id, lg), [
        plain(pick(proc.summary, lg)),
        listed(notes, kb.phrase("heading_notes", lg)) if notes else None], refs)


def _office_item(kb: KnowledgeBase, office: OfficeInfo, lg: str, with_hours: bool) -> str:
    """An office as one list item: its name, then address, phone, note and hours below it."""
    head = office.name
    if office.district:
        head += f"（{office.district}）" if lg == "zh" else f" ({office.district})"
    lines = [head]
    if office.address:
        lines.append(office.address)
    if office.phone:
        lines.append(f"{kb.phrase('office_phone', lg)} {office.phone}")
    if office.note:
        lines.append(office.note)
    if with_hours:
        lines.append(office.hours_text or kb.phrase("hours_not_stated", lg))
    return "\n".join(lines)


def offices(kb: KnowledgeBase, office_list: Sequence[OfficeInfo], lang: Lang,
            with_hours: bool = True, title: str = "") -> Card:
    lg = stored(lang)
    refs = [o.source for o in office_list]
    body = [_office_item(kb, o, lg, with_hours) for o in office_list]
    notes = [line for g in dict.fromkeys(o.group_id for o in office_list)
             for line in _line_texts(kb.group_notes(g, lg), refs)]
    return _card(kb, lg, title, [
        listed(body, kb.phrase("heading_where", lg)),
        listed(notes, kb.phrase("heading_notes", lg)) if notes else None], refs)


def hours(kb: KnowledgeBase, office_list: Sequence[OfficeInfo], lang: Lang) -> Card:
    """Opening hours per office; offices sharing one timetable are listed under it once, and
    an office whose hours no source states with its phone and what is known of it."""
    lg = stored(lang)
    refs: list[str] = []
    blocks: list[Section] = [plain(title=kb.phrase("heading_hours", lg))]
    by_text: dict[str, list[OfficeInfo]] = {}
    for o in office_list:
        by_text.setdefault(o.hours_text, []).append(o)
    for text, group in by_text.items():
        refs += [o.source for o in group]
        if not text:  # no hours stated: what is known instead, the phone to call first
            blocks.append(listed(_office_item(kb, o, lg, True) for o in group))
            continue
        names = ("、" if lg == "zh" else ", ").join(o.name for o in group)
        blocks.append(listed([text], f"{names}:", "indented"))
    for row in kb.hours_sets().values():
        if any(o.hours_text == pick(row.text, lg) for o in office_list):
            refs.append(row.source)
    return _card(kb, lg, "", blocks, refs)


def open_now(kb: KnowledgeBase, office_list: Sequence[OfficeInfo], lang: Lang,
             now: datetime) -> Card:
    lg = stored(lang)
    lines: list[str] = []
    refs: list[str] = []
    seen: set[str] = set()
    for hid, row in kb.hours_sets().items():
        group = [o for o in office_list if o.hours_text == pick(row.text, lg)]
        if not group or hid in seen:
            continue
        seen.add(hid)
        refs.append(row.source)
        names = ("、" if lg == "zh" else ", ").join(o.name for o in group)
        state = kb.open_state(hid, now)
        stamp = now.strftime("%Y-%m-%d %H:%M")
        if state.is_open and state.by_reservation:
            lines.append(kb.phrase("open_now_reservation", lg, name=names, now=stamp))
        elif state.is_open:
            lines.append(kb.phrase("open_now_open", lg, name=names, now=stamp))
        else:
            holiday = holiday_name(now.date(), lg) or ""
            reason = kb.phrase(f"reason_{state.reason}", lg, holiday=holiday)
            lines.append(kb.phrase("open_now_closed", lg, name=names, now=stamp, reason=reason))
        if not state.is_open and state.next_open is not None:
            key = "open_next_reservation" if state.next_open_by_reservation else "open_next"
            lines.append(kb.phrase(key, lg, when=state.next_open.strftime("%Y-%m-%d %H:%M")))
        lines.append(kb.phrase("heading_hours", lg) + pick(row.text, lg))
    if not lines:
        return hours(kb, office_list, lang)
    no_hours = [o for o in office_list if not o.hours_text]
    answer = _card(kb, lg, "", [plain(*lines)], refs)
    return merge(kb, [answer, hours(kb, no_hours, lang)], lang) if no_hours else answer


def contacts(kb: KnowledgeBase, lines: Sequence[Line], lang: Lang, title: str = "") -> Card:
    lg = stored(lang)
    refs: list[str] = []
    body = _line_texts(lines, refs)
    return _card(kb, lg, title, [listed(body, kb.phrase("heading_contacts", lg))], refs)


def passwords(kb: KnowledgeBase, lines: Sequence[Line], lang: Lang, title: str = "") -> Card:
    lg = stored(lang)
    refs: list[str] = []
    body = _line_texts(lines, refs)
    return _card(kb, lg, title, [listed(body, kb.phrase("heading_passwords", lg))], refs)


def topic(kb: KnowledgeBase, topic_id: str, lang: Lang) -> Card:
    lg = stored(lang)
    t = kb.topics[topic_id]
    refs = [t.source]
    contact_lines = _line_texts((kb.contact_line(c, lg) for c in t.contact_ids), refs)
    return _card(kb, lg, kb.phrase("heading_procedure", lg, name=pick(t.name, lg)),
                 [plain(pick(t.text, lg)), listed(contact_lines)], refs)


def details(kb: KnowledgeBase, passages: Sequence[Passage], lang: Lang) -> Card:
    """The knowledge base's own sentences that answer the question, each with its source."""
    lg = stored(lang)
    lines: list[str] = []
    for p in passages:
        owner = (f"{pick(kb.procedure(p.procedure_id).name, lg)}: "
                 if p.procedure_id and p.procedure_id in kb.procedures else "")
        cite = kb.source_label(p.source, lg)
        lines.append(f"{owner}{p.text(lg)}" + (f"（{cite}）" if lg == "zh" else f" ({cite})"))
    return _card(kb, lg, "", [listed(lines, kb.phrase("heading_details", lg))],
                 [p.source for p in passages])


def say(kb: KnowledgeBase, text: str, lang: Lang, heading: str = "") -> Card:
    """A sentence of the assistant's own (a clarifying question, an offer) as a card part."""
    return _card(kb, stored(lang), heading, [plain(*text.split("\n"))], [])


def merge(kb: KnowledgeBase, cards: Sequence[Card], lang: Lang) -> Card:
    """Several answers to one message as one card: the procedure's heading is said once, a
    different one heads its own part, and the sources of all are listed together."""
    lg = stored(lang)
    heading = next((c.heading for c in cards if c.heading), "")
    sections: list[Section] = []
    seen_titles = {heading}
    said: dict[str, set[str]] = {}  # a list's title -> its items so far: each said once
    for c in cards:
        if c.heading and c.heading not in seen_titles:
            seen_titles.add(c.heading)
            sections.append(Section([], title=c.heading, kind="heading"))
        for section in c.sections:
            if section.title and section.style == "bullets":
                before = said.setdefault(section.title, set())
                items = [i for i in section.items if i not in before]
                before.update(items)
                if not items:
                    continue
                section = replace(section, items=items)
            sections.append(section)
    refs = [s.ref for c in cards for s in c.sources]
    return _card(kb, lg, heading, sections, refs)


def material_check(kb: KnowledgeBase, procedure_id: str, material_ids: Sequence[str],
                   lang: Lang) -> Card:
    """"Do I need X?": yes with its qualifier, or no because the list does not have it."""
    lg = stored(lang)
    listed_ids = {m.material_id: m for m in kb.materials_for(procedure_id, lg)}
    name = pick(kb.procedure(procedure_id).name, lg)
    lines: list[str] = []
    refs: list[str] = []
    for mid in material_ids:
        if mid in listed_ids:
            m = listed_ids[mid]
            text = f"{m.name}（{m.qualifier}）" if m.qualifier and lg == "zh" else (
                f"{m.name} ({m.qualifier})" if m.qualifier else m.name)
            lines.append(kb.phrase("material_needed", lg, material=text))
            refs.append(m.source)
        elif not any(other in listed_ids for other in material_ids):
            material = pick(kb.materials[mid].name, lg) if mid in kb.materials else mid
            lines.append(kb.phrase("material_not_needed", lg, material=material, name=name))
    return _card(kb, lg, "", [plain(*dict.fromkeys(lines))], refs)


def fee_overview(kb: KnowledgeBase, procedure_ids: Sequence[str], lang: Lang) -> Card:
    """The fee question without a procedure: each stated fee with what it covers."""
    lg = stored(lang)
    ids = list(procedure_ids) or list(kb.procedures)
    by_fee: dict[tuple[str, str], list[str]] = {}
    silent: list[str] = []
    for pid in ids:
        line = kb.fee_for(pid, lg)
        name = pick(kb.procedure(pid).name, lg)
        if line is None:
            silent.append(name)
        else:
            by_fee.setdefault((line.text, line.source), []).append(name)
    lines: list[str] = []
    refs: list[str] = []
    sep = "、" if lg == "zh" else "; "
    for (text, source), names in by_fee.items():
        lines.append(f"{text}（{sep.join(names)}）" if lg == "zh"
                     else f"{text} ({sep.join(names)})")
        refs.append(source)
    if silent:
        lines.append(kb.phrase("fee_not_stated_for", lg, names=sep.join(silent)))
    return _card(kb, lg, "", [listed(lines, kb.phrase("heading_fee", lg))], refs)


def validity(kb: KnowledgeBase, procedure_id: str | None, key_type: str | None,
             lang: Lang) -> Card:
    """How long a certificate is valid and what a procedure does to it, where the sources say."""
    lg = stored(lang)
    scope = ({procedure_id} if procedure_id else
             {p.id for p in kb.procedures.values() if key_type and p.key_type_id == key_type}
             or set(kb.procedures))
    said = [p for p in kb.passage_index.passages
            if p.procedure_id in scope and "validity" in kb.facets_named(p.zh)]
    lines = list(dict.fromkeys(p.text(lg) for p in said))
    if lines:
        return _card(kb, lg, "", [listed(lines, kb.phrase("heading_validity", lg))],
                     [p.source for p in said])
    what = pick(kb.key_types[key_type].short, lg) if key_type in kb.key_types else ""
    hotline = [kb.contact_line(c, lg).text for c in _key_contacts(kb, key_type)]
    return _card(kb, lg, "", [plain(kb.phrase("validity_not_stated", lg, name=what)),
                              listed(hotline)], [])


def _key_contacts(kb: KnowledgeBase, key_type: str | None) -> list[str]:
    out: list[str] = []
    for p in kb.procedures.values():
        if key_type is None or p.key_type_id == key_type:
            out += [c for c in p.contact_ids if c not in out]
    return out
