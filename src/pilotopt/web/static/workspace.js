// The workspace page of pilotopt serve: solve with a live progress line, move cards by drag
// and drop or from the keyboard, lock, undo and redo. The server prices every change
// (/api/move, /api/undo, /api/redo) and sends back the summary and the group heads as HTML.
"use strict";
(() => {
  const words = JSON.parse(document.getElementById("words").textContent);
  const say = (key, values) =>
    (words[key] || key).replace(/\{(\w+)\}/g, (_, k) => (values && k in values ? values[k] : ""));
  const $ = (sel) => document.querySelector(sel);
  let chosen = null;

  function notice(message) {
    const box = $("#notice");
    box.textContent = message ? say("web.refused", { why: message }) : "";
    box.hidden = !message;
  }

  async function call(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body || {}),
      });
    } catch (err) {
      notice(String(err));
      return null;
    }
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) {
      const detail = Array.isArray(data.detail) ? data.detail.map((d) => d.msg).join("; ") : "";
      notice(data.error || detail || response.statusText);
      return null;
    }
    notice("");
    return data;
  }

  // --- solving -------------------------------------------------------------------------------

  async function poll() {
    const response = await fetch("/api/progress");
    const p = await response.json();
    const line = $("#progress");
    if (p.state === "running") {
      let text = say("web.progress", { seconds: p.seconds, limit: p.time_limit });
      if (p.objective !== null) {
        text += ", " + (p.feasible ? say("web.best", { objective: p.objective })
                                   : say("web.not_feasible_yet"));
      }
      if (p.stopping) text += "; " + say("web.stopping");
      line.textContent = text;
      setTimeout(poll, 300);
    } else if (p.state === "done") {
      location.reload();
    } else {
      line.textContent = p.message || "";
      document.body.dataset.running = "false";
    }
  }

  // A fresh solve, or (fromCurrent) a re-solve from the current groups: only what pays for
  // its moves changes, each costing the "stay" field (unless the scenario says).
  async function startSolve(fromCurrent) {
    if (!solveForm.reportValidity()) return;
    const form = new FormData(solveForm);
    const body = {
      time_limit: Number(form.get("time_limit")), seed: Number(form.get("seed")),
      from_current: fromCurrent,
    };
    if (fromCurrent && form.get("stay") !== null) body.stay = Number(form.get("stay"));
    const started = await call("/api/solve", body);
    if (started) {
      document.body.dataset.running = "true";
      poll();
    }
  }

  const solveForm = $("#solve-form");
  if (solveForm) {
    solveForm.addEventListener("submit", (event) => {
      event.preventDefault();
      startSolve(false);
    });
    const resolve = $("#resolve-button");
    if (resolve) resolve.addEventListener("click", () => startSolve(true));
    $("#stop-button").addEventListener("click", () => call("/api/stop"));
    if (document.body.dataset.running === "true") poll();
  }

  // --- moving --------------------------------------------------------------------------------

  const card = (index) => document.querySelector(`.card[data-index="${index}"]`);
  const cards = (group) => document.querySelector(`.column[data-group="${group}"] .cards`);

  function place(index, group) {
    const c = card(index);
    const list = cards(group);
    if (!c || !list) return;
    const next = [...list.children].find((x) => Number(x.dataset.index) > index);
    list.insertBefore(c, next || null);
  }

  function show(data) {
    for (const m of data.moves) place(m.index, m.group);
    $("#summary").innerHTML = data.summary;
    for (const [group, html] of Object.entries(data.heads)) {
      const head = document.querySelector(`[data-head="${group}"]`);
      if (head) head.innerHTML = html;
    }
    $("#change").innerHTML = data.change;
    $("#undo").disabled = !data.can_undo;
    $("#redo").disabled = !data.can_redo;
    document.body.dataset.version = String(Number(document.body.dataset.version) + 1);
  }

  async function move(index, group) {
    const c = card(index);
    if (!c) return;
    const data = await call("/api/move", { id: c.dataset.id, group: Number(group) });
    if (data) show(data);
  }

  async function history(which) {
    const data = await call(`/api/${which}`);
    if (data) show(data);
  }

  function choose(c) {
    document.querySelectorAll(".card.chosen").forEach((x) => x.classList.remove("chosen"));
    chosen = Number(c.dataset.index);
    c.classList.add("chosen");
    $("#chosen").textContent = c.getAttribute("aria-label");
    const select = $("#move-to");
    select.value = c.closest(".column").dataset.group;
    select.focus();
  }

  const board = $(".board");
  if (board) {
    board.addEventListener("click", (event) => {
      const lock = event.target.closest(".lock");
      const c = event.target.closest(".card");
      if (lock && c) toggleLock(c, lock);
      else if (c) choose(c);
    });
    board.addEventListener("keydown", (event) => {
      const c = event.target.closest(".card");
      if (c && event.target === c && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        choose(c);
      }
    });
    board.addEventListener("dragstart", (event) => {
      const c = event.target.closest(".card");
      if (!c || c.classList.contains("locked")) return;
      event.dataTransfer.setData("text/plain", c.dataset.index);
      event.dataTransfer.effectAllowed = "move";
    });
    for (const column of document.querySelectorAll(".column")) {
      column.addEventListener("dragover", (event) => {
        event.preventDefault();
        column.classList.add("over");
      });
      column.addEventListener("dragleave", () => column.classList.remove("over"));
      column.addEventListener("drop", (event) => {
        event.preventDefault();
        column.classList.remove("over");
        const index = Number(event.dataTransfer.getData("text/plain"));
        const c = card(index);
        if (c && c.closest(".column") !== column) move(index, column.dataset.group);
      });
    }
    $("#move-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (chosen === null) {
        notice(say("web.none_chosen"));
        return;
      }
      const index = chosen;
      await move(index, $("#move-to").value);
      card(index).focus();
    });
    $("#undo").addEventListener("click", () => history("undo"));
    $("#redo").addEventListener("click", () => history("redo"));
    document.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.target.closest("input, select, textarea")) {
        return;
      }
      const key = event.key.toLowerCase();
      if (key === "z" || key === "y") {
        event.preventDefault();
        history(key === "z" && !event.shiftKey ? "undo" : "redo");
      }
    });
  }

  async function toggleLock(c, button) {
    const locked = button.getAttribute("aria-pressed") !== "true";
    const data = await call("/api/lock", { id: c.dataset.id, locked });
    if (!data) return;
    button.setAttribute("aria-pressed", String(locked));
    button.title = locked ? button.dataset.unlock : button.dataset.lock;
    button.setAttribute("aria-label", button.title);
    c.classList.toggle("locked", locked);
    c.draggable = !locked;
  }
})();
