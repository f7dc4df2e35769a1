// The notifications page: marks what it shows read (and clears the nav badge), and puts new notifications that
// arrive while it is open at the top of the list.
import { api, setUnread, toast } from "./app.js";

export function init(root) {
  const list = root.querySelector("#notification-list");
  const unread = [...list.querySelectorAll(".notification.unread")];
  if (unread.length) markRead(unread.map((item) => Number(item.dataset.id)));
  if (root.dataset.live !== undefined) {
    document.addEventListener("kinora:notification", (event) => arrive(root, list, event.detail));
  }
  root.dataset.ready = "1"; // tests (and people on slow links) can tell the controls work now
}

async function markRead(ids) {
  try {
    await api("/api/notifications/read", { method: "POST", json: { ids } });
    const unread = await api("/api/notifications/unread-count");
    setUnread(unread.count);
  } catch (error) {
    toast(error.message);
  }
}

async function arrive(root, list, notification) {
  if (!notification || !Number.isInteger(notification.id)) return;
  if (list.querySelector(`[data-id="${notification.id}"]`)) return;
  try {
    const response = await fetch(`/notifications/item/${notification.id}`, { credentials: "same-origin" });
    if (!response.ok) return; // gone already (a block, a deleted post): nothing to show
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const item = template.content.querySelector("li.notification");
    if (!item || list.querySelector(`[data-id="${notification.id}"]`)) return;
    item.classList.add("arrived");
    list.prepend(item);
    root.querySelector("[data-empty]").hidden = true;
    markRead([notification.id]);
  } catch (error) {
    toast(`A new notification could not be shown: ${error.message}`);
  }
}
