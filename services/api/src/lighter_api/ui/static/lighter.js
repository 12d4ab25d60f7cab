// Lighter's UI: keeps server-rendered pages live. It follows the event stream
// (EventSource) and, when an event concerns what a page shows, fetches that part of the
// page again from the server; it tails logs; and it sends kills, deletes and submissions
// through the API. No library: the pages are rendered by the server.
"use strict";

(() => {
  const body = document.body;
  // Sent with every change, so that a page on another site cannot use the login cookie.
  const uiHeaders = { "X-Lighter-UI": "1" };

  const pending = new Map();
  function refresh(element) {
    if (pending.has(element)) return;
    // Several events in a burst cost one fetch.
    pending.set(element, setTimeout(async () => {
      pending.delete(element);
      const response = await fetch(element.dataset.fragment, { headers: uiHeaders });
      if (response.ok) element.innerHTML = await response.text();
    }, 150));
  }

  function follow(url) {
    const live = document.getElementById("live");
    const source = new EventSource(url);
    source.onopen = () => live && live.classList.add("on");
    source.onerror = () => live && live.classList.remove("on");
    source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      document.querySelectorAll("[data-fragment]").forEach((element) => {
        const on = (element.dataset.on || "*").split(",");
        if (on.includes("*") || on.includes(event.type)) refresh(element);
      });
      if (event.type !== "STATEMENT") tailLog();
    };
  }

  const log = document.getElementById("log");
  async function tailLog() {
    if (!log) return;
    const response = await fetch(log.dataset.url, { headers: uiHeaders });
    if (!response.ok) return;
    const page = await response.json();
    const text = Array.isArray(page.log) ? page.log.join("\n") : page.log || "";
    if (text === log.textContent) return;
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = text;
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  document.addEventListener("click", async (click) => {
    const button = click.target.closest("[data-delete]");
    if (!button) return;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    const response = await fetch(button.dataset.delete, { method: "DELETE", headers: uiHeaders });
    button.textContent = response.ok ? "Requested" : `Failed (${response.status})`;
  });

  const form = document.getElementById("submit-form");
  if (form) {
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const data = new FormData(form);
      const lines = (name) => String(data.get(name) || "").split("\n").map((l) => l.trim()).filter(Boolean);
      const request = {};
      for (const name of ["name", "file", "className", "driverMemory", "executorMemory", "proxyUser"]) {
        const value = String(data.get(name) || "").trim();
        if (value) request[name] = value;
      }
      if (data.get("numExecutors")) request.numExecutors = Number(data.get("numExecutors"));
      const args = lines("args");
      if (args.length) request.args = args;
      const conf = {};
      for (const line of lines("conf")) {
        const at = line.indexOf("=");
        if (at > 0) conf[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      if (Object.keys(conf).length) request.conf = conf;
      const response = await fetch(form.dataset.api, {
        method: "POST",
        headers: { ...uiHeaders, "Content-Type": "application/json" },
        body: JSON.stringify(request),
      });
      const answer = await response.json();
      if (response.status === 201) {
        window.location.assign(form.dataset.ui + encodeURIComponent(answer.id));
        return;
      }
      const error = document.getElementById("submit-error");
      error.textContent = answer.message || `Refused (${response.status})`;
      error.hidden = false;
    });
  }

  if (body.dataset.events && window.EventSource) follow(body.dataset.events);
  if (log) {
    tailLog();
    setInterval(tailLog, 3000);
  }
  const here = document.getElementById(
    location.pathname.includes("/lighter/ui/sessions") ? "nav-sessions"
      : location.pathname.includes("/lighter/ui/submit") ? "nav-submit" : "nav-batches");
  if (here) here.classList.add("here");
})();
