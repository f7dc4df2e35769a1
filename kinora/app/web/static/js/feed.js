// The feed: the post on screen plays (muted until the visitor asks for sound), the others pause; watching is
// reported to /api/posts/{id}/view; more posts load before the end; comment, report and share actions.
import { api, csrf, toast } from "./app.js";

const sound = { on: false };
const views = new Map(); // post id -> { last, max, sentMax, completed, sentCompleted }

export function init(feed) {
  const observer = new IntersectionObserver((entries) => entries.forEach((entry) => onSeen(feed, entry)),
    { root: feed, threshold: [0, 0.6] });
  const watchNew = () => {
    for (const element of feed.querySelectorAll(".post:not([data-watched]), .feed-more:not([data-watched])")) {
      element.dataset.watched = "1";
      observer.observe(element);
      if (element.matches(".post")) setUp(element);
    }
    localTimes(feed);
  };
  new MutationObserver(watchNew).observe(feed, { childList: true });
  watchNew();
  feed.addEventListener("click", (event) => onClick(feed, event));
  feed.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeMenus(feed, true);
  });
  setUpDialogs();
  document.addEventListener("visibilitychange", () => {
    const video = active(feed);
    if (!video) return;
    if (document.hidden) video.pause();
    else play(video);
  });
  window.addEventListener("pagehide", () => feed.querySelectorAll(".post").forEach((post) => report(post, true)));
}

function setUp(post) {
  const video = post.querySelector("video");
  const button = post.querySelector('[data-action="sound"]');
  if (button) button.setAttribute("aria-pressed", String(sound.on));
  video.addEventListener("timeupdate", () => track(post, video));
}

function onSeen(feed, entry) {
  const element = entry.target;
  if (element.matches(".feed-more")) {
    if (entry.isIntersecting) loadMore(element);
    return;
  }
  const video = element.querySelector("video");
  if (entry.intersectionRatio >= 0.6) {
    element.classList.add("current");
    play(video);
    const next = element.nextElementSibling;
    if (next && next.matches(".post")) next.querySelector("video").preload = "auto";
    const posts = [...feed.querySelectorAll(".post")];
    const more = feed.querySelector(".feed-more");
    if (more && posts.length - posts.indexOf(element) <= 3) loadMore(more);
  } else if (element.classList.contains("current")) {
    element.classList.remove("current");
    video.pause();
    report(element, false);
  }
}

function active(feed) {
  const post = feed.querySelector(".post.current");
  return post && post.querySelector("video");
}

function play(video) {
  video.muted = !sound.on;
  video.play().catch((error) => {
    // Sound without a fresh tap may be refused: go on muted rather than not at all.
    if (error.name === "NotAllowedError" && !video.muted) {
      setSound(false);
      video.play().catch(() => {});
    }
  });
}

function setSound(on) {
  sound.on = on;
  for (const button of document.querySelectorAll('.post [data-action="sound"]')) {
    button.setAttribute("aria-pressed", String(on));
  }
  for (const video of document.querySelectorAll(".post video")) video.muted = !on;
}

async function loadMore(sentinel) {
  if (sentinel.dataset.loading) return;
  sentinel.dataset.loading = "1";
  try {
    await window.htmx.ajax("GET", sentinel.dataset.next, { target: sentinel, swap: "outerHTML" });
  } catch (error) {
    toast(`More posts did not load: ${error.message}`);
  }
}

// Views: the furthest point watched, and "completed" once the loop wraps around after most of the clip.
function track(post, video) {
  const duration = video.duration;
  if (!duration || !Number.isFinite(duration)) return;
  const seen = viewOf(post);
  const fraction = Math.min(1, video.currentTime / duration);
  if (seen.last > 0.5 && fraction + 0.2 < seen.last) {
    seen.completed = true;
    seen.max = 1;
    report(post, false);
  }
  seen.last = fraction;
  seen.max = Math.max(seen.max, fraction);
}

function viewOf(post) {
  const id = post.dataset.postId;
  if (!views.has(id)) views.set(id, { last: 0, max: 0, sentMax: 0, completed: false, sentCompleted: false });
  return views.get(id);
}

function report(post, leaving) {
  const seen = viewOf(post);
  const news = (seen.completed && !seen.sentCompleted) || (seen.max >= 0.25 && seen.max > seen.sentMax + 0.05);
  if (!news) return;
  const body = { watched_fraction: Math.round(seen.max * 1000) / 1000, completed: seen.completed };
  seen.sentMax = seen.max;
  seen.sentCompleted = seen.completed;
  const path = `/api/posts/${post.dataset.postId}/view`;
  if (leaving) {
    fetch(path, { method: "POST", keepalive: true, credentials: "same-origin", body: JSON.stringify(body),
      headers: { "x-csrf-token": csrf, "content-type": "application/json" } }).catch(() => {});
  } else {
    api(path, { method: "POST", json: body }).catch(() => {}); // a view that is not counted is no news
  }
}

function onClick(feed, event) {
  const post = event.target.closest(".post");
  if (!post || !event.target.closest("[data-action=\"more\"], .post-more")) closeMenus(feed);
  if (!post) return;
  if (event.target.matches("video")) {
    setSound(!sound.on);
    play(event.target);
    return;
  }
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const action = button.dataset.action;
  if (action !== "more") closeMenus(feed);
  if (action === "more") toggleMenu(feed, button);
  else if (action === "sound") {
    setSound(!sound.on);
    play(post.querySelector("video"));
  } else if (action === "comments") openComments(post, button);
  else if (action === "share") share(post);
  else if (action === "see-less") seeLess(feed, post, button);
  else if (action === "report") openReport(post, post.querySelector('[data-action="more"]'));
}

