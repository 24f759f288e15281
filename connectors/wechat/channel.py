"""WeChat Official Account (公众号) and WeCom (企业微信) input channels for Rasa.

Both platforms call ``/webhooks/<name>/webhook``: a GET once to prove we hold the token, then
a POST per user message, whose XML reply must arrive within five seconds or WeChat retries
(three tries in all) and finally shows the user an error. So the channel:

- refuses, with a 4xx and before any processing (`protocol`), what WeChat would never send: a wrong
  signature, a timestamp more than five minutes off (a replay), a body over 64 KB (from its
  Content-Length, before reading it), XML with a DTD in any encoding (parsed with
  defusedxml, which refuses DTDs, entities and external references), malformed XML, a
  message encrypted for another AppID/CorpID;
- runs each message through Rasa once, keyed by MsgId (events: sender + CreateTime), so a
  retry joins the turn already under way instead of starting a second one; an id is
  remembered for `REMEMBER` seconds, as long as a signed request carrying it can still pass
  the timestamp check (its timestamp may be up to five minutes ahead of our clock, and is
  then accepted until five minutes after it), so a replay is never processed twice;
- reads typed text that looks like an intent payload ("/intent{…}") as plain words: only the
  numbered choices of our own buttons send payloads (connectors/payloads.py);
- replies in place when Rasa answers within ~4.5 s, else acknowledges with "success" and
  sends the answer later through the platform's send API (`connectors.wechat.push`).

Secrets are read from the environment, never from credentials.yml (whose ``${VAR}`` fails
when a variable is unset); a channel without its settings answers 503 and does nothing:

- Official Account: WECHAT_TOKEN; WECHAT_APP_ID + WECHAT_AES_KEY for compatible/safe mode
  (without the key, plaintext mode); WECHAT_APP_SECRET for late answers; WECHAT_API_BASE.
- WeCom: WECOM_TOKEN, WECOM_CORP_ID, WECOM_AES_KEY; WECOM_SECRET + WECOM_AGENT_ID for late
  answers; WECOM_API_BASE.

Logs never carry message text or user ids, only a short hash of the id.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rasa.core.channels.channel import (
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import replies as wecom_replies
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.replies import TextReply

from connectors.collect import OneMessageCollector
from connectors.payloads import as_words
from connectors.wechat.protocol import (
    MAX_BODY,
    MAX_SKEW,
    Refused,
    cdata_safe,
    check_signature,
    field,
    parse_xml,
    valid_aes_key,
)
from connectors.wechat.push import SendAPI, official_account_api, wecom_api
from runtime.http_limits import read_body
from runtime.settings import setting

logger = logging.getLogger(__name__)

# How long a MsgId is remembered: a request first seen with a timestamp MAX_SKEW ahead of
# our clock passes the check until 2 * MAX_SKEW later; a margin for the clock's own steps.
REMEMBER = 2 * MAX_SKEW + 30.0
REPLY_BUDGET = 4.5  # WeChat gives up after 5 s
REPLY_BYTES = 2000  # WeChat drops text over 2048 bytes; longer answers go out in parts
GREETING = "你好"  # what a new follower "says", so Rasa greets them in its own words
_MEMORY = 10_000  # turns (with their replies) and button lists kept, so memory stays bounded
_IDS = 200_000  # message ids remembered (short strings): 10 minutes at over 300 messages/s

# The channel's own words (Rasa never sees these messages), each beside its twin.
_TEXTS = {
    "unsupported": ("目前只能理解文字和语音消息，请用文字描述您的问题。",
                    "I can only understand text and voice messages; please type your question."),
    "unheard": ("抱歉，没有听清这条语音，请再说一遍或改用文字。",
                "Sorry, I could not make out that voice message; please try again or type it."),
    "error": ("抱歉，系统暂时出了点问题，请稍后再试。",
              "Sorry, something went wrong on our side; please try again shortly."),
}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def bilingual(key: str) -> str:
    """A channel message in both languages: WeChat tells us nothing about the user's."""
    return "\n".join(_TEXTS[key])


def render(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """Rasa's bot messages as one WeChat text, and the payloads of its numbered choices.

    WeChat has no buttons, so their titles become numbered lines, "[1] title" (bracketed so
    they do not read as part of a numbered list in the text); replying with the number sends
    the button's payload (see `_choose`).
    """
    blocks, payloads = [], []
    for message in messages:
        lines = [str(message[k]) for k in ("text", "image", "attachment") if message.get(k)]
        for button in message.get("buttons") or []:
            title = str(button.get("title") or button.get("payload") or "")
            payloads.append(str(button.get("payload") or title))
            lines.append(f"[{len(payloads)}] {title}")
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks), payloads


