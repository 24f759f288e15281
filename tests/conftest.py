"""Shared fixtures: a freshly built knowledge database, and the real servers when needed.

Conversation tests talk to Rasa through the REST channel exactly as the website widget does;
the servers are started once per test session with the model `make test` trained.

Two tiers. A test is in the `stack` tier when it needs the trained model or a service (the
Rasa stack, chromium, PostgreSQL, Redis, nginx): it uses one of STACK_FIXTURES, directly or
through another fixture, or is marked `conversation`. Every other test is the fast tier
(`make test-fast`, `pytest -m "not stack"`), which needs only `make setup kb`. The marks are
set here at collection, so a new test lands in the right tier without anyone remembering to
mark it; and a test of the fast tier that starts the stack or a service fails and says so
(`support.require_stack`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import support
from sanic import Sanic
from support import FakeWeChatAPI, Servers, post, running_stack

from knowledge.loader import build
from knowledge.query import KnowledgeBase

# Several Sanic apps start in this one process (the channel and action-server harnesses).
# Outside test mode Sanic 21.12 rewrites its HTTP methods at every app start, and the second
# rewrite fails (KeyError: 'send').
Sanic.test_mode = True

# The fixtures that start the stack or a browser. `servers` is listed itself because
# tests/conversations overrides it with one that asks for the stacks by name at run time
# (request.getfixturevalue), which a test's fixture closure does not show.
STACK_FIXTURES = frozenset({"embedded_servers", "production_servers", "servers", "browser"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (STACK_FIXTURES.intersection(getattr(item, "fixturenames", ()))
                or item.get_closest_marker("conversation")):
            item.add_marker(pytest.mark.stack)


@pytest.hookimpl(tryfirst=True)  # before the fixtures of the test are set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    support.stack_allowed = item.get_closest_marker("stack") is not None


@pytest.fixture(scope="session")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    build(url)
    return url


@pytest.fixture(scope="session")
def kb(kb_url: str) -> KnowledgeBase:
    return KnowledgeBase.load(kb_url)


@pytest.fixture(scope="session", autouse=True)
def review_capture_in_a_temporary_store(tmp_path_factory: pytest.TempPathFactory
                                        ) -> Iterator[None]:
    """Actions run in this process (tests/actions) record their turns somewhere private, not
    in the developer's var/applications.db; the stacks have their own var directories."""
    from actions import capture
    from review import store

    var = tmp_path_factory.mktemp("review")
    private = store.ReviewStore(f"sqlite:///{var / 'applications.db'}")
    private.migrate()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "VAR_DIR", var)
        patch.setattr(capture, "shared_review_store", lambda: private)
        store.review_salt.cache_clear()
        yield
    store.review_salt.cache_clear()


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[FakeWeChatAPI]:
    """Where the stacks send WeChat pushes (customer-service messages) during the tests."""
    fake = FakeWeChatAPI()
    yield fake
    fake.close()


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


# Function-scoped on purpose: `servers` is overridden (parametrized) in tests/conversations,
# and a session-scoped fixture on top of it would hand other tests a cached URL of the
# wrong stack.
@pytest.fixture
def rest_url(servers: Servers) -> str:
    return f"{servers.rasa_url}/webhooks/rest/webhook"


@pytest.fixture
def rasa_api(servers: Servers) -> tuple[str, str]:
    return servers.rasa_url, servers.token


@pytest.fixture
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
