"""One answer, one message (issue 17): over REST an answer is a single message holding the
plain `text` and, beside it, the card as Rasa's `custom` payload, with the same words; and
every source the card lists opens on the web app to the seed's own passage."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from knowledge.query import KnowledgeBase, pick
from replies.card import PAYLOAD_TYPE

pytestmark = pytest.mark.conversation


def card_of(messages: list[dict]) -> dict[str, Any]:
    cards = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == PAYLOAD_TYPE]
    assert len(cards) == 1, messages
    return cards[0]


def test_a_lost_key_question_is_answered_in_one_message(chat: Any, kb: KnowledgeBase) -> None:
    messages = chat("电子钥匙丢了怎么补办")
    assert len(messages) == 1, [m.get("text", "")[:30] for m in messages]
    message = messages[0]
    card = message["custom"]
    assert card["type"] == PAYLOAD_TYPE and card["lang"] == "zh-Hans"
    assert pick(kb.procedure("mofcom_reissue").name, "zh") in card["heading"]
    materials = [s for s in card["sections"] if s["kind"] == "materials"]
    assert materials and materials[0]["style"] == "numbered"
    # The plain text holds everything the card shows, for clients that draw no cards.
    for section in card["sections"]:
        for item in section["items"]:
            for line in item.split("\n"):
                assert line in message["text"], line
    assert card["source_line"] in message["text"]


def test_the_follow_up_is_one_message_too(chat: Any) -> None:
    chat("电子钥匙丢了怎么补办")
    messages = chat("那要多久？")
    assert len(messages) == 1
    assert "工作日" in messages[0]["text"] and card_of(messages)["heading"]


def test_a_traditional_question_gets_a_traditional_card(chat: Any) -> None:
    messages = chat("電子鑰匙丟了，補辦需要哪些材料")
    card = card_of(messages)
    assert card["lang"] == "zh-Hant" and "補辦" in card["heading"]
    assert "补办" not in json.dumps(card, ensure_ascii=False)


def get(url: str) -> tuple[int, dict[str, Any], Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), resp.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def source_url(web_url: str, ref: str, lang: str = "zh") -> str:
    return f"{web_url}/sources?" + urllib.parse.urlencode({"ref": ref, "lang": lang})


def test_every_source_of_an_answer_opens_to_its_passage(chat: Any, web_url: str) -> None:
    for question, lang in (("电子钥匙丢了怎么补办", "zh"), ("How do I unlock my e-port card?",
                                                         "en")):
        card = card_of(chat(question))
        assert card["sources"]
        for source in card["sources"]:
            status, body, headers = get(source_url(web_url, source["ref"], lang))
            assert status == 200, (source, body)
            assert body["ref"] == source["ref"] and body["title"] and body["passages"]
            assert all(p.strip() for p in body["passages"])
            assert headers.get("Access-Control-Allow-Origin") == "*"


def test_the_title_follows_the_readers_script(web_url: str) -> None:
    _, hant, _ = get(source_url(web_url, "003 §2 step 3", "zh-Hant"))
    _, hans, _ = get(source_url(web_url, "003 §2 step 3", "zh"))
    assert hant["title"].startswith("商務部") and hans["title"].startswith("商务部")
    assert hant["passages"] == hans["passages"]  # the seed's words, verbatim either way


@pytest.mark.parametrize(("ref", "lang", "status"), [
    ("003 §99", "zh", 404),
    ("<script>alert(1)</script>", "zh", 404),
    ("../../etc/passwd", "zh", 404),
    ("003 §2" * 500, "zh", 400),
    ("", "zh", 400),
    ("003 §2 step 3", "fr", 400),
    ("003 §2\x00", "zh", 400),
])
def test_bad_source_requests_get_a_clear_error(web_url: str, ref: str, lang: str,
                                               status: int) -> None:
    got, body, headers = get(source_url(web_url, ref, lang))
    assert got == status and body["error"]
    assert "<script>" not in json.dumps(body)
    assert headers.get("Content-Type", "").startswith("application/json")
