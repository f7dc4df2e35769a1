// /create: sends the form to POST /api/generations, follows the new generation over server-sent events, offers
// @cameo suggestions under the prompt.
import { api, ApiError, toast } from "./app.js";

const FINAL = new Set(["completed", "failed"]);

export function init(root) {
  const form = root.querySelector("[data-create-form]");
  const prompt = form.querySelector("#f-prompt");
  const progress = makeProgress(root.querySelector("[data-progress]"), root);
  setUpModel(form);
  suggestCameos(prompt, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await submit(form, root, progress);
  });
}

async function submit(form, root, progress) {
  const button = form.querySelector("[data-generate]");
  const problem = form.querySelector("[data-form-error]");
  problem.hidden = true;
  button.disabled = true;
  button.textContent = "Starting…";
  try {
    const body = await requestBody(form, root);
    const generation = await api("/api/generations", { method: "POST", json: body });
    progress.follow(generation);
    refreshQuota(root);
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
    form.querySelector("#f-prompt").focus();
  } finally {
    button.disabled = false;
    button.textContent = "Generate";
  }
}

async function requestBody(form, root) {
  const data = new FormData(form);
  const body = { prompt: data.get("prompt") };
  if (data.get("remix_of")) {
    body.remix_of = Number(data.get("remix_of"));
    return body;
  }
  const size = root.dataset[data.get("orientation") || "portrait"];
  Object.assign(body, { seconds: Number(data.get("seconds")), size });
  if (data.get("model")) body.model = data.get("model");
  const file = form.querySelector("[data-start-image]");
  if (file && !file.disabled && file.files.length) {
    body.input_reference = { image_url: await fitted(file.files[0], size) };
  }
  return body;
}

// The starting image must have exactly the video's size: scale it to cover the frame and crop the middle.
async function fitted(file, size) {
  const [width, height] = size.split("x").map(Number);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`Starting image: ${file.name} is not an image this browser can read (use JPEG, PNG or WebP)`);
  }
  const scale = Math.max(width / bitmap.width, height / bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const w = bitmap.width * scale, h = bitmap.height * scale;
  canvas.getContext("2d").drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
  return canvas.toDataURL("image/png");
}

async function refreshQuota(root) {
  const line = root.querySelector("[data-quota]");
  try {
    const quota = await api("/api/me/quota");
    line.textContent = `${quota.remaining} of ${quota.limit} left today`;
  } catch {
    // the count is a courtesy; the next page load shows it again
  }
}

function setUpModel(form) {
  const model = form.querySelector("[data-model]");
  if (!model) return;
  const seconds = form.querySelector("[data-duration]");
  const image = form.querySelector("[data-start-image]");
  const hint = form.querySelector("[data-image-hint]");
  model.addEventListener("change", () => {
    const option = model.selectedOptions[0];
    const chosen = seconds.value;
    seconds.replaceChildren(...option.dataset.seconds.split(",").map((s) => new Option(`${s} seconds`, s)));
    if ([...seconds.options].some((o) => o.value === chosen)) seconds.value = chosen;
    const takesImages = option.dataset.image === "yes";
    image.disabled = !takesImages;
    hint.textContent = takesImages ? "JPEG, PNG or WebP; it is cropped to the orientation."
      : `The model ${option.value} cannot start from an image.`;
  });
}

