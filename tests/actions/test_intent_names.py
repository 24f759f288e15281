"""Every place that writes an intent's name agrees with the domain.

An intent's name is written in rasa_project/domain.yml, the NLU data and the rules, and
again in Python: the facet each question intent asks (rasa_project/intents.py FACET_OF_INTENT,
REFUSED_INTENTS), the intents that make a tracking form step aside (actions/tracking.py
ELSEWHERE), the NLU components (tracking_guard, wordless, language_request) and the button
payloads. A name misspelt or forgotten in one of them fails no other test: the intent is
trained, and its question quietly goes to the wrong place. Intents left out of a map on
purpose are listed here with the reason, so that leaving out a new one is a decision.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import chitchat
from actions.decide import REFUSED_INTENTS
from actions.tracking import ELSEWHERE
from knowledge.db import DATA_DIR, PROJECT_ROOT
from knowledge.query import KnowledgeBase
from rasa_project.components.language_request import INFORM
from rasa_project.components.tracking_guard import CUE_OF_INTENT
from rasa_project.components.wordless import OUT_OF_SCOPE
from rasa_project.intents import FACET_OF_INTENT

RASA = PROJECT_ROOT / "rasa_project"
FALLBACK = "nlu_fallback"  # Rasa's own, set by the FallbackClassifier: in no domain

# Intents that ask no facet of a procedure, and what answers them instead.
NOT_A_FACET = {
    "inform": "answers the bot's clarifying question: the facet is the one pending",
    "out_of_scope": "refused (REFUSED_INTENTS) unless the message names something of ours",
    "greet": "small talk (action_chitchat)",
    "goodbye": "small talk (action_chitchat)",
    "thanks": "small talk (action_chitchat)",
    "help": "small talk (action_chitchat)",
    "bot_challenge": "small talk (action_chitchat)",
    "human_handoff": "small talk (action_chitchat)",
    "track_application": "starts track_form",
    "ask_status": "starts status_form",
}
# Intents during which a tracking form keeps asking its question instead of stepping aside.
FORM_KEEPS_ASKING = {
    "inform": "a button or bare answer is the form's answer",
    "out_of_scope": "a date or a code the classifier cannot place is still the answer",
    "track_application": "the tracking forms themselves",
    "ask_status": "the tracking forms themselves",
}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _data_files() -> list[Path]:
    return sorted((RASA / "data").rglob("*.yml"))


@pytest.fixture(scope="module")
def domain_intents() -> set[str]:
    intents = _yaml(RASA / "domain.yml")["intents"]
    assert len(intents) == len(set(intents)), "an intent is declared twice"
    return set(intents)


@pytest.fixture(scope="module")
def trained_intents() -> set[str]:
    return {block["intent"] for path in _data_files() for block in _yaml(path).get("nlu") or []}


@pytest.fixture(scope="module")
def rule_actions() -> dict[str, set[str]]:
    """The action each rule runs after an intent, by intent."""
    out: dict[str, set[str]] = {}
    for path in _data_files():
        for rule in _yaml(path).get("rules") or []:
            steps = rule["steps"]
            for step, after in zip(steps, steps[1:], strict=False):
                if "intent" in step:
                    out.setdefault(step["intent"], set()).add(after["action"])
    return out


def test_every_declared_intent_is_trained_and_every_trained_one_declared(
        domain_intents: set[str], trained_intents: set[str]) -> None:
    assert trained_intents == domain_intents


def test_every_declared_intent_has_a_rule_and_every_rule_intent_is_declared(
        domain_intents: set[str], rule_actions: dict[str, set[str]]) -> None:
    assert set(rule_actions) == domain_intents | {FALLBACK}


def test_the_held_out_sets_use_the_declared_intents(domain_intents: set[str]) -> None:
    for path in (RASA / "tests").glob("nlu_holdout*.yml"):
        assert {block["intent"] for block in _yaml(path)["nlu"]} <= domain_intents, path.name


def test_every_declared_intent_is_a_facet_or_left_out_on_purpose(
        domain_intents: set[str]) -> None:
    assert not set(FACET_OF_INTENT) - domain_intents, "FACET_OF_INTENT names an unknown intent"
    assert not set(FACET_OF_INTENT) & set(NOT_A_FACET)
    assert set(FACET_OF_INTENT) | set(NOT_A_FACET) == domain_intents


def test_facet_intents_and_refusals_go_to_the_answer_action(
        rule_actions: dict[str, set[str]]) -> None:
    for intent in [*FACET_OF_INTENT, *REFUSED_INTENTS, INFORM]:
        assert rule_actions[intent] == {"action_answer"}, intent


def test_a_tracking_form_steps_aside_for_every_question_and_small_talk(
        domain_intents: set[str], rule_actions: dict[str, set[str]]) -> None:
    assert not ELSEWHERE - domain_intents, "ELSEWHERE names an unknown intent"
    assert not ELSEWHERE & set(FORM_KEEPS_ASKING)
    assert ELSEWHERE | set(FORM_KEEPS_ASKING) == domain_intents
    small_talk = {i for i, actions in rule_actions.items() if actions == {"action_chitchat"}}
    assert set(FACET_OF_INTENT) | small_talk == ELSEWHERE


def test_the_nlu_components_name_declared_intents(
        domain_intents: set[str], rule_actions: dict[str, set[str]]) -> None:
    assert {OUT_OF_SCOPE, INFORM} <= domain_intents
    assert not REFUSED_INTENTS - domain_intents - {FALLBACK}
    facet_ids = {facet["id"] for facet in _yaml(DATA_DIR / "facets.yaml")}
    for intent, cue in CUE_OF_INTENT.items():
        assert intent in domain_intents
        assert cue in facet_ids, f"tracking_guard's cue {cue!r} is no facet of facets.yaml"
        assert rule_actions[intent] <= {"track_form", "status_form"}, intent


def test_buttons_send_declared_intents(domain_intents: set[str]) -> None:
    payload = re.compile(r"""["']payload["']\s*:\s*f?["']/(\w+)""")
    sent = {name for path in (PROJECT_ROOT / "actions").glob("*.py")
            for name in payload.findall(path.read_text(encoding="utf-8"))}
    assert sent, "no button payloads found: has the way buttons are written changed?"
    assert sent <= domain_intents


def test_each_small_talk_intent_gets_its_own_reply(
        kb: KnowledgeBase, rule_actions: dict[str, set[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """action_chitchat picks its reply by the intent's name: none may fall to the fallback."""
    monkeypatch.setattr(chitchat, "shared_kb", lambda: kb)
    fallback = chitchat.fallback_reply(kb, "zh-Hans").text
    for intent in sorted(i for i, a in rule_actions.items() if a == {"action_chitchat"}):
        latest = {"text": "…", "intent": {"name": intent, "confidence": 0.99}, "entities": []}
        tracker = Tracker("unit", {"lang": "zh-Hans"}, latest, [], False, None, {},
                          "action_listen")
        dispatcher = CollectingDispatcher()
        asyncio.run(chitchat.ActionChitchat().run(dispatcher, tracker, {}))
        assert dispatcher.messages[0]["text"] != fallback, intent
