/*
 * On every admin page: at most every 12 hours, load the public site's staff mark in a
 * hidden frame, so the public tracker stays silent in this browser
 * (analytics/ingest/staff_marker.py).
 */
(function (window, document) {
  'use strict';
  var script = document.currentScript;
  var url = script && script.getAttribute('data-marker-url');
  var KEY = 'cg-staff-marked-at';
  var EVERY = 12 * 3600e3;
  if (!url) return;
  try {
    var last = parseInt(window.localStorage.getItem(KEY), 10) || 0;
    if (new Date().getTime() - last < EVERY) return;
  } catch (e) {
    return; // no storage here: none on the public side either
  }
  function mark() {
    var frame = document.createElement('iframe');
    frame.src = url;
    frame.hidden = true;
    frame.tabIndex = -1;
    frame.title = 'Staff mark';
    frame.setAttribute('aria-hidden', 'true');
    frame.addEventListener('load', function () {
      try {
        window.localStorage.setItem(KEY, String(new Date().getTime()));
      } catch (e) {
        // Marked, but not remembered: marked again on the next page.
      }
      frame.parentNode.removeChild(frame);
    });
    document.body.appendChild(frame);
  }
  if (document.body) mark();
  else document.addEventListener('DOMContentLoaded', mark);
})(window, document);
