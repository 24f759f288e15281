"""The tracking forms start only when a message speaks of tracking or of its status.

Both forms take over the conversation until they have a reference and a code, so starting
one by mistake costs the user the answer they asked for. The classifier learned them from
phrasings that share everyday words with ordinary questions ("我想…", "application",
"review"), and with a linear model such a word can tip "我想解锁" into track_application.
So a tracking intent the classifier is unsure of (below 0.6) stands only when the message
holds one of its cue words (knowledge/data/facets.yaml `status`, `track`) or an application
reference; otherwise the best other intent of the ranking takes its place.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.query import shared_kb

CUE_OF_INTENT = {"ask_status": "status", "track_application": "track"}
# Above this the classifier has seen the like often enough to be trusted without a cue.
SURE = 0.6
REFERENCE = re.compile(r"\bEK-?[0-9A-Z]{6}\b", re.IGNORECASE)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class TrackingIntentGuard(GraphComponent):
    """Replace a tracking intent that no cue word supports by the next one in the ranking."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TrackingIntentGuard:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        kb = shared_kb()
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            text = message.get(TEXT) or ""
            if intent not in CUE_OF_INTENT or text.startswith("/") or REFERENCE.search(text):
                continue
            if set(CUE_OF_INTENT.values()) & set(kb.facets_named(text)):
                continue
            if (message.get(INTENT) or {}).get("confidence", 0.0) >= SURE:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get("name") not in CUE_OF_INTENT]
            if ranking:
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
