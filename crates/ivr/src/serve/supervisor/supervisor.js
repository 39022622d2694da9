// The supervisor page's script: reads the admin's JSON every two seconds and draws it. Data
// is only ever put in as text (never as HTML). The admin token, when the engine has one,
// comes from the address (/#token=...) or the form, and stays in this tab's sessionStorage.
"use strict";

const REFRESH_MS = 2000;

function token() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    sessionStorage.setItem("ivr-admin-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("ivr-admin-token");
}

async function call(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    document.getElementById("token-form").hidden = false;
    throw new Error("the admin token is needed");
  }
  const text = await response.text();
  if (!response.ok) throw new Error(path + ": " + response.status + " " + text.trim());
  return text ? JSON.parse(text) : null;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function cell(value) {
  return el("td", { text: value === null || value === undefined ? "" : String(value) });
}

function badge(state) {
  return el("td", {}, el("span", { class: "badge " + state, text: state.replace("_", " ") }));
}

function fill(id, rows, empty, columns) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el("tr", {}, el("td", { class: "empty", colspan: columns, text: empty })));
  }
  for (const row of rows) body.append(row);
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m + ":" + String(s % 60).padStart(2, "0");
}

function since(rfc3339) {
  return (Date.now() - Date.parse(rfc3339)) / 1000;
}

function action(label, path, confirmText) {
  return el("td", {}, el("button", {
    text: label,
    onclick: async (event) => {
      if (confirmText && !window.confirm(confirmText)) return;
      event.target.disabled = true;
      try { await call(path, { method: "POST" }); } catch (e) { status(e.message, true); }
      refresh();
    },
  }));
}

function status(text, bad) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = bad ? "status error" : "status";
}

function drawCalls(calls) {
  document.getElementById("calls-count").textContent = "(" + calls.length + ")";
  fill("calls", calls.map((c) => {
    const state = c.agent ? "with " + c.agent : c.waiting_in ? "waiting in " + c.waiting_in
      : (c.state || "ringing");
    const kind = c.waiting_in ? "waiting" : c.answered ? "live" : "";
    return el("tr", { class: kind, "data-call": c.call_id },
      cell(c.call_id.slice(0, 12)), cell(c.caller || "withheld"),
      el("td", {}, el("span", { class: "badge " + (c.waiting_in ? "waiting" : c.agent ? "busy" : "answered"), text: state })),
      cell(c.language), cell(duration(since(c.start))),
      el("td", {}, el("button", { text: "Escalate", onclick: () => prefill(c) })));
  }), "No calls right now", 6);
}

function prefill(c) {
  const form = document.getElementById("escalate-form");
  form.elements.call_id.value = c.call_id;
  form.elements.lang.value = c.language;
  form.elements.email.focus();
}

function drawQueues(queues) {
  fill("queues", queues.map((q) => el("tr", { class: q.waiting > 0 ? "waiting" : "" },
    cell(q.queue), cell(q.waiting), cell(q.waiting > 0 ? duration(q.longest_wait_s) : "-"))),
    "No queues", 3);
}

function drawAgents(agents) {
  fill("agents", agents.map((a) => el("tr", {},
    cell(a.name), cell((a.languages || []).join(", ")), badge(String(a.state)),
    cell(a.contact || "not registered"))), "No agents configured", 4);
}

function drawSummary(s) {
  document.getElementById("node").textContent = "engine " + s.node + ", " + s.date;
  const r = s.recognition;
  document.getElementById("latency").textContent = r.samples === 0
    ? "Recognition latency: nothing recognized yet."
    : "Recognition latency over the last " + r.samples + " utterances: median " + r.p50_ms +
      " ms, 90th percentile " + r.p90_ms + " ms, slowest " + r.max_ms + " ms.";
  const most = Math.max(1, ...s.intents_today.map((i) => i[1]));
  fill("intents", s.intents_today.map(([name, count]) => {
    // Set through the style object: the page's policy refuses inline style attributes.
    const bar = el("span", { class: "bar" });
    bar.style.width = Math.round(120 * count / most) + "px";
    return el("tr", {}, cell(name), cell(count), el("td", {}, bar));
  }), "No intents yet today", 3);
}

function drawCallbacks(callbacks) {
  document.getElementById("callbacks-count").textContent = "(" + callbacks.length + ")";
  fill("callbacks", callbacks.map((c) => el("tr", {},
    cell(c.id), cell(c.number), cell(c.queue), cell(c.lang), cell(duration(since(c.requested_at)) + " ago"),
    action("Mark done", "/callbacks/" + c.id + "/done", "Mark callback " + c.id + " as made?"))),
    "No callbacks waiting", 6);
}

function drawEscalations(requests) {
  document.getElementById("escalations-count").textContent = "(" + requests.length + " open)";
  fill("escalations", requests.map((e) => el("tr", {},
    cell(e.id), cell(e.topic), cell(e.email), cell(e.lang), cell(e.requested_by),
    cell(e.contact_by), cell(e.estimate_basis.split(" (")[0].split(":")[0]),
    action("Close", "/escalations/" + e.id + "/close", "Close request " + e.id + "?"))),
    "No open requests", 8);
}

function drawOutbox(messages) {
  fill("outbox", messages.map((m) => el("tr", {},
    cell(m.id), cell(m.channel), cell(m.recipient), badge(m.state), cell(m.attempts),
    cell(m.last_error || ""))), "Nothing waiting", 6);
}

async function refresh() {
  try {
    const [calls, queues, agents, summary, callbacks, escalations, pending, failed] =
      await Promise.all(["/calls", "/queues", "/agents", "/summary", "/callbacks",
        "/escalations", "/outbox?state=pending", "/outbox?state=failed"].map((p) => call(p)));
    drawCalls(calls);
    drawQueues(queues);
    drawAgents(agents);
    drawSummary(summary);
    drawCallbacks(callbacks);
    drawEscalations(escalations);
    drawOutbox(pending.concat(failed));
    document.getElementById("token-form").hidden = true;
    status("updated " + new Date().toLocaleTimeString());
  } catch (e) {
    status(e.message, true);
  }
}

document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("ivr-admin-token", document.getElementById("token").value);
  refresh();
});

document.getElementById("escalate-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = {};
  for (const name of ["email", "lang", "topic", "agent", "call_id"]) {
    const value = form.elements[name].value.trim();
    if (value) body[name] = value;
  }
  const result = document.getElementById("escalate-result");
  try {
    const row = await call("/escalations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    result.textContent = "Request " + row.id + " recorded; the caller is told " + row.contact_by + ".";
    form.reset();
  } catch (e) {
    result.textContent = e.message;
  }
  refresh();
});

refresh();
setInterval(refresh, REFRESH_MS);
