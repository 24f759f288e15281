"""Intent classifier: TF-IDF over words and character n-grams, then logistic regression.

Why not DIET: on this project's ~2,500 examples DIET took 12-20 minutes to train on two
cores (100 epochs of a transformer, half the CPU time lost to thread contention), and two
machines of the same kind trained different models from the same data, so a basic question
could flip between trainings. A linear model over sublinear TF-IDF features scores as well
or better on both held-out sets (docs/evaluation.md, docs/architecture.md), trains in seconds, and
is deterministic by construction: the lbfgs solver is a deterministic optimiser and nothing
is sampled, so the same data gives the same model on any machine.

The features are built here from the tokenizer's tokens (Simplified, lower-cased, jieba
words), so no other featurizer is needed in the pipeline: word unigrams for meaning, and
character n-grams inside words (``char_wb``) for typos, inflections and unsegmented Chinese.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)
MODEL_FILE = "linear_intents.pkl"


def token_text(message: Message) -> str:
    """The message as the tokenizer saw it: normalised words separated by spaces."""
    tokens = message.get(TEXT_TOKENS) or []
    return " ".join(t.text for t in tokens)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Word + character TF-IDF features and a balanced logistic regression."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 30.0,               # weak regularisation: the features are many and sparse
            "char_ngrams": [1, 3],   # measured against [1, 4], [2, 5], [1, 5] on both held-out sets
            "max_iter": 3000,
            "ranking_length": 10,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, model: dict[str, Any] | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        low, high = self.config["char_ngrams"]
        words = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), lowercase=False,
                                sublinear_tf=True)
        return words, chars

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if not examples:
            logger.debug("No intent examples: %s is not trained.", type(self).__name__)
            return self._resource
        texts = [token_text(m) for m in examples]
        words, chars = self._vectorizers()
        features = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        classifier = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                        class_weight="balanced")
        classifier.fit(features, [m.get(INTENT) for m in examples])
        self._model = {"words": words, "chars": chars, "classifier": classifier}
        with self._storage.write_to(self._resource) as directory:
            # Our own training output, read back only by this component.
            (directory / MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / MODEL_FILE).read_bytes())  # noqa: S301
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        texts = [token_text(m) for m in messages]
        features = hstack([self._model["words"].transform(texts),
                           self._model["chars"].transform(texts)]).tocsr()
        classifier = self._model["classifier"]
        probabilities_of = classifier.predict_proba(features)
        for message, probabilities in zip(messages, probabilities_of, strict=True):
            ranking = sorted(({"name": str(name), "confidence": float(p)}
                              for name, p in zip(classifier.classes_, probabilities, strict=True)),
                             key=lambda r: -r["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]],
                        add_to_output=True)
        return messages
