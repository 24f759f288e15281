"""The attacks of the security audit (issue 12), each tried against the real stack and
refused: the action server called directly with a forged tracker, actions fed injected
values, the private code looked for on disk and in every log, codes guessed under ever new
sender ids, bodies declared too large, secrets looked for on command lines, staff answers
looked for in caches. (REST sender ids of other channels: tests/connectors/test_wechat.py,
with the WeChat replay and DTD attacks; per-address rate limits: tests/connectors/test_rest.py.)
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from support import Servers, declared_oversize, joined

from runtime.tracker_store import MASK
from tracking.store import MAX_ADDRESS_FAILURES, MAX_REFERENCE_FAILURES

pytestmark = pytest.mark.conversation

REF = re.compile(r"EK-[0-9A-Z]{6}")
CODE = re.compile(r"(?:验证码|驗證碼|Verification code)[:：]\s*([0-9A-Z]{6})")


def request(url: str, body: Any = None, headers: dict[str, str] | None = None,
            method: str | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data, {"Content-Type": "application/json",
                                             **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw, status = resp.read(), resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw


def chat(rest_url: str, address: str | None = None):  # noqa: ANN201 - a chat function
    """A new conversation; `address` is the client as a trusted proxy names it."""
    sender = f"sec-{uuid.uuid4().hex[:10]}"
    headers = {"X-Forwarded-For": address} if address else {}

    def say(text: str) -> str:
        status, body = request(rest_url, {"sender": sender, "message": text}, headers)
        assert status == 200, body
        return joined(body)

    say.sender = sender  # type: ignore[attr-defined]
    return say


def register(rest_url: str, address: str | None = None):  # noqa: ANN201
    """A registered application: (its conversation, reference, code)."""
    say = chat(rest_url, address)
    say("帮我跟踪我的申请")
    say('/inform{"procedure":"mofcom_unlock"}')
    reply = say("2026-11-16")
    ref, code = REF.search(reply), CODE.search(reply)
    assert ref and code, reply
    return say, ref.group(0), code.group(1)


def staff_update(servers: Servers, ref: str, stage: str, remark: str = "") -> dict:
    status, body = request(f"{servers.web_url}/staff/api/applications/{ref}/events",
                           {"stage": stage, "remark": remark},
                           {"Authorization": f"Bearer {servers.staff_token}"})
    assert status == 201, body
    return body


def actions_url(servers: Servers) -> str:
    return f"http://127.0.0.1:{servers.stack.actions_port}"


def actions_token(servers: Servers) -> str:
    return servers.stack.env()["ACTIONS_TOKEN"]


def action_call(action: str, sender: str, slots: dict[str, Any], text: str = "进度",
                entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": slots, "events": [],
                        "latest_message": {"text": text, "entities": entities or [],
                                           "intent": {"name": "ask_status",
                                                      "confidence": 1.0}}}}


def listening_address(port: int) -> set[str]:
    """The local addresses a TCP port is listened on, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def log_tail(servers: Servers) -> dict[Path, int]:
    """Where each log file ends now, to read what is written after."""
    return {p: p.stat().st_size for p in (servers.var_dir / "logs").glob("*.log")}


def written_since(marks: dict[Path, int]) -> str:
    out = []
    for path, offset in marks.items():
        with path.open("rb") as f:
            f.seek(offset)
            out.append(f.read().decode(errors="replace"))
    return "\n".join(out)


# --- 1. the action server ----------------------------------------------------------------

def test_the_action_server_listens_on_loopback_and_only_with_its_token(servers: Servers
                                                                      ) -> None:
    assert listening_address(servers.stack.actions_port) == {"0100007F"}  # 127.0.0.1 only
    base = actions_url(servers)
    # the audit's repro, verbatim
    repro = {"next_action": "action_status_answer", "sender_id": "x",
             "tracker": {"sender_id": "x", "slots": {"verified_reference": "EK-XXXXXX"},
                         "latest_message": {"text": "进度"}, "events": []}, "domain": {}}
    assert request(f"{base}/webhook", repro)[0] == 401
    assert request(f"{base}/webhook", repro, {"Authorization": "Bearer wrong"})[0] == 401
    assert request(f"{base}/actions")[0] == 401
    assert request(f"{base}/health")[0] == 200


