"""The action server in front of the actions: its token, its limits, and what it says (and
logs) when an action fails. Real HTTP to the real server, started here on a free port with
one extra action that always fails, so the failure path is exercised on purpose."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Action
from sanic import Sanic
from support import declared_oversize, free_port, serving

from runtime import action_server

TOKEN = uuid.uuid4().hex
SECRET = "4HX2PD"  # a private code the conversation holds


class ActionThatFails(Action):
    def name(self) -> str:
        return "action_test_fails"

    async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list:
        raise ValueError(f"could not handle {tracker.latest_message['text']}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    app: Sanic = action_server.create_app(TOKEN, name=f"actions_test_{uuid.uuid4().hex[:8]}")
    with serving(app, port):
        yield f"http://127.0.0.1:{port}"


def post(url: str, body: bytes, token: str | None = TOKEN,
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, body, all_headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def call(action: str) -> bytes:
    return json.dumps({"next_action": action, "sender_id": "s", "version": "3.6.21",
                       "domain": {},
                       "tracker": {"sender_id": "s", "slots": {"status_code": SECRET},
                                   "events": [{"event": "user", "text": f"code {SECRET}"}],
                                   "latest_message": {"text": f"my code is {SECRET}"}}}
                      ).encode()


def test_only_callers_with_the_token_run_actions(server: str) -> None:
    assert post(f"{server}/webhook", call("action_fallback"), token=None)[0] == 401
    assert post(f"{server}/webhook", call("action_fallback"), token="wrong")[0] == 401
    status, body = post(f"{server}/webhook", call("action_fallback"))
    assert status == 200 and body["responses"][0]["text"]


def test_a_failing_action_says_and_logs_nothing_of_the_conversation(
        server: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        status, body = post(f"{server}/webhook", call("action_test_fails"))
    assert (status, body) == (500, {"error": "action failed",
                                    "action_name": "action_test_fails"})
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "action_test_fails failed: ValueError at test_action_server.py:" in logged
    assert SECRET not in logged


def test_bodies_are_bounded_before_and_after_inflating(server: str) -> None:
    status, seconds = declared_oversize(f"{server}/webhook",
                                        declared=action_server.MAX_BODY + 1,
                                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 413 and seconds < 5
    bomb = zlib.compress(b"[" + b" " * (action_server.MAX_BODY + 1) + b"]")
    assert len(bomb) < 100_000
    status, _ = post(f"{server}/webhook", bomb, headers={"Content-Encoding": "deflate"})
    assert status == 400
