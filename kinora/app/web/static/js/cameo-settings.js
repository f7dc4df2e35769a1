// /cameo settings: "Delete my cameo" asks first, in a modal dialog that gives focus back when it closes.
export function init(root) {
  // htmx settles "style" by copying the old element's attribute onto the new one; Chromium gives a textarea an
  // empty style attribute, and writing it back breaks the page's CSP (no inline style). Settle the rest only.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];
  const dialog = root.querySelector("[data-delete-dialog]");
  const opener = root.querySelector("[data-open-delete]");
  opener.addEventListener("click", () => dialog.showModal());
  dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener.focus());
}
