"""Actions run against real trackers and the real knowledge base, without the servers."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answer, chitchat
from knowledge.query import KnowledgeBase


@pytest.fixture(autouse=True)
def use_test_kb(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer, "shared_kb", lambda: kb)
    monkeypatch.setattr(chitchat, "shared_kb", lambda: kb)


def tracker(text: str, intent: str, entities: list[dict[str, Any]] | None = None,
            confidence: float = 0.99, **slots: Any) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "entities": entities or []}
    return Tracker("unit", slots, latest, [], False, None, {}, "action_listen")


def run(action, t: Tracker) -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def ent(entity: str, value: str) -> dict[str, str]:
    return {"entity": entity, "value": value}


def test_materials_for_the_procedure_in_the_slots() -> None:
    messages, events = run(answer.ActionAnswer(), tracker(
        "要带什么", "ask_materials", procedure="eport_unlock", key_type="eport_card",
        kind="unlock"))
    assert "营业执照" in messages[0]["text"]
    # the slots already name the procedure: nothing to set again but what was answered
    assert {e["name"] for e in events if e["event"] == "slot"} - {"lang"} == {"last_facet"}


def test_a_newly_named_procedure_sets_only_the_slots_that_change() -> None:
    messages, events = run(answer.ActionAnswer(), tracker(
        "IC卡丢了要带什么", "ask_materials", [ent("kind", "reissue")], procedure="eport_unlock",
        key_type="eport_card", kind="reissue", lang="zh-Hans"))
    assert SlotSet("procedure", "eport_replacement") in events
    assert {e["name"] for e in events if e["event"] == "slot"} == {"procedure", "last_facet"}


def test_unknown_key_type_asks_with_buttons_and_remembers_the_facet() -> None:
    messages, events = run(answer.ActionAnswer(), tracker(
        "我的key锁了", "ask_materials", [ent("kind", "unlock")], kind="unlock"))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert any('"key_type":"eport_card"' in p for p in payloads)
    assert SlotSet("pending_facet", "materials") in events


def test_button_answer_keeps_the_previous_language() -> None:
    t = tracker('/inform{"key_type":"mofcom_ekey"}', "inform", [ent("key_type", "mofcom_ekey")],
                key_type="mofcom_ekey", kind="unlock", pending_facet="materials", lang="en")
    messages, _ = run(answer.ActionAnswer(), t)
    assert "application form" in messages[0]["text"].lower()


def test_traditional_question_is_answered_in_traditional() -> None:
    messages, events = run(answer.ActionAnswer(), tracker(
        "解鎖要帶什麼", "ask_materials", [ent("kind", "unlock"), ent("key_type", "mofcom_ekey")],
        kind="unlock", key_type="mofcom_ekey"))
    assert "申請表" in messages[0]["text"]
    assert SlotSet("lang", "zh-Hant") in events


def test_low_confidence_question_naming_nothing_falls_back() -> None:
    messages, _ = run(answer.ActionAnswer(), tracker(
        "明天上海天气怎么样", "ask_hours", confidence=0.6))
    assert "58103599" in messages[0]["text"]
    assert "营业执照" not in messages[0]["text"]


def test_expected_dates_from_a_submission_day_skip_national_day() -> None:
    """Counted from the date in the message (the NLU part is covered over REST)."""
    messages, _ = run(answer.ActionAnswer(), tracker(
        "我2026年9月28日提交的，什么时候能好？", "ask_duration", procedure="mofcom_unlock",
        key_type="mofcom_ekey", kind="unlock"))
    dates = re.findall(r"20\d\d-\d\d-\d\d", " ".join(m["text"] for m in messages))
    # 2 working days after Mon 28 Sep 2026 is Wed 30 Sep; the next 5 skip National Day.
    assert "2026-09-28" in dates and "2026-09-30" in dates
    assert any(d >= "2026-10-09" for d in dates)


def test_handoff_gives_the_hotline() -> None:
    messages, _ = run(chitchat.ActionChitchat(), tracker("转人工", "human_handoff"))
    assert "010-58103599" in messages[0]["text"]


def test_a_word_only_one_procedure_states_answers_a_message_read_as_out_of_scope() -> None:
    # The classifier is sure it is out of scope, but "外汇" occurs only in the qualification's
    # foreign-exchange step and the message asks what to bring and where.
    messages, _ = run(answer.ActionAnswer(), tracker(
        "外汇那一步要带什么材料 去哪办", "out_of_scope", confidence=0.9))
    assert "外汇" in messages[0]["text"] and "58103599" not in messages[0]["text"]


def test_one_of_our_documents_lost_on_its_own_is_not_ours_to_answer() -> None:
    messages, _ = run(answer.ActionAnswer(), tracker(
        "营业执照丢了去哪补办", "ask_location", [ent("kind", "reissue")], confidence=0.9))
    assert "58103599" in messages[0]["text"] and "需要准备的材料" not in messages[0]["text"]
    kept, _ = run(answer.ActionAnswer(), tracker(
        "IC卡丢了怎么办", "ask_procedure",
        [ent("key_type", "eport_card"), ent("kind", "reissue")], confidence=0.9,
        key_type="eport_card", kind="reissue"))
    assert "营业执照" in kept[0]["text"]  # the card is a document and our key


def test_an_unsure_in_scope_guess_is_answered_from_a_word_one_procedure_owns() -> None:
    messages, _ = run(answer.ActionAnswer(), tracker(
        "外汇那一步要带什么材料 去哪办", "ask_materials", confidence=0.58))
    assert "外汇" in messages[0]["text"] and "58103599" not in messages[0]["text"]
