"""Shared fixtures: a freshly built knowledge database, and the real servers when needed.

Conversation tests talk to Rasa through the REST channel exactly as the website widget does;
the servers are started once per test session with the model `make test` trained.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import FakeWeChatAPI, Servers, free_port, post

from knowledge.loader import build
from knowledge.query import KnowledgeBase


@pytest.fixture(scope="session")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    build(url)
    return url


@pytest.fixture(scope="session")
def kb(kb_url: str) -> KnowledgeBase:
    return KnowledgeBase.load(kb_url)


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[FakeWeChatAPI]:
    """Where the stacks send WeChat pushes (customer-service messages) during the tests."""
    fake = FakeWeChatAPI()
    yield fake
    fake.close()


@contextmanager
def running_stack(var: Path, wechat_api: FakeWeChatAPI, replicas: int = 1,
                  **env: str) -> Iterator[Servers]:
    """The real action server, Rasa (REST channel, API behind a token) and the web app.

    Its databases live in `var` (or in DATABASE_URL when given), never in the developer's
    var/ directory.
    """
    from connectors.serve import MODEL_PATH, Stack

    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run the tests through `make test`")
    token, staff_token = uuid.uuid4().hex, uuid.uuid4().hex
    build(env.get("DATABASE_URL") or f"sqlite:///{var / 'knowledge.db'}")
    stack = Stack(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                  log_dir=var / "logs", replicas=replicas,
                  extra_env={"TRACKER_DB": str(var / "tracker.db"), "RASA_TOKEN": token,
                             "EKEY_VAR_DIR": str(var), "STAFF_TOKEN": staff_token,
                             # WeChat's and WeCom's published sample settings; the OA's
                             # pushes go to the local fake send API
                             "WECHAT_TOKEN": "spamtest", "WECHAT_APP_ID": "wx2c2769f8efd9abc2",
                             "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                             "WECHAT_APP_SECRET": "test-secret", "WECHAT_API_BASE": wechat_api.url,
                             "WECOM_TOKEN": "QDG6eK", "WECOM_CORP_ID": "wx5823bf96d3bd56c7",
                             "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                             **env})
    stack.start()
    try:
        yield Servers(f"http://127.0.0.1:{stack.rasa_port}", token,
                      f"http://127.0.0.1:{stack.web_port}", staff_token, var,
                      env.get("DATABASE_URL"), stack)
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def embedded_servers(tmp_path_factory: pytest.TempPathFactory,
                     wechat_api: FakeWeChatAPI) -> Iterator[Servers]:
    """The stack on its embedded defaults: SQLite everywhere, in-memory locks."""
    with running_stack(tmp_path_factory.mktemp("servers"), wechat_api) as servers:
        yield servers


@pytest.fixture(scope="session")
def production_servers(tmp_path_factory: pytest.TempPathFactory,
                       wechat_api: FakeWeChatAPI) -> Iterator[Servers]:
    """The same stack on real PostgreSQL (knowledge, applications, tracker) and Redis."""
    import services

    var = tmp_path_factory.mktemp("production")
    with services.postgres() as db_url, services.redis(var / "redis") as redis_url, \
            running_stack(var, wechat_api, DATABASE_URL=db_url, REDIS_URL=redis_url) as servers:
        yield servers


@pytest.fixture(scope="session")
def servers(embedded_servers: Servers) -> Servers:
    """The stack most tests talk to; tests/conversations also run on production_servers."""
    return embedded_servers


@pytest.fixture(scope="session")
def rest_url(servers: Servers) -> str:
    return f"{servers.rasa_url}/webhooks/rest/webhook"


@pytest.fixture(scope="session")
def rasa_api(servers: Servers) -> tuple[str, str]:
    return servers.rasa_url, servers.token


@pytest.fixture(scope="session")
def web_url(servers: Servers) -> str:
    """The web app (widget, demo page, staff console) of the running stack."""
    return servers.web_url


Chat = Callable[[str], list[dict]]


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
