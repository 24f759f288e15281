"""What the actions record for the review inbox, with real trackers and the real knowledge
base, and that recording can never break or slow a reply."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answer, capture, chitchat
from knowledge.query import KnowledgeBase
from review.store import Turn


@pytest.fixture(autouse=True)
def use_test_kb(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer, "shared_kb", lambda: kb)
    monkeypatch.setattr(chitchat, "shared_kb", lambda: kb)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Turn, str | None]]:
    """The turns the actions hand to the background writer."""
    out: list[tuple[Turn, str | None]] = []
    monkeypatch.setattr(capture, "_write", lambda turn, abandoned: out.append((turn, abandoned)))
    return out


def tracker(kb: KnowledgeBase, text: str, intent: str, confidence: float = 0.99,
            events: list | None = None, channel: str = "rest", **slots: Any) -> Tracker:
    # the entities the pipeline's knowledge-base extractor would find
    found = kb.entities(text) if not text.startswith("/") else {}
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "entities": [{"entity": e, "value": v} for e, vs in found.items() for v in vs]}
    events = [*(events or []), {"event": "user", "text": text, "input_channel": channel,
                                "parse_data": latest}]
    return Tracker("web-unit", slots, latest, events, False, None, {}, "action_listen")


def run(action, t: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, t, {}))
    capture._writer.submit(lambda: None).result(5)  # the writer has taken the turn
    return dispatcher.messages


def test_an_answer_is_counted_with_its_procedure_and_facet_but_no_text(
        recorded, kb: KnowledgeBase) -> None:
    run(answer.ActionAnswer(), tracker(kb, "电子口岸IC卡解锁要带什么材料", "ask_materials",
                                       channel="wechat"))
    ((turn, abandoned),) = recorded
    assert (turn.kind, turn.procedure_id, turn.facet, turn.channel, turn.lang) == (
        "answer", "eport_unlock", "materials", "wechat", "zh-Hans")
    assert turn.reason is None and abandoned is None and turn.sender == "web-unit"


def test_an_out_of_scope_refusal_keeps_its_text(recorded, kb: KnowledgeBase) -> None:
    run(answer.ActionAnswer(), tracker(kb, "今天天气怎么样", "out_of_scope", 0.95))
    ((turn, _),) = recorded
    assert (turn.kind, turn.reason, turn.text) == ("out_of_scope", "out_of_scope", "今天天气怎么样")


def test_a_low_confidence_answer_keeps_its_text(recorded, kb: KnowledgeBase) -> None:
    run(answer.ActionAnswer(), tracker(kb, "电子口岸IC卡解锁要带什么材料", "ask_materials", 0.3))
    assert recorded[0][0].reason == "low_confidence"


def test_a_not_covered_topic_keeps_its_text(recorded, kb: KnowledgeBase) -> None:
    run(answer.ActionAnswer(), tracker(kb, "公司改名了怎么办", "ask_procedure", 0.8))
    assert (recorded[0][0].kind, recorded[0][0].reason) == ("not_covered", "not_covered")


def test_a_new_question_after_a_clarifying_one_abandons_it(recorded, kb: KnowledgeBase) -> None:
    before = [{"event": "user", "text": "要带什么材料", "parse_data": {}},
              {"event": "bot", "text": "哪一种？"}]
    run(chitchat.ActionChitchat(), tracker(kb, "谢谢", "thanks", events=before,
                                           pending_facet="materials"))
    ((turn, abandoned),) = recorded
    assert turn.kind == "chitchat" and abandoned == "要带什么材料"


def test_a_button_answering_the_clarifying_question_does_not(recorded, kb: KnowledgeBase) -> None:
    before = [{"event": "user", "text": "要带什么材料", "parse_data": {}}]
    run(answer.ActionAnswer(), tracker(kb, '/inform{"procedure":"eport_unlock"}', "inform",
                                       events=before, pending_facet="materials"))
    ((turn, abandoned),) = recorded
    assert abandoned is None and turn.text is None  # a payload is no text


def test_a_failing_store_costs_the_reply_nothing_and_logs_no_text(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        kb: KnowledgeBase) -> None:
    def broken() -> None:
        raise RuntimeError("database is locked: 今天天气怎么样")

    monkeypatch.setattr(capture, "shared_review_store", broken)
    with caplog.at_level(logging.WARNING):
        messages = run(answer.ActionAnswer(), tracker(kb, "今天天气怎么样", "out_of_scope", 0.95))
    assert messages and messages[0]["text"]  # the polite refusal went out
    assert "review capture failed: RuntimeError" in caplog.text
    assert "天气" not in caplog.text


def test_a_tracker_that_cannot_be_read_costs_the_reply_nothing(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        kb: KnowledgeBase) -> None:
    def unreadable(*_args: Any, **_kw: Any) -> None:
        raise KeyError("text")

    monkeypatch.setattr(capture, "turn_of", unreadable)
    messages = run(answer.ActionAnswer(), tracker(kb, "今天天气怎么样", "out_of_scope", 0.95))
    assert messages and "review capture failed: KeyError" in caplog.text
