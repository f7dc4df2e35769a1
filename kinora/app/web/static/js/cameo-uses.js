// /cameo/uses: Remove (confirm, then DELETE the video) and Report (details, then POST) for each video with you.
import { api, toast } from "./app.js";

export function init(root) {
  const handle = root.dataset.handle;
  const removeDialog = root.querySelector("[data-remove-dialog]");
  const reportDialog = root.querySelector("[data-report-dialog]");
  let item = null;
  let opener = null;

  function open(dialog, button) {
    item = button.closest("[data-use]");
    opener = button;
    dialog.querySelector("[data-dialog-prompt]").textContent = item.querySelector(".prompt").textContent;
    dialog.showModal();
  }

  for (const dialog of [removeDialog, reportDialog]) {
    dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "confirm") {
        (dialog === removeDialog ? remove : report)(item, opener);
      } else if (opener && opener.isConnected) {
        opener.focus();
      }
      dialog.returnValue = "";
    });
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove], [data-report]");
    if (!button) return;
    open(button.hasAttribute("data-remove") ? removeDialog : reportDialog, button);
  });

  async function remove(target, button) {
    const id = target.dataset.use;
    try {
      await api(`/api/cameos/${encodeURIComponent(handle)}/uses/${encodeURIComponent(id)}`, { method: "DELETE" });
    } catch (error) {
      toast(error.message);
      button.focus();
      return;
    }
    const next = target.nextElementSibling || target.previousElementSibling;
    target.remove();
    toast("The video was removed.", "ok");
    (next ? next.querySelector("[data-remove]") : root.querySelector("h1")).focus();
  }

  async function report(target, button) {
    const details = reportDialog.querySelector("textarea");
    try {
      await api(`/api/cameos/${encodeURIComponent(handle)}/uses/${encodeURIComponent(target.dataset.use)}/report`,
                { method: "POST", json: { details: details.value } });
    } catch (error) {
      toast(error.message);
      button.focus();
      return;
    }
    details.value = "";
    toast("Thanks: the admins will look at this video.", "ok");
    button.focus();
  }
}
