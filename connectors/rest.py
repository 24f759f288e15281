"""The REST channel with its input checked: Rasa's own, behind size, shape and rate limits.

Rasa's `RestInput` answers a JSON list with a 500, files every sender-less message under one
shared "default" conversation, and logs the text of a message that failed. This channel
keeps its URL (`/webhooks/rest/webhook`, name "rest") and its replies, but first refuses,
with a clear 4xx and nothing processed:

- a body over `MAX_BODY`, from its Content-Length before reading it (connectors/http_limits);
- anything but a JSON object with a string `sender` and a non-empty string `message`;
- a sender id in another channel's namespace ("wechat:…", "wecom:…"): those conversations
  belong to WeChat users, and a REST client must not be able to continue one;
- a message over `MAX_CHARS`, and a message Rasa would read as an intent payload unless it
  has the shape of one of our buttons (connectors/payloads.py);
- a sender, or a client address, sending faster than its rate limit (429 with Retry-After).
  Renaming itself gives a client a fresh sender bucket but not a fresh address bucket.

Each bot message is answered whole, its text with its buttons and its answer card (`custom`)
in one JSON object (connectors/collect.py), not cut at every blank line as Rasa's own
collector does.

Rate limits are token buckets, per sender and per client address: in memory, or in Redis
when REDIS_URL is set so that every replica shares them. The client address is the peer's,
or X-Forwarded-For's behind a proxy listed in TRUSTED_PROXIES. Each message carries a keyed
hash of it (metadata "client") for the application lookup's per-address lockout; the
address itself is never stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import math
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from connectors import payloads
from connectors.collect import OneMessageCollector
from connectors.wechat.channel import WeChatInput, WeComInput
from runtime.http_limits import (
    MemoryBuckets,
    Network,
    cap_request_size,
    client_address,
    read_body,
    trusted_networks,
)
from runtime.settings import setting

MAX_BODY = 64 * 1024
MAX_CHARS = 2000
MAX_SENDER = 128
# Other channels' sender namespaces ("wechat:<OpenID>"); compared case-insensitively.
FOREIGN_PREFIXES = tuple(f"{c.prefix}:" for c in (WeChatInput, WeComInput))
# Metadata keys this channel sets itself; a client's own values for them are dropped.
RESERVED_METADATA = ("client", "request_id")
log = logging.getLogger(__name__)


def problem(status: int, error: str, **headers: str) -> HTTPResponse:
    return json_response({"error": error}, status=status, headers=headers or None)


class RedisBuckets:
    """The same bucket in Redis (one Lua call), shared by every replica."""

    SCRIPT = """
    local b = redis.call('HMGET', KEYS[1], 't', 's')
    local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
    local tokens = tonumber(b[1]) or burst
    local stamp = tonumber(b[2]) or now
    tokens = math.min(burst, tokens + (now - stamp) * rate)
    local wait = 0
    if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
    redis.call('HSET', KEYS[1], 't', tokens, 's', now)
    redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
    return tostring(wait)
    """

    def __init__(self, client: Any, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.script = client.register_script(self.SCRIPT)

    async def take(self, key: str) -> float:
        def call() -> float:
            return float(self.script(keys=[f"ekey:rate:{key}"],
                                     args=[self.rate, self.burst, time.time()]))

        return await asyncio.to_thread(call)


class RedisRequestLog:
    """Which request ids some replica has already started, so that only a retry pays for
    reading the conversation back (`already_answered`)."""

    def __init__(self, client: Any, keep_seconds: int = 600) -> None:
        self.client, self.keep_seconds = client, keep_seconds

    async def is_retry(self, request_id: str) -> bool:
        def call() -> bool:
            return not self.client.set(f"ekey:request:{request_id}", 1, nx=True,
                                       ex=self.keep_seconds)

        return await asyncio.to_thread(call)


class AlwaysCheck:
    """Without Redis there is no shared record: every request that names itself is looked
    up (only clients that send their own X-Request-ID do, since no proxy is in front)."""

    async def is_retry(self, request_id: str) -> bool:
        return True


class Limits:
    """The rate limits and proxy trust of one channel, from the environment by default."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(os.environ if env is None else env)
        self.per_second = float(setting("RATE_LIMIT_PER_SECOND", env))
        self.burst = int(setting("RATE_LIMIT_BURST", env))
        # One address may be an office behind NAT: more than a person, far less than a flood.
        self.address_per_second = float(setting("RATE_LIMIT_ADDRESS_PER_SECOND", env))
        self.address_burst = int(setting("RATE_LIMIT_ADDRESS_BURST", env))
        self.trusted: tuple[Network, ...] = trusted_networks(setting("TRUSTED_PROXIES", env))
        self.redis_url = setting("REDIS_URL", env)
        # Keys the address hash: the same on every replica, useless to anyone without it.
        self.address_key = ("ekey-client:" + (setting("RASA_TOKEN", env) or secrets.token_hex(16))
                            ).encode()


Buckets = MemoryBuckets | RedisBuckets


