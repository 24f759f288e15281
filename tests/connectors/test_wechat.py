"""The WeChat Official Account and WeCom channels, as WeChat's servers see them.

Most tests mount both channels in a small Sanic app (started in a thread, on a real port)
the way Rasa does, with a fake Rasa that answers from a dict and a fake send API that records
what it is asked to deliver. Requests are built, signed and encrypted as WeChat builds them,
with the settings and vectors Tencent publishes in its samples; replies are decrypted and
parsed back. The `conversation` tests at the end go through the real stack instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import xmltodict
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response
from sanic.request import Request
from support import declared_oversize, free_port, post, serving
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from connectors.wechat.channel import (
    REPLY_BUDGET,
    REPLY_BYTES,
    PushFailed,
    PushOutput,
    WeChatInput,
    WeComInput,
    render,
    split_for_wechat,
)
from connectors.wechat.protocol import MAX_SKEW
from connectors.wechat.push import official_account_api
from knowledge.query import KnowledgeBase, pick
from knowledge.text import detect_language

# The Official Account sample of Tencent's message-encryption SDK (WXBizMsgCrypt, Sample.py).
OA_TOKEN = "spamtest"
OA_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OA_APP_ID = "wx2c2769f8efd9abc2"
OA_SAMPLE = {
    "timestamp": "1409735669", "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "body": "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA["
            "oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>"
            "6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53RE"
            "IHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B"
            "5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
            "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGp"
            "y0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJ"
            "vnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>",
}

# WeCom's published sample (developer.work.weixin.qq.com, 加解密方案说明).
WECOM_TOKEN = "QDG6eK"
WECOM_CORP_ID = "wx5823bf96d3bd56c7"
WECOM_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WECOM_URL_CHECK = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZ"
               "XvnaqQ==",
}
WECOM_URL_CHECK_ANSWER = "1616140317555161061"
WECOM_SAMPLE = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6", "timestamp": "1409659813",
    "nonce": "1372623149",
    "body": "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
            "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhG"
            "d3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknm"
            "Pj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZ"
            "xZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4E"
            "hzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn2"
            "8H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt>"
            "<AgentID><![CDATA[218]]></AgentID></xml>",
}
WECOM_AGENT_ID = "218"

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
ACCOUNT = "gh_10f6c3c3ac5a"
BUDGET = 1.0  # the tests' reply budget: WeChat's 4.5 s would only make them slow
SLOW = BUDGET + 1.0

ANSWERS: dict[str, list[dict[str, Any]]] = {
    "abcdteT": [{"text": "收到 abcdteT"}],
    "hello": [{"text": "Hello from WeCom"}],
    "你好": [{"text": "您好！我是电子钥匙办事助手。"}],
    "材料": [{"text": "您要办理哪一项？", "buttons": [
        {"title": "解锁", "payload": "/ask_materials{\"kind\": \"unlock\"}"},
        {"title": "补办", "payload": "/ask_materials{\"kind\": \"reissue\"}"}]}],
    "/ask_materials{\"kind\": \"unlock\"}": [{"text": "解锁需要：申请表"}],
    "电子钥匙解锁要带什么材料": [{"text": "解锁需要：\n• 申请表\n• 营业执照"}],
    "cdata": [{"text": "a]]>b <tag> & ]]]]> end"}],
    "long": [{"text": "\n".join(f"第{i}行：" + "材料" * 40 for i in range(20))}],
    "slow question": [{"text": "a late answer"}],
    "broken": [],
}


class FakeClock:
    """The channels' clock: real time, unless a test replays a vector from 2014."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self) -> float:
        return self.at if self.at is not None else time.time()


@dataclass
class FakeRasa:
    """Stands in for Rasa's agent: answers from ANSWERS, slowly for "slow…" messages."""

    heard: list[tuple[str, str]] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.heard.append((message.sender_id, message.text))
        if message.text.startswith("slow"):
            await asyncio.sleep(SLOW)
        if message.text == "broken":
            raise RuntimeError("the model fell over")
        for bot in ANSWERS.get(message.text, [{"text": f"echo: {message.text}"}]):
            if bot.get("buttons"):
                await message.output_channel.send_text_with_buttons(
                    message.sender_id, bot["text"], bot["buttons"])
            else:
                await message.output_channel.send_text_message(message.sender_id, bot["text"])


@dataclass
class Harness:
    base: str
    rasa: FakeRasa
    clock: FakeClock
    sent: list[tuple[str, dict]]  # (path, JSON body) the fake send API received
    tokens: list[str]  # paths of token requests

    def texts_heard(self) -> list[str]:
        return [text for _, text in self.rasa.heard]


class PlainWeChat(WeChatInput):
    """An Official Account in plaintext mode (no AES key), mounted beside the safe one."""

    @classmethod
    def name(cls) -> str:
        return "wechat_plain"


class UnsetWeChat(WeChatInput):
    @classmethod
    def name(cls) -> str:
        return "wechat_unset"


