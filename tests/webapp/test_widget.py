"""The website chat widget in a real headless browser, against the real running stack.

Chromium comes from Debian (`make browser`, which `make test` runs first); Playwright only
drives it. Each test gets a fresh browser context, so a fresh localStorage: a new visitor.
Only the failure-path tests replace Rasa's answer (a 500, a dropped connection, a hostile
message), because the real assistant never produces those on purpose.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

pytestmark = pytest.mark.conversation

ANSWER_TIMEOUT_MS = 60_000  # the first answers after Rasa starts can take a while
HOSTILE = "<img src=x onerror=alert(1)>"

# Everything below is inside the widget's open shadow root; Playwright's CSS pierces it.
BOT = "#ekey-widget .msg.bot:not(.welcome):not(.typing)"
USER = "#ekey-widget .msg.user"


@pytest.fixture
def console_errors() -> list[str]:
    return []


def open_page(browser: Browser, dialogs: list[str], console_errors: list[str],
              **context_options: object) -> Page:
    page = browser.new_context(**context_options).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(ANSWER_TIMEOUT_MS)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    return page


@pytest.fixture
def page(browser: Browser, web_url: str, dialogs: list[str], console_errors: list[str]
         ) -> Iterator[Page]:
    """The demo page, as a first-time visitor on a desktop screen sees it (panel open)."""
    page = open_page(browser, dialogs, console_errors, viewport={"width": 1280, "height": 800})
    page.goto(web_url + "/")
    expect(page.locator("#ekey-widget .panel")).to_be_visible()
    yield page
    page.context.close()


def ask(page: Page, text: str) -> str:
    """Type `text`, press Enter, and return the text of the bot bubbles that answered it."""
    before = page.locator(BOT).count()
    page.locator("#ekey-widget .input").fill(text)
    page.locator("#ekey-widget .input").press("Enter")
    return answers_after(page, before)


def answers_after(page: Page, before: int) -> str:
    """Wait for the answer to the message just sent (the typing indicator goes once all of
    it is shown) and return its text; `before` is how many bot bubbles there were."""
    expect(page.locator(BOT).nth(before)).to_be_visible()
    expect(page.locator("#ekey-widget .typing")).to_be_hidden()
    return "\n".join(texts(page.locator(BOT))[before:])


def texts(locator: Locator) -> list[str]:
    return [t.strip() for t in locator.all_inner_texts()]


def test_chinese_question_gets_the_materials_as_a_list(page: Page, console_errors: list[str]
                                                       ) -> None:
    answer = ask(page, "电子钥匙解锁要带什么材料")
    assert "材料" in answer, answer
    # The materials are list items, not one run-on paragraph.
    assert page.locator(f"{BOT} li").count() >= 2
    expect(page.locator(USER).last).to_have_text("电子钥匙解锁要带什么材料")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_english_question_gets_an_english_answer(page: Page) -> None:
    text = ask(page, "What do I need to unlock the MOFCOM e-key?")
    assert re.search(r"\bunlock", text, re.IGNORECASE), text
    letters = re.findall(r"[A-Za-z]", text)
    han = re.findall(r"[\u4e00-\u9fff]", text)
    assert len(letters) > 3 * len(han), text


def test_quick_reply_sends_its_payload_and_history_survives_a_reload(page: Page) -> None:
    ask(page, "我的key锁了")
    replies = page.locator("#ekey-widget .quick-reply")
    expect(replies.first).to_be_visible()
    choice = replies.first.inner_text().strip()

    before = page.locator(BOT).count()
    replies.first.click()
    answer = answers_after(page, before)
    # The user's bubble shows the title, never the /intent{...} payload behind it.
    expect(page.locator(USER).last).to_have_text(choice)
    assert "/inform" not in answer and re.search(r"材料|解锁|步骤", answer), answer

    users, bots = texts(page.locator(USER)), texts(page.locator(BOT))
    page.reload()
    expect(page.locator(USER)).to_have_count(len(users))
    assert texts(page.locator(USER)) == users == ["我的key锁了", choice]
    assert texts(page.locator(BOT)) == bots


def test_markup_in_messages_shows_as_text(page: Page, dialogs: list[str]) -> None:
    def hostile_bot(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", headers=cors(route),
                      body=json.dumps([{"recipient_id": "x", "text": f"- {HOSTILE}\n{HOSTILE}",
                                        "buttons": [{"title": HOSTILE, "payload": "/greet"}]}]))

    page.route("**/webhooks/rest/webhook", hostile_bot)
    answer = ask(page, HOSTILE)
    expect(page.locator(USER).last).to_have_text(HOSTILE)
    assert answer.count(HOSTILE) == 2, answer
    expect(page.locator("#ekey-widget .quick-reply")).to_have_text([HOSTILE])
    expect(page.locator("#ekey-widget img")).to_have_count(0)
    page.reload()  # and again when the history is drawn from storage
    expect(page.locator(USER).last).to_have_text(HOSTILE)
    expect(page.locator("#ekey-widget img")).to_have_count(0)
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert dialogs == []


def cors(route: Route) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": route.request.headers.get("origin", "*")}


@pytest.mark.parametrize("failure", ["status 500", "unreachable"])
def test_rasa_failure_shows_a_clear_error(page: Page, failure: str) -> None:
    def broken(route: Route) -> None:
        if failure == "unreachable":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=500, headers=cors(route), body="boom")

    page.route("**/webhooks/rest/webhook", broken)
    page.locator("#ekey-widget .input").fill("你好")
    page.locator("#ekey-widget .input").press("Enter")
    error = page.locator("#ekey-widget .msg.error")
    expect(error).to_contain_text("暂时")
    if failure == "status 500":
        expect(error).to_contain_text("500")
    expect(page.locator("#ekey-widget .typing")).to_be_hidden()


def test_language_toggle_switches_the_interface_and_is_remembered(page: Page) -> None:
    widget = page.locator("#ekey-widget")
    widget.locator(".lang", has_text="English").click()
    expect(widget.locator(".title")).to_have_text("E-Key Assistant")
    expect(widget.locator(".input")).to_have_attribute("placeholder", re.compile("Ask"))
    widget.locator(".lang", has_text="繁體").click()
    expect(widget.locator(".title")).to_have_text("電子鑰匙辦事助手")
    page.reload()
    expect(widget.locator(".title")).to_have_text("電子鑰匙辦事助手")
    expect(widget.locator(".lang[aria-pressed=true]")).to_have_text("繁體")


def test_panel_fits_a_phone_screen(browser: Browser, web_url: str, dialogs: list[str],
                                   console_errors: list[str]) -> None:
    page = open_page(browser, dialogs, console_errors, viewport={"width": 375, "height": 667},
                     is_mobile=True, has_touch=True)
    try:
        page.goto(web_url + "/")
        panel = page.locator("#ekey-widget .panel")
        expect(panel).to_be_visible()
        box = panel.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667, box
        assert box["width"] >= 370, box  # full width, not a desktop panel squeezed in
        send = page.locator("#ekey-widget .send")
        expect(send).to_be_in_viewport()
        page.locator("#ekey-widget .close").click()
        expect(page.locator("#ekey-widget .launcher")).to_be_in_viewport()
    finally:
        page.context.close()


def test_pages_are_served_with_security_and_cache_headers(web_url: str) -> None:
    with urllib.request.urlopen(web_url + "/") as resp:
        page = resp.read().decode()
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "connect-src http://127.0.0.1:" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Cache-Control"] == "no-cache"
    assert 'data-rasa-url="http://127.0.0.1:' in page
    with urllib.request.urlopen(web_url + "/widget/ekey-widget.js") as resp:
        assert resp.headers["Content-Type"].startswith("application/javascript")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age" in resp.headers["Cache-Control"] and resp.headers["ETag"]


def test_the_private_code_is_shown_but_never_stored(page: Page) -> None:
    ask(page, "帮我跟踪我的申请")
    buttons = page.locator("#ekey-widget .quick-reply")
    expect(buttons.first).to_be_visible()
    before = page.locator(BOT).count()
    buttons.first.click()
    answers_after(page, before)
    shown = ask(page, "2026-11-16")
    code = re.search(r"验证码[:：]\s*([0-9A-Z]{6})", shown)
    reference = re.search(r"EK-[0-9A-Z]{6}", shown)
    assert code and reference, shown
    ask(page, f"我的验证码是 {code.group(1).lower()}")  # typed back, as users do

    stored = page.evaluate("() => localStorage.getItem('ekey-widget:history')")
    assert code.group(1) not in stored and code.group(1).lower() not in stored
    assert reference.group(0) in stored and "******" in stored  # the rest is kept
    page.reload()
    expect(page.locator(BOT).filter(has_text=reference.group(0))).to_contain_text("******")
    assert code.group(1) not in "\n".join(texts(page.locator(BOT)))

    # an hour after the last message the stored conversation is dropped altogether
    page.evaluate("""() => {
        const key = 'ekey-widget:history';
        const old = JSON.parse(localStorage.getItem(key));
        old.forEach(m => { m.at = Date.now() - 61 * 60 * 1000; });
        localStorage.setItem(key, JSON.stringify(old));
    }""")
    page.reload()
    expect(page.locator("#ekey-widget .panel")).to_be_visible()
    expect(page.locator(BOT)).to_have_count(0)
    assert page.evaluate("() => localStorage.getItem('ekey-widget:history')") == "[]"
