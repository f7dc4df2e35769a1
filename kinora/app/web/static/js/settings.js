// The settings page: every <form data-api> is sent to /api as JSON; the API's message goes next to the field it
// names; afterwards the sections named by data-refresh are re-rendered from a fresh /settings.
import { api, toast } from "./app.js";

export function init(root) {
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    send(form, event.submitter);
  });
  root.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) openDialog(document.getElementById(opener.dataset.openDialog), opener);
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog").close();
    const copier = event.target.closest("[data-copy]");
    if (copier) copy(document.getElementById(copier.dataset.copy), copier);
  });
  root.dataset.ready = "1"; // tests (and people on slow links) can tell the controls work now
}

function body(form, submitter) {
  const json = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "submit" || element.type === "button") continue;
    if (element.type === "checkbox") json[element.name] = element.checked;
    else if (element.type === "radio") {
      if (element.checked) json[element.name] = Number(element.value);
      else if (!(element.name in json)) json[element.name] = null;
    } else json[element.name] = element.value;
  }
  if (submitter && submitter.dataset.json) Object.assign(json, JSON.parse(submitter.dataset.json));
  return Object.keys(json).length ? json : undefined;
}

async function send(form, submitter) {
  clearErrors(form);
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((button) => { button.disabled = true; });
  let result;
  try {
    result = await api(form.dataset.api, { method: form.dataset.method || "POST", json: body(form, submitter) });
  } catch (error) {
    buttons.forEach((button) => { button.disabled = false; });
    showError(form, error);
    return;
  }
  buttons.forEach((button) => { button.disabled = false; });
  await done(form, submitter, result);
}

async function done(form, submitter, result) {
  const how = form.dataset.done;
  if (how === "home") {
    window.location.assign("/");
    return;
  }
  if (how === "reset") form.reset();
  if (how === "token") revealToken(form, result.token);
  if (form.dataset.ok) toast(form.dataset.ok, "ok");
  if (form.dataset.refresh) await refresh(form.dataset.refresh.split(" "), submitter, how !== "token");
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for], [data-form-error]")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

function showError(form, error) {
  const slot = (error.param && form.querySelector(`[data-error-for="${CSS.escape(error.param)}"]`))
    || form.querySelector("[data-form-error]");
  if (!slot) {
    toast(error.message);
    return;
  }
  slot.textContent = error.message;
  slot.hidden = false;
  const field = error.param && form.querySelector(`[name="${CSS.escape(error.param)}"]`);
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}

// Re-render sections from a fresh page, then put focus back where it was (or on the section's heading).
async function refresh(ids, submitter, refocus) {
  const response = await fetch("/settings", { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ids) {
    const old = document.getElementById(id);
    const replacement = fresh.getElementById(id);
    if (old && replacement) old.replaceWith(document.adoptNode(replacement));
  }
  if (!refocus) return;
  const again = submitter && submitter.id && document.getElementById(submitter.id);
  const heading = document.querySelector(`#${CSS.escape(ids[0])} h2`)
    || document.getElementById(ids[0]);
  const target = again && !again.disabled ? again : heading;
  if (target) {
    if (target === heading && !heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    target.focus();
  }
}

function revealToken(form, token) {
  const reveal = form.parentElement.querySelector("[data-token-reveal]");
  const input = reveal.querySelector("[data-token-value]");
  input.value = token;
  reveal.hidden = false;
  form.reset();
  input.focus();
  input.select();
}

async function copy(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
    toast("Copied", "ok");
  } catch {
    input.focus();
    input.select();
    toast("Press Ctrl+C (or ⌘C) to copy the selected token.", "ok");
  }
  button.focus();
}

function openDialog(dialog, opener) {
  dialog.addEventListener("close", () => opener.focus(), { once: true });
  dialog.showModal();
}
