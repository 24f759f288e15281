/* Staff console: the review inbox (groups of messages the assistant did not serve well, and
 * their labels) and the usage charts, from /staff/api/review/*.
 *
 * Shown with the console once staff.js has logged in; uses the same token (sessionStorage).
 * Every text from the server is set with textContent. The charts are server-side SVG shown
 * as <img> from data: URLs, so nothing in them can run in the page.
 */
"use strict";

(function () {
  const TOKEN_KEY = "ekeyStaffToken";
  const ACTOR_KEY = "ekeyStaffActor";
  const $ = (id) => document.getElementById(id);
  const VERDICTS = {
    facet: "应答为 · should answer", out_of_scope: "超出范围 · out of scope",
    missing_fact: "资料缺失 · missing fact", ignore: "忽略 · ignore",
  };
  let options = null;

  const el = window.EKeyStaff.el;  // staff.js, loaded first

  async function api(path, init) {
    const opts = Object.assign({ headers: {} }, init || {});
    opts.headers = Object.assign(
      { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` }, opts.headers);
    const resp = await fetch(path, opts);
    let body = null;
    try { body = await resp.json(); } catch (_) { body = null; }
    if (!resp.ok) throw new Error((body && body.error) || `HTTP ${resp.status}`);
    return body;
  }

  function option(value, text, selected) {
    const o = el("option", { value, text });
    if (selected) o.selected = true;
    return o;
  }

  // --- inbox -------------------------------------------------------------------------------
  function counts(map) {
    return Object.entries(map || {}).map(([k, n]) => `${k} ${n}`).join(", ");
  }

  function describe(label) {
    if (!label) return "";
    const parts = [VERDICTS[label.verdict] || label.verdict];
    for (const key of ["facet", "key_type", "procedure"]) if (label[key]) parts.push(label[key]);
    if (label.note) parts.push(`“${label.note}”`);
    return `✔ ${parts.join(" · ")} (${label.actor || ""})`;
  }

  function labelForm(group) {
    const form = el("form", { class: "label-form" });
    const verdict = el("select", { class: "verdict", "aria-label": "verdict" });
    for (const [v, text] of Object.entries(VERDICTS)) verdict.append(option(v, text));
    const facet = el("select", { class: "facet", "aria-label": "facet" });
    for (const f of options.facets) facet.append(option(f, f));
    const keyType = el("select", { class: "key-type", "aria-label": "key type" });
    keyType.append(option("", "钥匙类型 · key type"));
    for (const k of options.key_types) keyType.append(option(k.id, `${k.name} · ${k.name_en}`));
    const procedure = el("select", { class: "procedure", "aria-label": "procedure" });
    function fillProcedures() {
      procedure.replaceChildren(option("", "业务 · procedure"));
      for (const p of options.procedures) {
        if (!keyType.value || p.key_type === keyType.value) {
          procedure.append(option(p.id, `${p.name} · ${p.name_en}`));
        }
      }
    }
    fillProcedures();
    keyType.addEventListener("change", fillProcedures);
    const note = el("input", { class: "note", maxlength: "2000",
                               placeholder: "备注：资料缺了什么 · note: what the sources lack" });
    const save = el("button", { type: "submit", class: "save", text: "保存标注 · Save label" });
    const msg = el("span", { class: "status" });
    function sync() {
      const isFacet = verdict.value === "facet";
      facet.hidden = keyType.hidden = procedure.hidden = !isFacet;
      note.hidden = verdict.value !== "missing_fact";
    }
    verdict.addEventListener("change", sync);
    sync();
    form.append(verdict, facet, keyType, procedure, note, save, msg);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { ids: group.ids, verdict: verdict.value, note: note.value,
                     actor: sessionStorage.getItem(ACTOR_KEY) || "staff" };
      if (verdict.value === "facet") {
        body.facet = facet.value;
        if (keyType.value) body.key_type = keyType.value;
        if (procedure.value) body.procedure = procedure.value;
      }
      save.disabled = true;
      try {
        await api("/staff/api/review/labels", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body) });
        msg.textContent = "已保存 · saved";
        loadInbox();
      } catch (err) {
        msg.textContent = err.message;
        save.disabled = false;
      }
    });
    return form;
  }

  function renderGroup(group) {
    const examples = el("ul", { class: "examples" });
    for (const ex of group.examples) {
      examples.append(el("li", { "data-id": String(ex.id) }, ex.text,
        ex.comment ? el("span", { class: "comment", text: ` — 👎 “${ex.comment}”` }) : null,
        el("span", { class: "meta", text: ` · ${ex.lang} · ${ex.channel} · ${ex.reason} · ${ex.at.replace("T", " ")}` })));
    }
    return el("article", { class: "group", "data-key": group.key, "data-count": String(group.count),
                           "data-status": group.status },
      el("h3", {}, el("span", { class: "count", text: `×${group.count}` }),
         el("span", { class: "text", text: group.text })),
      el("p", { class: "meta", text: [counts(group.langs), counts(group.channels),
                                      counts(group.reasons), group.latest.replace("T", " ")]
        .join(" · ") }),
      examples,
      group.label ? el("p", { class: "current", text: describe(group.label) }) : null,
      labelForm(group));
  }

  async function loadInbox(event) {
    if (event) event.preventDefault();
    const params = new URLSearchParams({ status: $("f-status").value, days: $("f-days").value });
    for (const [key, id] of [["lang", "f-lang"], ["channel", "f-channel"], ["reason", "f-reason"],
                             ["q", "f-q"]]) {
      if ($(id).value.trim()) params.set(key, $(id).value.trim());
    }
    try {
      if (!options) options = await api("/staff/api/review/options");
      const answer = await api(`/staff/api/review/inbox?${params}`);
      $("inbox-groups").replaceChildren(...answer.groups.map(renderGroup));
      const messages = answer.groups.reduce((n, g) => n + g.count, 0);
      $("inbox-status").textContent = `${answer.count} 组 groups · ${messages} 条 messages`;
    } catch (err) {
      $("inbox-status").textContent = err.message;
    }
  }

  async function exportNlu() {
    try {
      const answer = await api("/staff/api/review/export", { method: "POST" });
      $("export-output").hidden = false;
      $("export-output").textContent = answer.yaml;
      $("inbox-status").textContent =
        `${answer.path}: ${answer.counts.examples} examples · ${answer.counts.groups} groups`;
    } catch (err) {
      $("inbox-status").textContent = err.message;
    }
  }

  // --- charts ------------------------------------------------------------------------------
  async function loadCharts(event) {
    if (event) event.preventDefault();
    try {
      const answer = await api(`/staff/api/review/charts?days=${encodeURIComponent($("c-days").value)}`);
      $("charts").replaceChildren(...answer.charts.map((chart) => {
        const img = el("img", { alt: chart.id,
          src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(chart.svg) });
        return el("figure", { "data-chart": chart.id }, img);
      }));
    } catch (err) {
      $("charts").replaceChildren(el("p", { class: "error", text: err.message }));
    }
  }

  function showTab(name) {
    const inbox = name === "inbox";
    $("inbox-panel").hidden = !inbox;
    $("charts-panel").hidden = inbox;
    $("tab-inbox").setAttribute("aria-selected", String(inbox));
    $("tab-charts").setAttribute("aria-selected", String(!inbox));
    if (inbox) loadInbox();
    else loadCharts();
  }

  function start() {
    const consoleEl = $("console");
    const sync = () => {
      const on = !consoleEl.hidden;
      const was = !$("review").hidden;
      $("review").hidden = !on;
      if (on && !was) showTab($("charts-panel").hidden ? "inbox" : "charts");
    };
    new MutationObserver(sync).observe(consoleEl, { attributes: true, attributeFilter: ["hidden"] });
    $("inbox-filters").addEventListener("submit", loadInbox);
    $("charts-form").addEventListener("submit", loadCharts);
    $("export-btn").addEventListener("click", exportNlu);
    $("tab-inbox").addEventListener("click", () => showTab("inbox"));
    $("tab-charts").addEventListener("click", () => showTab("charts"));
    sync();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
