"""Answers people can read and check (issue 17), in the real browser at phone and desktop size.

One answer is one card: a heading, sections, numbered materials, copy and print buttons and
its sources, each of which opens to the seed's own passage. The header stays on one line,
the placeholder fits, nothing scrolls sideways at 320 px, and a screen reader hears that an
answer came. Screenshots of each size go to var/reports/screenshots/ (paths printed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import seed_text
from playwright.sync_api import Browser, Page, expect

from knowledge.db import PROJECT_ROOT
from knowledge.query import KnowledgeBase, pick

pytestmark = pytest.mark.conversation

ANSWER_TIMEOUT_MS = 60_000
SHOTS = PROJECT_ROOT / "var" / "reports" / "screenshots"
W = "#ekey-widget"
CARD = f"{W} .msg.card"
BOT = f"{W} .msg.bot:not(.welcome):not(.typing)"
PHONE, DESKTOP, NARROW = (390, 844), (1280, 900), (320, 640)
LOST_KEY = "电子钥匙丢了怎么补办"


def open_page(browser: Browser, web_url: str, size: tuple[int, int], **options: object
              ) -> Page:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  **options)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.goto(web_url + "/")
    expect(page.locator(f"{W} .panel")).to_be_visible()
    return page


@pytest.fixture
def pages(browser: Browser, web_url: str) -> Iterator[list[Page]]:
    """Pages to close after the test, whatever it opened."""
    opened: list[Page] = []
    yield opened
    for page in opened:
        page.context.close()


def ask(page: Page, text: str) -> None:
    """Send `text` and wait until its whole answer is shown."""
    before = page.locator(BOT).count()
    page.locator(f"{W} .input").fill(text)
    page.locator(f"{W} .input").press("Enter")
    expect(page.locator(BOT).nth(before)).to_be_visible()
    expect(page.locator(f"{W} .typing")).to_be_hidden()


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("""() => {
        const root = document.querySelector('#ekey-widget').shadowRoot;
        const log = root.querySelector('.log');
        return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                log: log.scrollWidth, logView: log.clientWidth};
    }""")
    assert widths["page"] <= widths["view"], widths
    assert widths["log"] <= widths["logView"], widths


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_answer_and_its_follow_up_are_one_card_each(
        browser: Browser, web_url: str, pages: list[Page], kb: KnowledgeBase,
        size: tuple[int, int]) -> None:
    page = open_page(browser, web_url, size)
    pages.append(page)
    ask(page, LOST_KEY)
    expect(page.locator(BOT)).to_have_count(1)
    card = page.locator(CARD).first
    expect(card.locator(".card-heading")).to_contain_text(
        pick(kb.procedure("mofcom_reissue").name, "zh"))
    materials = kb.materials_for("mofcom_reissue", "zh")
    expect(card.locator(".card-materials ol > li")).to_have_count(len(materials))
    expect(card.locator(".card-copy")).to_be_visible()
    expect(card.locator(".card-print")).to_be_visible()
    assert card.locator(".source").count() >= 1
    ask(page, "那要多久？")
    expect(page.locator(BOT)).to_have_count(2)
    expect(page.locator(CARD)).to_have_count(2)
    expect(page.locator(CARD).last).to_contain_text("工作日")
    no_sideways_scroll(page)
    page.locator(CARD).first.scroll_into_view_if_needed()
    screenshot(page, f"answer-card-{size[0]}x{size[1]}")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_copy_puts_the_checklist_on_the_clipboard(
        browser: Browser, web_url: str, pages: list[Page], kb: KnowledgeBase,
        size: tuple[int, int]) -> None:
    page = open_page(browser, web_url, size, permissions=["clipboard-read", "clipboard-write"])
    pages.append(page)
    ask(page, LOST_KEY)
    page.locator(f"{CARD} .card-copy").click()
    expect(page.locator(f"{CARD} .card-status")).to_have_text("已复制到剪贴板")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert pick(kb.procedure("mofcom_reissue").name, "zh") in copied
    for i, material in enumerate(kb.materials_for("mofcom_reissue", "zh"), 1):
        assert f"{i}. " in copied and material.name in copied, copied
    assert "来源" in copied


def test_print_opens_the_checklist_alone(browser: Browser, web_url: str,
                                          pages: list[Page]) -> None:
    page = open_page(browser, web_url, DESKTOP)
    pages.append(page)
    ask(page, LOST_KEY)
    with page.context.expect_page() as popup:
        page.locator(f"{CARD} .card-print").click()
    printed = popup.value
    expect(printed.locator("pre")).to_contain_text("1. ")
    assert "补办" in printed.locator("pre").inner_text()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_source_opens_to_the_seed_passage(browser: Browser, web_url: str,
                                            pages: list[Page], size: tuple[int, int]) -> None:
    page = open_page(browser, web_url, size)
    pages.append(page)
    ask(page, LOST_KEY)
    source = page.locator(f"{CARD} .source").first
    expect(source).to_have_attribute("aria-expanded", "false")
    source.click()
    expect(source).to_have_attribute("aria-expanded", "true")
    passage = page.locator(f"{CARD} .passage").first
    expect(passage.locator(".passage-text p").first).to_be_visible()
    expect(passage.locator(".passage-title")).to_contain_text("商务部")
    seed = (seed_text.SEEDS / seed_text.DOC_FILES["003"]).read_text(encoding="utf-8")
    for quoted in passage.locator(".passage-text p").all_text_contents():
        assert quoted and quoted in seed, quoted
    no_sideways_scroll(page)
    passage.scroll_into_view_if_needed()
    screenshot(page, f"source-passage-{size[0]}x{size[1]}")
    source.click()
    expect(passage).to_be_hidden()


@pytest.mark.parametrize("size", [NARROW, PHONE, DESKTOP], ids=["320", "phone", "desktop"])
@pytest.mark.parametrize("lang", ["中文", "繁體", "English"])
def test_the_header_is_one_line_and_the_placeholder_fits(
        browser: Browser, web_url: str, pages: list[Page], size: tuple[int, int],
        lang: str) -> None:
    page = open_page(browser, web_url, size)
    pages.append(page)
    page.locator(f"{W} .lang", has_text=lang).click()
    header = page.locator(f"{W} .header")
    boxes = [header.locator(sel).bounding_box()
             for sel in (".title", ".langs", ".reset", ".close")]
    assert all(boxes), boxes
    middles = [b["y"] + b["height"] / 2 for b in boxes if b]
    assert max(middles) - min(middles) < 4, boxes  # side by side, not wrapped
    header_box = header.bounding_box()
    assert header_box and header_box["height"] < 50, header_box
    assert all(b["x"] + b["width"] <= size[0] for b in boxes if b), boxes
    fits = page.evaluate("""() => {
        const input = document.querySelector('#ekey-widget').shadowRoot.querySelector('.input');
        const style = getComputedStyle(input);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = `${style.fontSize} ${style.fontFamily}`;
        const room = input.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return {text: ctx.measureText(input.placeholder).width, room};
    }""")
    assert fits["text"] <= fits["room"], fits


def test_nothing_scrolls_sideways_at_320px(browser: Browser, web_url: str,
                                          pages: list[Page]) -> None:
    page = open_page(browser, web_url, NARROW, is_mobile=True, has_touch=True)
    pages.append(page)
    ask(page, "北京的电子钥匙解锁去哪里办")  # offices: long addresses
    page.locator(f"{CARD} .source").first.click()
    expect(page.locator(f"{CARD} .passage-text").first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "answer-card-320x640")


def test_new_answers_are_announced_and_reported_to_add_ons(
        browser: Browser, web_url: str, pages: list[Page], kb: KnowledgeBase) -> None:
    page = open_page(browser, web_url, PHONE)
    pages.append(page)
    page.evaluate("""() => {
        window.answers = [];
        document.querySelector('#ekey-widget').shadowRoot.addEventListener('ekey:answer',
            e => window.answers.push({question: e.detail.question, lang: e.detail.lang,
                                      card: e.detail.element.classList.contains('card')}));
    }""")
    announcer = page.locator(f"{W} .announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(page.locator(f"{W} .log")).to_have_attribute("aria-live", "off")
    ask(page, LOST_KEY)
    expect(announcer).to_contain_text(pick(kb.procedure("mofcom_reissue").name, "zh"))
    ask(page, "How long does it take to unlock an e-port card?")
    answers = page.evaluate("window.answers")
    assert answers == [{"question": LOST_KEY, "lang": "zh-Hans", "card": True},
                       {"question": "How long does it take to unlock an e-port card?",
                        "lang": "en", "card": True}], answers


def test_a_reload_shows_the_same_cards(browser: Browser, web_url: str,
                                       pages: list[Page]) -> None:
    page = open_page(browser, web_url, PHONE)
    pages.append(page)
    ask(page, LOST_KEY)
    before = page.locator(CARD).first.inner_text()
    page.reload()
    expect(page.locator(CARD)).to_have_count(1)
    assert page.locator(CARD).first.inner_text() == before