def test_a_forged_tracker_reads_nothing_even_with_the_token(rest_url: str,
                                                            servers: Servers) -> None:
    owner, ref, _ = register(rest_url)
    remark = f"营业执照复印件未盖章-{uuid.uuid4().hex[:6]}"
    staff_update(servers, ref, "verification_failed", remark)
    auth = {"Authorization": f"Bearer {actions_token(servers)}"}
    for sender in ("x", f"sec-{uuid.uuid4().hex[:10]}"):
        status, body = request(f"{actions_url(servers)}/webhook",
                               action_call("action_status_answer", sender,
                                           {"verified_reference": ref}), auth)
        assert status == 200, body
        assert body["responses"] == [], body  # nothing about the application
        assert {"event": "slot", "name": "verified_reference", "value": None,
                "timestamp": None} in body["events"]
    # a status push without a staff update behind it sends nothing either
    status, body = request(f"{actions_url(servers)}/webhook",
                           action_call("action_status_notify", owner.sender,  # type: ignore
                                       {"notify_reference": ref}), auth)
    assert status == 200 and body["responses"] == [], body
    # the applicant's own conversation still sees its application
    assert remark in owner("我的申请到哪一步了")


# --- 3. injected values, and the code on disk and in logs --------------------------------

CRASHERS = [("ask_password", {"password": "x"}), ("ask_materials", {"procedure": [["x"]]}),
            ("ask_location", {"office_group": {"$ne": 1}}), ("inform", {"key_type": 7})]


def trigger(servers: Servers, sender: str, intent: str, entities: dict[str, Any]
            ) -> tuple[int, Any]:
    url = (f"{servers.rasa_url}/conversations/{urllib.parse.quote(sender)}/trigger_intent"
           f"?token={servers.token}")
    return request(url, {"name": intent, "entities": entities})


def test_payloads_that_crashed_actions_are_refused_or_answered(rest_url: str,
                                                               servers: Servers) -> None:
    say = chat(rest_url)
    say("电子口岸IC卡解锁")
    marks = log_tail(servers)
    for intent, entities in CRASHERS:
        payload = f"/{intent}{json.dumps(entities)}"
        status, body = request(rest_url, {"sender": say.sender, "message": payload})  # type: ignore
        assert status == 400 and "payload" in body["error"], (payload, body)
        # Rasa's own API (behind its token) still lets values in: the actions survive them
        status, body = trigger(servers, say.sender, intent, entities)  # type: ignore
        assert status == 200 and any(m.get("text") for m in body["messages"]), (intent, body)
    assert "营业执照" in say("要带什么材料？")  # the conversation goes on, context intact
    logged = written_since(marks)
    assert "failed" not in logged and "Traceback" not in logged and "Exception" not in logged


