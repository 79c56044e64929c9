// Subscriber imports: the progress page asks for its numbers every second while the import
// is queued or running (and reloads once it ends, for the report); the upload form shows the
// consent statement only while "mark confirmed" is chosen. No inline script: strict CSP.
(function () {
  "use strict";

  const section = document.getElementById("cg-import");
  if (section) {
    const bar = section.querySelector("[data-cg-bar]");
    const counts = section.querySelector("[data-cg-counts]");
    const statusText = section.querySelector("[data-cg-status]");
    const moving = (status) => status === "queued" || status === "running";
    let status = section.dataset.status;

    const refresh = async () => {
      if (!moving(status)) return;
      try {
        const answer = await fetch(section.dataset.progressUrl, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (answer.ok) {
          const data = await answer.json();
          bar.max = Math.max(data.total, 1);
          bar.value = data.processed;
          bar.textContent = `${data.processed} of ${data.total}`;
          counts.textContent =
            `${data.processed} of ${data.total} rows · created ${data.created} · updated ${data.updated}` +
            ` · skipped ${data.skipped} · failed ${data.failed}`;
          statusText.textContent = data.status_label;
          status = data.status;
          if (!moving(status)) {
            window.location.reload(); // the report table and the buttons come with the page
            return;
          }
        }
      } catch (error) {
        // A network hiccup: the next tick tries again.
      }
      window.setTimeout(refresh, 1000);
    };
    window.setTimeout(refresh, 1000);
  }

  const form = document.getElementById("cg-import-form");
  if (form) {
    const consent = form.querySelector("[data-cg-consent-confirmed]");
    const show = () => {
      const chosen = form.querySelector("input[name=consent_mode]:checked");
      consent.hidden = !chosen || chosen.value !== "confirmed";
    };
    form.addEventListener("change", (event) => {
      if (event.target.name === "consent_mode") show();
    });
    show();
  }
})();
