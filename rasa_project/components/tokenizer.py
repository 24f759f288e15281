"""Jieba tokenisation of normalised text, for Simplified, Traditional and English alike."""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from knowledge.text import normalise


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class NormalisingJiebaTokenizer(JiebaTokenizer):
    """Tokenise the Simplified, lower-cased form of the text and drop whitespace tokens.

    Traditional and Simplified spellings of one question then share every feature, so the
    model needs no duplicated training data per script; English words stay whole, and the
    spaces jieba returns as tokens in mixed text ("我的USB key锁了") do not become features.
    The user dictionary (knowledge-base terms, see ``python -m knowledge build``) is loaded
    and stored with the model by the parent class.
    """

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        import jieba

        text = normalise(message.get(attribute) or "")
        tokens = [Token(word, start) for word, start, _ in jieba.tokenize(text) if word.strip()]
        return self._apply_token_pattern(tokens)

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        return JiebaTokenizer.get_default_config()