class UnsetWeCom(WeComInput):
    @classmethod
    def name(cls) -> str:
        return "wecom_unset"


def fake_send_api(app: Sanic, sent: list, tokens: list) -> None:
    """Both platforms' token and send endpoints, recording what they receive."""

    @app.get("/fake-api/cgi-bin/token")
    @app.get("/fake-api/cgi-bin/gettoken")
    async def token(request: Request) -> Any:
        tokens.append(request.path)
        return response.json({"access_token": "fake-token", "expires_in": 7200})

    @app.post("/fake-api/cgi-bin/message/custom/send")
    @app.post("/fake-api/cgi-bin/message/send")
    async def send(request: Request) -> Any:
        assert request.args.get("access_token") == "fake-token"
        sent.append((request.path.removeprefix("/fake-api"), request.json))
        return response.json({"errcode": 0, "errmsg": "ok"})


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clock, sent, tokens = FakeClock(), [], []
    channels = [
        WeChatInput(OA_TOKEN, OA_APP_ID, OA_AES_KEY, "sample-secret", f"{base}/fake-api", clock),
        PlainWeChat(OA_TOKEN, clock=clock),
        WeComInput(WECOM_TOKEN, WECOM_CORP_ID, WECOM_AES_KEY, "sample-secret", WECOM_AGENT_ID,
                   f"{base}/fake-api", clock),
        UnsetWeChat(), UnsetWeCom()]
    for channel in channels:
        channel.budget = BUDGET
    app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = FakeRasa()
    register(channels, app, route="/webhooks/")  # as Rasa mounts its input channels
    fake_send_api(app, sent, tokens)
    with serving(app, port):
        yield Harness(base, app.ctx.agent, clock, sent, tokens)


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with nothing heard or sent and the real clock."""
    if "harness" not in request.fixturenames:
        yield
        return
    h: Harness = request.getfixturevalue("harness")
    h.rasa.heard.clear()
    h.sent.clear()
    h.clock.at = None
    yield
    h.clock.at = None


# --- building requests as WeChat does ---------------------------------------------------

_msg_ids = itertools.count(int(time.time()) * 1000)


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def message_xml(msg_type: str = "text", user: str = OPENID, to: str = ACCOUNT,
                msg_id: int | None = None, **fields: str) -> str:
    """A message as WeChat writes it; events get no MsgId, as on the real platform."""
    if msg_id is None and msg_type != "event":
        msg_id = next(_msg_ids)
    parts = [f"<ToUserName><![CDATA[{to}]]></ToUserName>",
             f"<FromUserName><![CDATA[{user}]]></FromUserName>",
             f"<CreateTime>{fields.pop('CreateTime', int(time.time()))}</CreateTime>",
             f"<MsgType><![CDATA[{msg_type}]]></MsgType>"]
    parts += [f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()]
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def safe_mode(plain: str, app_id: str = OA_APP_ID, timestamp: str | None = None,
              nonce: str = "1320562132") -> tuple[dict[str, str], str]:
    """Query and body of an Official Account POST in safe mode, for `plain`."""
    timestamp = timestamp or str(int(time.time()))
    sealed = xmltodict.parse(WeChatCrypto(OA_TOKEN, OA_AES_KEY, app_id)
                             .encrypt_message(plain, nonce, timestamp))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
    query = {"signature": sha1_sorted(OA_TOKEN, timestamp, nonce), "timestamp": timestamp,
             "nonce": nonce, "openid": OPENID, "encrypt_type": "aes",
             "msg_signature": sealed["MsgSignature"]}
    return query, body


def plain_mode(timestamp: str | None = None, nonce: str = "42") -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    return {"signature": sha1_sorted(OA_TOKEN, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "openid": OPENID}


def wecom_request(plain: str, corp_id: str = WECOM_CORP_ID) -> tuple[dict[str, str], str]:
    timestamp, nonce = str(int(time.time())), "1372623149"
    sealed = xmltodict.parse(WeComCrypto(WECOM_TOKEN, WECOM_AES_KEY, corp_id)
                             .encrypt_message(plain, nonce, timestamp))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><Encrypt><![CDATA["
            f"{sealed['Encrypt']}]]></Encrypt><AgentID><![CDATA[{WECOM_AGENT_ID}]]></AgentID>"
            "</xml>")
    return {"msg_signature": sealed["MsgSignature"], "timestamp": timestamp,
            "nonce": nonce}, body


def call(url: str, query: dict[str, str], body: str | bytes | None = None) -> tuple[int, str]:
    """(status, text) of a GET, or a POST when there is a body."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode(query)}", data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def open_reply(text: str, crypto: WeChatCrypto | WeComCrypto) -> dict[str, str]:
    """The fields of an encrypted passive reply, after checking its signature."""
    sealed = xmltodict.parse(text)["xml"]
    plain = crypto.decrypt_message(text, sealed["MsgSignature"], sealed["TimeStamp"],
                                   sealed["Nonce"])
    return xmltodict.parse(plain)["xml"]


