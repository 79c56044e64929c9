// The Distribute tab: each plan row shows only the fields of its chosen channel; a live
// length count under the post text, as the chosen network counts it (graphemes; a link
// counts 23 on Mastodon), with the page's link added; and autosave's form data is marked so
// the server keeps a half-written row as a draft instead of refusing it (see plan.py).
(function () {
  "use strict";
  const data = document.getElementById("cg-distribution-channels");
  if (!data) return;
  const channels = JSON.parse(data.textContent);
  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  const URL_PATTERN = /https?:\/\/\S+/g;
  const TYPICAL_LINK = 70; // the page's tagged link, appended when the text has none

  function graphemes(text) {
    return segmenter ? Array.from(segmenter.segment(text)).length : Array.from(text).length;
  }

  function postLength(text, channel) {
    const hasLink = URL_PATTERN.test(text);
    URL_PATTERN.lastIndex = 0;
    const linkLength = channel.url_length || TYPICAL_LINK;
    let counted = text;
    if (channel.url_length) counted = text.replace(URL_PATTERN, "x".repeat(channel.url_length));
    return graphemes(counted) + (hasLink ? 0 : 1 + linkLength);
  }

  // Without a channel chosen (or without this script) every field shows.
  function showFields(row) {
    const select = row.querySelector("select[name$='-channel']");
    if (!select) return;
    const channel = channels[select.value];
    row.querySelectorAll("[data-cg-plan-field]").forEach((wrapper) => {
      wrapper.hidden = Boolean(channel) && !channel.fields.includes(wrapper.dataset.cgPlanField);
    });
  }

  function update(row) {
    showFields(row);
    const select = row.querySelector("select[name$='-channel']");
    const textarea = row.querySelector("textarea[data-cg-post-text]");
    if (!select || !textarea) return;
    let counter = row.querySelector(".cg-post-counter");
    if (!counter) {
      counter = document.createElement("p");
      counter.className = "cg-post-counter help";
      counter.setAttribute("aria-live", "polite");
      textarea.insertAdjacentElement("afterend", counter);
    }
    const channel = channels[select.value];
    if (!channel || channel.newsletter || !channel.max_length) {
      counter.textContent = channel && channel.newsletter ? "The newsletter uses the subject and the page itself." : "";
      counter.classList.remove("error-message");
      return;
    }
    const length = postLength(textarea.value, channel);
    counter.textContent = `${length} / ${channel.max_length} characters on ${channel.label}, with the page's link`;
    counter.classList.toggle("error-message", length > channel.max_length);
  }

  function rowOf(element) {
    // A plan row is one InlinePanel child: its channel select and post text are inside it.
    return element.closest("[data-inline-panel-child]") || element.parentElement;
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea[data-cg-post-text]")) update(rowOf(event.target));
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-channel']")) update(rowOf(event.target));
  });
  // Wagtail's autosave dispatches this (cancelable) with the form data it is about to post.
  document.addEventListener("w-autosave:save", (event) => {
    if (event.detail && event.detail.formData) event.detail.formData.set("cg-plan-autosave", "1");
  });
  function all() {
    document.querySelectorAll("select[name^='distribution-'][name$='-channel']").forEach((select) => update(rowOf(select)));
  }
  document.addEventListener("DOMContentLoaded", all);
  // A row added with "Add channel" gets its counter when first typed in; draw the rest now.
  document.addEventListener("w-formset:added", all);
  all();
})();
