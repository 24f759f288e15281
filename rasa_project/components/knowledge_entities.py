"""Entities whose values are knowledge-base ids, found with the knowledge base's own terms."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.query import shared_kb


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Tag key types, kinds of business, routes, places and named systems in a message.

    The aliases are the knowledge base's, so a new synonym is one line in a data file and
    the bot, the staff search and the tokenizer's dictionary all learn it at once. The entity
    value is already the knowledge-base id: synonym mapping happens here, not in NLU data.
    """

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KnowledgeEntityExtractor:
        return cls()

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def process(self, messages: list[Message]) -> list[Message]:
        kb = shared_kb()
        for message in messages:
            text = message.get(TEXT) or ""
            found = [
                {"entity": m.entity, "value": m.target_id, "start": m.start, "end": m.end,
                 "confidence": 1.0, "extractor": self.__class__.__name__}
                for m in kb.find_terms(text)
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
