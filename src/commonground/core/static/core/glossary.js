/* Glossary terms (core/glossary.py's markup, and labels scripts draw with the same
 * attributes): Escape hides the explanation being shown (WCAG 1.4.13) until the pointer or
 * focus leaves; a tap opens it on touch screens, where there is no hover. Delegated from the
 * document, so labels drawn later work too. */
(() => {
  "use strict";

  const TERM = "[data-term]";

  function shown() {
    return [...document.querySelectorAll(`${TERM}:hover, ${TERM}:focus-within, ${TERM}[data-term-open]`)];
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const term of shown()) {
      term.setAttribute("data-term-dismissed", "");
      term.removeAttribute("data-term-open");
    }
  });

  function forget(term) {
    term.removeAttribute("data-term-dismissed");
    term.removeAttribute("data-term-open");
  }

  document.addEventListener("mouseout", (event) => {
    const term = event.target.closest && event.target.closest(TERM);
    if (term && !term.contains(event.relatedTarget)) forget(term);
  });

  document.addEventListener("focusout", (event) => {
    const term = event.target.closest && event.target.closest(TERM);
    if (term && !term.contains(event.relatedTarget)) forget(term);
  });

  document.addEventListener("click", (event) => {
    const label = event.target.closest && event.target.closest(".cg-term-label");
    for (const open of document.querySelectorAll(`${TERM}[data-term-open]`)) {
      if (!label || !open.contains(label)) open.removeAttribute("data-term-open");
    }
    if (!label) return;
    // Inside a form label, a tap on the term must not tick the labelled checkbox.
    if (label.closest("label")) event.preventDefault();
    const term = label.closest(TERM);
    if (term.hasAttribute("data-term-open")) forget(term);
    else {
      term.removeAttribute("data-term-dismissed");
      term.setAttribute("data-term-open", "");
    }
  });
})();
