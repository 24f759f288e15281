"""The passage search: which stated sentence a question meets, whatever its spelling."""

from __future__ import annotations

from knowledge.passages import _stage_passages, features, indexed_text
from knowledge.query import KnowledgeBase


def test_joined_and_separate_english_spellings_meet() -> None:
    assert features("user name") == features("username") == features("User-Names")
    assert features("log in with e-mail") == features("login with email")
    assert features("E key") == features("e-key") == features("ekey")


def test_a_clause_of_silence_is_not_searched_but_the_rest_is() -> None:
    text = ("未通过：申请未通过。北京市商务局的来源（000）未写明未通过后如何处理；"
            "工作人员的备注随本消息显示。")
    kept = indexed_text(text)
    assert "如何处理" not in kept and "备注" in kept and "申请未通过" in kept
    english = ("Rejected. The Beijing bureau's source (000) does not say what follows; "
               "a remark is shown.")
    assert "follows" not in indexed_text(english) and "remark" in indexed_text(english)


def test_a_stage_that_says_less_than_its_twin_is_left_out() -> None:
    ids = {p.id for p in _stage_passages()}
    assert "stage/mofcom_key/verification_failed" in ids
    assert "stage/mofcom_cancellation/verification_failed" not in ids


def test_what_to_do_after_a_failed_verification_finds_the_resubmit_advice(
        kb: KnowledgeBase) -> None:
    best = kb.passage_index.search("核验没通过该怎么处理", None, limit=1)[0]
    assert "重新提交" in best.passage.zh


def test_hyphenated_english_words_also_match_their_longer_parts() -> None:
    assert "review" in features("pre-review") and "pre" not in features("pre-review")
    assert set(features("electronic signature")) == set(features("e-signature"))


def test_a_conflict_is_searched_only_within_the_procedures_it_applies_to(
        kb: KnowledgeBase) -> None:
    everywhere = {h.passage.id for h in kb.passage_index.search("登录系统用户名", None, 40)}
    assert "conflict/first_login_name" in everywhere
    eport = {p.id for p in kb.procedures.values() if p.key_type_id == "eport_card"} | {None}
    within = {h.passage.id for h in kb.passage_index.search("登录系统用户名", eport, 40)}
    assert "conflict/first_login_name" not in within


def test_a_stage_is_named_only_by_its_own_name(kb: KnowledgeBase) -> None:
    from knowledge.passages import names_stage
    stage = next(p for p in kb.passage_index.passages
                 if p.id == "stage/mofcom_key/review_failed")
    assert names_stage("状态显示复核没通过", stage)
    assert names_stage("it says Review Failed, what now", stage)
    assert not names_stage("复核要多久", stage)


def test_a_contact_is_searched_only_within_the_procedures_listing_it(
        kb: KnowledgeBase) -> None:
    eport = {p.id for p in kb.procedures.values() if p.key_type_id == "eport_card"} | {None}
    within = {h.passage.id for h in kb.passage_index.search("北京市政务服务网", eport, 40)}
    assert "contact/beijing_online" not in within
    anywhere = {h.passage.id for h in kb.passage_index.search("北京市政务服务网", None, 40)}
    assert "contact/beijing_online" in anywhere
