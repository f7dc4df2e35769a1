// The profile page: follow / unfollow, block / unblock, and (on your own profile) the avatar.
import { api, toast } from "./app.js";

export function init(root) {
  const handle = root.dataset.handle;
  const path = `/api/users/${encodeURIComponent(handle)}`;
  const follow = root.querySelector("[data-follow]");
  if (follow) follow.addEventListener("click", () => toggleFollow(root, follow, path));
  const block = root.querySelector("[data-block]");
  if (block) block.addEventListener("click", () => confirmBlock(root, block, path));
  const unblock = root.querySelector("[data-unblock]");
  if (unblock) unblock.addEventListener("click", () => change(unblock, "DELETE", `${path}/block`));
  const file = root.querySelector("[data-avatar-file]");
  if (file) file.addEventListener("change", () => uploadAvatar(root, file));
  const remove = root.querySelector("[data-avatar-remove]");
  if (remove) remove.addEventListener("click", () => removeAvatar(root, remove));
  root.dataset.ready = "1"; // tests (and people on slow links) can tell the controls work now
}

async function toggleFollow(root, button, path) {
  const following = button.getAttribute("aria-pressed") === "true";
  button.disabled = true;
  try {
    const relation = await api(`${path}/follow`, { method: following ? "DELETE" : "POST" });
    button.setAttribute("aria-pressed", String(relation.is_following));
    button.textContent = relation.is_following ? "Following" : "Follow";
    button.classList.toggle("primary", !relation.is_following);
    if (relation.is_following !== following) bumpFollowers(root, relation.is_following ? 1 : -1);
  } catch (error) {
    toast(error.message);
  } finally {
    button.disabled = false;
    button.focus();
  }
}

function bumpFollowers(root, delta) {
  const count = root.querySelector('[data-count="followers"]');
  const label = root.querySelector('[data-count-label="followers"]');
  const n = Math.max(0, (Number(count.textContent) || 0) + delta);
  count.textContent = String(n);
  label.textContent = n === 1 ? "follower" : "followers";
}

function confirmBlock(root, opener, path) {
  const dialog = root.querySelector("[data-block-dialog]");
  const menu = opener.closest("details");
  dialog.addEventListener("close", async () => {
    if (menu) menu.open = false;
    const summary = menu ? menu.querySelector("summary") : opener;
    if (dialog.returnValue !== "block") {
      summary.focus();
      return;
    }
    await change(summary, "POST", `${path}/block`);
  }, { once: true });
  dialog.returnValue = "";
  dialog.showModal();
}

// A block or unblock reloads the page: counts, grid and buttons all change with it.
async function change(control, method, path) {
  try {
    await api(path, { method });
    window.location.reload();
  } catch (error) {
    toast(error.message);
    control.focus();
  }
}

function avatarImage(root) {
  const holder = root.querySelector("[data-avatar]");
  if (holder.tagName === "IMG") return holder;
  const img = document.createElement("img");
  img.className = "avatar profile-avatar";
  img.dataset.avatar = "";
  img.alt = `Profile picture of @${root.dataset.handle}`;
  holder.replaceWith(img);
  return img;
}

function showAvatarError(root, message) {
  const error = root.querySelector("[data-avatar-error]");
  const input = root.querySelector("[data-avatar-file]");
  error.textContent = message;
  error.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

async function uploadAvatar(root, input) {
  const file = input.files && input.files[0];
  if (!file) return;
  showAvatarError(root, "");
  const img = avatarImage(root);
  const before = img.getAttribute("src");
  const preview = URL.createObjectURL(file);
  img.src = preview;
  const body = new FormData();
  body.append("file", file);
  input.disabled = true;
  try {
    const me = await api("/api/me/avatar", { method: "PUT", body });
    img.src = me.avatar_url;
    root.querySelector("[data-avatar-remove]").hidden = false;
    toast("Avatar changed", "ok");
  } catch (error) {
    if (before) img.src = before;
    else img.removeAttribute("src");
    showAvatarError(root, error.message);
  } finally {
    URL.revokeObjectURL(preview);
    input.disabled = false;
    input.value = "";
    input.focus();
  }
}

async function removeAvatar(root, button) {
  try {
    await api("/api/me/avatar", { method: "DELETE" });
    window.location.reload();
  } catch (error) {
    showAvatarError(root, error.message);
    button.focus();
  }
}
