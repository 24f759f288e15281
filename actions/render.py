"""Turn knowledge-base records into short chat replies, one function per facet.

Replies are plain text with numbered or bulleted lines (readable on WeChat, in the widget
and read aloud on the hotline) and always end with the authority and section they come from.
Chinese is rendered Simplified here; the caller converts to Traditional when needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from knowledge.passages import Passage
from knowledge.query import KnowledgeBase, Line, OfficeInfo, pick
from knowledge.text import Lang
from knowledge.workdays import holiday_name


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def _lang(lang: Lang) -> str:
    return "en" if lang == "en" else "zh"


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


def _numbered(lines: Sequence[str]) -> list[str]:
    return [f"{i}. {text}" for i, text in enumerate(lines, 1)]


def _bullets(lines: Iterable[str]) -> list[str]:
    return [f"• {text}" for text in lines]


def _join(*blocks: Iterable[str] | str) -> str:
    out: list[str] = []
    for block in blocks:
        lines = [block] if isinstance(block, str) else list(block)
        if lines and any(lines):
            out.append("\n".join(x for x in lines if x))
    return "\n\n".join(out)


def conflict_block(kb: KnowledgeBase, procedure_id: str | None, facet: str, lang: str,
                   refs: list[str]) -> list[str]:
    """Every disagreement between sources that bears on this answer, each with its source."""
    out: list[str] = []
    for c in kb.conflicts_for(procedure_id, facet, lang):
        out.append(kb.phrase("conflict_intro", lang, topic=c.topic))
        for v in c.values:
            cited = f"{v.text}（{v.source}）" if lang == "zh" else f"{v.text} ({v.source})"
            out.append(f"  – {cited}")
            refs.append(v.source)
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


def materials(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    lg, refs = _lang(lang), [kb.procedure(procedure_id).source]
    body = _numbered(_material_texts(kb, procedure_id, lg, refs))
    conflicts = conflict_block(kb, procedure_id, "materials", lg, refs)
    return _join(_title(kb, procedure_id, lg), [kb.phrase("heading_materials", lg), *body],
                 conflicts, _sources(kb, refs, lg))


def steps(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    lg, refs = _lang(lang), [kb.procedure(procedure_id).source]
    body = _numbered(_line_texts(kb.steps_for(procedure_id, lg), refs))
    conflicts = conflict_block(kb, procedure_id, "steps", lg, refs)
    return _join(_title(kb, procedure_id, lg), [kb.phrase("heading_steps", lg), *body],
                 conflicts, _sources(kb, refs, lg))


def _channels(kb: KnowledgeBase, procedure_id: str, lg: str) -> str:
    words = [kb.phrase(f"channel_{c}", lg) for c in kb.procedure(procedure_id).channels]
    return kb.phrase("heading_channels", lg) + ("、" if lg == "zh" else ", ").join(words)


def times(kb: KnowledgeBase, procedure_id: str, lang: Lang,
          submitted: date | None = None) -> str:
    lg, refs = _lang(lang), [kb.procedure(procedure_id).source]
    name = pick(kb.procedure(procedure_id).name, lg)
    lines = _line_texts(
        (Line(t.text, t.source) for t in kb.times_for(procedure_id, lg)), refs)
    if not lines:
        return _join(_title(kb, procedure_id, lg), kb.phrase("times_not_stated", lg, name=name),
                     _sources(kb, refs, lg))
    expected: list[str] = []
    if submitted is not None:
        expected.append(kb.phrase("heading_expected", lg, submitted=submitted.isoformat()))
        estimated_years: set[int] = set()
        for stage in kb.expected_dates(procedure_id, submitted, lg):
            expected.append("• " + kb.phrase("expected_line", lg, text=stage.text,
                                             date=stage.due.date.isoformat()))
            if stage.due.estimated:
                estimated_years.add(stage.due.date.year)
        expected += [kb.phrase("expected_estimated", lg, year=y) for y in sorted(estimated_years)]
        expected.append(kb.phrase("expected_open_end", lg))
    else:
        expected.append(kb.phrase("ask_date_hint", lg))
    conflicts = conflict_block(kb, procedure_id, "times", lg, refs)
    return _join(_title(kb, procedure_id, lg), [kb.phrase("heading_times", lg), *_bullets(lines)],
                 expected, conflicts, _sources(kb, refs, lg))


def fee(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    lg, refs = _lang(lang), [kb.procedure(procedure_id).source]
    line = kb.fee_for(procedure_id, lg)
    if line is None:
        name = pick(kb.procedure(procedure_id).name, lg)
        hotline = [kb.contact_line(c, lg).text for c in kb.procedure(procedure_id).contact_ids]
        return _join(_title(kb, procedure_id, lg), kb.phrase("fee_not_stated", lg, name=name),
                     _bullets(hotline), _sources(kb, refs, lg))
    refs.append(line.source)
    conflicts = conflict_block(kb, procedure_id, "fee", lg, refs)
    return _join(_title(kb, procedure_id, lg), kb.phrase("heading_fee", lg) + line.text,
                 conflicts, _sources(kb, refs, lg))


def collect(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    lg, refs = _lang(lang), [kb.procedure(procedure_id).source]
    lines = _line_texts(kb.collect_for(procedure_id, lg), refs)
    body = ([kb.phrase("heading_collect", lg), *_bullets(lines)] if lines
            else [kb.phrase("collect_not_stated", lg)])
    conflicts = conflict_block(kb, procedure_id, "collect", lg, refs)
    return _join(_title(kb, procedure_id, lg), body, conflicts, _sources(kb, refs, lg))


def channel(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    lg, refs = _lang(lang), [kb.procedure(procedure_id).source]
    return _join(_title(kb, procedure_id, lg), _channels(kb, procedure_id, lg),
                 _bullets(_line_texts(kb.steps_for(procedure_id, lg)[:2], refs)),
                 _sources(kb, refs, lg))


def overview(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    """What a caller needs first: what to bring, how long, where; details on request."""
    lg, proc = _lang(lang), kb.procedure(procedure_id)
    refs = [proc.source]
    summary = pick(proc.summary, lg)
    mats = _numbered(_material_texts(kb, procedure_id, lg, refs))
    time_lines = _bullets(_line_texts(
        (Line(t.text, t.source) for t in kb.times_for(procedure_id, lg)), refs))
    passwords = _bullets(_line_texts(kb.passwords_for(procedure_id, lg), refs))
    groups = [pick(kb.office_groups[g].name, lg) for g in proc.office_groups]
    where = kb.phrase("heading_where", lg) + ("；" if lg == "zh" else "; ").join(groups)
    conflicts = conflict_block(kb, procedure_id, "materials", lg, refs)
    return _join(
        _title(kb, procedure_id, lg), summary,
        [kb.phrase("heading_materials", lg), *mats],
        [kb.phrase("heading_times", lg), *time_lines] if time_lines else [],
        [kb.phrase("heading_passwords", lg), *passwords] if passwords else [],
        [_channels(kb, procedure_id, lg), where] if groups else [_channels(kb, procedure_id, lg)],
        conflicts, _sources(kb, refs, lg))


def definition(kb: KnowledgeBase, procedure_id: str, lang: Lang) -> str:
    """"What does it mean": who the procedure is for, and what the sources note about it."""
    lg, proc = _lang(lang), kb.procedure(procedure_id)
    refs = [proc.source]
    notes = _bullets(_line_texts(kb.notes_for(procedure_id, lg), refs))
    return _join(_title(kb, procedure_id, lg), pick(proc.summary, lg),
                 [kb.phrase("heading_notes", lg), *notes] if notes else [],
                 _sources(kb, refs, lg))


def _office_lines(kb: KnowledgeBase, office: OfficeInfo, lg: str, with_hours: bool) -> list[str]:
    head = f"• {office.name}"
    if office.district:
        head += f"（{office.district}）" if lg == "zh" else f" ({office.district})"
    lines = [head]
    if office.address:
        lines.append(f"  {office.address}")
    if office.phone:
        lines.append(f"  {kb.phrase('office_phone', lg)} {office.phone}")
    if office.note:
        lines.append(f"  {office.note}")
    if with_hours:
        lines.append(f"  {office.hours_text or kb.phrase('hours_not_stated', lg)}")
    return lines


def offices(kb: KnowledgeBase, office_list: Sequence[OfficeInfo], lang: Lang,
            with_hours: bool = True, title: str = "") -> str:
    lg = _lang(lang)
    refs = [o.source for o in office_list]
    body: list[str] = []
    for o in office_list:
        body += _office_lines(kb, o, lg, with_hours)
    notes = [line for g in dict.fromkeys(o.group_id for o in office_list)
             for line in _line_texts(kb.group_notes(g, lg), refs)]
    return _join(title, [kb.phrase("heading_where", lg), *body],
                 [kb.phrase("heading_notes", lg), *_bullets(notes)] if notes else [],
                 _sources(kb, refs, lg))


def hours(kb: KnowledgeBase, office_list: Sequence[OfficeInfo], lang: Lang) -> str:
    """Opening hours per office; offices sharing one timetable are listed under it once."""
    lg = _lang(lang)
    refs: list[str] = []
    blocks: list[list[str]] = []
    by_text: dict[str, list[OfficeInfo]] = {}
    for o in office_list:
        by_text.setdefault(o.hours_text, []).append(o)
    for text, group in by_text.items():
        names = ("、" if lg == "zh" else ", ").join(o.name for o in group)
        blocks.append([f"{names}:", f"  {text or kb.phrase('hours_not_stated', lg)}"])
        refs += [o.source for o in group]
    for row in kb.hours_sets().values():
        if any(o.hours_text == pick(row.text, lg) for o in office_list):
            refs.append(row.source)
    return _join([kb.phrase("heading_hours", lg)], *blocks, _sources(kb, refs, lg))


def open_now(kb: KnowledgeBase, office_list: Sequence[OfficeInfo], lang: Lang,
             now: datetime) -> str:
    lg = _lang(lang)
    lines: list[str] = []
    seen: set[str] = set()
    for hid, row in kb.hours_sets().items():
        group = [o for o in office_list if o.hours_text == pick(row.text, lg)]
        if not group or hid in seen:
            continue
        seen.add(hid)
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
    no_hours = [o for o in office_list if not o.hours_text]
    answer = _join(lines, hours(kb, no_hours, lang) if no_hours else "")
    return answer or hours(kb, office_list, lang)


def contacts(kb: KnowledgeBase, lines: Sequence[Line], lang: Lang, title: str = "") -> str:
    lg = _lang(lang)
    refs: list[str] = []
    body = _bullets(_line_texts(lines, refs))
    return _join(title, [kb.phrase("heading_contacts", lg), *body], _sources(kb, refs, lg))


def passwords(kb: KnowledgeBase, lines: Sequence[Line], lang: Lang, title: str = "") -> str:
    lg = _lang(lang)
    refs: list[str] = []
    body = _bullets(_line_texts(lines, refs))
    return _join(title, [kb.phrase("heading_passwords", lg), *body], _sources(kb, refs, lg))


def topic(kb: KnowledgeBase, topic_id: str, lang: Lang) -> str:
    lg = _lang(lang)
    t = kb.topics[topic_id]
    refs = [t.source]
    contact_lines = _bullets(_line_texts((kb.contact_line(c, lg) for c in t.contact_ids), refs))
    return _join(kb.phrase("heading_procedure", lg, name=pick(t.name, lg)), pick(t.text, lg),
                 contact_lines, _sources(kb, refs, lg))


def details(kb: KnowledgeBase, passages: Sequence[Passage], lang: Lang) -> str:
    """The knowledge base's own sentences that answer the question, each with its source."""
    lg = _lang(lang)
    lines = [kb.phrase("heading_details", lg)]
    for p in passages:
        owner = (f"{pick(kb.procedure(p.procedure_id).name, lg)}: "
                 if p.procedure_id and p.procedure_id in kb.procedures else "")
        cite = kb.source_label(p.source, lg)
        lines.append(f"• {owner}{p.text(lg)}" + (f"（{cite}）" if lg == "zh" else f" ({cite})"))
    return "\n".join(lines)


