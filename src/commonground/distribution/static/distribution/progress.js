// A dispatch's progress, asked every two seconds while it is queued or sending.
(function () {
  "use strict";
  const section = document.getElementById("cg-dispatch");
  if (!section) return;
  const bar = section.querySelector("[data-cg-bar]");
  const counts = section.querySelector("[data-cg-counts]");
  const statusText = section.querySelector("[data-cg-status]");
  const LABELS = { queued: "queued", sending: "sending", paused: "paused", done: "done", failed: "failed" };
  let status = section.dataset.status;

  async function refresh() {
    if (status !== "queued" && status !== "sending") return;
    try {
      const answer = await fetch(section.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (answer.ok) {
        const data = await answer.json();
        const c = data.counts;
        bar.max = Math.max(data.total, 1);
        bar.value = c.sent + c.failed + c.skipped;
        counts.textContent = `Sent ${c.sent} · failed ${c.failed} · queued ${c.queued} · skipped ${c.skipped}`;
        status = data.status;
        statusText.textContent = LABELS[status] || status;
        if (status !== "queued" && status !== "sending") {
          window.location.reload(); // the buttons and the table change with the status
          return;
        }
      }
    } catch (error) {
      // The next tick tries again; the page stays as it was.
    }
    window.setTimeout(refresh, 2000);
  }
  window.setTimeout(refresh, 2000);
})();
