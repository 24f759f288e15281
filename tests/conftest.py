"""Shared fixtures: a freshly built knowledge database, and the real servers when needed.

Conversation tests talk to Rasa through the REST channel exactly as the website widget does;
the servers are started once per test session with the model `make test` trained.
"""

from __future__ import annotations

import json
import socket
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knowledge.loader import build
from knowledge.query import KnowledgeBase


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    build(url)
    return url


@pytest.fixture(scope="session")
def kb(kb_url: str) -> KnowledgeBase:
    return KnowledgeBase.load(kb_url)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The real action server and Rasa (REST channel, API behind a token); base URL, token."""
    from connectors.serve import MODEL_PATH, Stack

    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run the tests through `make test`")
    var = tmp_path_factory.mktemp("servers")
    token = uuid.uuid4().hex
    stack = Stack(rasa_port=free_port(), actions_port=free_port(), log_dir=var / "logs",
                  extra_env={"TRACKER_DB": str(var / "tracker.db"), "RASA_TOKEN": token})
    stack.start()
    try:
        yield f"http://127.0.0.1:{stack.rasa_port}", token
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def rest_url(servers: tuple[str, str]) -> str:
    return f"{servers[0]}/webhooks/rest/webhook"


@pytest.fixture(scope="session")
def rasa_api(servers: tuple[str, str]) -> tuple[str, str]:
    return servers


Chat = Callable[[str], list[dict]]


def post(url: str, sender: str, message: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read().decode() or "[]")


def joined(messages: list[dict]) -> str:
    """All text and button titles of one bot turn, as the chat widget shows them."""
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        parts += [b.get("title", "") for b in m.get("buttons") or []]
    return "\n".join(parts)


@pytest.fixture
def chat(rest_url: str) -> Chat:
    """A new conversation (fresh sender id): chat("...") returns the bot's messages."""
    sender = f"test-{uuid.uuid4().hex[:10]}"
    return lambda text: post(rest_url, sender, text)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of knowledge/data for tests that break it on purpose."""
    import shutil

    from knowledge.db import DATA_DIR

    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target
