// kubectl boring dashboard: the page. Plain JS, no framework: it keeps the
// rows the server streams (server-sent events) and redraws what changed.
"use strict";

(function () {
  let csrf = document.querySelector('meta[name="csrf-token"]').content;
  const rows = new Map(); // key -> row, as the server sends it
  const elements = new Map(); // key -> { json, el }
  const syncs = new Map(); // key -> "requesting" | error text
  let meta = { credentials: [], unmapped: [], unmappedKnown: false, dashboardURL: "" };
  let scheduled = false;
  const $ = (id) => document.getElementById(id);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "href" ||
               k === "target" || k === "rel" || k === "type" || k === "title") e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? iso : dateFormat.format(d);
  }

  function daysText(days, what) {
    const of = what === "data access" ? "Facebook data access" : "token";
    if (days === null || days === undefined) return "Never expires";
    if (days <= 0) return of === "token" ? "Expired" : "Data access expired";
    return days + (days === 1 ? " day" : " days") + " left" + (what === "data access" ? " (data access)" : "");
  }

  function esc(v) {
    return String(v === undefined || v === null ? "" : v).replace(/[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function copyHTML(id, what) {
    return '<button type="button" class="copy" data-account-id="' + esc(id) + '" aria-label="Copy the account ID of ' + esc(what) +
      '">Copy ID</button><span class="feedback" role="status" aria-live="polite"></span><code class="id">' + esc(id) + "</code>";
  }

  async function copy(text, feedback) {
    feedback.classList.remove("error");
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
      } else {
        // Outside a secure context (a non-loopback --address) the
        // Clipboard API is missing: copy through a selection.
        const area = el("textarea", { value: text, readOnly: true });
        document.body.append(area);
        area.select();
        const ok = document.execCommand("copy");
        area.remove();
        if (!ok) throw new Error("copy refused");
      }
      feedback.textContent = "Copied";
    } catch (e) {
      feedback.classList.add("error");
      feedback.textContent = "Could not copy: select the ID and copy it";
    }
    setTimeout(() => { feedback.textContent = ""; }, 4000);
  }

  function syncText(row) {
    const local = syncs.get(row.key);
    if (local === "requesting") return ["Requesting a sync…", ""];
    if (local) return [local, "error"];
    if (!row.syncRequested) return ["", ""];
    const at = new Date(row.syncRequested);
    const t = isNaN(at) ? row.syncRequested : timeFormat.format(at);
    if (row.syncRequested !== row.syncHandled) return ["Sync requested at " + t + "; waiting for the operator…", "waiting"];
    return ["Sync of " + t + " handled by the operator", "handled"];
  }

  async function requestSync(row) {
    syncs.set(row.key, "requesting");
    schedule();
    try {
      const resp = await fetch("/api/sync", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ namespace: row.namespace, name: row.name }),
      });
      const body = await resp.json().catch(() => ({}));
      if (!resp.ok) throw new Error(body.error || resp.statusText);
      syncs.delete(row.key);
      // The watch brings the annotation; show it now all the same.
      const current = rows.get(row.key);
      if (current) rows.set(row.key, Object.assign({}, current, { syncRequested: body.requested }));
    } catch (e) {
      syncs.set(row.key, "Sync failed: " + e.message);
    }
    schedule();
  }

  // The bar shows days left on a 60-day scale (90 past it: Facebook's data
  // access), with a dashed mark at the account's warning window. Its widths
  // are set through the CSSOM (setBar): the policy allows no style
  // attributes.
  function barHTML(row) {
    const days = row.daysLeft;
    const label = days === null || days === undefined
      ? "Never expires"
      : daysText(days, row.expiryWhat) + "; warning window " + row.warningDays + " days";
    return '<div class="bar" role="img" aria-label="' + esc(label) + '"><span class="fill"></span>' +
      (days === null || days === undefined ? "" : '<span class="window"></span>') + "</div>";
  }

  function setBar(li, row) {
    const days = row.daysLeft;
    const none = days === null || days === undefined;
    const scale = !none && days > 60 ? 90 : 60;
    const share = none ? 1 : Math.max(0, Math.min(1, days / scale));
    li.querySelector(".fill").style.width = (share * 100).toFixed(1) + "%";
    const mark = li.querySelector(".window");
    if (mark) mark.style.left = Math.min(100, (row.warningDays / scale) * 100).toFixed(1) + "%";
  }

  // accountHTML is one row; its text is escaped, and rows are compared by
  // it to redraw only those that changed.
  function accountHTML(row) {
    const who = row.namespace + "/" + row.name;
    let h = '<li class="account ' + esc(row.state) + '" data-key="' + esc(row.key) + '" data-state="' + esc(row.state) +
      '" data-account-id="' + esc(row.accountID) + '"><div class="head"><span class="badge">' + esc(row.label) +
      '</span><span class="platform">' + esc(row.platform || "platform unknown") + '</span><span class="name">' +
      esc(row.accountName || row.name) + '</span><code class="ref">' + esc(who) + "</code></div>";
    let expiry = '<span class="days">' + esc(daysText(row.daysLeft, row.expiryWhat)) + "</span>";
    if (row.expiresAt) {
      expiry += " · " + (row.expiryWhat === "data access" ? "data access ends " : "expires ") + esc(when(row.expiresAt)) + " (" + esc(zone) + ")";
    }
    expiry += '<span class="message"> · warning window ' + esc(row.warningDays) + " days</span>";
    h += '<div class="expiry">' + barHTML(row) + "<div>" + expiry + "</div></div>";
    h += '<p class="reason">' + esc(row.reasonText || "Not synced yet") +
      (row.message ? '<span class="message"> (' + esc(row.message) + ")</span>" : "") + "</p>";
    if (row.syncProblem) h += '<p class="sync-problem">Last sync failed: ' + esc(row.syncProblem) + "</p>";
    const details = ["Secret " + row.secret];
    if (row.restarts.length) details.push("restarts " + row.restarts.join(", "));
    if (row.credentials) details.push("credentials " + row.credentials);
    if (row.lastSync) details.push("status changed " + when(row.lastSync));
    if (row.paused) details.push("paused");
    if (row.deleting) details.push("being deleted");
    h += '<p class="details">' + esc(details.join(" · ")) + '</p><div class="actions">';
    if (row.accountID) h += copyHTML(row.accountID, who);
    if (meta.dashboardURL) {
      h += '<a class="button reconnect" href="' + esc(meta.dashboardURL) + '" target="_blank" rel="noopener noreferrer" aria-label="Reconnect ' +
        esc(who) + ' in Boring (opens Boring)">Reconnect in Boring</a>';
    }
    const [st, cls] = syncText(row);
    h += '<button type="button" class="sync" aria-label="Sync ' + esc(who) + ' now">Sync now</button><span class="sync-state ' + cls +
      '" role="status" aria-live="polite">' + esc(st) + "</span></div></li>";
    return h;
  }

  const template = document.createElement("template");
  function fromHTML(html) {
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function compare(a, b) {
    if (a.rank !== b.rank) return a.rank - b.rank;
    const da = a.daysLeft, db = b.daysLeft;
    if ((da === null) !== (db === null)) return da === null ? 1 : -1;
    if (da !== null && da !== db) return da - db;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  }

  function renderAccounts() {
    const list = $("accounts");
    const sorted = Array.from(rows.values()).sort(compare);
    for (const [key, cached] of elements) {
      if (!rows.has(key)) { cached.el.remove(); elements.delete(key); }
    }
    if (elements.size === 0 && sorted.length > 0) {
      // The first draw parses every row at once: far faster than building
      // a thousand rows node by node.
      const htmls = sorted.map(accountHTML);
      list.innerHTML = htmls.join("");
      let i = 0;
      for (const li of list.children) {
        setBar(li, sorted[i]);
        elements.set(sorted[i].key, { html: htmls[i], el: li });
        i++;
      }
    } else {
      let previous = null;
      for (const row of sorted) {
        const html = accountHTML(row);
        let cached = elements.get(row.key);
        if (!cached || cached.html !== html) {
          const fresh = fromHTML(html);
          setBar(fresh, row);
          if (cached) cached.el.replaceWith(fresh);
          cached = { html, el: fresh };
          elements.set(row.key, cached);
        }
        const want = previous ? previous.nextSibling : list.firstChild;
        if (want !== cached.el) list.insertBefore(cached.el, want);
        previous = cached.el;
      }
    }
    $("empty").hidden = rows.size > 0;
  }

  function renderMeta() {
    $("scope").textContent = meta.scope ? "Namespace " + meta.scope : "All namespaces you can list";
    $("note").hidden = !meta.note;
    $("note").textContent = meta.note || "";

    const creds = $("credentials");
    creds.replaceChildren(...meta.credentials.map((c) => el("li", { class: "credential " + c.state, "data-key": c.key, "data-state": c.state },
      el("div", { class: "head" },
        el("span", { class: "badge", text: c.label }),
        el("span", { class: "name", text: "Secret " + c.key }),
        el("span", { class: "ref", text: c.accounts + (c.accounts === 1 ? " SocialAccount" : " SocialAccounts") })),
      el("p", { class: "details", text: c.detail }))));
    $("credentials-section").hidden = meta.credentials.length === 0;

    const unmapped = $("unmapped");
    unmapped.replaceChildren(...meta.unmapped.map((u) => {
      const what = (u.accountName || u.accountID) + " (" + u.platform + ")";
      return el("li", { "data-account-id": u.accountID },
        el("div", { class: "head" },
          el("span", { class: "platform", text: u.platform }),
          el("span", { class: "name", text: u.accountName || "(no name)" }),
          el("span", { class: "ref", text: "under Secret " + u.credentials })),
        el("p", { class: "details", text: daysText(u.daysLeft, "token") + (u.expiresAt ? " · expires " + when(u.expiresAt) : "") }),
        fromHTML('<div class="actions">' + copyHTML(u.accountID, what) + "</div>"));
    }));
    $("unmapped-section").hidden = meta.unmapped.length === 0;
  }

  function renderSummary() {
    let attention = 0;
    for (const r of rows.values()) if (r.state === "bad" || r.state === "expiring") attention++;
    const rejected = meta.credentials.filter((c) => c.state === "bad").length;
    let text = attention + " of " + rows.size + (rows.size === 1 ? " SocialAccount needs" : " SocialAccounts need") + " attention";
    if (rejected) text += " · " + rejected + " credentials " + (rejected === 1 ? "Secret" : "Secrets") + " rejected";
    if (meta.unmapped.length) text += " · " + meta.unmapped.length + " unmapped in Boring";
    $("summary").textContent = text;
    $("summary").classList.toggle("attention", attention + rejected > 0);
    document.title = (attention + rejected > 0 ? "(" + (attention + rejected) + ") " : "") + "Boring accounts";
  }

  function render() {
    scheduled = false;
    renderMeta();
    renderAccounts();
    renderSummary();
    // Marks for the browser's performance tools (and the tests' figures).
    performance.mark("dashboard-drawn", { detail: rows.size });
  }

  // Changes arrive one event each; draw once per frame (or soon, when the
  // tab is hidden and frames stop).
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    if (document.hidden) setTimeout(render, 200);
    else requestAnimationFrame(render);
  }

  function connect() {
    const source = new EventSource("/api/events");
    source.addEventListener("open", () => { $("connection").hidden = true; });
    source.addEventListener("error", () => {
      $("connection").hidden = false;
      // EventSource retries by itself unless the server answered with an
      // error; then start over.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    });
    source.addEventListener("snapshot", (e) => {
      const state = JSON.parse(e.data);
      rows.clear();
      for (const r of state.rows) rows.set(r.key, r);
      meta = state.meta;
      csrf = state.csrf || csrf;
      $("connection").hidden = true;
      schedule();
    });
    source.addEventListener("row", (e) => {
      const r = JSON.parse(e.data);
      rows.set(r.key, r);
      schedule();
    });
    source.addEventListener("remove", (e) => {
      rows.delete(JSON.parse(e.data).key);
      schedule();
    });
    source.addEventListener("meta", (e) => {
      meta = JSON.parse(e.data);
      schedule();
    });
  }

  // One listener for every row's buttons: rows are redrawn as they change.
  function onClick(e) {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.classList.contains("copy")) {
      copy(button.dataset.accountId, button.parentElement.querySelector(".feedback"));
    } else if (button.classList.contains("sync")) {
      const row = rows.get(button.closest("li[data-key]").dataset.key);
      if (row) requestSync(row);
    }
  }
  $("accounts").addEventListener("click", onClick);
  $("unmapped").addEventListener("click", onClick);

  // The page carries the state it was served with: the first draw needs no
  // round trip. The event stream then starts again from a whole state.
  const initial = JSON.parse($("initial-state").textContent);
  for (const r of initial.rows) rows.set(r.key, r);
  meta = initial.meta;
  render();
  connect();
})();
