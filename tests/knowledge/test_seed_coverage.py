"""Every concrete fact of the five seed documents is in the knowledge base.

Each line below is a fact as the seed states it, checked through the query layer against a
freshly built database: if a data file loses one, this test names it.
"""

from __future__ import annotations

import pytest

from knowledge.query import KnowledgeBase

MATERIALS_ZH = {
    # 003: the material lists of every MOFCOM procedure, in the source's order
    "mofcom_first_online": ["申请表", "电子签章申请确认函", "对外贸易经营者备案登记表复印件",
                            "营业执照副本复印件", "企业授权人的身份证复印件",
                            "企业授权人的授权委托书"],
    "mofcom_first_offline": ["申请表", "对外贸易经营者备案登记表复印件", "营业执照副本复印件",
                             "企业授权人的身份证复印件", "企业授权人的授权委托书"],
    "mofcom_reissue": ["申请表", "对外贸易经营者备案登记表复印件", "营业执照副本复印件",
                       "企业授权人的身份证复印件", "企业授权人的授权委托书"],
    "mofcom_additional": ["申请表", "电子签章申请确认函", "对外贸易经营者备案登记表复印件",
                          "营业执照副本复印件", "企业授权人的身份证复印件",
                          "企业授权人的授权委托书"],
    "mofcom_renewal": ["申请表", "电子签章申请确认函", "企业授权人的身份证复印件",
                       "企业授权人的授权委托书", "电子钥匙"],
    "mofcom_unlock": ["申请表", "电子钥匙"],
    "mofcom_info_change": ["申请表", "工商局开具的变更信息证明文件", "电子签章申请确认函",
                           "对外贸易经营者备案登记表复印件", "营业执照副本复印件",
                           "企业授权人的身份证复印件", "企业授权人的授权委托书", "电子钥匙"],
    "mofcom_cancellation": ["申请表"],
}
MATERIALS_EN = {
    # 000: the Beijing bureau's five materials; 002: the E-port card services
    "beijing_ekey_service": ["Application Form", "Confirmation Letter", "power of attorney",
                             "ID card", "e-key"],
    "eport_new_access_onsite": ["business licence", "customs registration receipt",
                                "legal person and the operator"],
    "eport_cert_update": ["business licence", "IC card"],
    "eport_add_operator": ["business licence", "legal person card", "new operator"],
    "eport_add_broker": ["customs broker card application form", "business licence",
                         "legal person card"],
    "eport_replacement": ["business licence", "IC card"],
    "eport_unlock": ["business licence", "IC card"],
}


@pytest.mark.parametrize(("procedure_id", "expected"), MATERIALS_ZH.items())
def test_mofcom_material_lists(kb: KnowledgeBase, procedure_id: str, expected: list[str]) -> None:
    names = [m.name + m.qualifier for m in kb.materials_for(procedure_id, "zh")]
    assert len(names) == len(expected)
    for name, fact in zip(names, expected, strict=True):
        assert fact in name


@pytest.mark.parametrize(("procedure_id", "expected"), MATERIALS_EN.items())
def test_beijing_and_eport_material_lists(kb: KnowledgeBase, procedure_id: str,
                                          expected: list[str]) -> None:
    names = [(m.name + " " + m.qualifier).lower() for m in kb.materials_for(procedure_id, "en")]
    assert len(names) == len(expected)
    for name, fact in zip(names, expected, strict=True):
        assert fact.lower() in name


def test_the_three_customs_offices_and_phones(kb: KnowledgeBase) -> None:
    offices = {o.phone: o for o in kb.offices_for(group="beijing_customs", lang="zh")}
    assert set(offices) == {"010-85733354", "010-85732112", "010-85734201"}
    assert "南法信航港大厦" in offices["010-85733354"].address
    assert "知春路59号" in offices["010-85732112"].address
    assert "天水园街6号" in offices["010-85734201"].address


def test_the_two_beijing_service_centres_with_hours(kb: KnowledgeBase) -> None:
    offices = kb.offices_for(group="beijing_commerce", lang="en")
    addresses = " ".join(o.address for o in offices)
    assert "No. 1 West Third Ring South Road, Fengtai" in addresses
    assert "No. 48 Xinhua East Street, Tongzhou" in addresses
    for office in offices:
        assert "09:00-12:00" in office.hours_text and "13:30-17:00" in office.hours_text
        assert "09:00-13:00" in office.hours_text and "reservation" in office.hours_text
    assert any("Liuliqiao" in o.note for o in offices)


def test_ccb_outlets(kb: KnowledgeBase) -> None:
    (ccb,) = kb.offices_for(group="ccb_outlets", lang="zh")
    assert "16" in ccb.note and "2021" in ccb.note