def merge_blocks(blocks: Sequence[str]) -> str:
    """Several answers to one message as one text: the procedure's heading is said once."""
    out: list[str] = []
    seen_titles: set[str] = set()
    for block in blocks:
        first, _, rest = block.partition("\n")
        if first.startswith("【") and first in seen_titles:
            block = rest.lstrip("\n")
        elif first.startswith("【"):
            seen_titles.add(first)
        if block:
            out.append(block)
    return "\n\n".join(out)


def material_check(kb: KnowledgeBase, procedure_id: str, material_ids: Sequence[str],
                   lang: Lang) -> str:
    """"Do I need X?": yes with its qualifier, or no because the list does not have it."""
    lg = _lang(lang)
    listed = {m.material_id: m for m in kb.materials_for(procedure_id, lg)}
    name = pick(kb.procedure(procedure_id).name, lg)
    lines: list[str] = []
    for mid in material_ids:
        if mid in listed:
            m = listed[mid]
            text = f"{m.name}（{m.qualifier}）" if m.qualifier and lg == "zh" else (
                f"{m.name} ({m.qualifier})" if m.qualifier else m.name)
            lines.append(kb.phrase("material_needed", lg, material=text))
        elif not any(other in listed for other in material_ids):
            material = pick(kb.materials[mid].name, lg) if mid in kb.materials else mid
            lines.append(kb.phrase("material_not_needed", lg, material=material, name=name))
    return "\n".join(dict.fromkeys(lines))