def split_for_wechat(text: str, limit: int = REPLY_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut only between an answer's sections.

    An answer's plain text (replies/card.py) separates its heading, sections and sources
    with blank lines; as many whole sections as fit go into each part, so a list is never
    cut in two. Only a section longer than the limit on its own is cut, at line ends.
    """
    parts: list[str] = []
    current = ""
    for block in text.strip().split("\n\n"):
        joined = f"{current}\n\n{block}" if current else block
        if len(joined.encode()) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        pieces = [block] if len(block.encode()) <= limit else _split_lines(block, limit)
        parts += pieces[:-1]
        current = pieces[-1] if pieces else ""
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _split_lines(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    parts, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:  # one huge line: cut it by characters
            cut = len(line.encode()[:limit].decode(errors="ignore"))
            line, head = line[cut:], line[:cut]
            parts += [p for p in (current, head) if p.strip()]
            current = ""
        if len((current + line).encode()) > limit:
            parts.append(current)
            current = ""
        current += line
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _tag(user: str) -> str:
    """Who, for logs, without the user id itself."""
    return hashlib.sha256(user.encode()).hexdigest()[:10]


@dataclass
class _Turn:
    """One message's trip through Rasa, shared by WeChat's retries of that message."""

    task: asyncio.Task[str]
    deferred: bool = False  # the answer goes out through the send API, not a reply


class _Bounded(OrderedDict):
    """A dict that forgets its oldest entries beyond `_MEMORY`."""

    def remember(self, key: str, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > _MEMORY:
            self.popitem(last=False)


class PushFailed(RuntimeError):
    """The platform's send API did not take a pushed message."""


class PushOutput(OutputChannel):
    """Messages the assistant starts (application status updates), sent with the send API.

    Rasa's conversation API uses it when asked for the conversation's `latest` channel; the
    recipient is the Rasa sender id, "wechat:<OpenID>", and the platform id is what follows.
    """

    def __init__(self, channel: str, send_api: SendAPI) -> None:
        self.channel, self.send_api = channel, send_api

    @classmethod
    def name(cls) -> str:
        return "wechat_push"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send, or raise: Rasa's conversation API then answers 500, and the staff who made
        the update are told it failed instead of "sent"."""
        user = recipient_id.split(":", 1)[1] if ":" in recipient_id else recipient_id
        text, _ = render([message])
        for part in split_for_wechat(text):
            if not await self.send_api.send_text(user, part):
                logger.warning("%s: push to %s failed", self.channel, _tag(user))
                raise PushFailed(f"{self.channel} send API refused the message")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class WeChatChannelBase(InputChannel):
    """What the Official Account and WeCom share; subclasses open and answer their XML."""

    prefix: ClassVar[str]  # of the Rasa sender id, so WeChat users never meet REST ones
    handshake_args: ClassVar[tuple[str, ...]]
    message_args: ClassVar[tuple[str, ...]]
    optional_args: ClassVar[tuple[str, ...]] = ()  # read as "" when absent

    def __init__(self, crypto: Any, send_api: SendAPI | None, problem: str | None,
                 clock: Callable[[], float] = time.time) -> None:
        self.crypto = crypto
        self.send_api = send_api
        self.problem = problem  # why the channel cannot work, or None
        self.clock = clock
        self.budget = REPLY_BUDGET
        self._turns: _Bounded = _Bounded()
        self._seen: OrderedDict[str, float] = OrderedDict()  # message key -> forget after
        self._choices: _Bounded = _Bounded()
        self._background: set[asyncio.Task] = set()
        self._on_new_message: OnNewMessage | None = None

    def get_output_channel(self) -> OutputChannel | None:
        """What pushes status updates; None when no app secret allows sending."""
        return PushOutput(self.name(), self.send_api) if self.send_api else None

    # --- what a platform defines --------------------------------------------------------

    def handshake(self, args: dict[str, str]) -> str:
        raise NotImplementedError

    def open(self, body: bytes, args: dict[str, str]) -> tuple[dict[str, Any], bool]:
        """The message's fields, and whether the reply must be encrypted."""
        raise NotImplementedError

    def reply_xml(self, fields: dict[str, Any], text: str) -> str:
        raise NotImplementedError

    # --- HTTP ---------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._on_new_message = on_new_message
        if self.problem:
            logger.info("%s channel is off: %s", self.name(), self.problem)
        elif self.send_api is None:
            logger.info("%s channel: no app secret, so answers slower than WeChat's 5 s "
                        "are dropped", self.name())
        module = inspect.getmodule(self)
        bp = Blueprint(f"{self.name()}_webhook", module.__name__ if module else None)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "not configured" if self.problem else "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._guarded(lambda: response.text(
                self.handshake(self._args(request, self.handshake_args))))

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            body = await read_body(request, MAX_BODY) if not self.problem else b""
            opened = self._guarded(lambda: self._open_request(request, body))
            if isinstance(opened, HTTPResponse):
                return opened
            fields, encrypted, nonce = opened
            try:
                reply = await self._respond(fields, started)
                if reply is None:
                    return response.text("success")
                xml = self.reply_xml(fields, reply)
                if encrypted:
                    xml = self.crypto.encrypt_message(xml, nonce, str(int(self.clock())))
                return response.text(xml, content_type="application/xml; charset=utf-8")
            except Exception as error:  # never let WeChat see a 500 and retry into it
                logger.error("%s: could not answer: %s", self.name(), type(error).__name__)
                return response.text("success")

        return bp

    def _guarded(self, work: Callable[[], Any]) -> Any:
        if self.problem:
            return response.text(f"{self.name()} channel not configured: {self.problem}",
                                 status=503)
        try:
            return work()
        except Refused as refusal:
            logger.warning("%s: refused a request: %s", self.name(), refusal.reason)
            return response.text(refusal.reason, status=refusal.status)

    def _args(self, request: Request, names: tuple[str, ...]) -> dict[str, str]:
        """The signed query arguments, all present, with a fresh timestamp."""
        args = {name: request.args.get(name) or "" for name in names + self.optional_args}
        missing = [name for name in names if not args[name]]
        if missing:
            raise Refused(400, f"missing query parameter(s): {', '.join(missing)}")
        try:
            skew = abs(self.clock() - int(args["timestamp"]))
        except ValueError:
            raise Refused(400, "timestamp is not a number") from None
        if skew > MAX_SKEW:
            raise Refused(403, "stale or future timestamp (replay?)")
        return args

    def _open_request(self, request: Request, body: bytes | None
                      ) -> tuple[dict[str, Any], bool, str]:
        if body is None:
            raise Refused(413, f"body larger than {MAX_BODY} bytes")
        args = self._args(request, self.message_args)
        fields, encrypted = self.open(body, args)
        if not field(fields, "FromUserName") or not field(fields, "MsgType"):
            raise Refused(400, "message without FromUserName or MsgType")
        return fields, encrypted, args["nonce"]

    def _decrypt(self, envelope: dict[str, Any], args: dict[str, str]) -> dict[str, Any]:
        """The inner message of an encrypted envelope, after checking msg_signature."""
        encrypted = field(envelope, "Encrypt")
        if not encrypted:
            raise Refused(400, "encrypted message without <Encrypt>")
        check_signature(args["msg_signature"], self.token, args["timestamp"], args["nonce"],
                         encrypted)
        try:
            plain = self.crypto.decrypt_message({"Encrypt": encrypted}, args["msg_signature"],
                                                args["timestamp"], args["nonce"])
        except (InvalidAppIdException, InvalidCorpIdException):
            raise Refused(403, "message encrypted for another AppID/CorpID") from None
        except Exception:  # bad base64, padding or length: not WeChat's doing
            raise Refused(400, "undecryptable <Encrypt>") from None
        return parse_xml(plain)

    # --- turns --------------------------------------------------------------------------

    async def _respond(self, fields: dict[str, Any], started: float) -> str | None:
        """The reply text, or None for "success" (nothing to say, or the answer comes later)."""
        user = field(fields, "FromUserName")
        text, canned = self._intake(fields)
        if canned or not text:
            return canned
        # WeChat's advice: MsgId for messages, FromUserName + CreateTime for events (plus
        # the event itself, as a subscribe and a click can share a second).
        key = (f"msg:{field(fields, 'MsgId')}" if field(fields, "MsgId") else
               f"evt:{user}:{field(fields, 'CreateTime')}:{field(fields, 'Event')}:{text}")
        turn = self._turns.get(key)
        now = time.monotonic()
        if self._seen_before(key):
            if turn is None:  # its answer is long gone; running it again would be a replay
                logger.info("%s: message from %s already answered", self.name(), _tag(user))
                return None
            logger.info("%s: retry of a message from %s joins its turn", self.name(), _tag(user))
        else:
            turn = _Turn(asyncio.ensure_future(self._ask(user, text)))
            self._turns.remember(key, turn)
        try:
            reply = await asyncio.wait_for(asyncio.shield(turn.task),
                                           max(self.budget - (now - started), 0.0))
        except asyncio.TimeoutError:
            self._defer(turn, user)
            return None
        if turn.deferred:
            return None
        if len(reply.encode()) > REPLY_BYTES:
            if self.send_api:
                self._defer(turn, user)
                return None
            logger.warning("%s: long answer cut: no send API configured", self.name())
            return split_for_wechat(reply)[0] + "\n…"
        return reply or None

    def _seen_before(self, key: str) -> bool:
        """Whether this message key came within `REMEMBER` seconds; remembers it if not.

        Timed with the channel's clock, the one the timestamp check uses.
        """
        now = self.clock()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)  # insertion order is expiry order
        if key in self._seen:
            return True
        self._seen[key] = now + REMEMBER
        while len(self._seen) > _IDS:
            self._seen.popitem(last=False)
        return False

    def _intake(self, fields: dict[str, Any]) -> tuple[str, str | None]:
        """(text for Rasa, canned reply): what the user said, or what to say without Rasa."""
        kind = field(fields, "MsgType").lower()
        if kind == "text":
            return field(fields, "Content"), None
        if kind == "voice":
            heard = field(fields, "Recognition")
            return (heard, None) if heard else ("", bilingual("unheard"))
        if kind == "event":
            event = field(fields, "Event").lower()
            if event == "subscribe":
                return GREETING, None
            if event == "click":
                return field(fields, "EventKey"), None
            return "", None  # unsubscribe, view, location, enter_agent…: nothing to say
        return "", bilingual("unsupported")

    def _choose(self, sender: str, text: str) -> str:
        """A bare number ("2", "２", "[2]") picks that choice of the previous answer, if any."""
        choices = self._choices.get(sender) or []
        number = unicodedata.normalize("NFKC", text).strip(" .、[]")
        if number.isascii() and number.isdigit() and 1 <= int(number) <= len(choices):
            return choices[int(number) - 1]
        return text

    async def _ask(self, user: str, text: str) -> str:
        """Rasa's answer to one message, rendered; a polite apology if Rasa fails."""
        sender = f"{self.prefix}:{user}"
        collector = OneMessageCollector()
        try:
            assert self._on_new_message is not None, "blueprint() not called"
            chosen = self._choose(sender, text)
            message = chosen if chosen != text else as_words(text)
            await self._on_new_message(UserMessage(message, collector, sender,
                                                   input_channel=self.name()))
        except Exception as error:
            logger.error("%s: Rasa failed for %s: %s", self.name(), _tag(user),
                         type(error).__name__)
            return bilingual("error")
        reply, payloads = render(collector.messages)
        self._choices.remember(sender, payloads)
        return reply

    def _defer(self, turn: _Turn, user: str) -> None:
        """Acknowledge now; the send API delivers the answer once it is ready (once)."""
        if not turn.deferred:
            turn.deferred = True
            task = asyncio.ensure_future(self._deliver_late(turn.task, user))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _deliver_late(self, answer: asyncio.Task[str], user: str) -> None:
        reply = await answer
        if not reply:
            return
        if self.send_api is None:
            logger.warning("%s: answer for %s dropped: too slow for a reply and no send API "
                           "configured", self.name(), _tag(user))
            return
        for part in split_for_wechat(reply):
            if not await self.send_api.send_text(user, part):
                return
        logger.info("%s: late answer sent to %s", self.name(), _tag(user))


