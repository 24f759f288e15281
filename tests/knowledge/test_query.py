"""The query layer every consumer shares: procedures found from aliases, facts per language."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from knowledge.query import KnowledgeBase, pick
from knowledge.search import PROCEDURE, search
from knowledge.text import detect_language


def procedures_found(kb: KnowledgeBase, text: str) -> list[str]:
    """The procedures the staff search (the one search there is) lists for these words."""
    return [h.id for h in search(kb, text) if h.kind == PROCEDURE]

PROCEDURES = [
    "mofcom_first_online", "mofcom_first_offline", "mofcom_reissue", "mofcom_additional",
    "mofcom_renewal", "mofcom_unlock", "mofcom_info_change", "mofcom_cancellation",
    "beijing_ekey_service", "eport_new_access_onsite", "eport_new_access_online",
    "eport_cert_update", "eport_add_operator", "eport_add_broker", "eport_replacement",
    "eport_unlock", "import_export_qualification",
]


@pytest.mark.parametrize("procedure_id", PROCEDURES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_procedure_has_its_facts_in_both_languages(kb: KnowledgeBase, procedure_id: str,
                                                         lang: str) -> None:
    proc = kb.procedure(procedure_id)
    want = "en" if lang == "en" else "zh-Hans"
    assert detect_language(pick(proc.name, lang)) == want
    materials = kb.materials_for(procedure_id, lang)
    assert materials and all(m.name and m.source for m in materials)
    assert kb.steps_for(procedure_id, lang)
    for line in [*materials, *kb.steps_for(procedure_id, lang), *kb.notes_for(procedure_id, lang)]:
        assert line.source.split(" ")[0] in kb.sources


@pytest.mark.parametrize(("text", "expected"), [
    ("IC卡 解锁", "eport_unlock"),
    ("unlock e-port", "eport_unlock"),
    ("電子口岸 換卡", "eport_replacement"),
    ("电子钥匙 补办", "mofcom_reissue"),
    ("licence e-key renewal", "mofcom_renewal"),
    ("注销 电子钥匙", "mofcom_cancellation"),
    ("operator card", "eport_add_operator"),
    ("报关员卡", "eport_add_broker"),
    ("进出口权", "import_export_qualification"),
    ("电子钥匙 线下 首次申领", "mofcom_first_offline"),
    ("e-key first application online", "mofcom_first_online"),
])
def test_search_finds_the_procedure_from_aliases(kb: KnowledgeBase, text: str,
                                                  expected: str) -> None:
    assert procedures_found(kb, text)[0] == expected


def test_search_without_a_key_type_offers_both_keys(kb: KnowledgeBase) -> None:
    ids = procedures_found(kb, "補辦")
    assert "mofcom_reissue" in ids and "eport_replacement" in ids


def test_kind_without_key_type_asks_which_key(kb: KnowledgeBase) -> None:
    res = kb.resolve(kind="unlock")
    assert res.procedure is None and res.ask == "key_type"
    assert set(res.options) == {"mofcom_ekey", "eport_card"}


def test_a_kind_only_one_key_has_needs_no_question(kb: KnowledgeBase) -> None:
    assert kb.resolve(kind="cancellation").procedure.id == "mofcom_cancellation"
    assert kb.resolve(kind="add_broker").procedure.id == "eport_add_broker"


def test_route_picks_the_variant_and_offers_the_other(kb: KnowledgeBase) -> None:
    res = kb.resolve("mofcom_ekey", "first_application", "offline")
    assert res.procedure.id == "mofcom_first_offline"
    assert [p.id for p in res.alternatives] == ["mofcom_first_online"]


def test_district_narrows_offices(kb: KnowledgeBase) -> None:
    offices = kb.offices_for(group="beijing_customs", region="haidian", lang="zh")
    assert [o.phone for o in offices] == ["010-85732112"]


def test_a_district_named_beside_its_city_is_the_region_kept(kb: KnowledgeBase) -> None:
    found = {m.entity: m.target_id for m in kb.find_terms("in Beijing, which office near Haidian")}
    assert found["region"] == "haidian"
    assert kb.regions_around("haidian") == ["haidian", "beijing"]
    # a district is in Beijing: the Beijing bureau's own procedure still answers there
    assert kb.resolve("mofcom_ekey", region="haidian").procedure.id == "beijing_ekey_service"
    assert len(kb.offices_for(group="beijing_customs", region="beijing", lang="zh")) > 1


def test_beijing_window_is_open_on_a_working_morning(kb: KnowledgeBase) -> None:
    state = kb.open_state("beijing_commerce_hours", datetime(2026, 11, 24, 10, 0))
    assert state.is_open and not state.by_reservation


def test_expected_dates_skip_national_day(kb: KnowledgeBase) -> None:
    stages = kb.expected_dates("mofcom_unlock", date(2026, 9, 28))
    assert stages[0].due.date == date(2026, 9, 30)
    assert stages[1].due.date > date(2026, 10, 8)
    assert not any(s.due.estimated for s in stages)
