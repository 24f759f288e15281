"""Helpers the tests share (imported as `support`; conftest modules hold only fixtures)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from knowledge.loader import build
from runtime.serve import free_port as free_port  # re-exported for the tests

# Whether the running test is in the stack tier, set by tests/conftest.py before each test;
# None outside pytest (make bench), where starting servers is the point.
stack_allowed: bool | None = None


def require_stack(what: str) -> None:
    """Fail a fast-tier test that starts `what`: it belongs to the stack tier."""
    if stack_allowed is False:
        import pytest

        pytest.fail(f"{what} is for the stack tier, and this test is not marked `stack`: "
                    "use a fixture of tests/conftest.py STACK_FIXTURES, or mark it "
                    "`conversation`")


class Servers(NamedTuple):
    """Where the real stack listens: Rasa's base URL, its API token, the web app's base URL."""

    rasa_url: str
    token: str
    web_url: str
    staff_token: str
    var_dir: Path
    database_url: str | None = None  # PostgreSQL, when the stack runs on it
    stack: Any = None  # the runtime.serve.Stack, for tests that stop or kill a part


def post(url: str, sender: str, message: str, timeout: float = 60) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode() or "[]")


def joined(messages: list[dict]) -> str:
    """All text and button titles of one bot turn, as the chat widget shows them."""
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        parts += [b.get("title", "") for b in m.get("buttons") or []]
    return "\n".join(parts)


def declared_oversize(url: str, declared: int = 90 * 1024 * 1024, sent: int = 1024,
                      headers: dict[str, str] | None = None) -> tuple[int, float]:
    """POST to `url` declaring a `declared`-byte body but sending only `sent` bytes of it.

    Returns the status the server answered with and how long that took: a server that waits
    for the whole body before refusing it never answers (the socket times out: status 0).
    """
    import socket
    import time
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    head = [f"POST {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1",
            f"Host: {parts.hostname}:{parts.port}", "Content-Type: application/json",
            f"Content-Length: {declared}",
            *(f"{k}: {v}" for k, v in (headers or {}).items()), "", ""]
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall("\r\n".join(head).encode() + b"x" * sent)
        try:
            answer = sock.recv(4096)
        except TimeoutError:
            return 0, time.monotonic() - started
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, time.monotonic() - started


class FakeWeChatAPI:
    """WeChat's token and customer-service send endpoints on loopback, recording each send.

    The stack under test is pointed at it (WECHAT_API_BASE), so pushes the assistant makes,
    such as application status updates, can be checked without reaching Tencent.
    """

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        sent = self.sent = []

        class Handler(BaseHTTPRequestHandler):
            def _json(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                self._json({"access_token": "fake-token", "expires_in": 7200})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                sent.append((self.path.split("?")[0], json.loads(self.rfile.read(length))))
                self._json({"errcode": 0, "errmsg": "ok"})

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@contextmanager
def running_stack(var: Path, wechat_api: FakeWeChatAPI, replicas: int = 1,
                  **env: str) -> Iterator[Servers]:
    """The real action server, Rasa (REST channel, API behind a token) and the web app.

    Its databases live in `var` (or in DATABASE_URL when given), never in the developer's
    var/ directory.
    """
    from runtime.serve import MODEL_PATH, Stack

    require_stack("the Rasa stack")
    if not MODEL_PATH.exists():
        import pytest

        pytest.fail("no trained model: run the tests through `make test`")
    token, staff_token = uuid.uuid4().hex, uuid.uuid4().hex
    build(env.get("DATABASE_URL") or f"sqlite:///{var / 'knowledge.db'}")
    stack = Stack(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                  log_dir=var / "logs", replicas=replicas,
                  extra_env={"TRACKER_DB": str(var / "tracker.db"), "RASA_TOKEN": token,
                             "ACTIONS_TOKEN": uuid.uuid4().hex,
                             "EKEY_VAR_DIR": str(var), "STAFF_TOKEN": staff_token,
                             # Every test client is on loopback: the tests name their
                             # client addresses through a "proxy" on loopback instead, and
                             # one address may send as much as the whole suite does.
                             "TRUSTED_PROXIES": "127.0.0.1",
                             "RATE_LIMIT_ADDRESS_BURST": "100000",
                             "RATE_LIMIT_ADDRESS_PER_SECOND": "100000",
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


@contextmanager
def serving(app: Any, port: int) -> Iterator[None]:
    """Run a Sanic app on loopback in a thread for an in-process harness; stop it after.

    Rasa's channels and our action server are Sanic apps: serving them for real (HTTP,
    streaming bodies, Content-Length) tests what a mocked request could not.
    """
    import asyncio
    import threading
    import time

    loops: list[asyncio.AbstractEventLoop] = []
    app.after_server_start(lambda _app, loop: loops.append(loop))
    thread = threading.Thread(target=lambda: app.run(
        host="127.0.0.1", port=port, register_sys_signals=False, access_log=False, motd=False),
        daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not loops and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loops, f"the test server {app.name} did not start"
    try:
        yield
    finally:
        loops[0].call_soon_threadsafe(loops[0].stop)
        thread.join(10)


def edit(path: Path, change: Any) -> None:
    """Change a copy of a knowledge data file in place, as a careless edit would."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems(data_dir: Path) -> str:
    """What the loader's validation refuses in a data directory (it must refuse something)."""
    import pytest

    from knowledge.loader import KnowledgeError, read_dataset, validate

    with pytest.raises(KnowledgeError) as err:
        validate(read_dataset(data_dir))
    return str(err.value)
