"""The intent classifier trains the same everywhere, and basic questions win by a margin.

Trained here in-process from the project's own NLU data with the pipeline's own tokenizer
(a few seconds), twice, into two model storages: every held-out message must get the same
ranking from both, so a fresh clone on another machine trains the model these tests and
docs/evaluation.md describe. And the plainest questions of each facet must win clearly, not by a
hair that another honest training could flip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from test_holdout import HOLDOUTS, holdout_examples

from knowledge.db import PROJECT_ROOT, VAR_DIR
from rasa_project.components.linear_intents import LinearIntentClassifier
from rasa_project.components.tokenizer import NormalisingJiebaTokenizer

NLU_DATA = PROJECT_ROOT / "rasa_project" / "data" / "nlu"
# The plainest way to ask each facet, about a named key and procedure. One of them is the
# question a DIET model of this project once answered wrongly on another machine.
BASIC = [
    ("电子口岸IC卡密码输错锁了，解锁要带什么材料", "ask_materials"),
    ("许可证电子钥匙补办需要什么材料", "ask_materials"),
    ("电子钥匙解锁的办理步骤", "ask_steps"),
    ("电子钥匙更新要多久", "ask_duration"),
    ("北京哪里可以办电子钥匙", "ask_location"),
    ("北京市政务服务中心几点上班", "ask_hours"),
    ("办电子钥匙收费吗", "ask_fee"),
    ("许可证联网申领系统的默认密码是什么", "ask_password"),
    ("What documents do I need to unlock my e-port card?", "ask_materials"),
    ("How long does the e-key renewal take?", "ask_duration"),
    ("Where can I replace a lost e-port card in Beijing?", "ask_location"),
    ("What is the default password of the licence system?", "ask_password"),
]
MIN_MARGIN = 0.15


def _train(tmp: Path) -> tuple[NormalisingJiebaTokenizer, LinearIntentClassifier]:
    storage = LocalModelStorage(tmp)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = NormalisingJiebaTokenizer.create(
        {**NormalisingJiebaTokenizer.get_default_config(),
         "dictionary_path": str(VAR_DIR / "jieba_userdict")},
        storage, Resource("tokenizer"), context)
    data = load_data(str(NLU_DATA))
    tokenizer.process_training_data(data)
    classifier = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, Resource("intents"), context)
    resource = classifier.train(data)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage,
                                         resource, context)
    return tokenizer, loaded


def _rank(model: tuple[NormalisingJiebaTokenizer, LinearIntentClassifier],
          texts: list[str]) -> list[list[dict]]:
    tokenizer, classifier = model
    messages = [Message(data={TEXT: t}) for t in texts]
    tokenizer.process(messages)
    classifier.process(messages)
    return [m.get("intent_ranking") for m in messages]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    return _train(tmp_path_factory.mktemp("first"))


def test_two_trainings_rank_every_held_out_message_alike(
        model, tmp_path_factory: pytest.TempPathFactory) -> None:
    texts = [t for path in HOLDOUTS.values() for t, _ in holdout_examples(path)]
    again = _train(tmp_path_factory.mktemp("second"))
    first, second = _rank(model, texts), _rank(again, texts)
    for text, a, b in zip(texts, first, second, strict=True):
        assert [r["name"] for r in a] == [r["name"] for r in b], text
        assert all(abs(x["confidence"] - y["confidence"]) < 1e-9
                   for x, y in zip(a, b, strict=True)), text


@pytest.mark.parametrize("text, intent", BASIC)
def test_basic_questions_win_by_a_margin(model, text: str, intent: str) -> None:
    ranking = _rank(model, [text])[0]
    assert ranking[0]["name"] == intent, ranking[:3]
    assert ranking[0]["confidence"] - ranking[1]["confidence"] >= MIN_MARGIN, ranking[:3]
