"""The hotline staff console in a real headless browser, against the real web app.

Only the web app is started (no Rasa): the console needs nothing else. It gets its own
knowledge database in a temporary directory, which also holds the applications, and a random
staff token. Expected facts (material names, phones) are read from that knowledge base, so
the tests pin down behaviour, not wording. Chromium is Debian's (`make browser`).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from knowledge.db import PROJECT_ROOT
from knowledge.loader import build
from knowledge.query import KnowledgeBase, pick
from knowledge.text import to_traditional
from tracking.store import ApplicationStore

TIMEOUT_MS = 15_000
HOSTILE = '<img src=x onerror="alert(1)"><b>bold</b>'


@dataclass
class Console:
    url: str  # http://127.0.0.1:<port>
    token: str
    db_url: str
    kb: KnowledgeBase
    store: ApplicationStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, token: str | None = None, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body, for error statuses too."""
    req = urllib.request.Request(url, method=method, headers=dict(headers or {}))
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def search_url(console: Console, q: str, lang: str | None = None) -> str:
    params = {"q": q, **({"lang": lang} if lang else {})}
    return f"{console.url}/staff/api/search?{urllib.parse.urlencode(params)}"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """`python -m webapp.app` on a free port, with its own database and token."""
    var = tmp_path_factory.mktemp("staff_console")
    db_url = f"sqlite:///{var / 'ekey.db'}"
    build(db_url)
    store = ApplicationStore(db_url)
    store.migrate()
    token, port = secrets.token_urlsafe(24), free_port()
    env = {**os.environ, "STAFF_TOKEN": token, "DATABASE_URL": db_url,
           "EKEY_VAR_DIR": str(var), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    log_path = var / "web.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "webapp.app", "--port", str(port)],
                                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the web app exited:\n{log_path.read_text(errors='replace')}")
            try:
                if request(f"{url}/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the web app did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield Console(url, token, db_url, KnowledgeBase.load(db_url), store)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(browser: Browser, console: Console, dialogs: list[str]) -> Iterator[Page]:
    """The console page, not yet logged in, in a fresh tab (fresh sessionStorage)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"{console.url}/staff")
    yield page
    context.close()


def log_in(page: Page, token: str) -> None:
    page.fill("#token", token)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#q")).to_be_visible()


def search_for(page: Page, text: str) -> None:
    page.fill("#q", text)
    page.press("#q", "Enter")


def card(page: Page, procedure_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'.card[data-id="{procedure_id}"]')


# --- protection ------------------------------------------------------------------------------
def test_the_search_api_refuses_requests_without_the_staff_token(console: Console) -> None:
    url = search_url(console, "IC卡 解锁")
    assert request(url)[0] == 401
    assert request(url, token="wrong-" + console.token)[0] == 401
    assert request(url, headers={"Authorization": f"Basic {console.token}"})[0] == 401
    assert request(f"{console.url}/staff/api/session")[0] == 401


def test_staff_get_cards_with_a_source_on_every_line(console: Console) -> None:
    status, headers, body = request(search_url(console, "IC卡 解锁"), console.token)
    assert status == 200 and headers["cache-control"] == "no-store"
    first = json.loads(body)["results"][0]
    assert first["id"] == "eport_unlock"
    lines = [*first["materials"], *first["steps"], *first["notes"], *first["offices"]]
    assert lines and all(line["source"] for line in lines)


def test_staff_routes_send_no_cors_headers_to_other_sites(console: Console) -> None:
    """A site embedding the public widget cannot read staff answers, even with the token."""
    origin = {"Origin": "https://customer.example"}
    _, headers, _ = request(search_url(console, "密码"), console.token, headers=origin)
    assert "access-control-allow-origin" not in headers
    _, headers, _ = request(search_url(console, "密码"), method="OPTIONS", headers={
        **origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in headers


def test_the_console_page_is_static_and_holds_no_data(console: Console) -> None:
    status, headers, body = request(f"{console.url}/staff")
    page = body.decode()
    assert status == 200 and "frame-ancestors 'none'" in headers["content-security-policy"]
    facts = [o.phone for o in console.kb.offices.values() if o.phone]
    facts += [p.password for p in console.kb.passwords.values()]
    assert facts and not [f for f in facts if f in page]


def test_public_pages_do_not_lead_to_staff_data(console: Console) -> None:
    for path in ("/", "/widget/ekey-widget.js"):
        status, _, body = request(console.url + path)
        assert status == 200
        assert b"/staff/api" not in body and console.token.encode() not in body


# --- the page --------------------------------------------------------------------------------
def test_a_wrong_token_keeps_the_console_closed(page: Page) -> None:
    page.fill("#token", "not-the-token")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).not_to_be_empty()
    expect(page.locator("#console")).to_be_hidden()
    assert "ekeyStaffToken" not in page.evaluate("Object.keys(sessionStorage)")


def test_ic_card_unlock_shows_the_eport_unlock_card_with_materials_and_phones(
        page: Page, console: Console, dialogs: list[str]) -> None:
    log_in(page, console.token)
    search_for(page, "IC卡 解锁")
    expect(page.locator(".card").first).to_have_attribute("data-id", "eport_unlock")
    unlock = card(page, "eport_unlock")
    for material in console.kb.materials_for("eport_unlock", "zh"):
        expect(unlock.locator("section.materials")).to_contain_text(material.name)
    phones = [o.phone for o in console.kb.offices_for("eport_unlock") if o.phone]
    assert phones
    for phone in phones:
        expect(unlock.locator("section.offices")).to_contain_text(phone)
    expect(unlock.locator(".src").first).to_contain_text("002")
    expect(page.locator("#status")).to_contain_text("毫秒")
    assert dialogs == []


def test_traditional_reissue_lists_both_keys_in_traditional_script(
        page: Page, console: Console) -> None:
    log_in(page, console.token)
    page.click('.langs button[data-lang="zh-Hant"]')
    search_for(page, "補辦")
    for pid in ("mofcom_reissue", "eport_replacement"):
        title = to_traditional(pick(console.kb.procedure(pid).name, "zh"))
        expect(card(page, pid).locator("h2")).to_have_text(title)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")


def test_english_unlock_eport_shows_the_english_card(page: Page, console: Console) -> None:
    log_in(page, console.token)
    page.click('.langs button[data-lang="en"]')
    search_for(page, "unlock e-port")
    first = page.locator(".card").first
    expect(first).to_have_attribute("data-id", "eport_unlock")
    expect(first.locator("h2")).to_have_text(pick(console.kb.procedure("eport_unlock").name, "en"))
    expect(first.locator("section.materials h3")).to_have_text(
        console.kb.phrase("heading_materials", "en").rstrip(":"))


def test_switching_language_redraws_the_results(page: Page, console: Console) -> None:
    log_in(page, console.token)
    search_for(page, "IC卡 解锁")
    expect(card(page, "eport_unlock").locator("h2")).to_have_text(
        pick(console.kb.procedure("eport_unlock").name, "zh"))
    page.click('.langs button[data-lang="en"]')
    expect(card(page, "eport_unlock").locator("h2")).to_have_text(
        pick(console.kb.procedure("eport_unlock").name, "en"))


def test_results_appear_while_typing(page: Page, console: Console) -> None:
    log_in(page, console.token)
    page.locator("#q").press_sequentially("密码", delay=50)
    expect(page.locator(".card-password").first).to_be_visible()


def test_copy_checklist_puts_the_material_list_in_the_clipboard(
        page: Page, console: Console) -> None:
    _, _, body = request(search_url(console, "IC卡 解锁", "zh"), console.token)
    checklist = json.loads(body)["results"][0]["checklist"]
    log_in(page, console.token)
    search_for(page, "IC卡 解锁")
    unlock = card(page, "eport_unlock")
    unlock.locator("button.copy").click()
    expect(unlock.locator(".copy-status")).to_have_text("已复制到剪贴板")
    assert page.evaluate("navigator.clipboard.readText()") == checklist
    expect(unlock.locator("textarea.checklist")).to_have_value(checklist)
    for material in console.kb.materials_for("eport_unlock", "zh"):
        assert material.name in checklist


def test_print_shows_only_the_cards(page: Page, console: Console) -> None:
    log_in(page, console.token)
    search_for(page, "IC卡 解锁")
    expect(card(page, "eport_unlock")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".app-panel")).to_be_hidden()
    expect(page.locator("#q")).to_be_hidden()
    expect(card(page, "eport_unlock").locator("button.copy")).to_be_hidden()
    expect(card(page, "eport_unlock").locator("section.materials")).to_be_visible()


def test_the_token_lives_only_as_long_as_the_tab(page: Page, console: Console,
                                                 browser: Browser) -> None:
    log_in(page, console.token)
    assert page.evaluate("Object.keys(localStorage).length") == 0
    page.reload()
    expect(page.locator("#q")).to_be_visible()  # same tab: still logged in
    other = browser.new_context().new_page()
    other.goto(f"{console.url}/staff")
    expect(other.locator("#token")).to_be_visible()  # a new tab must log in
    expect(other.locator("#console")).to_be_hidden()
    other.context.close()
    page.click("#logout")
    expect(page.locator("#token")).to_be_visible()
    assert "ekeyStaffToken" not in page.evaluate("Object.keys(sessionStorage)")


def test_a_page_of_another_origin_cannot_read_staff_data_even_with_the_token(
        page: Page, console: Console) -> None:
    """The public demo page at another origin (localhost vs 127.0.0.1), like any embedder."""
    other_origin = console.url.replace("127.0.0.1", "localhost")
    page.goto(other_origin + "/")
    outcome = page.evaluate("""async ([url, token]) => {
        try {
            const r = await fetch(url, {headers: {Authorization: `Bearer ${token}`}});
            return `read ${r.status}`;
        } catch (e) { return "blocked"; }
    }""", [search_url(console, "密码"), console.token])
    assert outcome == "blocked"


def test_the_public_demo_page_gets_no_staff_data_without_the_token(
        page: Page, console: Console) -> None:
    page.goto(console.url + "/")
    outcome = page.evaluate("""async (url) => {
        try { const r = await fetch(url); return r.status; } catch (e) { return "blocked"; }
    }""", "/staff/api/search?q=%E5%AF%86%E7%A0%81")
    assert outcome in ("blocked", 401)


# --- applications ----------------------------------------------------------------------------
def register(console: Console, days_ago: int = 30) -> str:
    view, _code = console.store.register("mofcom_first_online",
                                         date.today() - timedelta(days=days_ago), "zh", "rest",
                                         f"test-{secrets.token_hex(4)}")
    return view.reference


def look_up(page: Page, reference: str) -> None:
    page.fill("#ref", reference)
    page.click("#app-lookup button[type=submit]")


def test_application_lookup_shows_stage_history_and_overdue_dates(
        page: Page, console: Console) -> None:
    reference = register(console, days_ago=30)
    log_in(page, console.token)
    look_up(page, reference)
    expect(page.locator("#app-ref")).to_have_text(reference)
    expect(page.locator("#app-procedure")).to_have_text(
        pick(console.kb.procedure("mofcom_first_online").name, "zh"))
    expect(page.locator("#app-events tr")).to_have_count(1)
    expect(page.locator("#app-expected .overdue").first).to_be_visible()
    expect(page.locator("#next-stage option")).not_to_have_count(0)


def test_a_stage_update_is_saved_with_its_remark_shown_as_text(
        page: Page, console: Console, dialogs: list[str]) -> None:
    reference = register(console)
    log_in(page, console.token)
    look_up(page, reference)
    expect(page.locator("#next-stage option").first).to_be_attached()
    stage_id = page.locator("#next-stage option").first.get_attribute("value")
    stage_name = page.locator("#next-stage option").first.inner_text()
    page.fill("#remark", HOSTILE)
    page.fill("#actor", "王小明")
    page.click("#stage-form button[type=submit]")
    expect(page.locator("#stage-msg")).to_have_text("已更新")
    expect(page.locator("#app-stage")).to_have_text(stage_name)
    last = page.locator("#app-events tr").last
    expect(last).to_contain_text(HOSTILE)
    expect(last).to_contain_text("王小明")
    assert page.locator("#app-events b, #app-events img").count() == 0
    assert dialogs == []
    saved = console.store.get(reference)
    assert saved is not None and saved.events[-1].stage == stage_id
    assert saved.events[-1].remark == HOSTILE


def test_an_update_someone_else_overtook_is_refused_with_the_reason(
        page: Page, console: Console) -> None:
    reference = register(console)
    log_in(page, console.token)
    look_up(page, reference)
    expect(page.locator("#next-stage option").first).to_be_attached()
    app = console.store.get(reference)
    assert app is not None
    stages = app.workflow.stages
    first_next = stages[app.stage].next[0]
    console.store.add_event(reference, first_next, "", "staff:colleague")  # meanwhile
    page.select_option("#next-stage", index=0)
    page.fill("#actor", "王小明")
    page.click("#stage-form button[type=submit]")
    expect(page.locator("#stage-msg")).to_contain_text("请求失败")


def test_an_unknown_reference_says_so(page: Page, console: Console) -> None:
    log_in(page, console.token)
    look_up(page, "EK-NOSUCH")
    expect(page.locator("#app-error")).to_contain_text("未找到该申请")
    expect(page.locator("#app-detail")).to_be_hidden()


# --- speed and the command line --------------------------------------------------------------
def test_searches_answer_well_under_100_ms(console: Console) -> None:
    slowest = 0.0
    for q in ("IC卡 解锁", "補辦", "unlock e-port", "海关 地址", "密码"):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            status, _, body = request(search_url(console, q), console.token)
            best = min(best, time.perf_counter() - started)
            assert status == 200 and json.loads(body)["took_ms"] < 50
        slowest = max(slowest, best)
    assert slowest < 0.1, f"slowest round trip {slowest * 1000:.0f} ms"


def test_the_cli_prints_the_same_cards_as_text(console: Console) -> None:
    env = {**os.environ, "DATABASE_URL": console.db_url}
    run = subprocess.run([sys.executable, "-m", "webapp.staff_console", "IC卡 解锁",
                          "--lang", "en", "--limit", "1"], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert pick(console.kb.procedure("eport_unlock").name, "en") in run.stdout
    for office in console.kb.offices_for("eport_unlock"):
        if office.phone:
            assert office.phone in run.stdout
    nothing = subprocess.run([sys.executable, "-m", "webapp.staff_console", "天气怎么样"],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                             env=env)
    assert nothing.returncode == 1
