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


def test_a_who_question_is_answered_by_the_sentence_naming_who(chat) -> None:
    reply = joined(chat("the confirmation letter - who is supposed to sign it?"))
    assert "trustee" in reply


def test_a_chinese_who_question_is_answered_by_the_sentence_naming_who(chat) -> None:
    reply = joined(chat("签章确认函是谁签字"))
    assert "受托人" in reply


def test_a_password_named_beside_a_lock_gets_the_unlocking_and_the_password_once(chat) -> None:
    reply = joined(chat("電子口岸卡密碼鎖了怎麼辦"))
    assert "營業執照" in reply  # what to bring to unlock
    assert reply.count("88888888") == 1 or "解鎖後" in reply
    assert reply.count("默認/初始密碼") == 1
    english = joined(chat("e-port card pin got locked, what now"))
    assert "business licence" in english and "88888888" in english


def test_a_rule_each_procedure_states_differently_is_quoted_for_each(chat) -> None:
    reply = joined(chat("登录系统用户名有什么要求"))
    assert "大写" in reply and "原用户名" in reply


def test_the_online_systems_confirm_upload_button_is_reachable(chat) -> None:
    reply = joined(chat("once the files are uploaded do I have to press another button?"))
    assert "Confirm Upload" in reply


def test_a_renewal_adds_the_e_signature_at_the_same_time(chat) -> None:
    reply = joined(chat("when we renew the e-key, is the electronic signature added too?"))
    assert "at the same time" in reply


def test_another_cards_conflicts_and_kinds_are_not_quoted(chat) -> None:
    reply = joined(chat("forgot my e-port card pin and now it is locked after 3 tries"))
    assert "business licence" in reply
    assert "001 §1 step 7" not in reply and "working days" not in reply



def test_a_kind_named_keeps_other_kinds_sentences_out(chat) -> None:
    validity = joined(chat("does unlocking the card change how long the certificate is valid"))
    assert "unchanged" in validity
    assert "18-digit" not in validity and "13-digit" not in validity


def test_where_to_read_the_process_asks_the_pages_not_the_offices(chat) -> None:
    # "在哪里看" holds "在哪" (where): the longer cue, where to read it, is what is asked;
    # in Beijing the answer adds the Beijing bureau's pages.
    reply = joined(chat("北京这边 电子钥匙解锁的最新流程和表格在哪里看"))
    assert "xkzj.mofcom.gov.cn" in reply and "banshi.beijing.gov.cn" in reply
    assert "西三环" not in reply  # no office list


def test_which_website_also_quotes_the_step_that_uses_it(chat) -> None:
    reply = joined(chat("the e-key reissue, which website do i fill the form on"))
    assert "www.licence.org.cn" in reply and "Download the application form" in reply


def test_another_matter_that_looks_like_ours_is_refused(chat) -> None:
    assert REFUSAL in joined(chat("营业执照丢了去哪补办"))
    assert REFUSAL in joined(chat("报关员考试要带什么材料"))
    assert "报关人员卡申请表" in joined(chat("报关员卡要带什么材料"))


def test_a_district_named_beside_beijing_narrows_the_offices(chat) -> None:
    reply = joined(chat("new company, what to bring for the e-port card in Beijing, "
                        "and which office near Haidian?"))
    assert "Zhichun Road" in reply and "business licence" in reply
    assert "Shunyi" not in reply and "banshi.beijing.gov.cn" not in reply


def test_an_unsure_out_of_scope_reading_needs_three_shared_words(chat) -> None:
    # "import" and "code" are in our sentences too; a tariff question is still not ours.
    assert REFUSAL in joined(chat("what's the import tariff rate for HS code 8471 laptops"))


def test_the_slots_this_message_fills_are_not_context(chat) -> None:
    # "register a new company" fills the kind slot itself: it is no earlier conversation
    # that a "how much" could continue.
    reply = joined(chat("how to register a new company in beijing and how much registered "
                        "capital is needed"))
    assert REFUSAL in reply


def test_forex_and_foreign_trade_operator_filing_are_the_qualification_steps(chat) -> None:
    forex = joined(chat("after customs registration, do we register at the forex bureau? "
                        "what to bring"))
    assert "foreign exchange" in forex.lower()
    filing = joined(chat("foreign trade operator filing - online only or do i go to an office?"))
    assert "Import/export qualification" in filing and "operator card" not in filing


def test_a_cantonese_who_question_is_answered_by_who(chat) -> None:
    assert "法人簽字" in joined(chat("份申請表係咪要法人簽？邊個簽先得"))


def test_an_exemption_is_quoted_beside_the_document_it_exempts(chat) -> None:
    reply = joined(chat("our licence shows we are foreign invested, is the foreign trade "
                        "operator registration form still required?"))
    assert "not needed" in reply and "foreign investment" in reply


def test_a_routes_own_sentence_chooses_that_route(chat) -> None:
    reply = joined(chat("電子許可證系統的用戶收到電子鑰匙之後仲要做咩"))
    assert "電子簽章" in reply and "線下申請" in reply


def test_registering_the_company_itself_is_not_ours(chat) -> None:
    assert REFUSAL in joined(chat("注册公司要多少注册资本 去哪个工商局办"))
    assert "Import/export qualification" in joined(
        chat("we just set up a company, how to get import export rights"))


def test_a_district_named_with_a_key_asks_where_in_that_district(chat) -> None:
    reply = joined(chat("朝陽區有冇地方辦電子口岸卡"))
    assert "天水園" in reply and "知春路" not in reply


def test_an_office_without_stated_hours_says_what_is_known_of_it(chat) -> None:
    reply = joined(chat("建行办电子口岸卡的网点几点开门"))
    assert "16" in reply  # the outlets' number, since their hours are not stated


def test_what_conditions_to_meet_gets_the_prerequisites(chat) -> None:
    assert "经营范围" in joined(chat("办进出口权之前公司需要满足什么条件"))
    assert "business scope" in joined(chat("what are the prerequisites for import export rights"))


def test_can_i_courier_it_quotes_the_steps_that_courier(chat) -> None:
    reply = joined(chat("許可證電子鑰匙解鎖 可以寄快遞嗎"))
    assert "攜帶或快遞申請表" in reply


def test_another_place_in_a_conversation_about_offices_continues_it(chat) -> None:
    chat("where in chaoyang can we get an e-port card")
    reply = joined(chat("what about shunyi"))
    assert "85733354" in reply and "Tianshuiyuan" not in reply


def test_a_customs_declaration_on_the_single_window_is_not_ours(chat) -> None:
    assert REFUSAL in joined(chat("单一窗口的报关单怎么填"))
    assert "绑定" in joined(chat("自动进口许可证要先在单一窗口绑定电子钥匙吗"))