def fee_overview(kb: KnowledgeBase, procedure_ids: Sequence[str], lang: Lang) -> str:
    """The fee question without a procedure: each stated fee with what it covers."""
    lg = _lang(lang)
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
    lines = [kb.phrase("heading_fee", lg)]
    refs: list[str] = []
    sep = "、" if lg == "zh" else "; "
    for (text, source), names in by_fee.items():
        lines.append(f"• {text}（{sep.join(names)}）" if lg == "zh"
                     else f"• {text} ({sep.join(names)})")
        refs.append(source)
    if silent:
        lines.append("• " + kb.phrase("fee_not_stated_for", lg, names=sep.join(silent)))
    return _join(lines, _sources(kb, refs, lg) if refs else "")


def validity(kb: KnowledgeBase, procedure_id: str | None, key_type: str | None,
             lang: Lang) -> str:
    """How long a certificate is valid and what a procedure does to it, where the sources say."""
    lg = _lang(lang)
    scope = ({procedure_id} if procedure_id else
             {p.id for p in kb.procedures.values() if key_type and p.key_type_id == key_type}
             or set(kb.procedures))
    said = [p for p in kb.passage_index.passages
            if p.procedure_id in scope and "validity" in kb.facets_named(p.zh)]
    lines = list(dict.fromkeys(p.text(lg) for p in said))
    if lines:
        return _join([kb.phrase("heading_validity", lg), *_bullets(lines)],
                     _sources(kb, [p.source for p in said], lg))
    what = pick(kb.key_types[key_type].short, lg) if key_type in kb.key_types else ""
    hotline = [kb.contact_line(c, lg).text for c in _key_contacts(kb, key_type)]
    return _join(kb.phrase("validity_not_stated", lg, name=what), _bullets(hotline))


def _key_contacts(kb: KnowledgeBase, key_type: str | None) -> list[str]:
    out: list[str] = []
    for p in kb.procedures.values():
        if key_type is None or p.key_type_id == key_type:
            out += [c for c in p.contact_ids if c not in out]
    return out
