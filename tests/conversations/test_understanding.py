"""Questions the classifier is unsure of, answered from what the knowledge base states."""

from __future__ import annotations

import pytest
from support import joined

pytestmark = pytest.mark.conversation

REFUSAL = "58103599"


def test_a_validity_question_naming_no_key_is_answered_not_refused(chat) -> None:
    reply = joined(chat("证书有效期几年啊"))
    assert "10年" in reply and "有效期不变" in reply


def test_another_documents_validity_is_still_refused(chat) -> None:
    reply = joined(chat("护照有效期几年"))
    assert REFUSAL in reply and "10年" not in reply


def test_a_password_answer_is_not_preceded_by_loosely_related_quotes(chat) -> None:
    reply = joined(chat("电子口岸卡密码默认是多少"))
    assert "88888888" in reply
    assert "法人卡" not in reply  # a sentence that merely names the card


def test_a_spoken_failed_verification_gets_the_resubmit_advice(chat) -> None:
    reply = joined(chat("核验没通过该怎么处理"))
    assert "重新提交" in reply
    assert "核验通过，材料转至" not in reply  # "没通过" is not "通过"


def test_a_question_only_our_sentences_answer_gets_those_sentences_alone(chat) -> None:
    reply = joined(chat("激活邮件收不到"))
    assert "激活" in reply and "邮箱" in reply
    assert "需要准备的材料" not in reply  # no overview of a procedure nobody asked for


def test_how_long_a_card_is_valid_is_not_also_a_processing_time_question(chat) -> None:
    messages = chat("how long valid the eport card certificate")
    reply = joined(messages)
    assert "10 years" in reply
    assert not any(m.get("buttons") for m in messages)  # no "which service?" question


def test_materials_and_place_in_one_message_list_the_materials_once(chat) -> None:
    reply = joined(chat("新公司办电子口岸卡要带什么，海淀哪里能办"))
    assert "知春路" in reply
    assert reply.count("需要准备的材料") == 1
