// The page editor's publishing aids: one page per create form, the schedule dialog's time
// zone and its typed values kept on Esc, and a save badge that follows the real state.
(() => {
  "use strict";

  const form = document.querySelector("form[data-edit-form]");
  if (!form) return;

  // A random key per create form shown: the server answers a second POST of the same form
  // (sent before the autosave's answer turned it into an edit form) on the page it made.
  if (/\/pages\/add\//.test(form.getAttribute("action") || "")) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    const key = document.createElement("input");
    key.type = "hidden";
    key.name = "cg_creation_key";
    key.value = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    form.prepend(key);
  }

  // A form shown again with errors was not saved: autosave would save a draft (required
  // fields are deferred for drafts) and show "Saved" under a red "could not be saved".
  // Until the next real submit, the badge says "Not saved" and autosave waits.
  const hasErrors = () =>
    form.querySelector(".error-message, .w-field--error, [aria-invalid=true]") !== null;
  const markNotSaved = () => {
    const indicator = document.getElementById("w-autosave-indicator");
    if (!indicator) return;
    indicator.setAttribute("data-w-autosave-state-value", "paused");
    indicator.setAttribute(
      "data-w-tooltip-content-value",
      "Not saved: fix the errors marked below, then save again.",
    );
    const text = indicator.querySelector(
      ".w-autosave-indicator__state--paused .w-autosave-indicator__text",
    );
    if (text) text.textContent = "Not saved";
    indicator.dataset.cgNotSaved = "true";
  };
  if (hasErrors()) {
    form.setAttribute("data-w-autosave-active-value", "false");
    document.addEventListener(
      "w-autosave:save",
      (event) => {
        if (hasErrors()) event.preventDefault();
      },
      true,
    );
    const keepNotSaved = () => window.requestAnimationFrame(markNotSaved);
    document.addEventListener("w-autosave:save", keepNotSaved);
    document.addEventListener("w-autosave:error", keepNotSaved);
    document.addEventListener("DOMContentLoaded", keepNotSaved);
    window.addEventListener("load", keepNotSaved);
    markNotSaved();
  }

  // The schedule dialog: the zone its times are read in, and the editor's if it differs.
  const zoneData = document.getElementById("cg-publishing-time-zone");
  const zone = zoneData ? JSON.parse(zoneData.textContent) : null;
  const offsetLabel = (minutes) => {
    const sign = minutes >= 0 ? "+" : "-";
    const hours = Math.floor(Math.abs(minutes) / 60);
    const rest = Math.abs(minutes) % 60;
    return `UTC${sign}${hours}${rest ? `:${String(rest).padStart(2, "0")}` : ""}`;
  };
  // The dialog sits in a <template> until Wagtail teleports it into the form.
  const setUpDialog = (dialog) => {
    if (!zone || dialog.dataset.cgTimeZone) return;
    dialog.dataset.cgTimeZone = zone.name;
    const browserMinutes = -new Date().getTimezoneOffset();
    const note = document.createElement("p");
    note.className = "cg-schedule-time-zone";
    note.textContent =
      `Times are ${zone.name} (${zone.offset})` +
      (browserMinutes === zone.offsetMinutes
        ? ", as on your computer."
        : `; your browser is ${offsetLabel(browserMinutes)}.`);
    const body = dialog.querySelector(".w-dialog__body") || dialog;
    body.prepend(note);

    // Esc (or the close button) left the typed times behind unseen: they stay in the form,
    // and the footer says they are not saved yet, so nothing typed is lost silently.
    const inputs = () =>
      Array.from(dialog.querySelectorAll("input[name=go_live_at], input[name=expire_at]"));
    let shown = inputs().map((input) => input.value);
    const pending = document.createElement("p");
    pending.className = "cg-schedule-pending";
    pending.setAttribute("role", "status");
    pending.hidden = true;
    pending.textContent =
      "The schedule you typed is kept but not saved yet: open the schedule and press Save schedule.";
    form.append(pending);
    // Whatever closes the dialog (Esc, the close button, the overlay), take the values as
    // typed just before it, and put them back if closing emptied them.
    let beforeClosing = null;
    const snapshot = () => {
      beforeClosing = inputs().map((input) => input.value);
    };
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") snapshot();
    }, true);
    dialog.addEventListener("pointerdown", (event) => {
      if (event.target.closest(".w-dialog__close-button, .w-dialog__overlay")) snapshot();
    }, true);
    const restore = () => {
      if (!beforeClosing) return;
      inputs().forEach((input, index) => {
        if (input.value !== beforeClosing[index]) {
          input.value = beforeClosing[index];
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    };
    new MutationObserver(() => {
      if (dialog.getAttribute("aria-hidden") === "false") {
        shown = inputs().map((input) => input.value);
        beforeClosing = null;
        pending.hidden = true;
        return;
      }
      restore();
      window.setTimeout(() => {
        restore();
        const changed = inputs().some((input, index) => input.value !== shown[index]);
        pending.hidden = !changed;
      }, 50);
    }).observe(dialog, { attributes: true, attributeFilter: ["aria-hidden"] });
  };
  // The date picker opened below the go-live field, over "Save schedule": open it beside
  // the field instead where the screen has room (it does at 1280 px).
  const besideField = (input) => {
    const rect = input.getBoundingClientRect();
    const picker = Array.from(document.querySelectorAll(".xdsoft_datetimepicker")).find(
      (element) => element.style.display === "block" && element.getClientRects().length > 0,
    );
    if (!picker) return;
    const left = rect.right + 12;
    if (left + picker.offsetWidth > window.innerWidth - 8) return;
    const top = Math.max(8, Math.min(rect.top, window.innerHeight - picker.offsetHeight - 8));
    // Wagtail's picker is position: fixed, so viewport coordinates are what it takes.
    const scroll = getComputedStyle(picker).position === "fixed" ? [0, 0] : [scrollX, scrollY];
    picker.style.left = `${left + scroll[0]}px`;
    picker.style.top = `${top + scroll[1]}px`;
  };
  document.addEventListener("focusin", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement)) return;
    if (!input.closest("#schedule-publishing-dialog")) return;
    for (const delay of [0, 50, 200, 400]) window.setTimeout(() => besideField(input), delay);
  });
  document.addEventListener("click", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.closest("#schedule-publishing-dialog")) {
      for (const delay of [0, 50, 200, 400]) window.setTimeout(() => besideField(input), delay);
    }
  });

  const findDialog = () => {
    const dialog = document.getElementById("schedule-publishing-dialog");
    if (dialog) setUpDialog(dialog);
    return Boolean(dialog);
  };
  if (!findDialog()) {
    const observer = new MutationObserver(() => {
      if (findDialog()) observer.disconnect();
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }
})();
