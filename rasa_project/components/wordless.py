"""Messages with no words at all are out of scope, whatever the classifier guessed."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.text import detect_language

OUT_OF_SCOPE = "out_of_scope"


def force_intent(message: Message, name: str) -> None:
    """Set an intent by rule, certain, as the only one of the ranking."""
    intent = {"name": name, "confidence": 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class WordlessMessageClassifier(GraphComponent):
    """Emoji, punctuation or bare digits ("👍", "？？？", "123456") carry no question.

    A statistical classifier must guess something for them, and a guess could send the user
    a material list; this rule makes them out of scope with full confidence instead.
    """

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> WordlessMessageClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if detect_language(message.get(TEXT) or "") is None:
                force_intent(message, OUT_OF_SCOPE)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
