"""The review loop end to end, in real Chromium against a stack of its own.

A scripted day of traffic: 30 messages in three scripts (10 Simplified, four of them over
WeChat; 10 Traditional; 10 English, three typed into the widget on the demo page and rated
there with 👍/👎), some out of scope, one clarification abandoned. Then staff open the console,
see the near-duplicate groups (Simplified and Traditional weather questions together, the 👎
with its comment, redacted), filter them, label four groups, export the NLU YAML (which
`rasa data validate` accepts) and look at the charts, whose numbers are read back from the
SVG. Screenshots go to var/reports/screenshots/ and their paths are printed.

The stack is this module's own (not the session's shared one), so every count is exact.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import xmltodict
from playwright.sync_api import Browser, Page, expect
from support import FakeWeChatAPI, Servers, post, running_stack
from wechatpy.crypto import WeChatCrypto

from knowledge.db import PROJECT_ROOT

pytestmark = pytest.mark.conversation

TIMEOUT_MS = 60_000
SCREENSHOTS = PROJECT_ROOT / "var" / "reports" / "screenshots"
# The stack's WeChat Official Account settings (tests/support.py: WeChat's published sample).
OA_TOKEN, OA_AES_KEY, OA_APP_ID = ("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                   "wx2c2769f8efd9abc2")

SIMPLIFIED_REST = ["电子口岸IC卡补办要多久", "明天北京天气怎么样", "北京今天天气怎么样啊",
                   "公司名称变更了怎么办"]
SIMPLIFIED_WECHAT = ["电子钥匙解锁要带什么材料", "今天北京天气怎么样", "帮我订一张去上海的机票",
                     "公司改名了怎么办"]
SIMPLIFIED_ABANDONED = ["要带什么材料", "谢谢"]  # a question back, and the user moves on
TRADITIONAL = ["電子口岸IC卡補辦要多久", "電子鑰匙解鎖要帶什麼材料", "今天北京天氣怎麼樣",
               "明天北京天氣怎麼樣", "幫我訂一張去台北的機票", "公司改名了怎麼辦",
               "商務部電子鑰匙在哪裡辦", "電子口岸卡密碼忘了怎麼辦", "你們幾點下班", "推薦一家餐廳"]
ENGLISH_REST = ["What do I need to unlock the MOFCOM e-key?",
                "what's the weather like in Beijing today",
                "what is the weather in Beijing tomorrow", "can you book me a flight to Shanghai",
                "book a flight to Shanghai for me", "our company changed its name, what now",
                "recommend a good restaurant"]
# Typed into the widget, then rated: (message, rating, comment)
ENGLISH_WIDGET = [("How long does replacing an e-port card take?", "down",
                   "I need a date for EK-7K3Q9M, call me on 13812345678"),
                  ("where do I apply for the MOFCOM e-key", "up", ""),
                  ("what is the capital of France", "down", "")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, wechat_api: FakeWeChatAPI
          ) -> Iterator[Servers]:
    with running_stack(tmp_path_factory.mktemp("review"), wechat_api) as servers:
        yield servers


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"review_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def wechat(servers: Servers, openid: str, text: str) -> int:
    """One text message to the Official Account webhook, sealed as WeChat seals it."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    plain = (f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
             f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
             f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
             f"<Content><![CDATA[{text}]]></Content><MsgId>{uuid.uuid4().int % 10**15}</MsgId>"
             "</xml>")
    sealed = xmltodict.parse(WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APP_ID)
                             .encrypt_message(plain, nonce, timestamp))["xml"]
    body = (f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
            f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
    import hashlib

    signature = hashlib.sha1("".join(sorted([OA_TOKEN, timestamp, nonce])).encode()).hexdigest()
    query = urllib.parse.urlencode({
        "signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": openid,
        "encrypt_type": "aes", "msg_signature": sealed["MsgSignature"]})
    req = urllib.request.Request(f"{servers.rasa_url}/webhooks/wechat/webhook?{query}",
                                 body.encode())
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status


def message_rows(servers: Servers, expected: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(servers.var_dir / "applications.db") as db:
            db.row_factory = sqlite3.Row
            rows = [dict(r) for r in db.execute("SELECT * FROM review_turns ORDER BY id")]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def widget_conversation(browser: Browser, servers: Servers) -> None:
    """The English visitor on the demo page: three questions, each rated under its answer."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(servers.web_url + "/")
    page.locator('#ekey-widget button.lang[data-lang="en"]').click()  # the visitor's choice
    bot = "#ekey-widget .msg.bot:not(.welcome):not(.typing)"
    for i, (text, rating, comment) in enumerate(ENGLISH_WIDGET):
        before = page.locator(bot).count()
        page.locator("#ekey-widget .input").fill(text)
        page.locator("#ekey-widget .input").press("Enter")
        expect(page.locator(bot).nth(before)).to_be_visible()
        expect(page.locator("#ekey-widget .typing")).to_be_hidden()
        bar = page.locator("#ekey-widget .ekey-feedback").nth(i)
        expect(bar, f"no 👍/👎 under the answer; page errors: {errors}").to_be_visible()
        if i == 0:
            shot(page, "widget_thumbs")
        if rating == "up":
            bar.locator(".ekey-feedback-up").click()
        else:
            bar.locator(".ekey-feedback-down").click()
            bar.locator(".ekey-feedback-comment").fill(comment)
            if i == 0:
                shot(page, "widget_comment")
            bar.locator(".ekey-feedback-send").click()
        expect(bar.locator(".ekey-feedback-done")).to_have_text("Thank you for your feedback")
    shot(page, "widget_rated")
    context.close()


def scripted_day(browser: Browser, servers: Servers) -> None:
    rest = f"{servers.rasa_url}/webhooks/rest/webhook"
    simplified = f"web-script-zh-{uuid.uuid4().hex[:6]}"
    for text in SIMPLIFIED_REST:
        post(rest, simplified, text)
    for i, text in enumerate(SIMPLIFIED_WECHAT):
        assert wechat(servers, f"oReviewScript{i:02d}", text) == 200
    abandoning = f"web-script-clarify-{uuid.uuid4().hex[:6]}"
    for text in SIMPLIFIED_ABANDONED:
        post(rest, abandoning, text)
    traditional = f"web-script-hant-{uuid.uuid4().hex[:6]}"
    for text in TRADITIONAL:
        post(rest, traditional, text)
    english = f"web-script-en-{uuid.uuid4().hex[:6]}"
    for text in ENGLISH_REST:
        post(rest, english, text)
    widget_conversation(browser, servers)


def api(servers: Servers, path: str) -> dict:
    req = urllib.request.Request(servers.web_url + path,
                                 headers={"Authorization": f"Bearer {servers.staff_token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def chart_counts(svg: str) -> Counter:
    """Series → total count over the days, read from the bars of one chart."""
    out: Counter = Counter()
    for series, count in re.findall(r'data-series="([^"]*)" data-count="(\d+)"', svg):
        out[series] += int(count)
    return out


def group(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("#inbox-groups .group").filter(has_text=text).first


def label(page: Page, text: str, verdict: str, **fields: str) -> None:
    g = group(page, text)
    form = g.locator(".label-form")
    form.locator(".verdict").select_option(verdict)
    if "facet" in fields:
        form.locator(".facet").select_option(fields["facet"])
    if "key_type" in fields:
        form.locator(".key-type").select_option(fields["key_type"])
    if "procedure" in fields:
        form.locator(".procedure").select_option(fields["procedure"])
    if "note" in fields:
        form.locator(".note").fill(fields["note"])
    form.locator(".save").click()
    expect(page.locator("#inbox-groups .group").filter(has_text=text)).to_have_count(0)


def test_a_scripted_day_shows_in_the_inbox_and_charts_and_exports_valid_nlu(
        browser: Browser, stack: Servers, dialogs: list[str]) -> None:
    scripted_day(browser, stack)
    rows = message_rows(stack, 33)  # 30 messages and 3 ratings
    messages = [r for r in rows if r["kind"] != "feedback"]
    assert len(messages) == 30 and len(rows) == 33, Counter(r["kind"] for r in rows)
    assert Counter(r["lang"] for r in messages) == {"zh-Hans": 10, "zh-Hant": 10, "en": 10}
    assert Counter(r["channel"] for r in messages) == {"rest": 26, "wechat": 4}
    # nothing unredacted on disk: the 👎 comment's phone and reference are masked
    raw = (stack.var_dir / "applications.db").read_bytes()
    assert b"13812345678" not in raw and b"7K3Q9M" not in raw

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(stack.web_url + "/staff")
    page.fill("#token", stack.staff_token)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#review")).to_be_visible()

    # --- the inbox: near-duplicates together, across scripts, with counts -----------------
    expect(page.locator("#inbox-groups .group").first).to_be_visible()
    weather = group(page, "天气")
    expect(weather).to_have_attribute("data-count", "5")  # 3 Simplified + 2 Traditional
    expect(weather.locator(".meta").first).to_contain_text("zh-Hant 2")
    expect(weather.locator(".meta").first).to_contain_text("wechat 1")
    expect(group(page, "weather")).to_have_attribute("data-count", "2")
    expect(group(page, "flight")).to_have_attribute("data-count", "2")
    expect(group(page, "机票")).to_have_attribute("data-count", "2")
    thumbs_down = group(page, "How long does replacing an e-port card take?")
    expect(thumbs_down).to_contain_text("I need a date for <REF>, call me on <PHONE>")
    expect(group(page, "要带什么材料")).to_contain_text("clarification_abandoned")
    shot(page, "inbox")

    # --- filters ---------------------------------------------------------------------------
    page.select_option("#f-lang", "en")
    page.click("#inbox-filters button[type=submit]")
    expect(page.locator("#inbox-groups .group").filter(has_text="天气")).to_have_count(0)
    expect(group(page, "weather")).to_be_visible()
    page.select_option("#f-lang", "")
    page.select_option("#f-reason", "not_helpful")
    page.click("#inbox-filters button[type=submit]")
    expect(page.locator("#inbox-groups .group")).to_have_count(2)
    page.select_option("#f-reason", "")
    page.click("#inbox-filters button[type=submit]")
    expect(weather).to_be_visible()

    # --- labelling -------------------------------------------------------------------------
    label(page, "天气", "out_of_scope")
    label(page, "flight", "out_of_scope")
    label(page, "How long does replacing an e-port card take?", "facet", facet="times",
          key_type="eport_card", procedure="eport_replacement")
    label(page, "公司改名", "missing_fact", note="企业名称变更后电子钥匙怎么办：资料未涵盖")
    label(page, "restaurant", "ignore")
    page.select_option("#f-status", "labelled")
    page.click("#inbox-filters button[type=submit]")
    expect(group(page, "天气").locator(".current")).to_contain_text("out of scope")
    expect(group(page, "How long does replacing").locator(".current")).to_contain_text(
        "eport_replacement")
    shot(page, "labelled")

    # --- export: valid NLU YAML under var/, never in the training data ----------------------
    page.click("#export-btn")
    expect(page.locator("#export-output")).to_contain_text("intent: out_of_scope")
    exported = stack.var_dir / "review" / "review_nlu.yml"
    text = exported.read_text(encoding="utf-8")
    for example in ("今天北京天气怎么样", "明天北京天氣怎麼樣",
                    "can you book me a flight to Shanghai",
                    "How long does replacing an e-port card take?"):
        assert f"text: {example}" in text or f"text: '{example}'" in text, text
    assert "公司改名了怎么办" not in text and "企业名称变更后电子钥匙怎么办" in text
    assert "restaurant" not in text
    shot(page, "export")
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "data", "validate", "--fail-on-warnings", "--domain", "rasa_project/domain.yml",
         "--config", "rasa_project/config.yml", "--data", "rasa_project/data", str(exported)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    # --- charts ----------------------------------------------------------------------------
    page.click("#tab-charts")
    figures = page.locator("#charts figure")
    expect(figures).to_have_count(6)
    for i in range(6):
        img = figures.nth(i).locator("img")
        expect(img).to_be_visible()
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    shot(page, "charts")
    charts = {c["id"]: c["svg"] for c in api(stack, "/staff/api/review/charts?days=7")["charts"]}
    assert chart_counts(charts["by_lang"]) == {"zh-Hans": 10, "zh-Hant": 10, "en": 10}
    assert chart_counts(charts["by_channel"]) == {"rest": 26, "wechat": 4}
    outcomes = chart_counts(charts["outcomes"])
    assert outcomes == {"answered": 10, "clarified": 2, "out_of_scope": 18}, outcomes
    assert sum(outcomes.values()) == 30
    assert "eport_replacement" in charts["procedures"] and "mofcom_unlock" in charts["procedures"]
    unanswered = re.findall(r'data-series="([^"]*)" data-count="(\d+)"', charts["unanswered"])
    assert unanswered[0][1] == "5" and "天" in unanswered[0][0]
    assert not dialogs
    context.close()
