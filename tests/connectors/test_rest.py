"""The REST channel's per-address limits, with limits small enough to reach in a test.

The channel is mounted as Rasa mounts it, in a small Sanic app on a real port, with a fake
Rasa that records what it is handed; requests are real HTTP. A test client is always on
loopback, so the harness trusts loopback as a proxy and names client addresses with
X-Forwarded-For, as nginx does in production; a second mount trusts nobody. The full stack's
REST behaviour is tested in tests/production.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic
from support import free_port, serving

from connectors.rest import GuardedRestInput, Limits

BURST = 5  # per address, in this harness


@dataclass
class FakeRasa:
    heard: list[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.heard.append(message)
        await message.output_channel.send_text_message(message.sender_id, "ok")


class UntrustingRest(GuardedRestInput):
    @classmethod
    def name(cls) -> str:
        return "rest_untrusting"


@pytest.fixture(scope="module")
def rest() -> Iterator[tuple[str, FakeRasa]]:
    env = {"RATE_LIMIT_ADDRESS_BURST": str(BURST), "RATE_LIMIT_ADDRESS_PER_SECOND": "0.01",
           "RASA_TOKEN": "harness"}
    channels = [GuardedRestInput(Limits({**env, "TRUSTED_PROXIES": "127.0.0.1"})),
                UntrustingRest(Limits(env))]
    port = free_port()
    app = Sanic(f"rest_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = FakeRasa()
    register(channels, app, route="/webhooks/")
    with serving(app, port):
        yield f"http://127.0.0.1:{port}/webhooks", app.ctx.agent


def send(url: str, sender: str, address: str | None = None, metadata: Any = None
         ) -> tuple[int, dict | list]:
    body: dict[str, Any] = {"sender": sender, "message": "你好"}
    if metadata is not None:
        body["metadata"] = metadata
    headers = {"Content-Type": "application/json"}
    if address:
        headers["X-Forwarded-For"] = address
    req = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_renaming_does_not_reset_the_address_rate_limit(rest: tuple[str, FakeRasa]) -> None:
    base, _ = rest
    url = f"{base}/rest/webhook"
    codes = [send(url, f"renamed-{i}-{uuid.uuid4().hex[:6]}", "203.0.113.5")[0]
             for i in range(BURST + 3)]
    assert codes == [200] * BURST + [429] * 3
    status, body = send(url, "yet-another-name", "203.0.113.5")
    assert status == 429 and "address" in body["error"]  # type: ignore[call-overload]
    assert send(url, "someone-else", "198.51.100.20")[0] == 200  # other clients go on


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(rest: tuple[str, FakeRasa]
                                                              ) -> None:
    base, rasa = rest
    url = f"{base}/rest_untrusting/webhook"
    # A client writing its own X-Forwarded-For is still its peer address: one client.
    rasa.heard.clear()
    for i in range(3):
        send(url, f"spoof-{i}", f"192.0.2.{i}")
    assert len({m.metadata["client"] for m in rasa.heard}) == 1


def test_a_loopback_peer_is_not_one_client(rest: tuple[str, FakeRasa]) -> None:
    """This machine (a local tool, an untrusted local proxy) names no client: the address
    limit would throttle everyone alike, so only the per-sender limit applies."""
    base, _ = rest
    url = f"{base}/rest_untrusting/webhook"
    codes = [send(url, f"local-{i}-{uuid.uuid4().hex[:6]}")[0] for i in range(BURST + 3)]
    assert codes == [200] * (BURST + 3)


def test_each_message_carries_a_keyed_hash_of_its_client_address(rest: tuple[str, FakeRasa]
                                                                ) -> None:
    base, rasa = rest
    url = f"{base}/rest/webhook"
    rasa.heard.clear()
    send(url, "tagged-1", "198.51.100.77", metadata={"client": "forged", "lang": "en"})
    send(url, "tagged-2", "198.51.100.77")
    send(url, "tagged-3", "198.51.100.78")
    tags = [m.metadata["client"] for m in rasa.heard]
    assert tags[0] == tags[1] != tags[2]
    assert "forged" not in tags and not any("198.51.100" in t for t in tags)
    assert rasa.heard[0].metadata["lang"] == "en"  # the client's other metadata is kept