// The progress panel: a bar, a status line (role=status), Cancel, and the video once it is done.
function makeProgress(panel, root) {
  const bar = panel.querySelector("[data-bar]");
  const status = panel.querySelector("[data-status]");
  const cancel = panel.querySelector("[data-cancel]");
  const result = panel.querySelector("[data-result]");
  const video = panel.querySelector("[data-video]");
  const drafts = panel.querySelector("[data-open-drafts]");
  let source = null;
  let current = null;

  function show(state) {
    bar.value = state.progress;
    status.textContent = describe(state);
    const done = FINAL.has(state.status);
    cancel.hidden = done;
    if (state.status === "completed") finish();
    if (done && source) {
      source.close();
      source = null;
    }
  }

  function finish() {
    video.src = `/api/generations/${current.id}/video`;
    video.setAttribute("aria-label", current.prompt);
    panel.querySelector("[data-result-caption]").textContent = current.prompt;
    result.hidden = false;
    drafts.hidden = false;
    video.play().catch(() => {});
  }

  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      const state = await api(`/api/generations/${current.id}/cancel`, { method: "POST" });
      status.textContent = state.status === "failed" ? "Cancelled" : "Cancelling…";
      if (state.status === "failed") show(state);
    } catch (error) {
      toast(error.message);
    } finally {
      cancel.disabled = false;
    }
  });

  return {
    follow(generation) {
      if (source) source.close();
      current = generation;
      panel.hidden = false;
      result.hidden = true;
      drafts.hidden = true;
      video.removeAttribute("src");
      panel.querySelector("[data-progress-prompt]").textContent = generation.prompt;
      show(generation);
      panel.focus({ preventScroll: true });
      panel.scrollIntoView({ block: "start" });
      source = new EventSource(`/api/generations/${generation.id}/events`);
      source.addEventListener("progress", (event) => show(JSON.parse(event.data)));
      source.addEventListener("error", () => {
        if (source && source.readyState === EventSource.CLOSED) {
          status.textContent = "Lost track of this video; it goes on in your drafts.";
          drafts.hidden = false;
        }
      });
      window.addEventListener("pagehide", () => source && source.close(), { once: true });
    },
  };
}

function describe(state) {
  if (state.status === "queued") return "Queued";
  if (state.status === "in_progress") return `Generating… ${state.progress} %`;
  if (state.status === "held") return "Waiting for a moderator's review";
  if (state.status === "completed") return "Done";
  if (state.error && state.error.code === "cancelled") return "Cancelled";
  return `Failed: ${(state.error && state.error.message) || "the video could not be made"}`;
}

// @cameo suggestions: a listbox under the prompt while the word at the caret starts with @.
function suggestCameos(textarea, form) {
  const list = form.querySelector("#cameo-suggestions");
  const announce = form.querySelector("[data-suggest-status]");
  let items = [];
  let active = -1;
  let controller = null;
  let timer = null;

  function wordAtCaret() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = /(^|\s)@([\w.]{0,40})$/.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) textarea.setAttribute("aria-activedescendant", list.children[index].id);
  }

  function insert(index) {
    const word = wordAtCaret();
    if (!word || !items[index]) return close();
    const handle = `@${items[index].handle} `;
    const end = textarea.selectionStart;
    textarea.setRangeText(handle, word.start, end, "end");
    close();
    textarea.focus();
  }

  async function lookUp(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const page = await api(`/api/cameos/usable?limit=8&q=${encodeURIComponent(query)}`,
        { signal: controller.signal });
      render(page.items);
    } catch (error) {
      if (error.name !== "AbortError" && error instanceof ApiError) close();
    }
  }

  function render(found) {
    items = found;
    list.replaceChildren(...found.map((cameo, i) => {
      const li = document.createElement("li");
      li.id = `cameo-option-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const handle = document.createElement("span");
      handle.className = "handle";
      handle.textContent = `@${cameo.handle}`;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = cameo.name;
      li.append(handle, name);
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        insert(i);
      });
      return li;
    }));
    list.hidden = found.length === 0;
    announce.textContent = found.length ? `${found.length} cameo${found.length > 1 ? "s" : ""} suggested` : "";
    highlight(found.length ? 0 : -1);
  }

  textarea.addEventListener("input", () => {
    const word = wordAtCaret();
    clearTimeout(timer);
    if (!word) return close();
    timer = setTimeout(() => lookUp(word.query), 150);
  });
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + items.length) % items.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      insert(active < 0 ? 0 : active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 100));
}
