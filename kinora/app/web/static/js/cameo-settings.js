// /cameo settings: "Delete my cameo" asks first, in a modal dialog that gives focus back when it closes.
export function init(root) {
  const dialog = root.querySelector("[data-delete-dialog]");
  const opener = root.querySelector("[data-open-delete]");
  opener.addEventListener("click", () => dialog.showModal());
  dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener.focus());
}
