"""Application tracking end to end: REST conversations, the staff API and the staff CLI.

A registration is a real form conversation; staff move the application on through the HTTP
API (or the CLI) of the same running stack; the applicant's next question shows the change.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from support import Servers, joined, post

from knowledge.text import detect_language

pytestmark = pytest.mark.conversation

REF = re.compile(r"EK-[0-9A-Z]{6}")


def new_chat(rest_url: str):  # noqa: ANN201 - a chat function like the `chat` fixture
    sender = f"track-{uuid.uuid4().hex[:10]}"
    return lambda text: joined(post(rest_url, sender, text))


def staff(servers: Servers, method: str, path: str, body: object = None,
          token: str | None = "default") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    token = servers.staff_token if token == "default" else token
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else (
        json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"{servers.web_url}/staff/api/applications{path}", data,
                                 headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def register(chat, procedure_payload: str, date_text: str, opener: str = "帮我跟踪我的申请"
             ) -> tuple[str, str, str]:
    """Run the registration form; the reply with the reference and code, and both."""
    chat(opener)
    chat(procedure_payload)
    reply = chat(date_text)
    ref = REF.search(reply)
    code = re.search(r"(?:验证码|驗證碼|Verification code)[:：]\s*([0-9A-Z]{6})", reply)
    assert ref and code, reply
    return reply, ref.group(0), code.group(1)


def test_register_in_chinese_gives_reference_code_and_expected_dates(rest_url: str) -> None:
    chat = new_chat(rest_url)
    first = chat("帮我跟踪我的申请")
    assert "解锁" in first and "补办" in first  # trackable procedures offered as buttons
    asked = chat('/inform{"procedure":"mofcom_unlock"}')
    assert "提交" in asked and "11月16日" in asked
    reply = chat("2026-11-16")
    # Monday 16 Nov: verification 2 working days -> 18 Nov; review and unlocking 5 -> 25 Nov
    assert "2026-11-18" in reply and "2026-11-25" in reply
    assert "参考号" in reply and "验证码" in reply and "商务部" in reply


def test_status_asks_reference_and_code_then_follows_staff_updates(
        rest_url: str, servers: Servers) -> None:
    _, ref, code = register(new_chat(rest_url), '/inform{"procedure":"mofcom_unlock"}',
                            "2026-11-16")
    chat = new_chat(rest_url)  # another conversation: must prove it knows the code
    assert "参考号" in chat("我的申请到哪一步了")
    assert "验证码" in chat(ref)
    status = chat(code)
    assert "已提交" in status and ref in status
    # 18 Nov has passed: the verification is overdue and the hotline is given
    assert "2026-11-18" in status and "010-58103599" in status

    remark = "营业执照复印件未加盖公章"
    code_, body = staff(servers, "POST", f"/{ref}/events",
                        {"stage": "verification_failed", "remark": remark, "actor": "王"})
    assert code_ == 201 and body["stage"] == "verification_failed"
    assert body["notified"] == "channel cannot push"  # REST cannot receive a push
    again = chat("进度怎么样了")  # same conversation: no second request for the code
    assert "验证码" not in again
    assert "核验未通过" in again and remark in again and "重新提交" in again

    code_, body = staff(servers, "POST", f"/{ref}/events", {"stage": "collected"})
    assert code_ == 400 and "allowed" in body["error"]


def test_ready_for_collection_lists_what_to_bring_in_english(
        rest_url: str, servers: Servers) -> None:
    chat = new_chat(rest_url)
    reply, ref, _ = register(chat, '/inform{"procedure":"mofcom_renewal"}',
                             "submitted on 2026-11-16", opener="track my application")
    assert detect_language(reply) == "en" and "Reference" in reply
    for stage in ("verification_passed", "review_passed", "key_sent", "ready_for_collection"):
        assert staff(servers, "POST", f"/{ref}/events", {"stage": stage})[0] == 201
    status = chat("what's my status?")  # registered here: no code asked again
    assert "Ready for collection" in status and "To collect, bring" in status
    assert detect_language(status) == "en"


@pytest.mark.parametrize("opener, code_prompt, stage", [
    ("what's my status?", "code", "Submitted"),
    ("我的申请到哪一步了", "验证码", "已提交"),
    ("我的申請到哪一步了", "驗證碼", "已提交"),
])
def test_status_form_survives_a_new_conversation_in_every_script(
        rest_url: str, opener: str, code_prompt: str, stage: str) -> None:
    """Asked in a conversation that did not register it, in each script, the form goes on
    through the reference and the code, whatever the classifier makes of a bare reference;
    words of the question ("STATUS") are never taken for the code."""
    _, ref, code = register(new_chat(rest_url), '/inform{"procedure":"mofcom_unlock"}',
                            "2026-11-16")
    chat = new_chat(rest_url)
    assert "EK-" in chat(opener)
    assert code_prompt in chat(ref)
    assert stage in chat(code)


def test_traditional_registration_replies_in_traditional(rest_url: str) -> None:
    chat = new_chat(rest_url)
    reply, _, _ = register(chat, '/inform{"procedure":"mofcom_reissue"}', "2026年11月16日",
                           opener="幫我追蹤我的申請")
    assert detect_language(reply) == "zh-Hant" and "參考號" in reply


def test_wrong_codes_are_refused_alike_and_lock_the_sender_out(rest_url: str) -> None:
    _, ref, code = register(new_chat(rest_url), '/inform{"procedure":"mofcom_reissue"}',
                            "2026-11-16")
    chat = new_chat(rest_url)
    chat("查一下申请进度")
    chat(ref)
    wrong_code = chat("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    chat("EK-ZZZZZZ" if ref != "EK-ZZZZZZ" else "EK-YYYYYY")
    wrong_ref = chat(code)
    assert wrong_code == wrong_ref and "不正确" in wrong_code and code not in wrong_code
    locked = ""
    for _ in range(3):
        chat(ref)
        locked = chat("WWWWWW" if code != "WWWWWW" else "XXXXXX")
    assert "暂停" in locked and "010-58103599" in locked
    chat("查一下申请进度")
    chat(ref)
    assert "已提交" not in chat(code)  # the right code is refused while locked out


def test_untrackable_procedure_is_declined_with_trackable_options(rest_url: str) -> None:
    chat = new_chat(rest_url)
    chat("帮我跟踪我的申请")
    reply = chat('/inform{"procedure":"eport_unlock"}')
    assert "不能跟踪" in reply and "电子钥匙" in reply
    assert "未登记" in chat("取消")


def test_staff_api_refuses_missing_wrong_and_malformed_requests(servers: Servers) -> None:
    assert staff(servers, "GET", "/EK-ZZZZZZ", token=None)[0] == 401
    assert staff(servers, "GET", "/EK-ZZZZZZ", token="wrong")[0] == 401
    assert staff(servers, "GET", "/EK-ZZZZZZ")[0] == 404
    assert staff(servers, "GET", "/%27%20OR%201%3D1%20--")[0] == 404
    assert staff(servers, "POST", "/EK-ZZZZZZ/events", b"{not json")[0] == 400
    assert staff(servers, "POST", "/EK-ZZZZZZ/events", {"stage": 3})[0] == 400
    assert staff(servers, "POST", "/EK-ZZZZZZ/events", b"x" * 20_000)[0] == 413


def test_staff_cli_update_is_seen_by_the_applicant(rest_url: str, servers: Servers) -> None:
    chat = new_chat(rest_url)
    _, ref, _ = register(chat, '/inform{"procedure":"mofcom_unlock"}', "2026-11-16")
    env = {**os.environ, "EKEY_VAR_DIR": str(servers.var_dir)}
    if servers.database_url:
        env["DATABASE_URL"] = servers.database_url
    done = subprocess.run([sys.executable, "-m", "tracking", "update", ref,
                           "verification_passed", "--by", "li"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stage"] == "verification_passed"
    assert "核验通过" in chat("我的申请到哪一步了")