class WeChatInput(WeChatChannelBase):
    """The Official Account, in plaintext mode, or compatible/safe mode with an AES key."""

    prefix = "wechat"
    handshake_args = ("signature", "timestamp", "nonce", "echostr")
    message_args = ("signature", "timestamp", "nonce")
    optional_args = ("encrypt_type", "msg_signature")

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        return cls(token=setting("WECHAT_TOKEN"), app_id=setting("WECHAT_APP_ID"),
                   aes_key=setting("WECHAT_AES_KEY"),
                   app_secret=setting("WECHAT_APP_SECRET"),
                   api_base=setting("WECHAT_API_BASE") or None)

    def __init__(self, token: str = "", app_id: str = "", aes_key: str = "",
                 app_secret: str = "", api_base: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.token, self.app_id = token, app_id
        problem, crypto = None, None
        if not token:
            problem = "set WECHAT_TOKEN (and WECHAT_APP_ID, WECHAT_AES_KEY for safe mode)"
        elif aes_key and not app_id:
            problem = "WECHAT_AES_KEY needs WECHAT_APP_ID"
        elif aes_key and not valid_aes_key(aes_key):
            problem = "WECHAT_AES_KEY is not a 43-character EncodingAESKey"
        elif aes_key:
            crypto = WeChatCrypto(token, aes_key, app_id)
        send_api = official_account_api(app_id, app_secret, api_base) if (
            app_id and app_secret) else None
        super().__init__(crypto, send_api, problem, clock)

    def handshake(self, args: dict[str, str]) -> str:
        check_signature(args["signature"], self.token, args["timestamp"], args["nonce"])
        return args["echostr"]

    def open(self, body: bytes, args: dict[str, str]) -> tuple[dict[str, Any], bool]:
        # Every POST carries the token signature; safe mode adds msg_signature over the body.
        check_signature(args["signature"], self.token, args["timestamp"], args["nonce"])
        envelope = parse_xml(body)
        if self.crypto is None:  # plaintext mode; compatible mode's plaintext fields also work
            return envelope, False
        if args["encrypt_type"] != "aes":
            raise Refused(400, "plaintext message, but this account is in safe mode")
        if not args["msg_signature"]:
            raise Refused(400, "missing query parameter(s): msg_signature")
        return self._decrypt(envelope, args), True

    def reply_xml(self, fields: dict[str, Any], text: str) -> str:
        return TextReply(source=cdata_safe(field(fields, "ToUserName")),
                         target=cdata_safe(field(fields, "FromUserName")),
                         content=cdata_safe(text), time=int(self.clock())).render()


class WeComInput(WeChatChannelBase):
    """A WeCom self-built application (自建应用); WeCom always encrypts."""

    prefix = "wecom"
    handshake_args = ("msg_signature", "timestamp", "nonce", "echostr")
    message_args = ("msg_signature", "timestamp", "nonce")

    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeComInput:
        return cls(token=setting("WECOM_TOKEN"), corp_id=setting("WECOM_CORP_ID"),
                   aes_key=setting("WECOM_AES_KEY"), secret=setting("WECOM_SECRET"),
                   agent_id=setting("WECOM_AGENT_ID"),
                   api_base=setting("WECOM_API_BASE") or None)

    def __init__(self, token: str = "", corp_id: str = "", aes_key: str = "", secret: str = "",
                 agent_id: str = "", api_base: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.token, self.corp_id = token, corp_id
        problem, crypto = None, None
        if not (token and corp_id and aes_key):
            problem = "set WECOM_TOKEN, WECOM_CORP_ID and WECOM_AES_KEY"
        elif not valid_aes_key(aes_key):
            problem = "WECOM_AES_KEY is not a 43-character EncodingAESKey"
        else:
            crypto = WeComCrypto(token, aes_key, corp_id)
        send_api = wecom_api(corp_id, secret, agent_id, api_base) if (
            corp_id and secret and agent_id) else None
        super().__init__(crypto, send_api, problem, clock)

    def handshake(self, args: dict[str, str]) -> str:
        check_signature(args["msg_signature"], self.token, args["timestamp"], args["nonce"],
                         args["echostr"])
        try:
            return self.crypto.check_signature(args["msg_signature"], args["timestamp"],
                                               args["nonce"], args["echostr"])
        except InvalidCorpIdException:
            raise Refused(403, "echostr encrypted for another CorpID") from None
        except Exception:
            raise Refused(400, "undecryptable echostr") from None

    def open(self, body: bytes, args: dict[str, str]) -> tuple[dict[str, Any], bool]:
        return self._decrypt(parse_xml(body), args), True

    def reply_xml(self, fields: dict[str, Any], text: str) -> str:
        agent = field(fields, "AgentID")
        return wecom_replies.TextReply(
            source=cdata_safe(field(fields, "ToUserName")),
            target=cdata_safe(field(fields, "FromUserName")), content=cdata_safe(text),
            agent=int(agent) if agent.isdigit() else 0, time=int(self.clock())).render()
