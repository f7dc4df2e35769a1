// /drafts: publish and delete from dialogs; running generations followed over server-sent events (a few at a
// time: browsers allow only six connections per site) until their cards are swapped for finished ones.
import { api } from "./app.js";

const WATCH_AT_ONCE = 3;
const FINAL = new Set(["completed", "failed"]);

export function init(root) {
  const publish = root.ownerDocument.querySelector("[data-publish-dialog]");
  const remove = root.ownerDocument.querySelector("[data-delete-dialog]");
  let card = null;

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-publish], [data-delete]");
    if (!button) return;
    card = button.closest("article.draft");
    open(button.matches("[data-publish]") ? publish : remove, card);
  });
  for (const dialog of [publish, remove]) {
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  }

  submitting(publish, async (form) => {
    const data = new FormData(form);
    const post = await api("/api/posts", { method: "POST", json: {
      generation_id: card.dataset.generationId, caption: data.get("caption"), visibility: data.get("visibility") } });
    leave(root, card);
    toastLink("Published", "View post", `/p/${post.id}`);
    form.reset();
  });
  submitting(remove, async () => {
    await api(`/api/drafts/${card.dataset.generationId}`, { method: "DELETE" });
    leave(root, card);
    toastLink("Draft deleted");
  });
  followRunning(root);
}

function open(dialog, card) {
  dialog.querySelector("[data-dialog-prompt]").textContent = card.querySelector(".draft-prompt").textContent;
  dialog.querySelector("[data-dialog-error]").hidden = true;
  dialog.showModal();
}

// A dialog's form: run `action`, close on success, show the server's message inside the dialog otherwise.
function submitting(dialog, action) {
  const form = dialog.querySelector("form");
  const problem = dialog.querySelector("[data-dialog-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      await action(form);
      dialog.close();
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

// Take a card off the page; focus goes to the next card's first button (or the page title), never to nowhere.
function leave(root, card) {
  const grid = card.parentElement;
  const next = card.nextElementSibling || card.previousElementSibling;
  card.remove();
  const target = (next && next.querySelector("button, a")) || root.querySelector("#drafts-title");
  setTimeout(() => target.focus(), 0);  // after the dialog has given focus back to the (gone) opener
  root.querySelector("[data-empty]").hidden = root.querySelector("[data-drafts]").children.length > 0;
  if (grid.matches("[data-running]") && !grid.children.length) {
    root.querySelector("[data-running-section]").hidden = true;
  }
}

function toastLink(message, label, href) {
  const region = document.getElementById("toast");
  const p = document.createElement("p");
  p.className = "toast-ok";
  p.textContent = message;
  if (href) {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = label;
    p.append(" · ", link);
  }
  region.replaceChildren(p);
  setTimeout(() => { if (p.isConnected) p.remove(); }, 8000);
}

function followRunning(root) {
  const waiting = [...root.querySelectorAll("[data-running] article.draft")]
    .filter((card) => !FINAL.has(card.dataset.status));
  const watchNext = () => {
    const card = waiting.shift();
    if (card) watch(root, card, watchNext);
  };
  for (let i = 0; i < WATCH_AT_ONCE; i++) watchNext();
}

function watch(root, card, done) {
  const id = card.dataset.generationId;
  const source = new EventSource(`/api/generations/${id}/events`);
  const stop = () => {
    source.close();
    done();
  };
  window.addEventListener("pagehide", () => source.close(), { once: true });
  source.addEventListener("progress", async (event) => {
    const state = JSON.parse(event.data);
    const bar = card.querySelector("[data-bar]");
    if (bar) bar.value = state.progress;
    card.querySelector("[data-status]").textContent = describe(state);
    if (!FINAL.has(state.status)) return;
    stop();
    await swap(root, card, id, state.status);
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) stop();
  });
}

function describe(state) {
  return { queued: "Queued", in_progress: `Generating… ${state.progress} %`, completed: "Done",
    held: "Waiting for a moderator’s review", failed: "Failed" }[state.status] || state.status;
}

// A finished generation's card, fetched from the server, replaces its running card.
async function swap(root, card, id, status) {
  const response = await fetch(`/drafts/${encodeURIComponent(id)}/card`, { credentials: "same-origin" });
  if (!response.ok) return;
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  const fresh = template.content.firstElementChild;
  const hadFocus = card.contains(document.activeElement);
  if (status === "completed") {
    root.querySelector("[data-drafts]").prepend(fresh);
    leaveQuietly(root, card);
  } else {
    card.replaceWith(fresh);
  }
  if (hadFocus) fresh.querySelector("button")?.focus();
}

function leaveQuietly(root, card) {
  const grid = card.parentElement;
  card.remove();
  root.querySelector("[data-empty]").hidden = true;
  if (!grid.children.length) root.querySelector("[data-running-section]").hidden = true;
}