OA_CRYPTO = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APP_ID)
WECOM_CRYPTO = WeComCrypto(WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORP_ID)


def wait_for(condition: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- the Official Account ---------------------------------------------------------------

def test_url_check_echoes_echostr(harness: Harness) -> None:
    ts, nonce = "1409735669", "1320562132"
    harness.clock.at = float(ts)
    query = {"signature": sha1_sorted(OA_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
             "echostr": "5837397520665111284"}
    assert call(f"{harness.base}/webhooks/wechat/webhook", query) == (200, "5837397520665111284")


def test_url_check_with_a_wrong_signature_is_refused(harness: Harness) -> None:
    query = {**plain_mode(), "signature": "0" * 40, "echostr": "x"}
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", query)
    assert status == 403 and "signature" in text


def test_tencent_sample_message_is_decrypted_and_answered_encrypted(harness: Harness) -> None:
    harness.clock.at = float(OA_SAMPLE["timestamp"])
    query = {"signature": sha1_sorted(OA_TOKEN, OA_SAMPLE["timestamp"], OA_SAMPLE["nonce"]),
             "timestamp": OA_SAMPLE["timestamp"], "nonce": OA_SAMPLE["nonce"],
             "openid": OPENID, "encrypt_type": "aes", "msg_signature": OA_SAMPLE["msg_signature"]}
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", query, OA_SAMPLE["body"])
    assert status == 200
    reply = open_reply(text, OA_CRYPTO)
    assert reply["Content"] == "收到 abcdteT"
    assert (reply["ToUserName"], reply["FromUserName"]) == (OPENID, ACCOUNT)
    assert harness.rasa.heard == [(f"wechat:{OPENID}", "abcdteT")]


def test_safe_mode_round_trip_lists_buttons_and_a_number_picks_one(harness: Harness) -> None:
    url = f"{harness.base}/webhooks/wechat/webhook"
    status, text = call(url, *safe_mode(message_xml(Content="材料")))
    assert status == 200
    assert open_reply(text, OA_CRYPTO)["Content"] == "您要办理哪一项？\n[1] 解锁\n[2] 补办"
    status, text = call(url, *safe_mode(message_xml(Content="１")))  # a full-width digit
    assert open_reply(text, OA_CRYPTO)["Content"] == "解锁需要：申请表"
    call(url, *safe_mode(message_xml(Content="2")))  # that answer had no choices
    assert harness.texts_heard() == ["材料", "/ask_materials{\"kind\": \"unlock\"}", "2"]


def test_compatible_mode_answers_encrypted(harness: Harness) -> None:
    """Compatible mode sends the plaintext fields and <Encrypt> together."""
    plain = message_xml(Content="电子钥匙解锁要带什么材料")
    query, body = safe_mode(plain)
    body = plain.replace("</xml>", body.removeprefix("<xml>"))
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", query, body)
    assert status == 200
    assert open_reply(text, OA_CRYPTO)["Content"] == "解锁需要：\n• 申请表\n• 营业执照"


def test_plaintext_mode_answers_in_plaintext(harness: Harness) -> None:
    status, text = call(f"{harness.base}/webhooks/wechat_plain/webhook", plain_mode(),
                        message_xml(Content="电子钥匙解锁要带什么材料"))
    assert status == 200
    reply = xmltodict.parse(text)["xml"]
    assert reply["Content"] == "解锁需要：\n• 申请表\n• 营业执照"
    assert reply["MsgType"] == "text" and reply["ToUserName"] == OPENID


def test_a_safe_mode_account_refuses_plaintext(harness: Harness) -> None:
    status, _ = call(f"{harness.base}/webhooks/wechat/webhook", plain_mode(),
                     message_xml(Content="你好"))
    assert status == 400
    assert harness.rasa.heard == []


@pytest.mark.parametrize("answer", ["cdata"])
def test_reply_text_with_cdata_end_stays_valid_xml(harness: Harness, answer: str) -> None:
    expected = ANSWERS[answer][0]["text"]
    status, text = call(f"{harness.base}/webhooks/wechat_plain/webhook", plain_mode(),
                        message_xml(Content=answer))
    assert status == 200
    assert ET.fromstring(text).findtext("Content") == expected
    status, text = call(f"{harness.base}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(Content=answer)))
    assert open_reply(text, OA_CRYPTO)["Content"] == expected


def test_voice_uses_the_recognised_text(harness: Harness) -> None:
    plain = message_xml("voice", MediaId="m1", Format="amr", Recognition="电子钥匙解锁要带什么材料")
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain))
    assert open_reply(text, OA_CRYPTO)["Content"].startswith("解锁需要")
    assert harness.texts_heard() == ["电子钥匙解锁要带什么材料"]


def test_voice_without_recognition_gets_a_polite_reply(harness: Harness) -> None:
    plain = message_xml("voice", MediaId="m1", Format="amr", Recognition="")
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain))
    content = open_reply(text, OA_CRYPTO)["Content"]
    assert "没有听清" in content and "voice message" in content
    assert harness.rasa.heard == []


