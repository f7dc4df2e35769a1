// /admin: a confirmation <dialog> before destructive actions, toasts for finished ones, focus that stays in the
// list when a decided item leaves it, copy buttons for invite codes and the suspension days field.
import { toast } from "./app.js";

export function init(root) {
  const dialog = root.querySelector("#admin-confirm");

  // data-confirm="question" on an element with hx-post / hx-delete: ask first.
  root.addEventListener("htmx:confirm", (event) => {
    const question = event.detail.elt.dataset.confirm;
    if (!question) return;
    event.preventDefault();
    ask(dialog, question, event.detail.elt).then((yes) => yes && event.detail.issueRequest(true));
  });

  // The server names what it did in an HX-Trigger header: {"admin:done": "message"}.
  root.addEventListener("admin:done", (event) => {
    toast(event.detail.value, "ok");
    const form = event.target.closest("form[data-reset]");
    if (form) form.reset();
  });

  root.addEventListener("htmx:beforeSwap", (event) => {
    const item = event.detail.target;
    if (item.tagName !== "LI" || !item.closest("[data-list]") || event.detail.isError) return;
    const list = item.parentElement;
    const index = [...list.children].indexOf(item);
    const replaced = Boolean((event.detail.serverResponse || "").trim());
    const next = item.nextElementSibling || item.previousElementSibling;
    setTimeout(() => settle(list, replaced ? list.children[index] : next), 0);  // htmx swaps right after this
  });

  root.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.matches("[data-list]")) showEmpty(event.detail.target);  // an item was added
  });

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (button) copy(button);
  });

  const current = root.querySelector(".admin-tabs [aria-current]");
  if (current) current.scrollIntoView({ block: "nearest", inline: "nearest" });

  const action = root.querySelector("#account-action");
  if (action) {
    const days = root.querySelector("[data-days]");
    const show = () => { days.hidden = action.value !== "suspend"; };
    action.addEventListener("change", show);
    show();
  }
}

function ask(dialog, question, opener) {
  dialog.querySelector("[data-question]").textContent = question;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "yes");
    }, { once: true });
  });
}

// After an item was decided and left the list, or was saved and replaced: keep the keyboard in the list, on
// the replacement or on the next item.
function settle(list, item) {
  showEmpty(list);
  const target = item && item.isConnected ? item.querySelector("summary, textarea, button, a") : null;
  if (target) target.focus();
  else document.getElementById("main").focus();
}

// A list's "nothing here" line shows exactly when the list is empty.
function showEmpty(list) {
  const empty = list.closest("section, .admin").querySelector("[data-empty]");
  if (empty) empty.hidden = list.children.length > 0;
}

async function copy(button) {
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    toast(`Copied ${button.dataset.copy}`, "ok");
  } catch {
    toast("This browser did not allow copying; select the code and copy it by hand.");
  }
}
