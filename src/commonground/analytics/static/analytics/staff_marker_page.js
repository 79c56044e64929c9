/*
 * The staff mark, on the public origin (analytics/ingest/staff_marker.py): until when this
 * browser is staff's, read by tracker.js. Storage may be refused; then nothing is marked.
 */
(function (window, document) {
  'use strict';
  var script = document.currentScript;
  var days = parseInt((script && script.getAttribute('data-days')) || '30', 10);
  try {
    window.localStorage.setItem('cg-staff', String(new Date().getTime() + days * 864e5));
  } catch (e) {
    // Private modes may refuse storage: the visits then count, which is the safe side.
  }
})(window, document);
