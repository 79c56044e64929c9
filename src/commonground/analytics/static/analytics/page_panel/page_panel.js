/* The page editor's Analytics panel: fetches the figures after the editor has loaded, so a
 * slow or stopped event store never holds the editor up (see analytics/page_panel.py). */
(() => {
  "use strict";

  const FRAGMENT_HEADER = "X-Analytics-Fragment";

  async function load(panel) {
    try {
      const response = await fetch(panel.dataset.url, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      // Anything else (a login page after the session expired) is not ours to insert.
      if (!response.headers.get(FRAGMENT_HEADER)) throw new Error(`HTTP ${response.status}`);
      panel.innerHTML = await response.text();
    } catch (error) {
      panel.textContent = `Analytics could not be loaded (${error.message}); reload the page to try again.`;
    }
  }

  function start() {
    for (const panel of document.querySelectorAll("[data-analytics-page-panel]")) load(panel);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