def test_default_and_initial_passwords(kb: KnowledgeBase) -> None:
    passwords = {p.id: p.password for p in kb.passwords.values()}
    assert passwords == {"licence_system": "99999999", "dual_use_system": "99999999",
                         "tech_system": "Tecimp1", "eport_initial": "88888888"}
    unlock_note = " ".join(n.text for n in kb.notes_for("eport_unlock", "zh"))
    assert "88888888" in unlock_note and "有效期不变" in unlock_note
    for pid in ("eport_cert_update", "eport_add_operator", "eport_add_broker",
                "eport_replacement"):
        assert "10年" in " ".join(n.text for n in kb.notes_for(pid, "zh"))


@pytest.mark.parametrize(("procedure_id", "days"), [
    ("mofcom_first_online", [2, 5]), ("mofcom_first_offline", [2, 5]),
    ("mofcom_reissue", [2, 5]), ("mofcom_additional", [2, 5]), ("mofcom_renewal", [2, 5]),
    ("mofcom_unlock", [2, 5]), ("mofcom_info_change", [2, 5]),
    ("mofcom_cancellation", [2, 2]), ("beijing_ekey_service", [5, 1, 5, 1]),
])
def test_processing_times(kb: KnowledgeBase, procedure_id: str, days: list[int]) -> None:
    assert [t.working_days for t in kb.times_for(procedure_id, "zh")] == days


def test_fees_are_free_where_the_sources_say_so(kb: KnowledgeBase) -> None:
    assert "free" in kb.fee_for("mofcom_first_online", "en").text.lower()
    assert kb.fee_for("mofcom_first_online", "en").source.startswith("001")
    assert "free" in kb.fee_for("beijing_ekey_service", "en").text.lower()
    assert kb.fee_for("eport_unlock", "en") is None  # 002 states no fee
    # 000 §4, for the Beijing bureau only: the text says so
    reissue = kb.fee_for("mofcom_reissue", "zh")
    assert reissue.source == "000 §4" and "北京" in reissue.text and "免费" in reissue.text


def test_the_beijing_bureau_needs_the_original_key_plainly(kb: KnowledgeBase) -> None:
    # 000 item 5: "The original electronic key is needed." The procedures in its brackets only
    # say where to read about them.
    (key,) = [m for m in kb.materials_for("beijing_ekey_service", "en")
              if m.material_id == "the_ekey"]
    assert key.qualifier == "the original e-key"


def test_the_customs_list_is_partial_and_says_so(kb: KnowledgeBase) -> None:
    notes = kb.group_notes("beijing_customs", "en")
    assert notes[0].source == "002 II(I)" and "only some are listed" in notes[0].text
    assert any("Construction Bank" in n.text for n in notes)


def test_contacts_and_urls(kb: KnowledgeBase) -> None:
    values = {c.value for c in kb.contacts.values()}
    assert {"010-58103599", "www.licence.org.cn", "banshi.beijing.gov.cn",
            "http://careg.ec.com.cn/busLoginController.do?toLogin",
            "http://xkzj.mofcom.gov.cn/article/k/202107/20210703178625.shtml"} <= values
    assert kb.contacts["licence_hotline"].also[0]["value"] == "+86-10-5810-3599"


def test_qualification_steps_and_prerequisites(kb: KnowledgeBase) -> None:
    steps = " ".join(s.text for s in kb.steps_for("import_export_qualification", "en"))
    for fact in ("Foreign Trade Operator Registration Form", "Single Window",
                 "customs registration code", "Electronic Port Data Center",
                 "Foreign Exchange Income and Expenditure"):
        assert fact in steps
    notes = " ".join(n.text for n in kb.notes_for("import_export_qualification", "en"))
    assert "business scope" in notes and "office address" in notes


def test_automatic_import_licence_binding_rule(kb: KnowledgeBase) -> None:
    text = kb.topics["ail_binding"].text["zh"]
    assert "单一窗口" in text and "自动进口许可证" in text and "插在电脑上" in text


def test_disagreements_keep_both_values_with_sources(kb: KnowledgeBase) -> None:
    by_id = {c.id: c for c in kb.conflicts_for(None, lang="en")}
    scan = [(v.text, v.source.split()[0]) for v in by_id["scan_size_limit"].values]
    assert ("each image under 200 KB", "001") in scan and ("each image under 1 MB", "003") in scan
    notify = " ".join(v.text for v in by_id["notification_time"].values)
    assert "2 working days" in notify and "3 working days" in notify
    assert {"000", "003"} <= {v.source.split()[0] for v in by_id["beijing_timeline"].values}
