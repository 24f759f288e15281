"""An answer is one structure (replies/card.py), built once by replies/render.py: its plain
text, its card payload and its copyable checklist say the same things from the same facts."""

from __future__ import annotations

import json

from knowledge.query import KnowledgeBase, pick
from knowledge.text import to_traditional
from replies import render
from replies.card import PAYLOAD_TYPE, Card, Section, SourceRef


def test_the_reissue_overview_is_one_card_with_numbered_materials(kb: KnowledgeBase) -> None:
    card = render.overview(kb, "mofcom_reissue", "zh-Hans")
    name = pick(kb.procedure("mofcom_reissue").name, "zh")
    assert name in card.heading
    materials = [s for s in card.sections if s.kind == "materials"]
    assert len(materials) == 1 and materials[0].style == "numbered"
    listed = [m.name for m in kb.materials_for("mofcom_reissue", "zh")]
    assert len(materials[0].items) == len(listed)
    assert all(any(n in item for item in materials[0].items) for n in listed)
    assert "1. " in card.text() and card.source_line in card.text()


def test_every_source_of_the_card_is_a_citation_of_the_facts_it_shows(kb: KnowledgeBase
                                                                    ) -> None:
    card = render.overview(kb, "mofcom_reissue", "en")
    refs = [s.ref for s in card.sources]
    assert refs and len(refs) == len(set(refs))
    shown = {kb.procedure("mofcom_reissue").source}
    shown |= {m.source for m in kb.materials_for("mofcom_reissue", "en")}
    assert shown <= set(refs)
    assert all(s.label.endswith(s.ref) for s in card.sources)


def test_the_payload_holds_the_same_words_as_the_text(kb: KnowledgeBase) -> None:
    card = render.overview(kb, "eport_unlock", "en")
    payload = card.payload("en")
    assert payload["type"] == PAYLOAD_TYPE and payload["lang"] == "en"
    json.dumps(payload)  # plain JSON, as Rasa's custom payload must be
    text = card.text()
    for section in payload["sections"]:
        assert section["title"] in text
        for item in section["items"]:
            for line in item.split("\n"):
                assert line in text, line
    assert payload["checklist"].startswith(card.heading)


def test_the_checklist_is_the_materials_with_heading_and_sources(kb: KnowledgeBase) -> None:
    card = render.overview(kb, "mofcom_unlock", "zh-Hans")
    checklist = card.checklist()
    assert card.heading in checklist and card.source_line in checklist
    assert "1. " in checklist
    times = next(s for s in card.sections if s.title.startswith("办理时限"))
    assert times.items[0] not in checklist


def test_merged_answers_say_the_heading_once_and_list_all_sources(kb: KnowledgeBase) -> None:
    steps = render.steps(kb, "mofcom_reissue", "zh-Hans")
    collect = render.collect(kb, "mofcom_reissue", "zh-Hans")
    merged = render.merge(kb, [collect, steps], "zh-Hans")
    assert merged.text().count(steps.heading) == 1
    assert {s.ref for s in steps.sources} | {s.ref for s in collect.sources} == \
        {s.ref for s in merged.sources}
    assert merged.text().count("来源") == 1


def test_plain_text_marks_items_as_the_widget_lists_them() -> None:
    card = Card("【X】", [Section(["a", "b\nunder b"], "Things:", "numbered"),
                         Section(["c"], style="bullets")],
                [SourceRef("003 §2", "A · 003 §2")], "Source: A · 003 §2")
    assert card.text() == "【X】\n\nThings:\n1. a\n2. b\n  under b\n\n• c\n\nSource: A · 003 §2"
    assert card.blocks()[1] == "Things:\n1. a\n2. b\n  under b"


def test_traditional_converts_the_words_but_keeps_the_citations(kb: KnowledgeBase) -> None:
    card = render.materials(kb, "mofcom_unlock", "zh-Hant").converted(to_traditional)
    assert card.heading == to_traditional(render.materials(kb, "mofcom_unlock", "zh").heading)
    assert all(s.ref == to_traditional(s.ref) or s.ref.isascii() for s in card.sources)
    plain = render.materials(kb, "mofcom_unlock", "zh-Hans")
    assert [s.ref for s in card.sources] == [s.ref for s in plain.sources]


def test_a_sentence_two_parts_of_one_answer_quote_is_said_once(kb: KnowledgeBase) -> None:
    step = next(p for p in kb.passage_index.passages if p.id == "mofcom_unlock/step/0")
    other = next(p for p in kb.passage_index.passages if p.id == "mofcom_unlock/step/1")
    merged = render.merge(kb, [render.details(kb, [step], "zh-Hans"),
                               render.details(kb, [step, other], "zh-Hans")], "zh-Hans")
    text = merged.text()
    assert text.count(step.zh) == 1 and other.zh in text
