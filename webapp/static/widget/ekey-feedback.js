/*
 * E-Key Assistant: 👍/👎 under each answer of the chat widget, for the staff's review inbox.
 *
 *   <script src="https://HOST/widget/ekey-widget.js" defer data-rasa-url="…"></script>
 *   <script src="https://HOST/widget/ekey-feedback.js" defer></script>
 *
 * data-feedback-url  where ratings go (default: /feedback on the host this script came from;
 *                    the embedding page's origin must be in the web app's CORS_ORIGINS).
 *
 * The widget dispatches `ekey:answer` ({question, element, lang, restored}) on its Shadow
 * DOM after drawing each answer; this file listens there and adds two buttons to the answer
 * (not to answers redrawn from the stored history). A 👎
 * opens a one-line box for an optional comment (at most 500 characters). What is sent: the
 * rating, the question the answer replied to, the comment, the UI language and the widget's
 * sender id (the server keeps only a salted hash of it, and redacts the texts before
 * storing them: review/). All text is set with textContent, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.EKeyFeedback) return;
  var ENDPOINT = script.getAttribute("data-feedback-url") || new URL("/feedback", script.src).href;
  var CSS_URL = new URL("ekey-feedback.css" + new URL(script.src).search, script.src).href;
  var MAX_COMMENT = 500;
  var STRINGS = {
    zh: { up: "有帮助", down: "没有帮助", placeholder: "缺了什么？（可不填）", send: "提交",
          thanks: "谢谢您的反馈", failed: "反馈未能发送" },
    "zh-Hant": { up: "有幫助", down: "沒有幫助", placeholder: "缺了什麼？（可不填）", send: "送出",
                 thanks: "謝謝您的回饋", failed: "回饋未能送出" },
    en: { up: "Helpful", down: "Not helpful", placeholder: "What was missing? (optional)",
          send: "Send", thanks: "Thank you for your feedback", failed: "Feedback not sent" }
  };

  function strings(lang) { return STRINGS[lang === "zh-Hans" ? "zh" : lang] || STRINGS.zh; }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function sender() {
    try {
      return JSON.parse(window.localStorage.getItem("ekey-widget:sender")) || null;
    } catch (e) {
      return null;
    }
  }

  function post(rating, detail, comment) {
    return fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rating: rating, question: String(detail.question || "").slice(0, 2000),
                             comment: comment || "", lang: detail.lang, sender: sender() })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
    });
  }

  function done(bar, text) {
    bar.textContent = "";
    bar.appendChild(el("span", "ekey-feedback-done", text));
  }

  function onAnswer(event) {
    var detail = event.detail || {};
    var answer = detail.element;
    // Answers redrawn from the stored history after a reload are not rated again.
    if (detail.restored || !answer || !answer.appendChild ||
        answer.querySelector(".ekey-feedback")) return;
    var s = strings(detail.lang);
    var bar = el("div", "ekey-feedback");
    // The thumbs are drawn by the stylesheet (::before), so the answer's own text stays as
    // the bot wrote it for anything reading it (copying, the widget's tests, screen readers
    // get the buttons' labels instead).
    var up = el("button", "ekey-feedback-up");
    var down = el("button", "ekey-feedback-down");
    [[up, s.up], [down, s.down]].forEach(function (pair) {
      pair[0].type = "button";
      pair[0].title = pair[1];
      pair[0].setAttribute("aria-label", pair[1]);
      bar.appendChild(pair[0]);
    });
    up.addEventListener("click", function () {
      post("up", detail, "").then(function () { done(bar, s.thanks); },
                                  function () { done(bar, s.failed); });
    });
    down.addEventListener("click", function () {
      var form = el("form", "ekey-feedback-form");
      var input = el("input", "ekey-feedback-comment");
      input.maxLength = MAX_COMMENT;
      input.placeholder = s.placeholder;
      input.setAttribute("aria-label", s.placeholder);
      var submit = el("button", "ekey-feedback-send", s.send);
      submit.type = "submit";
      form.append(input, submit);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        submit.disabled = true;
        post("down", detail, input.value.slice(0, MAX_COMMENT)).then(
          function () { done(bar, s.thanks); }, function () { done(bar, s.failed); });
      });
      bar.textContent = "";
      bar.appendChild(form);
      input.focus();
    });
    answer.appendChild(bar);
  }

  /* The widget's Shadow DOM, once it exists: the event does not leave it. */
  function attach() {
    var host = document.getElementById("ekey-widget");
    var root = host && host.shadowRoot;
    if (!root || root.ekeyFeedback) return !!root;
    root.ekeyFeedback = true;
    var css = el("link");
    css.rel = "stylesheet";
    css.href = CSS_URL;
    root.appendChild(css);
    root.addEventListener("ekey:answer", onAnswer);
    return true;
  }

  document.addEventListener("ekey:answer", onAnswer); // a widget without a Shadow DOM
  if (!attach()) {
    var observer = new MutationObserver(function () { if (attach()) observer.disconnect(); });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  }
  window.EKeyFeedback = { endpoint: ENDPOINT };
})();