// "More options": a small menu with "See less like this" and "Report".
function toggleMenu(feed, button) {
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const open = menu.hidden;
  closeMenus(feed);
  if (!open) return;
  menu.hidden = false;
  button.setAttribute("aria-expanded", "true");
  menu.querySelector("button").focus();
}

function closeMenus(feed, focusBack = false) {
  for (const button of feed.querySelectorAll('[data-action="more"][aria-expanded="true"]')) {
    button.setAttribute("aria-expanded", "false");
    document.getElementById(button.getAttribute("aria-controls")).hidden = true;
    if (focusBack) button.focus();
  }
}

// Dialogs: close buttons, a click on the backdrop, and focus back to the button that opened them.
const openers = new WeakMap();

function setUpDialogs() {
  for (const dialog of document.querySelectorAll("dialog.sheet")) {
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog || event.target.closest("[data-close]")) dialog.close();
    });
    dialog.addEventListener("close", () => {
      const opener = openers.get(dialog);
      if (opener && opener.isConnected) opener.focus();
    });
  }
  const sheet = document.getElementById("comment-sheet");
  sheet.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("[data-comment-form]") || !event.detail.successful) return;
    const list = document.querySelector(form.getAttribute("hx-target"));
    replyTo(form, null);
    form.querySelector("#comment-text").focus();
    if (list && list.lastElementChild) list.lastElementChild.scrollIntoView({ block: "nearest" });
  });
  sheet.addEventListener("click", (event) => {
    const form = sheet.querySelector("[data-comment-form]");
    const reply = event.target.closest("[data-reply]");
    if (reply && form) replyTo(form, reply);
    else if (event.target.closest("[data-reply-cancel]") && form) replyTo(form, null);
  });
  document.querySelector("[data-report-form]").addEventListener("submit", sendReport);
}

// Point the comment form at a comment's replies (or back at the thread): the hidden parent_id, htmx's target
// and a visible "Replying to @handle" line.
function replyTo(form, button) {
  const parent = button ? button.dataset.reply : "";
  form.reset();
  form.querySelector("[data-parent]").value = parent;
  form.setAttribute("hx-target", parent ? `#replies-${parent}` : "#comment-list");
  const line = form.querySelector("[data-replying]");
  line.hidden = !parent;
  line.querySelector("[data-replying-text]").textContent = parent ? `Replying to @${button.dataset.replyHandle}` : "";
  if (parent) form.querySelector("#comment-text").focus();
}

function openDialog(dialog, opener) {
  openers.set(dialog, opener);
  dialog.showModal();
}

async function openComments(post, button) {
  const sheet = document.getElementById("comment-sheet");
  const body = document.getElementById("comment-sheet-body");
  const loading = document.createElement("p");
  loading.className = "muted";
  loading.textContent = "Loading comments…";
  body.replaceChildren(loading);
  openDialog(sheet, button);
  try {
    await window.htmx.ajax("GET", `/feed/posts/${post.dataset.postId}/comments`, { target: body, swap: "innerHTML" });
    const input = body.querySelector("#comment-text");
    if (input && sheet.open) input.focus();
  } catch (error) {
    toast(`The comments did not load: ${error.message}`);
  }
}

function openReport(post, button) {
  const dialog = document.getElementById("report-dialog");
  const form = dialog.querySelector("form");
  form.reset();
  dialog.dataset.postId = post.dataset.postId;
  openDialog(dialog, button);
  form.querySelector("select").focus();
}

async function sendReport(event) {
  event.preventDefault();
  const form = event.target;
  const dialog = form.closest("dialog");
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api("/api/reports", { method: "POST", json: { target_type: "post", target_id: Number(dialog.dataset.postId),
      category: form.elements.category.value, details: form.elements.details.value.trim() } });
    dialog.close();
    toast("Thanks for reporting. The admins will review this post.", "ok");
  } catch (error) {
    toast(error.message);
  } finally {
    button.disabled = false;
  }
}

async function seeLess(feed, post, button) {
  button.disabled = true;
  try {
    await api(`/api/posts/${post.dataset.postId}/see-less`, { method: "POST" });
  } catch (error) {
    button.disabled = false;
    toast(error.message);
    return;
  }
  post.classList.add("faded");
  toast("Got it: you'll see fewer posts like this.", "ok", { label: "Undo", run: () => undoSeeLess(post, button) });
  const next = post.nextElementSibling;
  if (next) setTimeout(() => next.scrollIntoView({ behavior: "smooth", block: "start" }), 700);
}

async function undoSeeLess(post, button) {
  try {
    await api(`/api/posts/${post.dataset.postId}/see-less`, { method: "DELETE" });
  } catch (error) {
    toast(error.message);
    return;
  }
  post.classList.remove("faded");
  button.disabled = false;
  toast("Undone: this post counts as before.", "ok");
}

async function share(post) {
  const url = new URL(post.dataset.shareUrl, window.location.origin).href;
  if (navigator.share) {
    try {
      await navigator.share({ url, title: post.getAttribute("aria-label") });
      return;
    } catch (error) {
      if (error.name === "AbortError") return;
    }
  }
  try {
    await navigator.clipboard.writeText(url);
    toast("Link copied", "ok");
  } catch {
    toast(`Copy this link: ${url}`, "ok");
  }
}

// The daily-limit card says when the feed resets, in UTC from the server; show it in the visitor's time too.
function localTimes(root) {
  for (const time of root.querySelectorAll("time[data-local-time]:not([data-localized])")) {
    time.dataset.localized = "1";
    const when = new Date(time.dateTime);
    if (Number.isNaN(when.getTime())) continue;
    time.textContent = when.toLocaleString([], { weekday: "short", hour: "numeric", minute: "2-digit" });
  }
}
