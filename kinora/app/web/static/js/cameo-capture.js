// /cameo without a cameo: camera preview, the challenge, recording (MediaRecorder), upload with progress and the
// verification's answer. A challenge is spent by any upload, so "Try again" asks for a new one.
import { api, csrf, toast } from "./app.js";

const CAMERA_ERRORS = {
  NotAllowedError: "Camera and microphone access is blocked. Allow both for this site (often the camera icon in the " +
    "address bar, or your browser's site settings), then press Start camera again.",
  SecurityError: "This page is not allowed to use the camera. Open the site over https, then try again.",
  NotFoundError: "No camera or microphone was found. Connect one (or use your phone), then press Start camera again.",
  OverconstrainedError: "Your camera cannot record video this page can use. Try another camera.",
  NotReadableError: "Your camera or microphone is busy in another app or tab. Close it, then press Start camera again.",
  AbortError: "The camera stopped before it started. Press Start camera again.",
};

const pickType = () => ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
  .find((type) => MediaRecorder.isTypeSupported(type)) || "";

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;

export function init(root) {
  const $ = (name) => root.querySelector(`[data-${name}]`);
  const video = root.querySelector("video");
  const [minSeconds, maxSeconds] = [Number(root.dataset.recordMin), Number(root.dataset.recordMax)];
  const buttons = { start: $("start"), record: $("record"), stop: $("stop"), retry: $("retry") };
  let stream = null;
  let recorder = null;
  let challenge = root.dataset.challengeId
    ? { id: root.dataset.challengeId, digits: root.dataset.digits, expires_at: Number(root.dataset.expires) } : null;

  const say = (text) => { $("status").textContent = text; };
  const fail = (text) => {
    const box = $("cam-error");
    box.textContent = text;
    box.hidden = !text;
  };

  function showChallenge() {
    $("challenge").hidden = !challenge;
    $("cue").hidden = !challenge || !stream;
    if (!challenge) return;
    const spaced = challenge.digits.split("").join(" ");
    $("digits-text").textContent = spaced;
    $("cue").textContent = spaced;
    const until = new Date(challenge.expires_at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    $("valid-until").textContent = `This challenge is valid until ${until}.`;
  }

  async function freshChallenge() {
    if (challenge && challenge.expires_at - Date.now() / 1000 > maxSeconds + 30) return;
    challenge = await api("/api/cameos/challenges", { method: "POST", json: { kind: "person" } });
    showChallenge();
  }

  async function startCamera() {
    fail("");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      fail("This browser cannot use a camera on this page. Open the site over https in a recent browser.");
      return;
    }
    if (typeof MediaRecorder === "undefined") {
      fail("This browser cannot record video. Try a recent Chrome, Firefox or Safari.");
      return;
    }
    buttons.start.disabled = true;
    say("Asking for your camera and microphone…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: true });
    } catch (error) {
      buttons.start.disabled = false;
      say("The camera is off.");
      fail(CAMERA_ERRORS[error.name] || `The camera did not start: ${error.message}`);
      return;
    }
    video.srcObject = stream;
    $("cam-off").hidden = true;
    $("stage").classList.add("live");
    $("intro").open = false;
    $("stage").scrollIntoView({ block: "start", behavior: "smooth" });
    buttons.start.hidden = true;
    try {
      await freshChallenge();
    } catch (error) {
      fail(error.message);
      return;
    }
    showChallenge();
    buttons.record.disabled = false;
    say("Camera on. Read the challenge, then press Record.");
  }

  async function record() {
    fail("");
    try {
      await freshChallenge();
    } catch (error) {
      fail(error.message);
      return;
    }
    const type = pickType();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    const parts = [];
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) parts.push(event.data); });
    recorder.addEventListener("stop", () => upload(new Blob(parts, { type: recorder.mimeType || type })));
    const timer = $("timer");
    const started = performance.now();
    const tick = setInterval(() => {
      const seconds = (performance.now() - started) / 1000;
      timer.textContent = `${clock(seconds)} / ${clock(maxSeconds)}`;
      buttons.stop.disabled = seconds < minSeconds;
      if (seconds >= maxSeconds) stop();
    }, 200);
    recorder.addEventListener("stop", () => clearInterval(tick));
    recorder.start(1000);
    timer.textContent = `0:00 / ${clock(maxSeconds)}`;
    timer.hidden = false;
    root.classList.add("recording");
    $("stage").scrollIntoView({ block: "start", behavior: "smooth" });
    buttons.record.hidden = true;
    buttons.stop.hidden = false;
    buttons.stop.disabled = true;
    say(`Recording. Turn left, turn right, read the digits. It stops by itself after ${maxSeconds} seconds.`);
  }

  function stop() {
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  function upload(blob) {
    root.classList.remove("recording");
    $("timer").hidden = true;
    buttons.stop.hidden = true;
    const extension = blob.type.includes("mp4") ? "mp4" : "webm";
    const form = new FormData();
    form.append("challenge_id", challenge.id);
    form.append("keep_clip", $("keep").checked ? "true" : "false");
    form.append("video", blob, `cameo.${extension}`);
    const progress = $("progress");
    progress.value = 0;
    $("upload").hidden = false;
    say("Uploading your recording…");
    const request = new XMLHttpRequest();
    request.open("POST", "/api/cameos/verify");
    request.setRequestHeader("x-csrf-token", csrf);
    request.setRequestHeader("accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
    });
    request.upload.addEventListener("load", () => {
      progress.removeAttribute("value");  // indeterminate while the server checks the clip
      say("Checking your recording: this takes a few seconds…");
    });
    request.addEventListener("load", () => answered(request));
    request.addEventListener("error", () => showFailure("The upload did not reach the server.", []));
    request.send(form);
  }

  function answered(request) {
    $("upload").hidden = true;
    if (request.status === 200) {
      say("Your cameo is ready.");
      window.location.assign("/cameo?ready=1");
      return;
    }
    let error = null;
    try {
      error = JSON.parse(request.responseText).error;
    } catch {
      error = null;
    }
    const failures = (error && error.report && error.report.failures) || [];
    showFailure((error && error.message) || `The server answered ${request.status}.`, failures);
  }

  function showFailure(message, failures) {
    challenge = null;  // spent by the upload, pass or fail
    showChallenge();
    const list = $("failures");
    const items = failures.length ? failures.map((failure) => failure.message) : [message];
    list.replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
    const result = $("result");
    result.hidden = false;
    result.focus();
    say("Verification failed.");
  }

  async function retry() {
    buttons.retry.disabled = true;
    try {
      await freshChallenge();
      $("result").hidden = true;
      buttons.record.hidden = false;
      buttons.record.disabled = !stream;
      if (!stream) buttons.start.hidden = false;
      say("A new challenge is ready. Press Record when you are.");
      (stream ? buttons.record : buttons.start).focus();
    } catch (error) {
      toast(error.message);
    } finally {
      buttons.retry.disabled = false;
    }
  }

  buttons.start.addEventListener("click", startCamera);
  buttons.record.addEventListener("click", record);
  buttons.stop.addEventListener("click", stop);
  buttons.retry.addEventListener("click", retry);
  window.addEventListener("pagehide", () => stream && stream.getTracks().forEach((track) => track.stop()));
  showChallenge();
}
