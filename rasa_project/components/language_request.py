"""A message that only asks for another language is an answer to "say that again".

"please answer in English" or "請用繁體中文回答，謝謝" carries no question of its own: the
classifier would guess one (hand-off, thanks). Marked as ``inform``, it reaches the answering
action with nothing new, which repeats the last answer; actions/language.py picks the
requested language. A request inside a real question ("更新要准备什么 in English") is left to
the classifier: only the reply language changes.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.query import shared_kb
from rasa_project.components.wordless import force_intent

INFORM = "inform"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class LanguageRequestClassifier(GraphComponent):
    """Only a request for another reply language: the intent becomes ``inform``."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageRequestClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        kb = shared_kb()
        for message in messages:
            text = message.get(TEXT) or ""
            language, rest = kb.requested_language(text)
            if language is None or kb.entities(rest) or kb.facets_named(rest):
                continue
            force_intent(message, INFORM)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
