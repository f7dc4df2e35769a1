// /verify: upload a clip to POST /api/verify with progress, then show its provenance report in plain language.
import { csrf } from "./app.js";

export function init(root) {
  const form = root.querySelector("[data-verify-form]");
  const input = form.querySelector('input[type="file"]');
  const maxBytes = Number(root.dataset.maxBytes);
  const parts = {
    progress: form.querySelector("[data-progress]"),
    bar: form.querySelector("progress"),
    label: form.querySelector("[data-progress-label]"),
    error: form.querySelector("[data-error]"),
    check: form.querySelector("[data-check]"),
    report: root.querySelector("[data-report]"),
  };

  input.addEventListener("change", () => showError(parts, input, ""));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files[0];
    const problem = !file ? "Choose a video file to check."
      : file.size === 0 ? `${file.name} is empty.`
      : file.size > maxBytes ? `${file.name} is ${size(file.size)}; the largest file this instance checks is ${size(maxBytes)}.`
      : "";
    showError(parts, input, problem);
    if (problem) {
      input.focus();
      return;
    }
    parts.report.hidden = true;
    busy(parts, true);
    try {
      const report = await upload(file, parts);
      render(parts.report, report, file.name, root.dataset.site);
      parts.report.hidden = false;
      parts.report.focus();
    } catch (error) {
      // The server's reason names its own temporary file; say it about the visitor's.
      const unreadable = error.message.startsWith("file is not a video");
      showError(parts, input, unreadable
        ? `${file.name} is not a video this instance can read. Choose an MP4, MOV or WebM file.` : error.message);
      input.focus();
    } finally {
      busy(parts, false);
    }
  });
}

function showError(parts, input, message) {
  parts.error.textContent = message;
  parts.error.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function busy(parts, on) {
  parts.check.disabled = on;
  parts.progress.hidden = !on;
  parts.check.textContent = on ? "Checking…" : "Check";
  if (on) {
    parts.bar.value = 0;
    parts.label.textContent = "Uploading… 0%";
  }
}

// fetch() cannot report upload progress; XMLHttpRequest can. Same CSRF header and error shape as api().
function upload(file, parts) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/verify");
    request.setRequestHeader("x-csrf-token", csrf);
    request.setRequestHeader("accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.round((100 * event.loaded) / event.total);
      parts.bar.value = percent;
      parts.label.textContent = `Uploading… ${percent}%`;
    });
    request.upload.addEventListener("load", () => {
      parts.bar.removeAttribute("value"); // indeterminate while the server reads the file
      parts.label.textContent = "Reading the manifest and the watermark…";
    });
    request.addEventListener("load", () => {
      const body = request.response;
      if (request.status === 200 && body) resolve(body);
      else reject(new Error((body && body.error && body.error.message) || `The check failed (${request.status}).`));
    });
    request.addEventListener("error", () => reject(new Error("The server could not be reached; try again.")));
    const data = new FormData();
    data.append("file", file);
    request.send(data);
  });
}

function size(n) {
  for (const [unit, bytes] of [["GB", 2 ** 30], ["MB", 2 ** 20], ["KB", 2 ** 10]]) {
    if (n >= bytes) return `${(n / bytes).toFixed(1).replace(/\.0$/, "")} ${unit}`;
  }
  return `${n} bytes`;
}

// ---- the report ----------------------------------------------------------------------------------------------

function render(section, report, fileName, site) {
  const { c2pa, watermark, matches, media } = report;
  const [tone, headline] = summary(report, site);
  section.dataset.tone = tone;
  section.querySelector("[data-file-name]").textContent = `Report on ${fileName}`;
  section.querySelector("[data-headline]").textContent = headline;
  section.querySelector("[data-verdict]").textContent = report.verdict;
  const facts = section.querySelector("[data-facts]");
  facts.replaceChildren(
    fact("Made by Kinora", ...origin(report, site)),
    fact("Post", ...post(watermark, matches)),
    fact("C2PA manifest", ...manifest(c2pa)),
    fact("Signer", ...signer(c2pa)),
    fact("Invisible watermark", ...mark(watermark)),
    fact("Similar videos here", ...similar(matches)),
    fact("The file", [text(fileFacts(media))], ""),
  );
}

function summary(report, site) {
  const { watermark, matches, c2pa } = report;
  if (watermark.found && watermark.this_instance) return ["kinora", `Made with Kinora, here on ${site}`];
  if (watermark.found) return ["kinora", "Made with Kinora, on another instance"];
  if (matches.length) return ["copy", `Probably a copy of a video made on ${site}`];
  if (c2pa.status === "valid" && c2pa.generator) return ["kinora", "Signed as made with Kinora"];
  return ["none", "No sign that Kinora made this"];
}

