"""Every procedure, asked in Simplified, Traditional and English, through the REST channel.

Each case names the procedure a clerk means; the reply must carry that procedure's title and
its whole material list from the knowledge base, in the user's script.
"""

from __future__ import annotations

import pytest
from support import joined

from knowledge.query import KnowledgeBase, pick
from knowledge.text import detect_language, localise, stored

pytestmark = pytest.mark.conversation

CASES = [
    # (message, procedure the clerk means)
    ("许可证电子钥匙首次申领需要什么材料", "mofcom_first_online"),
    ("電子鑰匙第一次申領要準備哪些材料？", "mofcom_first_online"),
    ("What documents do I need for a first MOFCOM e-key application?", "mofcom_first_online"),
    ("电子钥匙线下首次申领要带什么材料", "mofcom_first_offline"),
    ("What do I need to apply for the MOFCOM e-key offline for the first time?",
     "mofcom_first_offline"),
    ("电子钥匙丢了补办要什么材料", "mofcom_reissue"),
    ("電子鑰匙丟了，補辦需要哪些材料", "mofcom_reissue"),
    ("What documents are needed to reissue a lost MOFCOM e-key?", "mofcom_reissue"),
    ("电子钥匙增办需要哪些材料", "mofcom_additional"),
    ("增辦一把電子鑰匙要帶什麼材料", "mofcom_additional"),
    ("What do I need to get an additional MOFCOM e-key?", "mofcom_additional"),
    ("电子钥匙证书快到期了，更新要哪些材料", "mofcom_renewal"),
    ("電子鑰匙證書過期了，更新要準備什麼材料", "mofcom_renewal"),
    ("What materials do I need to renew my MOFCOM e-key certificate?", "mofcom_renewal"),
    ("商务部电子钥匙锁了，解锁要什么材料", "mofcom_unlock"),
    ("電子鑰匙鎖住了，解鎖要帶什麼？", "mofcom_unlock"),
    ("What do I need to unlock my MOFCOM licence e-key?", "mofcom_unlock"),
    ("电子钥匙信息变更为18位统一社会信用代码需要什么材料", "mofcom_info_change"),
    ("電子鑰匙信息變更要準備哪些材料", "mofcom_info_change"),
    ("What documents do I need for an information change of my MOFCOM e-key?",
     "mofcom_info_change"),
    ("数字证书注销需要提交什么", "mofcom_cancellation"),
    ("電子鑰匙註銷需要什麼材料", "mofcom_cancellation"),
    ("What do I need to cancel my MOFCOM e-key certificate?", "mofcom_cancellation"),
    ("电子口岸IC卡新企业入网现场办理要带什么材料", "eport_new_access_onsite"),
    ("電子口岸卡新企業入網要帶什麼材料", "eport_new_access_onsite"),
    ("What do I bring for new enterprise network access for the China E-port IC card on site?",
     "eport_new_access_onsite"),
    ("电子口岸IC卡网上入网需要什么材料", "eport_new_access_online"),
    ("电子口岸IC卡证书过期了，更新要带什么材料", "eport_cert_update"),
    ("電子口岸IC卡證書更新要帶什麼材料", "eport_cert_update"),
    ("What do I bring to update the certificate of my E-port IC card?", "eport_cert_update"),
    ("电子口岸新增操作员卡要带什么材料", "eport_add_operator"),
    ("電子口岸新增操作員卡需要什麼材料", "eport_add_operator"),
    ("How can we add a new operator card for electronic port?", "eport_add_operator"),
    ("电子口岸报关员卡怎么办理，要带什么材料", "eport_add_broker"),
    ("電子口岸報關員卡要帶什麼材料", "eport_add_broker"),
    ("What materials are needed for an E-port customs broker card?", "eport_add_broker"),
    ("电子口岸卡坏了要换，带什么材料", "eport_replacement"),
    ("電子口岸IC卡丟了要補卡，需要什麼材料", "eport_replacement"),
    ("My E-port IC card is damaged, what do I bring to replace it?", "eport_replacement"),
    ("电子口岸IC卡密码输错锁了，解锁要带什么材料", "eport_unlock"),
    ("電子口岸IC卡被鎖了，解鎖要帶什麼材料", "eport_unlock"),
    ("My China E-port IC card is locked, what should I bring?", "eport_unlock"),
    ("办理进出口权需要准备哪些材料", "import_export_qualification"),
    ("辦理進出口權需要準備哪些材料", "import_export_qualification"),
    ("What documents do I need to get import and export rights?", "import_export_qualification"),
]


@pytest.mark.parametrize(("message", "procedure_id"), CASES)
def test_materials_of_every_procedure(chat, kb: KnowledgeBase, message: str,
                                      procedure_id: str) -> None:
    reply = joined(chat(message))
    lang = detect_language(message)
    lg = stored(lang)
    proc = kb.procedure(procedure_id)
    assert localise(pick(proc.name, lg), lang) in reply
    for line in kb.materials_for(procedure_id, lg):
        assert localise(line.name, lang) in reply, line.name
    assert detect_language(reply) == lang
