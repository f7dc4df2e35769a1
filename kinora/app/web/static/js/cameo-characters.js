// /cameo/characters: the new-character form uploads its clip to /api/cameos/characters (with upload progress),
// and delete buttons ask first.
import { csrf } from "./app.js";

export function init(root) {
  const form = root.querySelector("[data-character-form]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    upload(form);
  });
  root.addEventListener("submit", (event) => {
    const question = event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

function upload(form) {
  const error = form.querySelector("[data-character-error]");
  const bar = form.querySelector("[data-character-progress]");
  const button = form.querySelector("button[type=submit]");
  const video = form.querySelector("#character-video");
  error.hidden = true;
  if (!video.files.length) return fail(form, "Choose a clip of your character first.", video);
  if (!form.querySelector("#character-name").value.trim()) {
    return fail(form, "Give your character a name.", form.querySelector("#character-name"));
  }
  const data = new FormData(form);
  const request = new XMLHttpRequest();
  request.open("POST", "/api/cameos/characters");
  request.setRequestHeader("x-csrf-token", csrf);
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
  });
  request.addEventListener("load", () => {
    button.disabled = false;
    bar.hidden = true;
    const body = JSON.parse(request.responseText || "null");
    if (request.status === 200) {
      window.location.assign(`/cameo/characters?made=${encodeURIComponent(body.handle)}`);
      return;
    }
    const message = body && body.error ? body.error.message : `The upload failed (${request.status}).`;
    const field = body && body.error && body.error.param ? form.querySelector(`[name="${body.error.param}"]`) : null;
    fail(form, message, field);
  });
  request.addEventListener("error", () => {
    button.disabled = false;
    bar.hidden = true;
    fail(form, "The server could not be reached; try again.", null);
  });
  button.disabled = true;
  bar.hidden = false;
  bar.value = 0;
  request.send(data);
}

function fail(form, message, field) {
  const error = form.querySelector("[data-character-error]");
  error.textContent = message;
  error.hidden = false;
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}