function origin(report, site) {
  const { watermark, matches, c2pa } = report;
  const claimed = c2pa.generator && c2pa.generator.instance;
  if (watermark.found && watermark.this_instance) {
    return [[status("Yes", "good"), text(` — on this instance, ${site}`)],
      "Its invisible watermark carries this instance's id."];
  }
  if (watermark.found) {
    return [[status("Yes", "good"), text(" — on another Kinora instance, id "), code(watermark.instance_id)],
      claimed ? `Its manifest names the instance “${claimed}”.` : "That instance's own Verify page can say more."];
  }
  if (matches.length) {
    return [[status("Probably", "neutral"), text(` — it looks like a video made on ${site}`)],
      "No readable watermark, but its pictures match a video this instance made."];
  }
  if (claimed) {
    return [[status("It says so", "neutral"), text(` — its manifest names “${claimed}”`)],
      "No watermark was found, so only the signed manifest says where it came from."];
  }
  return [[status("No sign", "neutral")],
    "No watermark, no Kinora manifest and nothing like it here. It may still be AI-made elsewhere."];
}

function post(watermark, matches) {
  const generation = watermark.generation_id || (matches[0] && matches[0].generation_id);
  const postId = watermark.post_id || (matches[0] && matches[0].post_id);
  if (postId) {
    const link = document.createElement("a");
    link.href = `/p/${Number(postId)}`;
    link.textContent = `Open post ${Number(postId)}`;
    return [[link, text(" · video "), code(generation)], "The post that published this video."];
  }
  if (generation) {
    return [[text("Not published where you can see it · video "), code(generation)],
      "The video exists here but is a draft, private, or its post was removed."];
  }
  if (watermark.found && watermark.this_instance) {
    return [[text("None")], "The video its watermark names has since been deleted."];
  }
  return [[text("None on this instance")], ""];
}

function manifest(c2pa) {
  if (c2pa.status === "valid") {
    const claim = c2pa.ai_generated ? "it says the video is AI-generated" : "it makes no AI-generation claim";
    return [[status("Valid", "good"), text(` — ${claim}`)],
      "The file is exactly what was signed." + (c2pa.generator ? ` Made by ${generatorText(c2pa.generator)}.` : "")];
  }
  if (c2pa.status === "invalid") {
    return [[status("Changed after signing", "bad")],
      "The file was edited after it was signed, so its label cannot be trusted."
      + (c2pa.errors.length ? ` (${c2pa.errors.join("; ")})` : "")];
  }
  return [[status("None", "neutral")],
    "Re-encoding, screen recording and most uploads to other apps remove the manifest."];
}

function signer(c2pa) {
  if (!c2pa.signer) return [[text("—")], c2pa.status === "absent" ? "" : "The manifest names no signer."];
  const trust = c2pa.trusted ? status("trusted here", "good") : status("not known here", "neutral");
  return [[text(`${c2pa.signer.subject}, issued by ${c2pa.signer.issuer} · `), trust],
    c2pa.trusted ? "The certificate chains to this instance's own signing authority."
      : "The signature is intact, but this instance does not know the signer's certificate."];
}

function mark(watermark) {
  if (!watermark.found) {
    return [[status("Not found", "neutral")], "Kinora hides a code in every video it makes; none was read here."];
  }
  const where = watermark.read_from.map((part) => (part === "video" ? "the pictures" : "the sound")).join(" and ");
  return [[status("Found", "good"), text(` in ${where} · code `), code(watermark.payload)],
    `It names instance ${watermark.instance_id}` + (watermark.this_instance ? " (this one)." : ".")];
}

function similar(matches) {
  if (!matches.length) return [[text("None")], "No video made here looks like it."];
  const items = matches.map((match) => `${match.generation_id} (${Math.round(match.similarity * 100)}% similar)`);
  return [[text(items.join(", "))], "Fingerprints of videos made on this instance that look like this one."];
}

function fileFacts(media) {
  const seconds = `${media.seconds.toFixed(1)} s`;
  return `${seconds} · ${media.width}×${media.height} · ${media.has_audio ? "with sound" : "no sound"}`;
}

function generatorText(generator) {
  const parts = [`Kinora ${generator.version || ""}`.trim()];
  if (generator.engine) parts.push(`engine ${generator.engine}`);
  if (generator.model) parts.push(`model ${generator.model}`);
  return parts.join(", ");
}

function fact(term, nodes, explanation) {
  const row = document.createElement("div");
  const dt = document.createElement("dt");
  const dd = document.createElement("dd");
  dt.textContent = term;
  dd.append(...nodes);
  if (explanation) {
    const line = document.createElement("span");
    line.className = "explain-line";
    line.textContent = explanation;
    dd.append(line);
  }
  row.append(dt, dd);
  return row;
}

function text(value) {
  return document.createTextNode(value);
}

function code(value) {
  const element = document.createElement("code");
  element.textContent = value || "";
  return element;
}

function status(value, kind) {
  const element = document.createElement("span");
  element.className = `status ${kind}`;
  element.textContent = value;
  return element;
}
