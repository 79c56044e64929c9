/*
 * Common Ground tracker: first-party, cookieless page views, events and page speed.
 *
 * Speaks Plausible's Events API request format ({n, u, d, r, p, $, i}) so the same
 * ingest endpoint serves this script and Plausible's own. Source of tracker.min.js,
 * which is what the site serves; rebuild it after editing (the command is at the end of
 * this file).
 *
 * Written in ES5 with every browser feature detected: an analytics script must never
 * throw on a visitor's old browser, because its errors would be the site's errors.
 * It stores nothing on the device (no cookies, no storage) and reads nothing that
 * could fingerprint a visitor; the server derives a daily visitor id on its own. The one
 * thing it reads is the "cg-staff" mark that the admin leaves in this site's storage
 * for its own users (analytics/ingest/staff_marker.py): staff are not visitors.
 */
(function (window, document) {
  'use strict';

  var location = window.location;
  var nav = window.navigator;
  var performance = window.performance;
  var PAGEVIEW = 'pageview';

  // The tag that loaded us carries the configuration. currentScript is missing in
  // very old browsers, so fall back to finding our own tag by its file name.
  var script =
    document.currentScript ||
    (document.querySelector && document.querySelector('script[src*="analytics/tracker"]'));

  function attr(name) {
    return (script && script.getAttribute('data-' + name)) || '';
  }

  var domain = attr('domain') || location.hostname;
  var api = attr('api');
  if (!api) {
    // Default to the origin the script came from, not the page's: the script may be
    // embedded on another site, and its events belong to the server that served it.
    var link = document.createElement('a');
    link.href = (script && script.src) || location.href;
    api = link.protocol + '//' + link.host + '/api/event';
  }

  // Until when this browser is marked as staff's (0: it is not). Storage can be missing
  // or refused (privacy modes throw on access), which means "not marked".
  function staffUntil() {
    try {
      return parseInt(window.localStorage.getItem('cg-staff'), 10) || 0;
    } catch (e) {
      return 0;
    }
  }

  // Opt-outs are decided once: a visitor's privacy signal does not change mid-page.
  var ignored =
    (attr('respect-dnt') === 'true' &&
      (nav.doNotTrack == '1' || nav.globalPrivacyControl === true)) ||
    (attr('exclude-staff') === 'true' && staffUntil() > new Date().getTime()) ||
    (attr('allow-localhost') !== 'true' &&
      (location.protocol === 'file:' ||
        /^(localhost|127(\.\d+){3}|\[::1\])$|\.localhost$/.test(location.hostname)));

  function callback(options, result) {
    if (typeof options.callback === 'function') options.callback(result);
  }

  // The transport. text/plain (a CORS-safelisted type) keeps cross-site embeds free of
  // a preflight; the server parses the body as JSON whatever the Content-Type.
  function post(payload, options) {
    var body = JSON.stringify(payload);
    // sendBeacon outlives the page, so a click that navigates away still reports.
    if (nav.sendBeacon) {
      try {
        if (nav.sendBeacon(api, body)) return callback(options, { status: 0 });
      } catch (e) {
        // Some browsers throw on a beacon to a blocked URL; fall through to fetch.
      }
    }
    var done = function (response) {
      callback(options, { status: (response && response.status) || 0 });
    };
    if (window.fetch) {
      window
        .fetch(api, {
          method: 'POST',
          body: body,
          headers: { 'Content-Type': 'text/plain' },
          keepalive: true,
          credentials: 'omit'
        })
        .then(done, done);
    } else if (window.XMLHttpRequest) {
      var request = new XMLHttpRequest();
      request.open('POST', api, true);
      request.setRequestHeader('Content-Type', 'text/plain');
      request.onreadystatechange = function () {
        if (request.readyState === 4) done(request);
      };
      request.send(body);
    }
  }

  function send(name, options, url) {
    options = options || {};
    if (ignored) return callback(options, { ignored: true });
    var payload = {
      n: name,
      u: url || location.href,
      d: domain,
      r: document.referrer || null
    };
    if (options.props) payload.p = options.props;
    if (options.revenue) payload.$ = options.revenue;
    if (typeof options.interactive === 'boolean') payload.i = options.interactive;
    post(payload, options);
  }

  // Page views: the first load and every single-page-app navigation. The hash is left
  // out of the comparison because it marks a place in a page, not a new page, and a
  // router's replaceState on the current URL must not count the page twice.
  var lastPage;
  function pageview() {
    var page = location.href.split('#')[0];
    if (page === lastPage) return;
    lastPage = page;
    send(PAGEVIEW);
  }

  var history = window.history;
  if (history && history.pushState) {
    var wrap = function (method) {
      var original = history[method];
      history[method] = function () {
        var result = original.apply(this, arguments);
        pageview();
        return result;
      };
    };
    wrap('pushState');
    wrap('replaceState');
    window.addEventListener('popstate', pageview);
  }

  // Outbound links, downloads and forms. The listeners only observe: they never call
  // preventDefault, so middle-clicks, target=_blank and modifier keys behave as usual,
  // and the beacon needs no delay to survive the navigation that follows.
  var DOWNLOAD =
    /\.(pdf|xlsx?|docx?|pptx?|csv|txt|rtf|od[tsp]|zip|gz|tgz|rar|7z|dmg|exe|msi|pkg|deb|rpm|apk|epub|mp3|mp4|mov|avi|wav)$/i;
  var listen = { capture: true, passive: true };

  function onClick(event) {
    // Right-clicks open a menu, not the link.
    if (event.type === 'auxclick' && event.button !== 1) return;
    var node = event.target;
    while (node && !(node.tagName === 'A' && node.href)) node = node.parentNode;
    if (!node || !/^https?:$/.test(node.protocol)) return;
    if (DOWNLOAD.test(node.pathname)) {
      send('File Download', { props: { url: node.href } });
    } else if (node.host !== location.host) {
      send('Outbound Link: Click', { props: { url: node.href } });
    }
  }

  if (document.addEventListener) {
    document.addEventListener('click', onClick, listen);
    document.addEventListener('auxclick', onClick, listen);
    document.addEventListener(
      'submit',
      function () {
        send('Form: Submission', { props: { path: location.pathname } });
      },
      listen
    );
  }

  // Real-user page speed. Each metric is measured only where the browser supports it,
  // and reported once per document load, attributed to the URL that was loaded (as the
  // Chrome UX Report does): soft navigations do not repaint the page from scratch.
  var vitals = {};
  var landing = location.href;
  var hiddenAt = document.visibilityState === 'hidden' ? 0 : Infinity;
  var reported = false;

  function observe(type, handle, extra) {
    var Observer = window.PerformanceObserver;
    var types = Observer && Observer.supportedEntryTypes;
    if (!types || types.indexOf(type) < 0) return false;
    try {
      var options = { type: type, buffered: true };
      for (var key in extra) options[key] = extra[key];
      new Observer(function (list) {
        var entries = list.getEntries();
        for (var i = 0; i < entries.length; i++) handle(entries[i]);
      }).observe(options);
      return true;
    } catch (e) {
      // A half-supported entry type is a missing metric, not a broken page.
    }
  }

  observe('navigation', function (entry) {
    if (entry.responseStart > 0) vitals.ttfb = entry.responseStart;
  });

  // A tab opened in the background paints late for reasons that are not the page's;
  // ignore paints after the page was first hidden.
  observe('largest-contentful-paint', function (entry) {
    if (entry.startTime < hiddenAt) vitals.lcp = entry.startTime;
  });

  // INP, approximated as the slowest interaction seen: 'event' entries only arrive for
  // interactions over the threshold, and 'first-input' covers a single fast one.
  function interaction(entry) {
    if (entry.entryType === 'first-input' || entry.interactionId) {
      vitals.inp = Math.max(vitals.inp || 0, entry.duration);
    }
  }
  observe('event', interaction, { durationThreshold: 40 });
  observe('first-input', interaction);

  // CLS: the largest burst of unexpected shifts, where a burst ("session window") ends
  // after a 1 s gap or 5 s in all. Shifts right after input are expected and skipped.
  var session = 0;
  var sessionStart = 0;
  var sessionLast = 0;
  // Where shifts can be observed, none at all is a perfect score, not a missing one.
  var shifts = observe('layout-shift', function (entry) {
    if (entry.hadRecentInput) return;
    var t = entry.startTime;
    if (session && t - sessionLast < 1000 && t - sessionStart < 5000) {
      session += entry.value;
    } else {
      session = entry.value;
      sessionStart = t;
    }
    sessionLast = t;
    vitals.cls = Math.max(vitals.cls || 0, session);
  });
  if (shifts) vitals.cls = vitals.cls || 0;

  function reportVitals() {
    if (reported) return;
    var props = {};
    var any = false;
    for (var key in vitals) {
      var value = vitals[key];
      props[key] = key === 'cls' ? Math.round(value * 1e4) / 1e4 : Math.round(value);
      any = true;
    }
    if (!any) return;
    reported = true;
    // Not a visitor's action: must not turn a bounce into an engaged visit.
    send('Web Vitals', { props: props, interactive: false }, landing);
  }

  // Hidden is the last moment a page can be relied on to run code (unload is not).
  if (document.addEventListener) {
    document.addEventListener(
      'visibilitychange',
      function () {
        if (document.visibilityState === 'hidden') {
          hiddenAt = Math.min(hiddenAt, performance && performance.now ? performance.now() : 0);
          reportVitals();
        }
      },
      true
    );
    window.addEventListener('pagehide', reportVitals, true);
  }

  // A prerendered page may never be shown; count it when it is.
  if (document.prerendering) {
    document.addEventListener('prerenderingchange', pageview);
  } else {
    pageview();
  }

  // The public API, after the page view so a visit starts with its page; calls made
  // before the script loaded wait in a queue.
  var queued = (window.commonground && window.commonground.q) || [];
  window.commonground = function (name, options) {
    send(name, options);
  };
  for (var i = 0; i < queued.length; i++) window.commonground.apply(window, queued[i]);
})(window, document);

/*
 * Rebuilding tracker.min.js (needs node; nothing of it is kept in the repository):
 *   mkdir -p /tmp/tk && cd /tmp/tk && npm init -y && npm install terser
 *   npx terser <this file> --compress --mangle --comments false -o tracker.min.js
 */
