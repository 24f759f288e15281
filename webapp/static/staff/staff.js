/* Hotline staff console.
 *
 * Search as you type, cards rendered from /staff/api/search, application lookup and stage
 * updates through /staff/api/applications. The token lives in sessionStorage only, so it goes
 * when the tab closes, and is sent as a Bearer header. Every piece of data is inserted with
 * textContent: nothing from the server or the user is ever parsed as HTML.
 */
"use strict";

(function () {
  const TOKEN_KEY = "ekeyStaffToken";
  const LANG_KEY = "ekeyStaffLang";
  const ACTOR_KEY = "ekeyStaffActor";
  const SEARCH_DELAY_MS = 120;

  // The console's own wording; facts and headings come from the knowledge base.
  const UI = {
    zh: {
      title: "热线坐席工作台", logout: "退出", token: "坐席令牌", login: "登录",
      search: "搜索", placeholder: "输入问题，如：IC卡 解锁、补办、unlock e-port",
      applications: "申请进度", reference: "申请编号", lookup: "查询", procedure: "业务",
      submitted: "提交日期", channel: "方式", stage: "当前阶段", expected: "预计时间",
      history: "办理记录", at: "时间", remark: "备注", actor: "操作人", update: "更新阶段",
      next_stage: "下一阶段", save: "保存", copy: "复制清单", print: "打印",
      copied: "已复制到剪贴板", selected: "已选中，按 Ctrl+C 复制",
      results: "{n} 条结果 · {ms} 毫秒", none: "没有找到相关办事指南", matched: "匹配：",
      used_by: "适用业务", more: "步骤、时限、地点与联系方式", overdue: "已逾期", due: "预计",
      wrong_token: "令牌不正确", expired: "登录已失效，请重新输入令牌",
      not_configured: "服务器未配置坐席令牌", failed: "请求失败：",
      not_found: "未找到该申请", no_next: "没有可选的下一阶段", saved: "已更新",
      online: "在线", offline: "线下", on_site: "现场", courier: "快递",
    },
    "zh-Hant": {
      title: "熱線坐席工作台", logout: "登出", token: "坐席權杖", login: "登入",
      search: "搜尋", placeholder: "輸入問題，如：IC卡 解鎖、補辦、unlock e-port",
      applications: "申請進度", reference: "申請編號", lookup: "查詢", procedure: "業務",
      submitted: "提交日期", channel: "方式", stage: "目前階段", expected: "預計時間",
      history: "辦理記錄", at: "時間", remark: "備註", actor: "操作人", update: "更新階段",
      next_stage: "下一階段", save: "儲存", copy: "複製清單", print: "列印",
      copied: "已複製到剪貼簿", selected: "已選取，按 Ctrl+C 複製",
      results: "{n} 筆結果 · {ms} 毫秒", none: "沒有找到相關辦事指南", matched: "匹配：",
      used_by: "適用業務", more: "步驟、時限、地點與聯絡方式", overdue: "已逾期", due: "預計",
      wrong_token: "權杖不正確", expired: "登入已失效，請重新輸入權杖",
      not_configured: "伺服器未設定坐席權杖", failed: "請求失敗：",
      not_found: "找不到該申請", no_next: "沒有可選的下一階段", saved: "已更新",
      online: "線上", offline: "線下", on_site: "現場", courier: "快遞",
    },
    en: {
      title: "Hotline staff console", logout: "Log out", token: "Staff token", login: "Log in",
      search: "Search", placeholder: "Type the question, e.g. unlock e-port, IC卡 解锁, 補辦",
      applications: "Applications", reference: "Reference", lookup: "Look up",
      procedure: "Procedure", submitted: "Submitted", channel: "Channel", stage: "Stage",
      expected: "Expected", history: "History", at: "When", remark: "Remark", actor: "Staff",
      update: "Update stage", next_stage: "Next stage", save: "Save", copy: "Copy checklist",
      print: "Print", copied: "Copied to the clipboard", selected: "Selected: press Ctrl+C",
      results: "{n} results · {ms} ms", none: "No matching procedure", matched: "Matched: ",
      used_by: "Used by", more: "Steps, times, offices and contacts", overdue: "overdue", due: "due",
      wrong_token: "Wrong token", expired: "Session expired: enter the token again",
      not_configured: "The server has no staff token configured", failed: "Request failed: ",
      not_found: "No application with that reference", no_next: "No further stage",
      saved: "Updated", online: "online", offline: "offline", on_site: "on site",
      courier: "courier",
    },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    lang: sessionStorage.getItem(LANG_KEY) || "zh",
    lastAnswer: null,
    application: null,
    pending: null,
    timer: 0,
  };

  function t(key, values) {
    let text = (UI[state.lang] || UI.zh)[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.replace(`{${k}}`, v);
    return text;
  }

  /** A DOM element; children are elements or strings (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === "") continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const src = (label) => (label ? el("span", { class: "src", text: label }) : null);
  const nameIn = (pair) => (pair ? (state.lang === "en" ? pair.en : pair.zh) || "" : "");

  // --- session -----------------------------------------------------------------------------
  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";

  class AuthError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Authorization: `Bearer ${token()}` }, opts.headers);
    const resp = await fetch(path, opts);
    if (resp.status === 401 || resp.status === 503) {
      throw new AuthError(resp.status, resp.status === 503 ? t("not_configured") : t("expired"));
    }
    let body = null;
    try { body = await resp.json(); } catch (_) { body = null; }
    return { status: resp.status, body };
  }

  function showConsole(on) {
    $("login").hidden = on;
    $("console").hidden = !on;
    $("logout").hidden = !on;
    if (on) $("q").focus();
    else $("token").focus();
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("login-error").textContent = message || "";
    $("results").replaceChildren();
    $("app-detail").hidden = true;
    showConsole(false);
  }

  async function login(event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    try {
      const { status } = await api("/staff/api/session");
      if (status !== 200) throw new Error(t("failed") + status);
      $("login-error").textContent = "";
      showConsole(true);
      if ($("q").value.trim()) runSearch();
    } catch (err) {
      logout(err instanceof AuthError && err.status === 401 ? t("wrong_token") : err.message);
    }
  }

  function handle(err, where) {
    if (err instanceof AuthError) logout(err.message);
    else if (err.name !== "AbortError") where.textContent = t("failed") + err.message;
  }

  // --- search ------------------------------------------------------------------------------
  function scheduleSearch() {
    clearTimeout(state.timer);
    state.timer = setTimeout(runSearch, SEARCH_DELAY_MS);
  }

  async function runSearch() {
    clearTimeout(state.timer);
    const q = $("q").value.trim();
    if (state.pending) state.pending.abort();
    if (!q) {
      state.lastAnswer = null;
      $("results").replaceChildren();
      $("status").textContent = "";
      return;
    }
    const ctrl = new AbortController();
    state.pending = ctrl;
    const url = `/staff/api/search?q=${encodeURIComponent(q)}&lang=${encodeURIComponent(state.lang)}`;
    try {
      const { status, body } = await api(url, { signal: ctrl.signal });
      if (ctrl !== state.pending) return;
      if (status !== 200) throw new Error((body && body.error) || String(status));
      state.lastAnswer = body;
      renderResults(body);
    } catch (err) {
      handle(err, $("status"));
    }
  }

  function renderResults(answer) {
    const results = answer.results || [];
    $("status").textContent = results.length
      ? t("results", { n: results.length, ms: answer.took_ms }) : t("none");
    $("results").replaceChildren(
      ...results.map((card, i) => renderCard(card, answer.labels, i === 0)));
  }

  function section(cls, heading, ...content) {
    const body = content.filter((c) => c);
    return body.length ? el("section", { class: cls }, el("h3", { text: heading }), ...body) : null;
  }

  function list(tag, items, render) {
    return items && items.length ? el(tag, {}, ...items.map(render)) : null;
  }

  const lineItem = (line) => el("li", {}, line.text, src(line.source));

  function materialItem(m) {
    const text = m.qualifier
      ? (state.lang === "en" ? `${m.name} (${m.qualifier})` : `${m.name}（${m.qualifier}）`)
      : m.name;
    return el("li", {}, text, src(m.source));
  }

  function officeItem(o, labels) {
    const district = state.lang === "en" ? ` (${o.district})` : `（${o.district}）`;
    const head = o.district ? o.name + district : o.name;
    return el("li", { class: "office" },
      el("strong", { text: head }),
      o.address ? el("div", { class: "address", text: o.address }) : null,
      o.phone ? el("div", { class: "phone", text: `${labels.phone} ${o.phone}` }) : null,
      el("div", { class: "hours", text: o.hours }),
      o.note ? el("div", { class: "note", text: o.note }) : null,
      src(o.source));
  }

  function checklistTools(card) {
    const box = el("textarea", { class: "checklist", readonly: "", rows: "8", hidden: "" });
    const status = el("span", { class: "status copy-status", "aria-live": "polite" });
    const copy = el("button", { type: "button", class: "copy", text: t("copy") });
    const print = el("button", { type: "button", class: "print quiet", text: t("print") });
    copy.addEventListener("click", () => copyChecklist(card.checklist, box, status));
    print.addEventListener("click", (event) => printCard(event.target.closest(".card")));
    return [el("div", { class: "actions" }, copy, print, status), box];
  }

  /** The checklist into the clipboard; where that is refused, selected in a box for Ctrl+C. */
  async function copyChecklist(text, box, status) {
    box.value = text;
    box.hidden = false;
    box.select();
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = t("copied");
    } catch (_) {
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (__) { ok = false; }
      status.textContent = ok ? t("copied") : t("selected");
    }
  }

  /** Folded details print too: open them for the printout, fold them back afterwards. */
  function openForPrint(scope) {
    const closed = [...scope.querySelectorAll("details.more:not([open])")];
    for (const d of closed) d.open = true;
    window.addEventListener("afterprint", () => { for (const d of closed) d.open = false; },
      { once: true });
  }

  function printCard(card) {
    document.body.classList.add("print-one");
    card.classList.add("print-target");
    window.addEventListener("afterprint", () => {
      document.body.classList.remove("print-one");
      card.classList.remove("print-target");
    }, { once: true });
    openForPrint(card);
    window.print();
  }

  /** One card; the materials always show, the rest folds away except on the best match. */
  function renderCard(card, labels, best) {
    const node = el("article", { class: `card card-${card.type}`, "data-id": card.id },
      el("header", {},
        el("h2", { text: card.title }),
        card.key_type ? el("span", { class: "tag", text: card.key_type }) : null,
        ...(card.channels || []).map((c) => el("span", { class: "tag", text: c }))),
      card.password ? el("p", {}, labels.passwords + (state.lang === "en" ? ": " : "："),
        el("span", { class: "password", text: card.password })) : null,
      card.summary ? el("p", { class: "summary", text: card.summary }) : null,
      src(card.source));
    if (card.type === "procedure") {
      node.append(section("materials", labels.materials,
        list("ol", card.materials, materialItem), ...checklistTools(card)));
      const more = el("details", { class: "more" }, el("summary", { text: t("more") }));
      more.open = best;
      node.append(more);
      more.append(...[
        section("steps", labels.steps, list("ol", card.steps, lineItem)),
        section("times", labels.times, list("ul", card.times, lineItem),
          card.times_missing ? el("p", { class: "missing", text: card.times_missing }) : null),
        section("fee", labels.fee, card.fee ? el("p", {}, card.fee.text, src(card.fee.source))
          : el("p", { class: "missing", text: card.fee_missing })),
        section("collect", labels.collect, list("ul", card.collect, lineItem)),
        section("notes", labels.notes, list("ul", card.notes, lineItem)),
        section("passwords", labels.passwords, list("ul", card.passwords, lineItem)),
        section("offices", labels.offices,
          list("ul", card.offices, (o) => officeItem(o, labels))),
        section("contacts", labels.contacts, list("ul", card.contacts, lineItem)),
        ...(card.conflicts || []).map((c) => el("section", { class: "conflict" },
          el("p", { text: c.intro }), list("ul", c.values, lineItem))),
      ].filter((s) => s));
    } else if (card.type === "office_group") {
      node.append(section("offices", labels.offices,
        list("ul", card.offices, (o) => officeItem(o, labels))) || "");
    } else if (card.type === "password") {
      node.append(section("used-by", t("used_by"),
        list("ul", card.procedures, (name) => el("li", { text: name }))) || "");
    }
    if (card.matched && card.matched.length) {
      node.append(el("p", { class: "matched", text: t("matched") + card.matched.join(" · ") }));
    }
    return node;
  }

  // --- applications ------------------------------------------------------------------------
  async function lookup(event) {
    if (event) event.preventDefault();
    const ref = $("ref").value.trim();
    if (!ref) return;
    $("app-error").textContent = "";
    $("stage-msg").textContent = "";
    try {
      const { status, body } = await api(`/staff/api/applications/${encodeURIComponent(ref)}`);
      if (status === 404) {
        $("app-detail").hidden = true;
        $("app-error").textContent = `${t("not_found")}: ${ref}`;
        return;
      }
      if (status !== 200) throw new Error((body && body.error) || String(status));
      renderApplication(body);
    } catch (err) {
      handle(err, $("app-error"));
    }
  }

  const when = (iso) => String(iso || "").replace("T", " ").slice(0, 16);

  function renderApplication(app) {
    state.application = app;
    $("app-detail").hidden = false;
    $("app-ref").textContent = app.reference;
    $("app-procedure").textContent = nameIn(app.procedure_name) || app.procedure_id;
    $("app-submitted").textContent = app.submitted_on || "";
    $("app-channel").textContent = app.channel ? t(app.channel) : "";
    $("app-stage").textContent = nameIn(app.stage_name) || app.stage;
    $("app-expected").replaceChildren(...(app.expected || []).map((e) => el("li",
      { class: e.overdue ? "overdue" : "" },
      `${nameIn(e.text)} → ${t("due")} ${e.due}`, e.overdue ? ` (${t("overdue")})` : "")));
    $("app-events").replaceChildren(...(app.events || []).map((e) => el("tr", {},
      el("td", { text: when(e.at) }), el("td", { text: nameIn(e.stage_name) || e.stage }),
      el("td", { text: e.remark || "" }), el("td", { text: e.actor || "" }))));
    const next = app.next_stages || [];
    $("next-stage").replaceChildren(...next.map((s) =>
      el("option", { value: s.id, text: nameIn(s.name) || s.id })));
    const form = $("stage-form");
    for (const field of form.elements) field.disabled = !next.length;
    $("stage-msg").textContent = next.length ? "" : t("no_next");
  }

  async function updateStage(event) {
    event.preventDefault();
    const app = state.application;
    if (!app) return;
    const actor = $("actor").value.trim();
    sessionStorage.setItem(ACTOR_KEY, actor);
    const payload = { stage: $("next-stage").value, remark: $("remark").value.trim(), actor };
    $("stage-msg").textContent = "";
    try {
      const { status, body } = await api(
        `/staff/api/applications/${encodeURIComponent(app.reference)}/events`,
        { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(payload) });
      if (status !== 201) throw new Error((body && body.error) || String(status));
      $("remark").value = "";
      renderApplication(body);
      $("stage-msg").textContent = t("saved");
    } catch (err) {
      handle(err, $("stage-msg"));
    }
  }

  // --- language ----------------------------------------------------------------------------
  function applyLanguage(lang) {
    state.lang = UI[lang] ? lang : "zh";
    sessionStorage.setItem(LANG_KEY, state.lang);
    document.documentElement.lang = state.lang === "zh" ? "zh-Hans" : state.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n);
    }
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    }
    for (const button of document.querySelectorAll(".langs button")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    }
    if (state.application) renderApplication(state.application);
    if (token() && $("q").value.trim()) runSearch();
  }

  function start() {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", () => logout(""));
    $("q").addEventListener("input", scheduleSearch);
    $("q").addEventListener("keydown", (e) => { if (e.key === "Enter") runSearch(); });
    $("app-lookup").addEventListener("submit", lookup);
    $("stage-form").addEventListener("submit", updateStage);
    for (const button of document.querySelectorAll(".langs button")) {
      button.addEventListener("click", () => applyLanguage(button.dataset.lang));
    }
    $("actor").value = sessionStorage.getItem(ACTOR_KEY) || "";
    window.addEventListener("beforeprint", () => {
      if (!document.body.classList.contains("print-one")) openForPrint($("results"));
    });
    applyLanguage(state.lang);
    if (!token()) { showConsole(false); return; }
    api("/staff/api/session")
      .then(({ status }) => (status === 200 ? showConsole(true) : logout("")))
      .catch((err) => logout(err instanceof AuthError ? err.message : ""));
  }

  window.EKeyStaff = { el };  // shared with review.js
  document.addEventListener("DOMContentLoaded", start);
})();