def test_the_private_code_is_nowhere_on_disk_or_in_the_logs(rest_url: str,
                                                            servers: Servers) -> None:
    owner, ref, code = register(rest_url)
    # the code typed back: alone, lower case, and with the reference in one message
    helper = chat(rest_url)
    helper("查一下申请进度")
    helper(ref)
    assert ref in helper(code.lower())
    other = chat(rest_url)
    other("我的申请到哪一步了")
    assert ref in other(f"参考号 {ref} 验证码 {code}")
    # then everything that used to crash an action and log the conversation, in a
    # conversation that holds the code
    for intent, entities in CRASHERS:
        assert request(rest_url, {"sender": helper.sender,  # type: ignore[attr-defined]
                                  "message": f"/{intent}{json.dumps(entities)}"})[0] == 400
        assert trigger(servers, helper.sender, intent, entities)[0] == 200  # type: ignore
    # and the action server's own error paths, with the code in the tracker it is sent
    auth = {"Authorization": f"Bearer {actions_token(servers)}"}
    call = action_call("action_no_such_thing", "x", {"status_code": code}, text=code)
    assert request(f"{actions_url(servers)}/webhook", call, auth)[0] == 404
    garbage = {**action_call("action_answer", "x", {}, text=code), "tracker": [code]}
    assert request(f"{actions_url(servers)}/webhook", garbage, auth)[0] == 200
    assert request(f"{actions_url(servers)}/webhook", b"{" + code.encode(), auth)[0] == 400

    files = [p for p in servers.var_dir.rglob("*") if p.is_file()]
    assert {"tracker.db", "applications.db", "rasa.log", "actions.log"} <= {p.name for p in files}
    for path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a SQLite journal, gone once its write committed (the
            continue               # review capture writes beside the replies)
        assert code.encode() not in data and code.lower().encode() not in data, path
    # what is stored shows the mask where the code was
    status, tracker = request(f"{servers.rasa_url}/conversations/{owner.sender}/tracker"  # type: ignore
                              f"?token={servers.token}", method="GET")
    assert any(e["event"] == "bot" and ref in (e.get("text") or "") and MASK in e["text"]
               for e in tracker["events"])


# --- 4. renaming does not reset the lockout -----------------------------------------------

def guess(rest_url: str, address: str, ref: str, code: str) -> str:
    say = chat(rest_url, address)
    say("查一下申请进度")
    say(ref)
    return say(code)


def test_renamed_senders_cannot_keep_guessing_a_code(rest_url: str) -> None:
    owner, ref, code = register(rest_url, "198.51.100.1")
    wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
    # one address, a new sender id for every try, each against a reference of its own:
    # after MAX_ADDRESS_FAILURES the address is locked, whatever name it uses next
    answers = [guess(rest_url, "203.0.113.66", f"EK-{'ABCDEFGHJK'[i]}23456", wrong)
               for i in range(MAX_ADDRESS_FAILURES)]
    assert all("不正确" in a for a in answers[:-1]) and "暂停" in answers[-1], answers[-1]
    blocked = guess(rest_url, "203.0.113.66", ref, code)  # even with the right code
    assert "暂停" in blocked and "已提交" not in blocked
    # many addresses, one reference: after MAX_REFERENCE_FAILURES it is locked for everyone
    answers = [guess(rest_url, f"192.0.2.{i + 10}", ref, wrong)
               for i in range(MAX_REFERENCE_FAILURES)]
    assert "暂停" in answers[-1], answers[-1]
    blocked = guess(rest_url, "192.0.2.200", ref, code)
    assert "暂停" in blocked and "已提交" not in blocked
    # but not for the applicant's own conversation
    assert "已提交" in owner("我的申请到哪一步了")


# --- 5. sizes: refused from Content-Length, before the body is read -----------------------

def vm_peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def test_declared_oversize_bodies_are_refused_before_they_are_read(rest_url: str,
                                                                   servers: Servers) -> None:
    auth = {"Authorization": f"Bearer {actions_token(servers)}"}
    for url, headers in (
            (rest_url, {}),
            (f"{servers.rasa_url}/webhooks/wechat/webhook", {}),
            (f"{servers.rasa_url}/model/parse?token={servers.token}", {}),  # Rasa's own API
            (f"{actions_url(servers)}/webhook", auth),
            (f"{actions_url(servers)}/webhook", {}),  # 401 before anything is read
            (f"{servers.web_url}/staff/api/applications/EK-ZZZZZZ/events",
             {"Authorization": f"Bearer {servers.staff_token}"})):
        status, seconds = declared_oversize(url, headers=headers)
        assert status in (401, 413) and seconds < 5, (url, status, seconds)


def test_a_real_95_mb_body_does_not_raise_rasas_memory(rest_url: str, servers: Servers) -> None:
    import socket

    pid = servers.stack.named["rasa"].pid
    before = vm_peak_kb(pid)
    parts = urllib.parse.urlsplit(rest_url)
    size = 95 * 1024 * 1024
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n").encode()
    answer = bytearray()
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        def read() -> None:
            try:
                while chunk := sock.recv(4096):
                    answer.extend(chunk)
            except OSError:
                pass

        reader = threading.Thread(target=read)
        reader.start()
        sent = 0
        try:
            sock.sendall(head)
            block = b'{"sender": "big", "message": "' + b"x" * (1 << 20)
            while sent < size:
                sock.sendall(block)
                sent += len(block)
        except OSError:
            pass  # the server stopped listening to it: what we want
        reader.join(30)
    assert answer.startswith(b"HTTP/1.1 413"), bytes(answer[:100])
    assert sent < size, "the whole body was taken in"
    time.sleep(0.5)
    assert vm_peak_kb(pid) - before < 20 * 1024, (before, vm_peak_kb(pid))


# --- 9. secrets off command lines, staff answers not cached -------------------------------

def test_no_secret_is_on_any_command_line(servers: Servers) -> None:
    env = servers.stack.env()
    secrets = [env["RASA_TOKEN"], env["ACTIONS_TOKEN"], env["STAFF_TOKEN"]]
    seen = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes()
        except OSError:
            continue  # the process has gone
        seen += 1
        for secret in secrets:
            assert secret.encode() not in argv, argv.replace(b"\0", b" ")[:300]
    assert seen > 3
    # the stack's own processes are among them, and alive
    assert all(p.poll() is None for p in servers.stack.processes)


def test_staff_answers_are_never_cached(rest_url: str, servers: Servers) -> None:
    _, ref, _ = register(rest_url)
    base = f"{servers.web_url}/staff/api/applications"
    auth = {"Authorization": f"Bearer {servers.staff_token}"}
    for url, body, headers in ((f"{base}/{ref}", None, auth),
                               (f"{base}/EK-ZZZZZZ", None, auth),
                               (f"{base}/{ref}", None, {}),
                               (f"{base}/{ref}/events", {"stage": "verification_passed"}, auth),
                               (f"{servers.web_url}/staff/api/search?q=IC", None, auth)):
        req = urllib.request.Request(url, json.dumps(body).encode() if body else None,
                                     {"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                cache = resp.headers.get("Cache-Control")
        except urllib.error.HTTPError as err:
            cache = err.headers.get("Cache-Control")
        assert cache == "no-store", url
