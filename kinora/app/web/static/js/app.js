// Shared by every page: the CSRF token, a fetch wrapper for /api, toasts, page modules, the live unread badge.
export const csrf = document.querySelector('meta[name="csrf-token"]').content;

export class ApiError extends Error {
  constructor(message, status, error) {
    super(message);
    this.status = status;
    this.code = error && error.code;
    this.param = error && error.param;
    this.report = error && error.report;
  }
}

// fetch with the CSRF header; JSON in and out; an /api error becomes an ApiError carrying the server's message.
export async function api(path, { method = "GET", json, body, signal } = {}) {
  const headers = { "x-csrf-token": csrf, accept: "application/json" };
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(path, { method, headers, body, signal, credentials: "same-origin" });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.error;
    throw new ApiError((error && error.message) || `${method} ${path}: ${response.status}`, response.status, error);
  }
  return data;
}

let toastTimer;
// A message in the live region; `action` ({label, run}) adds a button, e.g. "Undo", and keeps it up longer.
export function toast(message, kind = "error", action = null) {
  const region = document.getElementById("toast");
  const p = document.createElement("p");
  p.className = kind === "error" ? "toast-error" : "toast-ok";
  p.textContent = message;
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "toast-action";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      region.replaceChildren();
      action.run();
    });
    p.append(" ", button);
  }
  region.replaceChildren(p);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => region.replaceChildren(), action ? 10000 : 6000);
}

// <section data-module="create"> loads static/js/create.js and calls its init(element).
function startModules(root) {
  for (const element of root.querySelectorAll("[data-module]")) {
    if (element.dataset.moduleStarted) continue;
    element.dataset.moduleStarted = "1";
    import(`./${element.dataset.module}.js`)
      .then((module) => module.init(element))
      .catch((error) => toast(`This part of the page did not load: ${error.message}`));
  }
}

function setUnread(count) {
  for (const badge of document.querySelectorAll("[data-unread]")) {
    badge.textContent = String(count);
    badge.setAttribute("aria-label", `${count} unread`);
    badge.hidden = count === 0;
  }
}

// New notifications arrive over SSE while any page is open; pages may listen for "kinora:notification".
function watchNotifications() {
  if (!document.body.dataset.signedIn) return;
  const source = new EventSource("/api/notifications/stream");
  source.addEventListener("notification", (event) => {
    const badge = document.querySelector("[data-unread]");
    setUnread((badge ? Number(badge.textContent) || 0 : 0) + 1);
    document.dispatchEvent(new CustomEvent("kinora:notification", { detail: JSON.parse(event.data) }));
  });
  window.addEventListener("pagehide", () => source.close());
}

export { setUnread };

startModules(document);
document.addEventListener("htmx:load", (event) => startModules(event.detail.elt));
// Errors htmx could not place (network down, 5xx) still reach the visitor.
document.addEventListener("htmx:sendError", () => toast("The server could not be reached; try again."));
watchNotifications();
