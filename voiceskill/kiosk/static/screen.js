// The kiosk page: shows the state pushed by the server (server-sent events) and sends presses.
"use strict";

const byId = (id) => document.getElementById(id);
let countdown = null; // {remaining, running, sent_at, label, shownAt}

function render(state) {
  const statusText = {
    idle: "Waiting",
    session: "Session in progress",
    trouble: "Device problem",
  };
  byId("status").textContent = statusText[state.status] || state.status;
  byId("prompt").textContent = state.prompt;
  byId("heard").textContent = state.heard || "—";
  byId("message").textContent = state.message;
  document.body.dataset.version = String(state.version);
  document.body.dataset.status = state.status;
  for (const button of document.querySelectorAll("#buttons button")) {
    const intent = button.dataset.intent;
    if (intent === "wake") {
      button.hidden = state.status !== "idle";
    } else {
      button.hidden = state.status === "idle";
    }
    button.disabled = !state.buttons.includes(intent);
  }
  countdown = state.countdown ? { ...state.countdown, shownAt: performance.now() } : null;
  tick();
}

function tick() {
  const box = byId("countdown");
  if (!countdown) {
    box.hidden = true;
    return;
  }
  let left = countdown.remaining;
  if (countdown.running) {
    left -= (performance.now() - countdown.shownAt) / 1000;
  }
  box.hidden = false;
  box.classList.toggle("paused", !countdown.running);
  byId("countdown-label").textContent = countdown.label;
  byId("countdown-seconds").textContent = String(Math.max(0, Math.ceil(left)));
}

async function press(intent) {
  await fetch("/press", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ intent }),
  });
}

for (const button of document.querySelectorAll("#buttons button")) {
  button.addEventListener("click", () => press(button.dataset.intent));
}

const events = new EventSource("/events");
events.onmessage = (message) => render(JSON.parse(message.data));
events.onerror = () => {
  byId("status").textContent = "Reconnecting…";
};
setInterval(tick, 200);
