"""The review inbox's staff API on the running web app: behind the staff token, no CORS,
no caching, and a clear 4xx for every malformed or hostile request."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from support import Servers

pytestmark = pytest.mark.conversation


def call(servers: Servers, path: str, body: bytes | dict | None = None,
         token: str | None = "staff", headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], dict]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{servers.web_url}/staff/api/review{path}", data,
                                 {"Content-Type": "application/json", **(headers or {})})
    if token == "staff":
        req.add_header("Authorization", f"Bearer {servers.staff_token}")
    elif token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, \
                json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, \
            json.loads(err.read() or b"{}")


@pytest.mark.parametrize(("path", "body"), [
    ("/inbox", None), ("/options", None), ("/charts", None), ("/export", b"{}"),
    ("/labels", {"ids": [1], "verdict": "ignore"}),
])
def test_every_review_route_needs_the_staff_token(servers: Servers, path: str,
                                                  body: bytes | dict | None) -> None:
    for token in (None, "wrong-" + servers.staff_token):
        status, headers, _ = call(servers, path, body, token=token,
                                  headers={"Origin": "https://evil.example"})
        assert status == 401 and headers["cache-control"] == "no-store"
        assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize("query", [
    "?status=deleted", "?lang=fr", "?reason=whatever", "?days=0", "?days=abc", "?days=99999",
    "?channel=%3Cscript%3E", "?channel=" + "x" * 100,
])
def test_bad_inbox_filters_get_400(servers: Servers, query: str) -> None:
    status, headers, body = call(servers, f"/inbox{query}")
    assert status == 400 and body["error"] and headers["cache-control"] == "no-store"


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[1]", b"\xff\xfe",
    {"ids": [], "verdict": "ignore"},
    {"ids": "1", "verdict": "ignore"},
    {"ids": [True], "verdict": "ignore"},
    {"ids": [1], "verdict": "drop table"},
    {"ids": [1], "verdict": "facet", "facet": "weather"},
    {"ids": [1], "verdict": "facet", "facet": "materials", "procedure": "'; DROP TABLE x; --"},
    {"ids": [1], "verdict": "facet", "facet": "materials", "key_type": "<b>card</b>"},
    {"ids": [1], "verdict": "facet", "facet": "materials", "key_type": "mofcom_ekey",
     "procedure": "eport_unlock"},
    {"ids": [1], "verdict": "missing_fact", "note": "   "},
    {"ids": [1], "verdict": "missing_fact", "note": "x" * 2001},
    {"ids": [1], "verdict": "ignore", "actor": ["wang"]},
])
def test_malformed_labels_get_400(servers: Servers, body: bytes | dict) -> None:
    status, _, answer = call(servers, "/labels", body)
    assert status == 400 and answer["error"], answer


def test_labelling_messages_that_do_not_exist_gets_404(servers: Servers) -> None:
    status, _, answer = call(servers, "/labels", {"ids": [10**9], "verdict": "ignore"})
    assert status == 404 and answer["error"]


def test_an_oversized_label_body_gets_413(servers: Servers) -> None:
    status, _, _ = call(servers, "/labels", {"ids": [1], "verdict": "ignore",
                                             "note": "x" * 70_000})
    assert status == 413


def test_a_group_is_found_labelled_and_leaves_the_open_inbox(servers: Servers) -> None:
    marker = "zq" + uuid.uuid4().hex[:6]  # no run of digits the redaction would mask
    rating = json.dumps({"rating": "down", "question": f"a poem about {marker} cats"})
    req = urllib.request.Request(f"{servers.web_url}/feedback", rating.encode(), {
        "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.250"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 201
    found: list = []
    for _ in range(50):
        _, _, answer = call(servers, f"/inbox?q={marker}")
        found = answer["groups"]
        if found:
            break
        time.sleep(0.2)  # the action server records in the background
    assert len(found) == 1 and marker in found[0]["text"], found
    status, _, _ = call(servers, "/labels", {"ids": found[0]["ids"], "verdict": "out_of_scope",
                                             "actor": "wang"})
    assert status == 201
    assert call(servers, f"/inbox?q={marker}")[2]["groups"] == []
    (labelled,) = call(servers, f"/inbox?status=labelled&q={marker}")[2]["groups"]
    assert labelled["label"]["verdict"] == "out_of_scope"
    assert labelled["label"]["actor"] == "staff:wang"


def test_the_label_options_come_from_the_knowledge_base(servers: Servers, kb) -> None:
    _, _, options = call(servers, "/options")
    assert {p["id"] for p in options["procedures"]} == set(kb.procedures)
    assert {k["id"] for k in options["key_types"]} == set(kb.key_types)
    assert "materials" in options["facets"] and "times" in options["facets"]
