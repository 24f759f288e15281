"""What the seed audit (issue 14) changed in the answers, as a user sees it, in all three scripts.

- The customs offices are only some of Beijing's: every list of them says so.
- A company name change is not covered by the sources: the answer says so and gives the
  hotline, and never the 13-to-18-digit information change's materials.
- 001's 200 KB scan limit is the first application's: an additional key's steps give 003's
  1M only, while the first application still shows both values with their sources.
- The Beijing bureau's service is free (000 §4): a Beijing reissue is no longer "fee not stated".
"""

from __future__ import annotations

import pytest
from support import joined

from knowledge.query import KnowledgeBase, pick
from knowledge.text import Lang, detect_language, localise, stored

pytestmark = pytest.mark.conversation


def in_script(kb: KnowledgeBase, text: dict | str, lang: Lang) -> str:
    lg = stored(lang)
    return localise(pick(text, lg) if isinstance(text, dict) else text, lang)


@pytest.mark.parametrize("message", [
    "电子口岸IC卡在哪里办理？",
    "電子口岸IC卡在哪裡辦理？",
    "Where can I get an E-port IC card in Beijing?",
])
def test_the_customs_list_says_only_some_offices_are_listed(chat, kb: KnowledgeBase,
                                                            message: str) -> None:
    reply = joined(chat(message))
    lang = detect_language(message)
    assert detect_language(reply) == lang
    assert "010-85732112" in reply  # the offices themselves are still listed
    lg = stored(lang)
    for note in kb.group_notes("beijing_customs", lg):
        assert localise(note.text, lang) in reply
    assert "002 II(I)" in reply


@pytest.mark.parametrize("message", [
    "我们公司改名了，电子钥匙要带什么材料？",
    "我們公司改名了，電子鑰匙要帶什麼材料？",
    "Our company name changed. What do I need for the licence e-key?",
])
def test_a_name_change_is_not_covered_and_the_hotline_is_given(chat, kb: KnowledgeBase,
                                                               message: str) -> None:
    reply = joined(chat(message))
    lang = detect_language(message)
    assert detect_language(reply) == lang
    assert in_script(kb, kb.topics["name_change"].text, lang) in reply
    assert "010-58103599" in reply
    # not answered as the 13-to-18-digit information change
    lg = stored(lang)
    change_proof = next(m.name for m in kb.materials_for("mofcom_info_change", lg)
                        if m.material_id == "change_certificate")
    assert localise(change_proof, lang) not in reply


@pytest.mark.parametrize(("message", "limit", "stretched"), [
    ("电子钥匙增办的步骤是什么？", "图片小于1M", "200K"),
    ("增辦電子鑰匙的步驟是什麼？", "圖片小於1M", "200K"),
    ("What are the steps for an additional MOFCOM e-key?", "image under 1 MB", "200 KB"),
])
def test_an_additional_key_gets_only_its_own_scan_limit(chat, message: str, limit: str,
                                                        stretched: str) -> None:
    reply = joined(chat(message))
    assert detect_language(reply) == detect_language(message)
    assert limit in reply
    assert stretched not in reply


@pytest.mark.parametrize(("message", "both"), [
    ("许可证电子钥匙首次申领在线预申请的步骤", ("200K", "1M")),
    ("許可證電子鑰匙首次申領線上預申請的步驟", ("200K", "1M")),
    ("What are the steps of the online pre-application for a first MOFCOM e-key?",
     ("200 KB", "1 MB")),
])
def test_the_first_application_still_shows_both_scan_limits(chat, message: str,
                                                            both: tuple[str, str]) -> None:
    reply = joined(chat(message))
    for value in both:
        assert value in reply
    assert "001 §1 step 4" in reply and "003 §1(1) step 4" in reply


@pytest.mark.parametrize("message", [
    "电子钥匙丢了，补办要收费吗？",
    "電子鑰匙丟了，補辦要收費嗎？",
    "Is there a fee to reissue a lost MOFCOM e-key?",
])
def test_a_beijing_reissue_is_free_of_charge(chat, kb: KnowledgeBase, message: str) -> None:
    reply = joined(chat(message))
    lang = detect_language(message)
    assert detect_language(reply) == lang
    lg = stored(lang)
    assert localise(kb.fee_for("mofcom_reissue", lg).text, lang) in reply
    name = pick(kb.procedure("mofcom_reissue").name, lg)
    assert localise(kb.phrase("fee_not_stated", lg, name=name), lang) not in reply
    assert "000 §4" in reply