def test_a_new_follower_is_greeted_by_the_bot(harness: Harness) -> None:
    plain = message_xml("event", Event="subscribe", EventKey="")
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain))
    assert open_reply(text, OA_CRYPTO)["Content"] == "您好！我是电子钥匙办事助手。"
    assert harness.texts_heard() == ["你好"]


def test_a_menu_click_sends_its_key(harness: Harness) -> None:
    plain = message_xml("event", Event="CLICK", EventKey="材料")
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain))
    assert open_reply(text, OA_CRYPTO)["Content"].startswith("您要办理哪一项？")
    assert harness.texts_heard() == ["材料"]


def test_an_image_gets_a_polite_reply_and_no_turn(harness: Harness) -> None:
    plain = message_xml("image", PicUrl="http://example.com/a.jpg", MediaId="m2")
    status, text = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain))
    content = open_reply(text, OA_CRYPTO)["Content"]
    assert "文字和语音" in content and "text and voice" in content
    assert harness.rasa.heard == []


def test_an_unsubscribe_is_acknowledged_silently(harness: Harness) -> None:
    plain = message_xml("event", Event="unsubscribe")
    assert call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain)) == (200, "success")
    assert harness.rasa.heard == []


def test_a_failing_rasa_gets_an_apology_not_an_error(harness: Harness) -> None:
    status, text = call(f"{harness.base}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(Content="broken")))
    assert status == 200 and "稍后再试" in open_reply(text, OA_CRYPTO)["Content"]


def test_a_retry_returns_the_same_reply_without_a_second_turn(harness: Harness) -> None:
    plain = message_xml(Content="电子钥匙解锁要带什么材料")
    first = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain, nonce="1"))
    again = call(f"{harness.base}/webhooks/wechat/webhook", *safe_mode(plain, nonce="2"))
    assert open_reply(first[1], OA_CRYPTO)["Content"] == open_reply(again[1], OA_CRYPTO)["Content"]
    assert len(harness.rasa.heard) == 1


def test_a_slow_answer_is_acknowledged_then_sent_through_the_send_api(harness: Harness) -> None:
    assert REPLY_BUDGET < 5  # WeChat's own window
    started = time.monotonic()
    status, text = call(f"{harness.base}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(Content="slow question")))
    assert (status, text) == (200, "success")
    assert time.monotonic() - started < SLOW
    assert wait_for(lambda: harness.sent)
    assert harness.sent == [("/cgi-bin/message/custom/send", {
        "touser": OPENID, "msgtype": "text", "text": {"content": "a late answer"}})]
    assert "/fake-api/cgi-bin/token" in harness.tokens


def test_retries_of_a_slow_message_make_one_turn_and_one_late_answer(harness: Harness) -> None:
    plain = message_xml(Content="slow question")
    url = f"{harness.base}/webhooks/wechat/webhook"
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append(
        call(url, *safe_mode(plain, nonce=str(n))))) for n in range(3)]
    for thread in threads:  # WeChat's three tries, the later ones while the first waits
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert results == [(200, "success")] * 3
    assert wait_for(lambda: harness.sent)
    time.sleep(SLOW)  # time enough for a duplicate to show up
    assert len(harness.sent) == 1
    assert len(harness.rasa.heard) == 1


def test_an_answer_too_long_for_a_reply_goes_out_in_parts(harness: Harness) -> None:
    status, text = call(f"{harness.base}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(Content="long")))
    assert (status, text) == (200, "success")

    def parts() -> list[str]:
        return [body["text"]["content"] for _, body in harness.sent]

    # parts arrive one after another: wait for all of them, not just the first two
    assert wait_for(lambda: "\n".join(parts()) == ANSWERS["long"][0]["text"])
    assert len(parts()) >= 2 and all(len(p.encode()) <= REPLY_BYTES for p in parts())


# --- refusals: a clear status, and Rasa never hears of it ---------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>'
                  "<xml><ToUserName>x</ToUserName><FromUserName>u</FromUserName>"
                  "<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>")


def _stale() -> tuple[dict[str, str], str]:
    return safe_mode(message_xml(Content="你好"), timestamp=str(int(time.time()) - 301))


def _bad_signature() -> tuple[dict[str, str], str]:
    query, body = safe_mode(message_xml(Content="你好"))
    return {**query, "signature": "0" * 40}, body


def _bad_msg_signature() -> tuple[dict[str, str], str]:
    query, body = safe_mode(message_xml(Content="你好"))
    return {**query, "msg_signature": "0" * 40}, body


def _tampered() -> tuple[dict[str, str], str]:
    query, body = safe_mode(message_xml(Content="你好"))
    return query, body.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AAAA")


