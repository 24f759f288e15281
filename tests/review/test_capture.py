"""Capture through the real stack: REST conversations and widget ratings land in the review
tables of the stack's own SQLite file, redacted, and no message text reaches any log.

The stack is the session's shared one (other tests talk to it too), so every check here
looks only at this test's senders, found by their salted hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from support import Servers, post

pytestmark = pytest.mark.conversation


def hashed(servers: Servers, sender: str) -> str:
    salt = bytes.fromhex((servers.var_dir / "review_salt").read_text().strip())
    return hmac.new(salt, sender.encode(), hashlib.sha256).hexdigest()


def turns(servers: Servers, sender: str, expected: int, timeout: float = 15) -> list[dict]:
    """The sender's rows, once the background writer has stored `expected` of them."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(servers.var_dir / "applications.db") as db:
            db.row_factory = sqlite3.Row
            found = [dict(r) for r in db.execute(
                "SELECT * FROM review_turns WHERE sender_hash = ? ORDER BY id",
                (hashed(servers, sender),))]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def feedback(servers: Servers, body: bytes | dict, address: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"{servers.web_url}/feedback", data, {
        "Content-Type": "application/json",
        # the stack trusts loopback as a proxy: each test names its own client address
        "X-Forwarded-For": address or f"198.51.100.{uuid.uuid4().int % 250 + 1}",
        **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_every_turn_is_counted_and_only_unserved_ones_keep_their_text(
        servers: Servers, rest_url: str) -> None:
    sender, other = (f"web-capture-{uuid.uuid4().hex[:8]}" for _ in range(2))
    post(rest_url, sender, "电子口岸IC卡解锁要带什么材料")
    post(rest_url, other, "帮我订一张去上海的机票，电话13812345678")
    (answered,) = turns(servers, sender, 1)
    (refused,) = turns(servers, other, 1)
    assert answered["kind"] == "answer" and refused["kind"] == "out_of_scope", refused
    assert answered["text"] is None and answered["reason"] is None
    assert answered["procedure_id"] == "eport_unlock" and answered["facet"] == "materials"
    assert answered["channel"] == "rest" and answered["lang"] == "zh-Hans"
    assert answered["intent"] and answered["confidence"] > 0
    assert refused["reason"] == "out_of_scope"
    assert refused["text"] == "帮我订一张去上海的机票，电话<PHONE>"


def test_an_abandoned_clarification_is_kept_for_review(servers: Servers, rest_url: str
                                                       ) -> None:
    sender = f"web-capture-{uuid.uuid4().hex[:8]}"
    post(rest_url, sender, "要带什么材料")  # which key? a question back
    post(rest_url, sender, "谢谢")  # and the user moves on
    rows = turns(servers, sender, 2)
    assert [r["kind"] for r in rows] == ["clarify", "chitchat"], rows
    assert rows[0]["reason"] == "clarification_abandoned" and rows[0]["text"] == "要带什么材料"


def test_a_clarification_answered_by_its_button_is_not(servers: Servers, rest_url: str) -> None:
    sender = f"web-capture-{uuid.uuid4().hex[:8]}"
    reply = post(rest_url, sender, "要带什么材料")
    payload = reply[-1]["buttons"][0]["payload"]
    post(rest_url, sender, payload)
    rows = turns(servers, sender, 2)
    assert [r["reason"] for r in rows] == [None, None] and [r["text"] for r in rows] == [None] * 2


def test_english_and_traditional_turns_say_their_language(servers: Servers, rest_url: str
                                                         ) -> None:
    sender = f"web-capture-{uuid.uuid4().hex[:8]}"
    post(rest_url, sender, "What do I need to unlock the MOFCOM e-key?")
    post(rest_url, sender, "電子口岸IC卡補辦要多久")
    assert [r["lang"] for r in turns(servers, sender, 2)] == ["en", "zh-Hant"]


def test_a_thumbs_down_from_the_widget_is_stored_redacted(servers: Servers) -> None:
    sender = f"web-capture-{uuid.uuid4().hex[:8]}"
    status, _ = feedback(servers, {"rating": "down", "sender": sender, "lang": "en",
                                   "question": "how long for EK-7K3Q9M?",
                                   "comment": "no date given, mail me at a.b@example.com"})
    assert status == 201
    (row,) = turns(servers, sender, 1)
    assert (row["kind"], row["rating"], row["reason"]) == ("feedback", -1, "not_helpful")
    assert row["text"] == "how long for <REF>?"
    assert row["comment"] == "no date given, mail me at <EMAIL>"


@pytest.mark.parametrize(("body", "status"), [
    (b"", 400), (b"not json", 400), (b"\xff\xfe\x00", 400), (b"[1, 2]", 400),
    (b'{"rating": "meh"}', 400), (b'{"rating": "down", "question": 5}', 400),
    (b'{"rating": "down", "sender": {"a": 1}}', 400),
    (b'{"rating": "down", "lang": "fr"}', 400),
    (json.dumps({"rating": "down", "comment": "x" * 501}).encode(), 413),
    (json.dumps({"rating": "down", "question": "x" * 2001}).encode(), 413),
    (json.dumps({"rating": "down", "question": "x" * 9000}).encode(), 413),
])
def test_malformed_or_oversized_feedback_gets_a_clear_4xx(servers: Servers, body: bytes,
                                                          status: int) -> None:
    got, answer = feedback(servers, body)
    assert got == status and answer.get("error"), answer


def test_hostile_feedback_is_stored_as_text_and_the_app_goes_on(servers: Servers) -> None:
    sender = f"web-capture-{uuid.uuid4().hex[:8]}"
    for question in ('<img src=x onerror="alert(1)">', "'; DROP TABLE review_turns; --",
                     "${jndi:ldap://x}", "🙂" * 300):
        assert feedback(servers, {"rating": "down", "question": question, "sender": sender})[0] \
            == 201
    texts = [r["text"] for r in turns(servers, sender, 4)]
    assert texts[:2] == ['<img src=x onerror="alert(1)">', "'; DROP TABLE review_turns; --"]
    with urllib.request.urlopen(f"{servers.web_url}/health", timeout=10) as resp:
        assert resp.status == 200


def test_a_declared_huge_body_is_refused_before_it_is_read(servers: Servers) -> None:
    from support import declared_oversize

    status, seconds = declared_oversize(f"{servers.web_url}/feedback")
    assert status == 413 and seconds < 5


def test_one_address_flooding_ratings_is_slowed_down(servers: Servers) -> None:
    address = "203.0.113.77"
    statuses = [feedback(servers, {"rating": "up"}, address)[0] for _ in range(30)]
    assert statuses[:20] == [201] * 20 and 429 in statuses[20:]
    assert feedback(servers, {"rating": "up"})[0] == 201  # another address is unaffected


def test_feedback_cors_answers_the_widget_origins_only(servers: Servers) -> None:
    origin = servers.web_url.replace("127.0.0.1", "localhost")
    for allowed, who in ((True, origin), (False, "https://evil.example")):
        req = urllib.request.Request(f"{servers.web_url}/feedback", method="OPTIONS", headers={
            "Origin": who, "Access-Control-Request-Method": "POST"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            granted = resp.headers.get("Access-Control-Allow-Origin")
        assert (granted == who) if allowed else granted is None


def test_no_message_text_reaches_any_log(servers: Servers, rest_url: str) -> None:
    sender = f"web-capture-{uuid.uuid4().hex[:8]}"
    secrets = ["今天上海的天气如何呢", "LOGCANARY please book me a flight",
               "ELECTRONICKEY canary of feedback"]
    post(rest_url, sender, secrets[0])
    post(rest_url, sender, secrets[1])
    feedback(servers, {"rating": "down", "question": secrets[2], "sender": sender,
                       "comment": "COMMENTCANARY"})
    assert len(turns(servers, sender, 3)) == 3
    logs: list[Path] = list((servers.var_dir / "logs").glob("*"))
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in [*secrets, "LOGCANARY", "COMMENTCANARY", "ELECTRONICKEY"]:
            assert secret not in text, f"{secret!r} in {path}"
