/*
 * E-Key Assistant chat widget (电子钥匙办事助手) — embed with one script tag:
 *
 *   <script src="https://HOST/widget/ekey-widget.js" defer
 *           data-rasa-url="https://RASA-HOST" data-lang="zh"></script>
 *
 * data-rasa-url  Rasa's base URL; the widget posts to <url>/webhooks/rest/webhook. Rasa must
 *                list the embedding page's origin in its --cors setting.
 * data-lang      first UI language: "zh" (简体), "zh-Hant" (繁體) or "en". A visitor's own
 *                choice in the panel wins on later visits.
 * data-open      "true" opens the panel at once (the demo page does).
 * data-sources-url  where an answer's sources are read (default: /sources beside this script,
 *                on the web app that serves it).
 *
 * An answer arrives as one message: its plain text, and its card as Rasa's `custom` payload
 * (type "ekey_answer", see docs/widget.md). The widget draws the card: a heading, sections,
 * numbered materials, copy and print buttons, and its sources, each of which opens to the
 * seed's own words. After drawing an answer it dispatches `ekey:answer` on the shadow root
 * (detail: question, element, lang) for add-ons such as feedback buttons.
 *
 * Plain JavaScript with no build step and no dependencies, so any page can embed it and
 * reviewers can read what runs in visitors' browsers. Everything lives in a Shadow DOM so the
 * host page's CSS cannot break the widget and the widget's CSS cannot leak out.
 *
 * Safety: bot and user text is only ever put into the page with textContent (never
 * innerHTML), so a message such as <img src=x onerror=...> shows as text. Links are made
 * clickable only for http(s) URLs, built as elements.
 *
 * Privacy: the conversation is kept in localStorage for reloads, but an application's private
 * code is not. The copy that is stored has every code-shaped word masked (in the bot message
 * that gives a reference and its code, and in what the user types), and the stored history is
 * dropped after an hour without messages, as Rasa ends the conversation's session then.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.EKeyWidget) return; // one widget per page, even if included twice

  var RASA_URL = (script.getAttribute("data-rasa-url") || "http://localhost:5005")
    .replace(/\/+$/, "");
  var WEBHOOK = RASA_URL + "/webhooks/rest/webhook";
  // The stylesheet sits beside the script and shares its version query (cache busting).
  var CSS_URL = new URL("ekey-widget.css" + new URL(script.src).search, script.src).href;
  var SOURCES_URL = script.getAttribute("data-sources-url") ||
    new URL("/sources", script.src).href;
  var CARD_TYPE = "ekey_answer";
  var STORE = "ekey-widget:"; // localStorage key prefix
  var MAX_HISTORY = 200; // messages kept across reloads; older ones are dropped
  var KEEP_MS = 60 * 60 * 1000; // stored history is dropped after an hour without messages
  var MASK = "******";
  // An application reference (EK-7K3Q9M) and a private code (six letters and digits, none
  // of 0/O/1/I/L), as tracking/store.py makes them.
  var REFERENCE = /\bEK-?[2-9A-HJKMNP-Z]{6}\b/i;
  var CODE = /(^|[^A-Za-z0-9-])([2-9A-HJKMNP-Za-hjkmnp-z]{6})(?![A-Za-z0-9])/g;
  var TIMEOUT_MS = 60000; // the first answer after Rasa starts can be slow

  // UI strings only: the assistant itself answers in the language of each message.
  var STRINGS = {
    zh: {
      title: "电子钥匙办事助手", open: "打开在线咨询", close: "关闭", send: "发送",
      placeholder: "请输入您的问题…",
      welcome: "您好！我可以解答商务部电子钥匙和电子口岸IC卡的办理、解锁、补办、延期等问题，" +
        "例如：电子钥匙解锁要带什么材料？",
      typing: "助手正在输入…", reset: "新对话",
      error: "暂时无法连接助手，请稍后再试。", errorStatus: "助手暂时出错（{status}），请稍后再试。",
      empty: "（助手没有回复，请换个说法再试。）", langLabel: "界面语言",
      answer: "回答", newAnswer: "新回答", copy: "复制清单", print: "打印",
      copied: "已复制到剪贴板", copyFailed: "无法复制，请手动选择文字",
      sources: "来源（点击查看原文）", loading: "正在载入原文…",
      sourceError: "暂时无法打开此来源。", quoteFrom: "原文"
    },
    "zh-Hant": {
      title: "電子鑰匙辦事助手", open: "打開線上諮詢", close: "關閉", send: "發送",
      placeholder: "請輸入您的問題…",
      welcome: "您好！我可以解答商務部電子鑰匙和電子口岸IC卡的辦理、解鎖、補辦、延期等問題，" +
        "例如：電子鑰匙解鎖要帶什麼材料？",
      typing: "助手正在輸入…", reset: "新對話",
      error: "暫時無法連接助手，請稍後再試。", errorStatus: "助手暫時出錯（{status}），請稍後再試。",
      empty: "（助手沒有回覆，請換個說法再試。）", langLabel: "介面語言",
      answer: "回答", newAnswer: "新回答", copy: "複製清單", print: "列印",
      copied: "已複製到剪貼簿", copyFailed: "無法複製，請手動選取文字",
      sources: "來源（點擊查看原文）", loading: "正在載入原文…",
      sourceError: "暫時無法打開此來源。", quoteFrom: "原文"
    },
    en: {
      title: "E-Key Assistant", open: "Open chat", close: "Close", send: "Send",
      placeholder: "Ask your question…",
      welcome: "Hello! I can help with MOFCOM e-keys and China E-port IC cards: applying, " +
        "unlocking, replacing, renewing and more. For example: What do I need to unlock " +
        "the MOFCOM e-key?",
      typing: "The assistant is typing…", reset: "New chat",
      error: "Cannot reach the assistant right now. Please try again later.",
      errorStatus: "The assistant had an error ({status}). Please try again later.",
      empty: "(No answer. Please try rephrasing.)", langLabel: "Language",
      answer: "Answer", newAnswer: "New answer", copy: "Copy checklist", print: "Print",
      copied: "Copied to the clipboard", copyFailed: "Could not copy; please select the text",
      sources: "Sources (tap to read the original)", loading: "Loading the passage…",
      sourceError: "This source cannot be opened right now.", quoteFrom: "Original text"
    }
  };
  var LANGS = [["zh", "中文"], ["zh-Hant", "繁體"], ["en", "English"]];

  // ---- storage (localStorage may be unavailable, e.g. in some private modes) ----------------

  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(STORE + key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(STORE + key, JSON.stringify(value));
    } catch (e) { /* the conversation still works, it just is not kept */ }
  }

  function normaliseLang(value) {
    value = String(value || "").toLowerCase();
    if (value === "en" || value.indexOf("en-") === 0) return "en";
    if (/^zh-(hant|tw|hk|mo)/.test(value)) return "zh-Hant";
    if (value.indexOf("zh") === 0) return "zh";
    return null;
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /*
   * The text as it may be stored: codes masked. In a bot message that names a reference, every
   * upper-case code-shaped word is the code. In the user's own words a code-shaped word in one
   * case may be one when it has a digit, is upper case, is all the message says, or stands in
   * Chinese text; a lower-case English word in English ("status") and a mixed-case name
   * ("USBKey") are kept. What this misses goes with the rest of the history after an hour.
   */
  function withoutCodes(message) {
    var text = String(message.text || "");
    var bot = message.from === "bot";
    if (bot && !REFERENCE.test(text)) return text;
    var chinese = /[\u3400-\u9fff]/.test(text);
    return text.replace(CODE, function (all, before, word) {
      var upper = word === word.toUpperCase();
      var oneCase = upper || word === word.toLowerCase();
      var masked = bot ? upper : oneCase &&
        (upper || chinese || /[0-9]/.test(word) || text.trim() === word);
      return masked ? before + MASK : all;
    });
  }

  function storedHistory() {
    var history = load("history", []);
    if (!Array.isArray(history)) return [];
    var last = history.length ? history[history.length - 1] : null;
    // An hour after the last message the conversation is over: keep nothing of it.
    if (!last || !(Date.now() - Number(last.at) < KEEP_MS)) return [];
    return history;
  }

  var state = {
    sender: load("sender", null) || randomId(),
    history: storedHistory(), // [{from: "user"|"bot", text, buttons?, at}], codes masked
    lang: normaliseLang(load("lang", null)) || normaliseLang(script.getAttribute("data-lang")) ||
      normaliseLang(navigator.language) || "zh",
    open: load("open", script.getAttribute("data-open") === "true"),
    pending: Promise.resolve() // messages go to Rasa one after another, in order
  };
  save("sender", state.sender);
  save("history", state.history);

  function t(key) {
    return STRINGS[state.lang][key];
  }

  // ---- DOM helpers ---------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Text with http(s) URLs turned into links; everything else stays plain text nodes. */
  function appendText(parent, text) {
    // A URL ends at white space, CJK text or full-width punctuation; a trailing "." or ","
    // belongs to the sentence, not the URL.
    var url = /https?:\/\/[^\s<>"'\u3000-\u9fff\uff00-\uffef]+[^\s<>"'\u3000-\u9fff\uff00-\uffef.,;:!?)]/g;
    var last = 0;
    var match;
    while ((match = url.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = el("a", null, match[0]);
      a.href = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  var BULLET = /^\s*[-•*·]\s+/;
  var NUMBER = /^\s*(\d+)[.、)]\s*/;

  /*
   * A bot message as paragraphs and lists: "- ", "• " lines become <ul> items, "1. " lines
   * <ol> items, indented lines right after an item continue it (an office's address under
   * its name), and a blank line separates paragraphs.
   */
  function renderText(parent, text) {
    var list = null;
    var item = null;
    var para = null;
    String(text).split(/\r?\n/).forEach(function (line) {
      var bullet = BULLET.exec(line);
      var number = bullet ? null : NUMBER.exec(line);
      if (bullet || number) {
        var kind = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== kind) {
          list = parent.appendChild(el(kind));
          if (number && number[1] !== "1") list.start = parseInt(number[1], 10);
        }
        item = list.appendChild(el("li"));
        appendText(item, line.slice((bullet || number)[0].length));
        para = null;
      } else if (item && /^\s+\S/.test(line)) {
        item.appendChild(el("br"));
        appendText(item, line.trim());
      } else if (!line.trim()) {
        list = item = para = null;
      } else {
        list = item = null;
        if (para) para.appendChild(el("br"));
        else para = parent.appendChild(el("p"));
        appendText(para, line);
      }
    });
  }

  // ---- the widget ----------------------------------------------------------------------------

  var host = el("div");
  host.id = "ekey-widget";
  host.hidden = true; // shown once its stylesheet has loaded, so it never flashes unstyled
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = CSS_URL;
  css.onload = css.onerror = function () { host.hidden = false; };
  root.appendChild(css);

  var launcher = el("button", "launcher");
  launcher.type = "button";
  launcher.appendChild(el("span", "launcher-icon", "💬"));

  var panel = el("section", "panel");
  panel.setAttribute("role", "dialog");
  var header = el("header", "header");
  var title = el("h2", "title");
  var langs = el("div", "langs");
  langs.setAttribute("role", "group");
  var langButtons = LANGS.map(function (pair) {
    var b = el("button", "lang", pair[1]);
    b.type = "button";
    b.lang = pair[0] === "en" ? "en" : pair[0] === "zh" ? "zh-Hans" : "zh-Hant";
    b.setAttribute("data-lang", pair[0]);
    b.addEventListener("click", function () { setLang(pair[0]); });
    return langs.appendChild(b);
  });
  var resetButton = el("button", "reset", "↺");
  resetButton.type = "button";
  resetButton.addEventListener("click", reset);
  var closeButton = el("button", "close", "×");
  closeButton.type = "button";
  closeButton.addEventListener("click", function () { setOpen(false); });
  header.append(title, langs, resetButton, closeButton);

  var log = el("div", "log");
  log.setAttribute("role", "log");
  // New answers are announced by `announcer`, briefly; the log itself is read on demand, so
  // a screen reader does not recite a whole checklist as it arrives.
  log.setAttribute("aria-live", "off");
  var announcer = el("div", "sr-only announcer");
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  var welcome = el("div", "msg bot welcome");
  var typing = el("div", "msg bot typing");
  typing.hidden = true;
  typing.setAttribute("role", "status");
  typing.append(el("span", "dot"), el("span", "dot"), el("span", "dot"));

  var form = el("form", "composer");
  var input = el("textarea", "input");
  input.rows = 1;
  input.maxLength = 1000;
  var sendButton = el("button", "send");
  sendButton.type = "submit";
  form.append(input, sendButton);
  panel.append(header, log, form, announcer);
  root.append(launcher, panel);

  launcher.addEventListener("click", function () { setOpen(true); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter adds a line; not while an IME is composing Chinese.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : sendButton.click();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false);
  });

  function applyLabels() {
    panel.lang = host.lang =
      state.lang === "en" ? "en" : state.lang === "zh" ? "zh-Hans" : "zh-Hant";
    title.textContent = t("title");
    panel.setAttribute("aria-label", t("title"));
    launcher.setAttribute("aria-label", t("open"));
    launcher.title = t("open");
    closeButton.setAttribute("aria-label", t("close"));
    resetButton.setAttribute("aria-label", t("reset"));
    resetButton.title = t("reset");
    langs.setAttribute("aria-label", t("langLabel"));
    langButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === state.lang));
    });
    welcome.textContent = t("welcome");
    typing.setAttribute("aria-label", t("typing"));
    input.placeholder = t("placeholder");
    input.setAttribute("aria-label", t("placeholder"));
    input.title = t("placeholder");
    sendButton.textContent = t("send");
  }

  function setLang(lang) {
    state.lang = normaliseLang(lang) || "zh";
    save("lang", state.lang);
    applyLabels();
  }

  function setOpen(open) {
    state.open = open;
    save("open", open);
    panel.hidden = !open;
    launcher.hidden = open;
    if (open) {
      scrollDown();
      input.focus();
    } else {
      launcher.focus();
    }
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  /* Quick replies belong to the latest bot message only; once the user moves on they go. */
  function clearQuickReplies() {
    root.querySelectorAll(".quick-replies").forEach(function (node) { node.remove(); });
  }

  function isCard(custom) {
    return !!custom && custom.type === CARD_TYPE && Array.isArray(custom.sections);
  }

  function cardLang(card) {
    return card && (card.lang === "en" || card.lang === "zh-Hant" || card.lang === "zh-Hans")
      ? card.lang : null;
  }

  /* One item of a section: its first line, then the lines under it (an office's address). */
  function appendLines(parent, text) {
    String(text).split("\n").forEach(function (line, i) {
      if (i) parent.appendChild(el("br"));
      appendText(parent, line);
    });
  }

  function renderSection(section) {
    var node = el("section", "card-section" + (section.kind ? " card-" + section.kind : ""));
    if (section.title) {
      node.appendChild(el(section.kind === "heading" ? "h3" : "h4", "card-title", section.title));
    }
    var items = Array.isArray(section.items) ? section.items : [];
    var style = section.style;
    var list = style === "numbered" ? el("ol") :
      style === "bullets" || style === "dash" ? el("ul", style === "dash" ? "dash" : null) : null;
    items.forEach(function (item) {
      var holder = list ? list.appendChild(el("li")) :
        node.appendChild(el("p", style === "indented" ? "indented" : null));
      appendLines(holder, item);
    });
    if (list && items.length) node.appendChild(list);
    return node;
  }

  /* The passage behind a citation, fetched once when first opened. */
  function toggleSource(button, box, ref, lang) {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    box.hidden = !open;
    if (!open || box.getAttribute("data-loaded")) return;
    box.setAttribute("data-loaded", "1");
    box.textContent = t("loading");
    var uiLang = lang === "en" ? "en" : lang === "zh-Hant" ? "zh-Hant" : "zh";
    fetch(SOURCES_URL + "?ref=" + encodeURIComponent(ref) + "&lang=" + uiLang)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        box.textContent = "";
        box.appendChild(el("p", "passage-title", String(data.title || "")));
        box.appendChild(el("p", "passage-meta",
          t("quoteFrom") + " · " + String(data.authority || "") + " · " + String(data.ref || ref)));
        var quote = box.appendChild(el("blockquote", "passage-text"));
        quote.lang = data.language === "zh" ? "zh-Hans" : String(data.language || "");
        (Array.isArray(data.passages) ? data.passages : []).forEach(function (part) {
          quote.appendChild(el("p", null, String(part)));
        });
      })
      .catch(function () {
        box.removeAttribute("data-loaded");
        box.textContent = t("sourceError");
      });
  }

  function renderSources(card, lang) {
    var node = el("section", "card-sources");
    node.appendChild(el("h4", "card-title", t("sources")));
    var list = node.appendChild(el("ul", "source-list"));
    card.sources.forEach(function (source, i) {
      var item = list.appendChild(el("li"));
      var button = item.appendChild(el("button", "source", String(source.label || source.ref)));
      button.type = "button";
      button.setAttribute("aria-expanded", "false");
      var box = item.appendChild(el("div", "passage"));
      box.id = "passage-" + (++passageCount) + "-" + i;
      box.hidden = true;
      button.setAttribute("aria-controls", box.id);
      button.addEventListener("click", function () {
        toggleSource(button, box, String(source.ref), lang);
      });
    });
    return node;
  }

  var passageCount = 0;

  function copyText(text, status) {
    var done = function () { status.textContent = t("copied"); };
    var failed = function () { status.textContent = t("copyFailed"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  /* A window holding only the checklist, printed; built with DOM nodes, never HTML text. */
  function printText(heading, text) {
    var win = window.open("", "_blank", "width=640,height=800");
    if (!win) return;
    var doc = win.document;
    doc.title = heading || t("title");
    var pre = doc.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.style.font = "14px/1.6 system-ui, sans-serif";
    pre.textContent = text;
    doc.body.appendChild(pre);
    win.focus();
    win.print();
  }

  /* An answer as one card: heading, sections, copy and print, sources that open. */
  function renderCard(card, text) {
    var article = el("article", "msg bot card");
    var lang = cardLang(card);
    if (lang) article.lang = lang;
    var heading = String(card.heading || "").replace(/^【(.*)】$/, "$1");
    article.setAttribute("aria-label", heading || t("answer"));
    if (heading) article.appendChild(el("h3", "card-heading", heading));
    card.sections.forEach(function (section) {
      if (section && typeof section === "object") article.appendChild(renderSection(section));
    });
    var checklist = String(card.checklist || text || "");
    var actions = article.appendChild(el("div", "card-actions"));
    var copy = actions.appendChild(el("button", "card-copy", t("copy")));
    copy.type = "button";
    var print = actions.appendChild(el("button", "card-print", t("print")));
    print.type = "button";
    var status = actions.appendChild(el("span", "card-status"));
    status.setAttribute("role", "status");
    copy.addEventListener("click", function () { copyText(checklist, status); });
    print.addEventListener("click", function () { printText(heading, checklist); });
    if (Array.isArray(card.sources) && card.sources.length) {
      article.appendChild(renderSources(card, lang));
    }
    return article;
  }

  /* Tell a screen reader, briefly, that an answer came (the log itself stays quiet). */
  function announce(message) {
    var first = message.card && message.card.heading
      ? String(message.card.heading).replace(/^【(.*)】$/, "$1")
      : String(message.text || "").split("\n")[0];
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = t("newAnswer") + "：" + first; }, 50);
  }

  /*
   * `question` is the user's text this answer replies to; `live` is false for answers
   * restored from history (not announced again).
   */
  function renderMessage(message, question, live) {
    var bubble;
    if (message.from !== "user" && isCard(message.card)) {
      bubble = renderCard(message.card, message.text);
    } else {
      bubble = el("div", "msg " + (message.from === "user" ? "user" : "bot"));
      if (message.from === "user") appendText(bubble, message.text);
      else renderText(bubble, message.text || "");
    }
    log.insertBefore(bubble, typing);
    if (message.buttons && message.buttons.length) {
      var replies = el("div", "quick-replies");
      message.buttons.forEach(function (button) {
        var b = el("button", "quick-reply", button.title || button.payload);
        b.type = "button";
        b.addEventListener("click", function () {
          // The user sees what they chose; Rasa gets the exact intent and entities.
          send(button.payload || button.title, button.title || button.payload);
        });
        replies.appendChild(b);
      });
      log.insertBefore(replies, typing);
    }
    scrollDown();
    if (message.from !== "user") {
      if (live) announce(message);
      root.dispatchEvent(new CustomEvent("ekey:answer", {
        bubbles: true,
        detail: { question: question || "", element: bubble,
                  lang: cardLang(message.card) || state.lang, restored: !live }
      }));
    }
  }

  function renderError(text) {
    log.insertBefore(el("div", "msg error", text), typing);
    scrollDown();
  }

  function remember(message) {
    var stored = { from: message.from, text: withoutCodes(message), at: Date.now() };
    if (message.buttons) stored.buttons = message.buttons;
    if (isCard(message.card)) stored.card = message.card; // answers carry no private code
    state.history.push(stored);
    state.history = state.history.slice(-MAX_HISTORY);
    save("history", state.history);
  }

  function add(message, question) {
    remember(message);
    renderMessage(message, question, true);
  }

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(WEBHOOK, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) {
        var failure = new Error("HTTP " + response.status);
        failure.status = response.status;
        throw failure;
      }
      return response.json();
    }).finally(function () { clearTimeout(timer); });
  }

  /* Send `message` to Rasa while showing `shown` as the user's bubble. */
  function send(message, shown) {
    clearQuickReplies();
    add({ from: "user", text: shown });
    state.pending = state.pending.then(function () {
      typing.hidden = false;
      scrollDown();
      return post(message).then(function (replies) {
        var any = false;
        (Array.isArray(replies) ? replies : []).forEach(function (reply) {
          var buttons = (reply.buttons || []).filter(function (b) {
            return b && (b.title || b.payload);
          }).map(function (b) {
            return { title: String(b.title || ""), payload: String(b.payload || "") };
          });
          var card = isCard(reply.custom) ? reply.custom : null;
          if (!reply.text && !buttons.length && !card) return; // images, other payloads
          any = true;
          add({ from: "bot", text: String(reply.text || ""), buttons: buttons, card: card },
            shown);
        });
        if (!any) renderError(t("empty"));
      }, function (failure) {
        renderError(failure && failure.status
          ? t("errorStatus").replace("{status}", failure.status) : t("error"));
      }).then(function () {
        typing.hidden = true;
        scrollDown();
      });
    });
    return state.pending;
  }

  function reset() {
    state.history = [];
    state.sender = randomId();
    save("history", state.history);
    save("sender", state.sender);
    announcer.textContent = "";
    log.querySelectorAll(".msg:not(.welcome):not(.typing), .quick-replies")
      .forEach(function (node) { node.remove(); });
    input.focus();
  }

  // ---- start ---------------------------------------------------------------------------------

  log.append(welcome, typing);
  var asked = "";
  state.history.forEach(function (message, i) {
    var last = i === state.history.length - 1;
    if (message.from === "user") asked = message.text;
    renderMessage(last ? message : { from: message.from, text: message.text, card: message.card },
      asked, false);
  });
  applyLabels();
  panel.hidden = !state.open;
  launcher.hidden = state.open;

  function mount() {
    document.body.appendChild(host);
    scrollDown();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  // A small API for host pages, e.g. a "chat with us" link: EKeyWidget.open().
  window.EKeyWidget = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    setLang: setLang,
    send: function (text) { return send(String(text), String(text)); },
    reset: reset
  };
})();