@pytest.mark.parametrize(("request_of", "status", "reason"), [
    (_bad_signature, 403, "bad signature"),
    (_bad_msg_signature, 403, "bad signature"),
    (_tampered, 403, "bad signature"),  # ciphertext changed after signing
    (_stale, 403, "timestamp"),
    (lambda: safe_mode(message_xml(Content="你好"), timestamp=str(int(time.time()) + 301)),
     403, "timestamp"),
    (lambda: safe_mode(message_xml(Content="你好"), app_id="wx0000000000000000"), 403,
     "another AppID"),
    (lambda: (plain_mode(), BILLION_LAUGHS), 400, "DOCTYPE"),  # entities in the envelope
    (lambda: safe_mode(BILLION_LAUGHS), 400, "DOCTYPE"),  # entities inside the ciphertext
    (lambda: (plain_mode(), "<xml><Encrypt>oops</xml"), 400, "malformed XML"),
    (lambda: (plain_mode(), "<xml>" + "a" * 65 * 1024 + "</xml>"), 413, "larger than"),
    (lambda: ({"signature": "0" * 40, "nonce": "1"}, "<xml/>"), 400, "timestamp"),
], ids=["signature", "msg_signature", "tampered", "stale", "future", "another AppID",
        "DTD outside", "DTD inside", "malformed", "oversized", "no timestamp"])
def test_refused(harness: Harness, request_of: Any, status: int, reason: str) -> None:
    query, body = request_of()
    got, text = call(f"{harness.base}/webhooks/wechat/webhook", query, body)
    assert got == status and reason in text, text
    assert harness.rasa.heard == []


# The audit's envelope: UTF-16, with an external DTD and no entity. A byte pattern looking
# for "<!DOCTYPE" does not see it; a parser that forbids DTDs does.
UTF16_DTD = ('<?xml version="1.0" encoding="UTF-16"?>'
             '<!DOCTYPE xml SYSTEM "http://192.0.2.1/evil.dtd">'
             f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName>"
             "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
             "<MsgId>42</MsgId></xml>").encode("utf-16")


def test_a_utf16_envelope_with_a_dtd_is_refused(harness: Harness) -> None:
    assert b"DOCTYPE" not in UTF16_DTD  # what a byte pattern would have looked for
    for name in ("wechat_plain", "wechat"):
        status, text = call(f"{harness.base}/webhooks/{name}/webhook", plain_mode(), UTF16_DTD)
        assert (status, text) == (400, "XML with DOCTYPE or ENTITY declarations is not "
                                       "accepted")
    # the same document without the DTD is an ordinary message
    plain = UTF16_DTD.decode("utf-16").replace(
        '<!DOCTYPE xml SYSTEM "http://192.0.2.1/evil.dtd">', "").encode("utf-16")
    status, text = call(f"{harness.base}/webhooks/wechat_plain/webhook", plain_mode(), plain)
    assert status == 200 and xmltodict.parse(text)["xml"]["Content"] == ANSWERS["你好"][0]["text"]
    assert harness.texts_heard() == ["你好"]


def test_a_replay_is_not_processed_again_while_its_timestamp_still_passes(
        harness: Harness) -> None:
    """A timestamp 290 s ahead of our clock is fresh; replayed at +315 s it is still fresh
    (25 s old), so the message id must still be remembered then."""
    now = float(int(time.time()))
    harness.clock.at = now
    query, body = safe_mode(message_xml(Content="电子钥匙解锁要带什么材料"),
                            timestamp=str(int(now) + 290))
    url = f"{harness.base}/webhooks/wechat/webhook"
    first = call(url, query, body)
    assert first[0] == 200 and harness.texts_heard() == ["电子钥匙解锁要带什么材料"]
    harness.clock.at = now + 315
    assert call(url, query, body)[0] == 200  # accepted by the timestamp check...
    assert harness.texts_heard() == ["电子钥匙解锁要带什么材料"]  # ...but not run again
    harness.clock.at = now + 290 + MAX_SKEW + 1
    assert call(url, query, body)[0] == 403  # and then the timestamp itself is stale
    assert len(harness.rasa.heard) == 1


def test_typed_intent_payloads_are_read_as_plain_words(harness: Harness) -> None:
    url = f"{harness.base}/webhooks/wechat/webhook"
    call(url, *safe_mode(message_xml(Content='/ask_password{"password":"x"}')))
    call(url, *safe_mode(message_xml(Content='/inform{"procedure":[["x"]]}')))
    call(url, *safe_mode(message_xml(Content='/inform{"procedure":"mofcom_unlock"}')))
    assert harness.texts_heard() == ['ask_password{"password":"x"}',
                                     'inform{"procedure":[["x"]]}',
                                     '/inform{"procedure":"mofcom_unlock"}']  # a button's