def shared_state(limits: Limits) -> tuple[Buckets, Buckets, RedisRequestLog | AlwaysCheck]:
    """Per-sender and per-address buckets and the request log: in Redis (one client) when
    REDIS_URL is set."""
    if not limits.redis_url:
        return (MemoryBuckets(limits.per_second, limits.burst),
                MemoryBuckets(limits.address_per_second, limits.address_burst), AlwaysCheck())
    import redis

    client = redis.Redis.from_url(limits.redis_url)
    return (RedisBuckets(client, limits.per_second, limits.burst),
            RedisBuckets(client, limits.address_per_second, limits.address_burst),
            RedisRequestLog(client))


def parse(raw: bytes | None) -> tuple[dict[str, Any] | None, HTTPResponse | None]:
    """The checked body, or the response refusing it."""
    if raw is None or len(raw) > MAX_BODY:
        return None, problem(413, f"request body larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, problem(400, 'expected a JSON object {"sender": ..., "message": ...}')
    if not isinstance(body, dict):
        return None, problem(400, 'expected a JSON object {"sender": ..., "message": ...}')
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER \
            or not sender.isprintable():
        return None, problem(400, f"sender must be a printable string of 1-{MAX_SENDER} "
                                  "characters")
    if sender.casefold().startswith(FOREIGN_PREFIXES):
        return None, problem(400, "sender ids starting with "
                                  f"{' or '.join(FOREIGN_PREFIXES)} belong to other channels")
    if not isinstance(message, str) or not message.strip():
        return None, problem(400, "message must be a non-empty string")
    if len(message) > MAX_CHARS:
        return None, problem(413, f"message longer than {MAX_CHARS} characters")
    if not payloads.acceptable(message):
        return None, problem(400, "a message starting with / is read as an intent payload; "
                                  "only the assistant's own buttons may send one")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, problem(400, "metadata must be a JSON object")
    return body, None


async def already_answered(request: Request, sender: str, request_id: str
                           ) -> list[dict[str, Any]] | None:
    """The reply already given to this request, if a replica saved it before dying.

    nginx names each client request (X-Request-ID) and keeps the name when it retries the
    request on another replica. A replica killed after saving the turn but before answering
    would otherwise have the message processed twice; here the retry answers from the
    saved turn instead.
    """
    agent = getattr(request.app.ctx, "agent", None)
    tracker = await agent.tracker_store.retrieve(sender) if agent else None
    if tracker is None:
        return None
    saved: list[BotUttered] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if saved is not None:
                break
            if (event.metadata or {}).get("request_id") == request_id:
                saved = []
        elif isinstance(event, BotUttered) and saved is not None:
            saved.append(event)
    if saved is None:
        return None
    collector = OneMessageCollector()  # splits and shapes them as the first answer did
    for bot in saved:
        await collector.send_response(sender, {"text": bot.text, **(bot.data or {})})
    return collector.messages


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class GuardedRestInput(RestInput):
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedRestInput:
        return cls()  # everything comes from the environment (Limits)

    def client_tag(self, request: Request) -> str:
        """A keyed hash of the client's address: stable, and not the address."""
        address = client_address(request, self.limits.trusted)
        return hmac.new(self.limits.address_key, address.encode(),
                        hashlib.sha256).hexdigest()[:32]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        senders, addresses, requests = shared_state(self.limits)
        bp = Blueprint(f"guarded_{self.name()}", __name__)

        @bp.listener("before_server_start")
        async def cap_body(app: Any, _loop: Any) -> None:
            cap_request_size(app)  # Rasa's API and every other route too

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return json_response({"status": "ok"})

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body, refused = parse(await read_body(request, MAX_BODY))
            if refused is not None:
                return refused
            assert body is not None
            wait = await senders.take(f"sender:{body['sender']}")
            if wait > 0:
                return problem(429, "too many messages from this sender; slow down",
                               **{"Retry-After": str(math.ceil(wait))})
            client = self.client_tag(request)
            # A loopback peer is this machine (a local tool, or a proxy not named in
            # TRUSTED_PROXIES): no one client's address, so only the sender limit applies.
            local = is_loopback(client_address(request, self.limits.trusted))
            wait = 0.0 if local else await addresses.take(f"address:{client}")
            if wait > 0:
                return problem(429, "too many messages from this address; slow down",
                               **{"Retry-After": str(math.ceil(wait))})
            metadata = {k: v for k, v in (body.get("metadata") or {}).items()
                        if k not in RESERVED_METADATA}
            metadata["client"] = client
            request_id = request.headers.get("x-request-id")
            if request_id:
                request_id = request_id[:64]
                if await requests.is_retry(request_id):
                    replay = await already_answered(request, body["sender"], request_id)
                    if replay is not None:
                        return json_response(replay)
                metadata["request_id"] = request_id
            collector = OneMessageCollector()
            try:
                await on_new_message(UserMessage(
                    body["message"], collector, body["sender"],
                    input_channel=self.name(), metadata=metadata))
            except asyncio.CancelledError:
                log.error("rest: message handling timed out")
            except Exception as exc:  # noqa: BLE001 - answer what we have, log no text
                log.error("rest: message handling failed: %s", type(exc).__name__)
            return json_response(collector.messages)

        return bp
