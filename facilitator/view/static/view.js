// The live view: renders the session's state as it comes from the event stream; moves only the
// breathing circle, from the plan and the audio position the server sends (same machine clock).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const ACTIVITY = { starting: "Starting", speaking: "Speaking", listening: "Listening",
    breathing: "Breathing", paused: "Paused", ended: "Finished" };
  const OUTCOME = { complete: "You both felt complete.", not_yet: "One of you said not yet; that is fine.",
    "break": "Paused for a break.", stopped: "Stopped before the end." };
  const R_MIN = 34, R_MAX = 90;
  let state = null;
  let anchor = null;
  let frame = 0;
  let lastPhase = "";

  function text(el, value) { if (el.textContent !== value) el.textContent = value; }

  function renderPath(s) {
    const box = $("path-box");
    box.hidden = !s.show_path;
    const ol = $("path");
    if (ol.children.length !== s.path.length) {
      ol.replaceChildren(...s.path.map(([, name]) => { const li = document.createElement("li"); li.textContent = name; return li; }));
    }
    const at = s.path.findIndex(([step]) => step === s.step);
    const over = s.step === "done" || s.activity === "ended" && s.outcome === "complete";
    Array.from(ol.children).forEach((li, i) => {
      li.classList.toggle("done", over || (at >= 0 && i < at));
      if (i === at && !over) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
    text($("round"), s.step && s.round > 1 ? "Round " + s.round : (at < 0 && s.step_name && !over ? s.step_name : ""));
  }

  function renderRoles(s) {
    const roles = $("roles");
    if (s.sharer && s.listener && ["share", "reflect", "acknowledge", "reassure"].includes(s.step)) {
      const holder = s.step === "share" ? s.sharer : s.listener;
      const other = s.step === "share" ? s.listener : s.sharer;
      const does = { share: ["shares", "listens"], reflect: ["reflects back", "listens"],
        acknowledge: ["acknowledges", "listens"], reassure: ["reassures", "listens"] }[s.step];
      roles.replaceChildren(strong(holder), " " + does[0] + " · ", strong(other), " " + does[1]);
      roles.setAttribute("aria-label", holder + " has the floor, " + other + " listens");
    } else {
      roles.replaceChildren();
      roles.removeAttribute("aria-label");
    }
  }

  function strong(name) { const b = document.createElement("strong"); b.textContent = name; return b; }

  function renderSummary(s) {
    const box = $("summary");
    const sum = s.summary;
    box.hidden = !sum;
    if (!sum) return;
    text($("outcome"), OUTCOME[sum.outcome] || "The session ended.");
    $("bars").replaceChildren(...sum.names.map((name) => {
      const share = sum.talk_share[name] || 0;
      const row = document.createElement("div"); row.className = "bar";
      const label = document.createElement("span"); label.textContent = name;
      const track = document.createElement("span"); track.className = "track";
      const fill = document.createElement("span"); fill.className = "fill";
      fill.style.width = Math.round(share * 100) + "%"; track.appendChild(fill);
      const pct = document.createElement("span"); pct.textContent = Math.round(share * 100) + "%";
      row.append(label, track, pct);
      row.setAttribute("aria-label", name + ": " + Math.round(share * 100) + " percent of the talk time");
      return row;
    }));
    const m = Math.floor(sum.duration_s / 60), sec = Math.round(sum.duration_s % 60);
    const rows = [["Time", m + " min " + String(sec).padStart(2, "0") + " s, " + sum.rounds + " round(s)"],
      ["Reminders", sum.names.map((n) => n + " " + (sum.reminders[n] || 0)).join(", ") || "0"],
      ["Reflections", sum.reflections_first_time + " landed first time, " + sum.reflections_after_retries +
        " after another try, " + sum.reflections_not_landed + " moved on from"],
      ["Breathing breaks", String(sum.breaks)]];
    if (sum.return_at) rows.push(["Coming back", sum.return_at]);
    $("figures").replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v; return [dt, dd];
    }));
  }

  function render(s) {
    state = s;
    document.body.dataset.activity = s.activity;
    document.title = s.title;
    text($("title"), s.title);
    text($("activity"), s.paused && s.activity !== "ended" ? "Paused" : ACTIVITY[s.activity] || s.activity);
    renderPath(s);
    renderRoles(s);
    const prompt = s.prompt;
    const promptEl = $("prompt");
    text(promptEl, prompt ? prompt.text : "Getting ready…");
    promptEl.dataset.promptId = prompt ? prompt.id : "";
    $("notes").replaceChildren(...s.notes.map((n) => { const li = document.createElement("li"); li.textContent = n; return li; }));
    const buttons = $("buttons");
    buttons.hidden = !(s.commands || s.breath_stop) || s.activity === "ended";
    $("pause").hidden = !!s.paused;
    $("resume").hidden = !s.paused;
    renderSummary(s);
    const b = s.breathing;
    const active = !!b && !b.done && s.activity !== "ended";
    $("breathing").hidden = !active;
    if (active) { anchor = b.anchor; if (!frame) frame = requestAnimationFrame(tick); }
  }

  // The exercise's position now: the latest anchor moved on by the wall clock, never further
  // than 3 s past it (if the session stalls, the circle waits).
  function position(plan) {
    const now = Date.now() / 1000;
    const ahead = Math.max(0, Math.min((now - anchor.wall) * anchor.rate, 3));
    return Math.min(anchor.t_s + ahead, plan.end_s);
  }

  // Same rule as facilitator.breathing.pacer_state: linear fill within each phase.
  function pace(plan, t) {
    if (t < plan.breathing_start_s) return { label: "Settle in", level: 0, left: plan.breathing_start_s - t };
    if (t >= plan.breathing_end_s) return { label: "Done", level: 0, left: 0 };
    let phase = plan.phases[0];
    for (const p of plan.phases) { if (p[1] <= t) phase = p; else break; }
    const [label, start, dur, from, to] = phase;
    const frac = Math.min(1, Math.max(0, (t - start) / dur));
    return { label: label.charAt(0).toUpperCase() + label.slice(1), level: from + (to - from) * frac, left: start + dur - t };
  }

  function tick() {
    frame = 0;
    const b = state && state.breathing;
    if (!b || b.done || !anchor || state.activity === "ended") return;
    const plan = b.plan;
    const t = position(plan);
    const p = pace(plan, t);
    $("circle").setAttribute("r", (R_MIN + (R_MAX - R_MIN) * p.level).toFixed(2));
    if (p.label !== lastPhase) { text($("phase"), p.label); lastPhase = p.label; }
    const total = Math.max(0, Math.ceil(plan.end_s - t - 1e-6));
    const phaseLeft = p.left > 0 ? Math.ceil(p.left - 1e-6) + " s · " : "";
    text($("left"), phaseLeft + Math.floor(total / 60) + ":" + String(total % 60).padStart(2, "0") + " left");
    frame = requestAnimationFrame(tick);
  }

  function press(event) {
    const command = event.currentTarget.dataset.command;
    fetch("command", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ command: command }), cache: "no-store" })
      .then((r) => r.json()).then((a) => text($("answer"), a.message || ""))
      .catch(() => text($("answer"), "The session did not answer."));
  }

  document.querySelectorAll("#buttons button").forEach((b) => b.addEventListener("click", press));
  const stream = new EventSource("events");
  stream.addEventListener("state", (e) => render(JSON.parse(e.data)));
  stream.addEventListener("clock", (e) => { anchor = JSON.parse(e.data); if (state && !frame) frame = requestAnimationFrame(tick); });
  stream.addEventListener("error", () => {
    if (state && state.activity === "ended") { stream.close(); text($("answer"), "The session has ended; this page no longer changes."); }
  });
}());