def test_a_declared_oversize_body_is_refused_before_it_is_read(harness: Harness) -> None:
    query = urllib.parse.urlencode(plain_mode())
    status, seconds = declared_oversize(f"{harness.base}/webhooks/wechat_plain/webhook?{query}")
    assert status == 413 and seconds < 5
    assert harness.rasa.heard == []


def test_a_push_the_send_api_refuses_is_an_error_not_silence() -> None:
    """Rasa's conversation API then answers 500, and staff are told "failed"."""
    nowhere = official_account_api("wx0", "secret", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(PushFailed):
        asyncio.run(PushOutput("wechat", nowhere).send_response("wechat:o1", {"text": "hi"}))


def test_entities_are_refused_in_plaintext_mode_too(harness: Harness) -> None:
    status, _ = call(f"{harness.base}/webhooks/wechat_plain/webhook", plain_mode(),
                     BILLION_LAUGHS)
    assert status == 400 and harness.rasa.heard == []


@pytest.mark.parametrize("name", ["wechat_unset", "wecom_unset"])
def test_an_unconfigured_channel_answers_503(harness: Harness, name: str) -> None:
    url = f"{harness.base}/webhooks/{name}/webhook"
    for status, text in (call(url, plain_mode()), call(url, plain_mode(), message_xml())):
        assert status == 503 and "not configured" in text and "_TOKEN" in text
    assert harness.rasa.heard == []


# --- WeCom --------------------------------------------------------------------------------

def test_wecom_sample_url_check(harness: Harness) -> None:
    harness.clock.at = float(WECOM_URL_CHECK["timestamp"])
    assert call(f"{harness.base}/webhooks/wecom/webhook", WECOM_URL_CHECK) == (
        200, WECOM_URL_CHECK_ANSWER)


def test_wecom_url_check_with_a_wrong_signature_is_refused(harness: Harness) -> None:
    harness.clock.at = float(WECOM_URL_CHECK["timestamp"])
    query = {**WECOM_URL_CHECK, "nonce": "263014781"}
    assert call(f"{harness.base}/webhooks/wecom/webhook", query)[0] == 403


def test_wecom_sample_message_is_answered_encrypted(harness: Harness) -> None:
    harness.clock.at = float(WECOM_SAMPLE["timestamp"])
    query = {k: WECOM_SAMPLE[k] for k in ("msg_signature", "timestamp", "nonce")}
    status, text = call(f"{harness.base}/webhooks/wecom/webhook", query, WECOM_SAMPLE["body"])
    assert status == 200
    reply = open_reply(text, WECOM_CRYPTO)
    assert reply["Content"] == "Hello from WeCom"
    assert (reply["ToUserName"], reply["AgentID"]) == ("mycreate", WECOM_AGENT_ID)
    assert harness.rasa.heard == [("wecom:mycreate", "hello")]


def test_wecom_refuses_another_corp_and_a_bad_signature(harness: Harness) -> None:
    url = f"{harness.base}/webhooks/wecom/webhook"
    plain = message_xml(user="zhangsan", to=WECOM_CORP_ID, Content="你好")
    assert call(url, *wecom_request(plain, corp_id="wx0000000000000000"))[0] == 403
    query, body = wecom_request(plain)
    assert call(url, {**query, "msg_signature": "0" * 40}, body)[0] == 403
    assert harness.rasa.heard == []


def test_wecom_slow_answer_goes_through_the_application_message_api(harness: Harness) -> None:
    plain = message_xml(user="zhangsan", to=WECOM_CORP_ID, Content="slow question",
                        AgentID=WECOM_AGENT_ID)
    assert call(f"{harness.base}/webhooks/wecom/webhook", *wecom_request(plain)) == (
        200, "success")
    assert wait_for(lambda: harness.sent)
    assert harness.sent == [("/cgi-bin/message/send", {
        "touser": "zhangsan", "msgtype": "text", "agentid": 218,
        "text": {"content": "a late answer"}})]
    assert "/fake-api/cgi-bin/gettoken" in harness.tokens


# --- rendering ----------------------------------------------------------------------------

def test_buttons_become_numbered_lines_and_messages_paragraphs() -> None:
    text, payloads = render([{"text": "A"}, {"text": "B", "buttons": [
        {"title": "yes", "payload": "/affirm"}, {"title": "no", "payload": "/deny"}]}])
    assert text == "A\n\nB\n[1] yes\n[2] no"
    assert payloads == ["/affirm", "/deny"]


def test_long_text_is_split_at_line_ends_within_the_byte_limit() -> None:
    lines = [f"{i}：" + "字" * 100 for i in range(30)]
    parts = split_for_wechat("\n".join(lines), limit=1000)
    assert all(len(p.encode()) <= 1000 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert split_for_wechat("字" * 1000, limit=999) == ["字" * 333] * 3 + ["字"]


def test_a_long_answer_is_cut_only_between_its_sections() -> None:
    sections = ["【补办】", "需要准备的材料：\n" + "\n".join(f"{i}. " + "材料" * 10
                                                        for i in range(1, 8)),
                "办理时限：\n• " + "时限" * 60, "来源：商务部配额许可证事务局 · 003 §2"]
    text = "\n\n".join(sections)
    parts = split_for_wechat(text, limit=600)
    assert len(parts) > 1 and all(len(p.encode()) <= 600 for p in parts)
    # each part is whole sections, in order: no list is cut in two
    assert [block for p in parts for block in p.split("\n\n")] == sections
    assert split_for_wechat(text) == [text]  # within WeChat's limit: one message


# --- through the real stack ---------------------------------------------------------------

def _rasa(servers: Any) -> str:
    return servers[0]


@pytest.fixture(scope="module")
def warm_rasa(servers: Any) -> str:
    """Rasa's first prediction is slow; make it before WeChat's five seconds start."""
    post(f"{_rasa(servers)}/webhooks/rest/webhook", "warm-up", "你好")
    return _rasa(servers)


@pytest.mark.conversation
def test_wechat_user_asks_for_unlock_materials(warm_rasa: str, kb: KnowledgeBase) -> None:
    user = f"o{uuid.uuid4().hex[:27]}"
    status, text = call(f"{warm_rasa}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(user=user, Content="电子钥匙解锁要带什么材料")))
    assert status == 200, text
    reply = open_reply(text, OA_CRYPTO)["Content"]
    assert pick(kb.procedure("mofcom_unlock").name, "zh") in reply
    for line in kb.materials_for("mofcom_unlock", "zh"):
        assert line.name in reply
    assert detect_language(reply) == "zh-Hans"


@pytest.mark.conversation
def test_wechat_user_asking_in_english_is_answered_in_english(warm_rasa: str,
                                                              kb: KnowledgeBase) -> None:
    user = f"o{uuid.uuid4().hex[:27]}"
    question = "What do I need to unlock my MOFCOM licence e-key?"
    status, text = call(f"{warm_rasa}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(user=user, Content=question)))
    reply = open_reply(text, OA_CRYPTO)["Content"]
    for line in kb.materials_for("mofcom_unlock", "en"):
        assert line.name in reply
    assert detect_language(reply) == "en"


@pytest.mark.conversation
def test_wecom_user_gets_an_encrypted_answer(warm_rasa: str, kb: KnowledgeBase) -> None:
    question = "电子口岸IC卡密码输错锁了，解锁要带什么材料"
    plain = message_xml(user=f"u{uuid.uuid4().hex[:8]}", to=WECOM_CORP_ID, Content=question,
                        AgentID=WECOM_AGENT_ID)
    status, text = call(f"{warm_rasa}/webhooks/wecom/webhook", *wecom_request(plain))
    assert status == 200, text
    reply = open_reply(text, WECOM_CRYPTO)["Content"]
    for line in kb.materials_for("eport_unlock", "zh"):
        assert line.name in reply


@pytest.mark.conversation
def test_the_real_stack_refuses_a_forged_message(warm_rasa: str) -> None:
    query, body = safe_mode(message_xml(Content="你好"))
    status, _ = call(f"{warm_rasa}/webhooks/wechat/webhook", {**query, "signature": "0" * 40},
                     body)
    assert status == 403


@pytest.mark.conversation
def test_wechat_user_is_pushed_the_status_update_staff_make(
        warm_rasa: str, servers: Any, wechat_api: Any) -> None:
    """Register over WeChat; a staff update then arrives as a customer-service message."""
    user = f"o{uuid.uuid4().hex[:27]}"

    def say(text: str) -> str:
        status, body = call(f"{warm_rasa}/webhooks/wechat/webhook",
                            *safe_mode(message_xml(user=user, Content=text)))
        assert status == 200, body
        return open_reply(body, OA_CRYPTO)["Content"]

    say("帮我跟踪我的申请")
    say("电子钥匙解锁")
    registered = say("2026-11-16")
    reference = re.search(r"EK-[0-9A-Z]{6}", registered)
    assert reference, registered
    request = urllib.request.Request(
        f"{servers.web_url}/staff/api/applications/{reference.group(0)}/events",
        json.dumps({"stage": "verification_passed", "actor": "wang"}).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {servers.staff_token}"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert json.loads(resp.read())["notified"] == "sent"
    pushes = [body for path, body in wechat_api.sent
              if path == "/cgi-bin/message/custom/send" and body["touser"] == user]
    assert pushes and "核验通过" in pushes[-1]["text"]["content"]
    assert reference.group(0) in pushes[-1]["text"]["content"]


@pytest.mark.conversation
def test_a_rest_client_cannot_continue_a_wechat_conversation(warm_rasa: str) -> None:
    """The audit's takeover: a WeChat user registered (and so may read the application in
    that conversation); a REST client naming itself "wechat:<their OpenID>" is refused."""
    user = f"o{uuid.uuid4().hex[:27]}"
    url = f"{warm_rasa}/webhooks/wechat/webhook"
    for text in ("帮我跟踪我的申请", "电子钥匙解锁"):
        call(url, *safe_mode(message_xml(user=user, Content=text)))
    registered = open_reply(call(url, *safe_mode(message_xml(user=user, Content="2026-11-16")))[1],
                            OA_CRYPTO)["Content"]
    assert re.search(r"EK-[0-9A-Z]{6}", registered), registered
    for sender in (f"wechat:{user}", f"WeChat:{user}", f"wecom:{user}", f"WECOM:{user}"):
        body = json.dumps({"sender": sender, "message": "我的申请到哪一步了"}).encode()
        request = urllib.request.Request(f"{warm_rasa}/webhooks/rest/webhook", body,
                                         {"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        assert "other channels" in json.loads(refused.value.read())["error"]


@pytest.mark.conversation
def test_staff_are_told_a_wecom_push_was_not_sent_without_its_secret(
        warm_rasa: str, servers: Any, wechat_api: Any) -> None:
    """The test stack's WeCom app has no secret: Rasa collects the message instead of
    sending it, and the staff API must not call that "sent"."""
    user = f"u{uuid.uuid4().hex[:8]}"

    def say(text: str) -> str:
        plain = message_xml(user=user, to=WECOM_CORP_ID, Content=text, AgentID=WECOM_AGENT_ID)
        status, body = call(f"{warm_rasa}/webhooks/wecom/webhook", *wecom_request(plain))
        assert status == 200, body
        return open_reply(body, WECOM_CRYPTO)["Content"]

    say("帮我跟踪我的申请")
    say("电子钥匙解锁")
    reference = re.search(r"EK-[0-9A-Z]{6}", say("2026-11-16"))
    assert reference, "no reference"
    request = urllib.request.Request(
        f"{servers.web_url}/staff/api/applications/{reference.group(0)}/events",
        json.dumps({"stage": "verification_passed"}).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {servers.staff_token}"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert json.loads(resp.read())["notified"] == "no send credentials"
    assert not [body for _, body in wechat_api.sent if body.get("touser") == user]


@pytest.mark.conversation
@pytest.mark.parametrize("channel", ["wechat", "wecom"])
def test_an_answer_is_one_formatted_message_within_the_limit(
        warm_rasa: str, kb: KnowledgeBase, channel: str) -> None:
    """The lost-key question (five to seven bubbles before issue 17) is one text, the same
    words REST clients get, with its heading, numbered materials and sources."""
    question = "电子钥匙丢了怎么补办"
    user = f"o{uuid.uuid4().hex[:27]}"
    if channel == "wechat":
        status, body = call(f"{warm_rasa}/webhooks/wechat/webhook",
                            *safe_mode(message_xml(user=user, Content=question)))
        reply = open_reply(body, OA_CRYPTO)
    else:
        plain = message_xml(user=user, to=WECOM_CORP_ID, Content=question,
                            AgentID=WECOM_AGENT_ID)
        status, body = call(f"{warm_rasa}/webhooks/wecom/webhook", *wecom_request(plain))
        reply = open_reply(body, WECOM_CRYPTO)
    assert status == 200, body
    text = reply["Content"]
    assert len(text.encode()) <= REPLY_BYTES
    rest = post(f"{warm_rasa}/webhooks/rest/webhook", f"rest-{uuid.uuid4().hex[:8]}", question)
    assert len(rest) == 1 and text == render(rest)[0]
    assert pick(kb.procedure("mofcom_reissue").name, "zh") in text
    assert "1. " in text and "来源" in text and '"ekey_answer"' not in text


@pytest.mark.conversation
def test_an_answer_over_the_limit_goes_out_in_whole_sections(
        warm_rasa: str, wechat_api: Any) -> None:
    """The online first application in English is about 3 KB: WeChat acknowledges at once and
    the send API delivers it in parts of at most 2000 bytes, each cut between sections."""
    user = f"o{uuid.uuid4().hex[:27]}"
    question = "What do I need for a first MOFCOM e-key application online?"
    rest = post(f"{warm_rasa}/webhooks/rest/webhook", f"rest-{uuid.uuid4().hex[:8]}", question)
    assert len(rest) == 1 and len(rest[0]["text"].encode()) > REPLY_BYTES
    status, body = call(f"{warm_rasa}/webhooks/wechat/webhook",
                        *safe_mode(message_xml(user=user, Content=question)))
    assert status == 200 and body == "success"
    assert wait_for(lambda: sum(b["touser"] == user for _, b in wechat_api.sent) >= 2, 30)
    parts = [b["text"]["content"] for path, b in wechat_api.sent if b["touser"] == user]
    assert all(len(p.encode()) <= REPLY_BYTES for p in parts)
    assert "\n\n".join(parts) == render(rest)[0]  # the text, then its choices as [1] …
