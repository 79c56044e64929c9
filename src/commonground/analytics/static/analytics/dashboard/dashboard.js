/* The analytics dashboard: every panel is one Stats API v2 query sent to the admin's query
 * endpoint (see analytics/dashboard/views.py). What is shown (site, range, filters, graph
 * metric) lives in the URL's query string, so a view can be shared and reloaded.
 *
 * DOM is built with createElement and textContent only: page paths, UTM values and
 * property values come from visitors' browsers and must never become markup.
 */
(function () {
  "use strict";

  const configElement = document.getElementById("cg-dashboard-config");
  const root = document.getElementById("cg-dashboard");
  if (!configElement || !root) return;
  const config = JSON.parse(configElement.textContent);

  // --- vocabulary ------------------------------------------------------------------------

  const PERIODS = ["day", "7d", "30d", "month", "12mo", "custom"];
  const KPIS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"];
  const METRIC_LABELS = {
    visitors: "Unique visitors",
    visits: "Visits",
    pageviews: "Pageviews",
    views_per_visit: "Views per visit",
    bounce_rate: "Bounce rate",
    visit_duration: "Visit duration",
    events: "Events",
    conversion_rate: "Conversion rate",
    lcp_p75: "LCP p75",
    inp_p75: "INP p75",
    cls_p75: "CLS p75",
    ttfb_p75: "TTFB p75",
  };
  // A rise in these is bad news: their change is coloured the other way round.
  const LOWER_IS_BETTER = new Set(["bounce_rate", "lcp_p75", "inp_p75", "cls_p75", "ttfb_p75"]);
  // Visitor counts are HyperLogLog estimates on the dashboard (exact in the Stats API).
  const APPROXIMATE = new Set(["visitors"]);
  const APPROXIMATE_TITLE =
    "Approximate: unique visitors are estimated (HyperLogLog, within about 1%). The Stats API counts exactly.";
  const DIMENSION_LABELS = {
    "visit:source": "Source",
    "visit:channel": "Channel",
    "visit:utm_campaign": "UTM campaign",
    "visit:utm_source": "UTM source",
    "visit:utm_medium": "UTM medium",
    "event:page": "Page",
    "visit:entry_page": "Entry page",
    "visit:exit_page": "Exit page",
    "visit:country": "Country",
    "visit:region": "Region",
    "visit:device": "Device",
    "visit:browser": "Browser",
    "visit:os": "Operating system",
    "event:goal": "Goal",
  };
  // Web Vitals thresholds (good up to the first, poor beyond the second), as web.dev sets them.
  const SPEED_THRESHOLDS = {
    lcp_p75: [2500, 4000],
    inp_p75: [200, 500],
    cls_p75: [0.1, 0.25],
    ttfb_p75: [800, 1800],
  };
  const SPEED_METRICS = ["lcp_p75", "inp_p75", "cls_p75", "ttfb_p75"];
  // The glossary term (its slug) each label is explained by; the explanations come from the
  // page's cg-glossary data block (core/glossary.py), so both sides read the same words here.
  const METRIC_TERMS = {
    visitors: "visitor",
    visits: "visit",
    pageviews: "pageview",
    bounce_rate: "bounce-rate",
    visit_duration: "visit-duration",
    conversion_rate: "conversion-rate",
    lcp_p75: "lcp",
    inp_p75: "inp",
    cls_p75: "cls",
    ttfb_p75: "ttfb",
  };
  const DIMENSION_TERMS = {
    "visit:source": "referrer",
    "visit:channel": "channel",
    "visit:utm_campaign": "utm",
    "visit:utm_source": "utm",
    "visit:utm_medium": "utm",
    "event:goal": "goal",
  };
  const ROWS_SHOWN = 10;
  const CSV_ROWS = 1000;
  const JOURNEY_DEPTHS = [1, 2, 3];
  const DEFAULT_DEPTH = 2;

  // The breakdown panels. Each tab is one query: its dimension and metrics; skipEmpty leaves
  // out the "" row (visits without a UTM tag, say), which would otherwise top every list.
  const PANELS = [
    {
      id: "sources",
      title: "Sources",
      tabs: [
        { label: "Sources", dimension: "visit:source", metrics: ["visitors", "bounce_rate"] },
        { label: "Channels", dimension: "visit:channel", metrics: ["visitors", "bounce_rate"] },
      ],
    },
    {
      id: "campaigns",
      title: "Campaigns",
      term: "utm",
      tabs: [
        { label: "Campaign", dimension: "visit:utm_campaign", metrics: ["visitors", "bounce_rate"], skipEmpty: true },
        { label: "Source", dimension: "visit:utm_source", metrics: ["visitors", "bounce_rate"], skipEmpty: true },
        { label: "Medium", dimension: "visit:utm_medium", metrics: ["visitors", "bounce_rate"], skipEmpty: true },
      ],
    },
    {
      id: "pages",
      title: "Pages",
      tabs: [
        { label: "Top pages", dimension: "event:page", metrics: ["visitors", "pageviews"] },
        { label: "Entry pages", dimension: "visit:entry_page", metrics: ["visits", "bounce_rate"] },
        { label: "Exit pages", dimension: "visit:exit_page", metrics: ["visits"] },
      ],
    },
    {
      id: "locations",
      title: "Locations",
      tabs: [
        { label: "Countries", dimension: "visit:country", metrics: ["visitors"] },
        { label: "Regions", dimension: "visit:region", metrics: ["visitors"], skipEmpty: true },
      ],
    },
    {
      id: "devices",
      title: "Devices",
      tabs: [
        { label: "Devices", dimension: "visit:device", metrics: ["visitors"] },
        { label: "Browsers", dimension: "visit:browser", metrics: ["visitors"] },
        { label: "Operating systems", dimension: "visit:os", metrics: ["visitors"] },
      ],
    },
    {
      id: "goals",
      title: "Goals",
      term: "goal",
      empty: "No conversions in this period (goals are set up per site).",
      tabs: [{ label: "Goals", dimension: "event:goal", metrics: ["visitors", "events", "conversion_rate"] }],
    },
    {
      id: "properties",
      title: "Custom properties",
      properties: true,
      empty: "No custom properties were sent in this period.",
      // Events without the property count as "(none)" (as in Plausible): left out here.
      tabs: [{ label: "Properties", dimension: null, metrics: ["visitors", "events"], skip: "(none)" }],
    },
    {
      id: "speed",
      title: "Page speed",
      term: "page-speed",
      speed: true,
      empty: "No Web Vitals were measured in this period.",
      tabs: [
        {
          label: "By page",
          dimension: "event:page",
          metrics: ["pageviews", ...SPEED_METRICS],
          orderBy: [["pageviews", "desc"]],
        },
      ],
    },
  ];

  // --- small helpers ---------------------------------------------------------------------

  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") element.className = value;
      else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  // --- glossary terms: core/glossary.py's markup, drawn from the page's data block -----------

  const glossaryElement = document.getElementById("cg-glossary");
  const GLOSSARY = glossaryElement ? JSON.parse(glossaryElement.textContent) : {};
  let termCount = 0;

  // The explanation of term ``slug`` as a tooltip element (null when the glossary lacks it).
  function termTip(slug) {
    const known = slug ? GLOSSARY[slug] : null;
    if (!known) return null;
    termCount += 1;
    const side = (name, text) =>
      h("span", { className: "cg-term-tip-side" }, h("span", { className: "cg-term-tip-for" }, name), " ", text);
    return h(
      "span",
      { className: "cg-term-tip", role: "tooltip", id: `cg-dashboard-term-${termCount}` },
      h("span", { className: "cg-term-tip-name" }, known.term),
      " ",
      side("For marketing:", known.forMarketing),
      " ",
      side("For IT:", known.forIt),
    );
  }

  // ``label`` with its term's explanation on hover and keyboard focus; the label alone when
  // the glossary lacks the term. Not for use inside a button (the card carries its own).
  function termLabel(slug, label) {
    const tip = termTip(slug);
    if (!tip) return label;
    return h(
      "span",
      { className: "cg-term", "data-term": slug },
      h("span", { className: "cg-term-label", tabindex: "0", "aria-describedby": tip.id }, label),
      tip,
    );
  }

  function dimensionLabel(dimension) {
    if (dimension.startsWith("event:props:")) return `Property “${dimension.slice(12)}”`;
    return DIMENSION_LABELS[dimension] || dimension;
  }

  const regionNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(["en"], { type: "region" }) : null;

  function valueLabel(dimension, value) {
    if (value === "" || value === null || value === undefined) {
      if (dimension === "visit:source") return "Direct / None";
      if (dimension === "visit:country") return "Unknown";
      return "(none)";
    }
    if (dimension === "visit:country" && regionNames && /^[A-Z]{2}$/.test(value)) {
      try {
        return `${regionNames.of(value)} (${value})`;
      } catch {
        return value;
      }
    }
    return String(value);
  }

  // --- number formats: 1.2k, 42%, 1m 30s --------------------------------------------------

  function trim(text) {
    return text.replace(/\.0+$/, "").replace(/(\.\d*?)0+$/, "$1");
  }

  function formatCount(value) {
    const size = Math.abs(value);
    if (size < 1000) return trim(value.toFixed(Number.isInteger(value) ? 0 : 1));
    if (size < 10000) return `${trim((value / 1000).toFixed(1))}k`;
    if (size < 999500) return `${Math.round(value / 1000)}k`;
    if (size < 9950000) return `${trim((value / 1e6).toFixed(1))}M`;
    return `${Math.round(value / 1e6)}M`;
  }

  function formatPercent(value) {
    return `${Math.abs(value) >= 10 ? Math.round(value) : trim(value.toFixed(1))}%`;
  }

  function formatDuration(seconds) {
    const total = Math.round(seconds);
    if (total < 60) return `${total}s`;
    if (total < 3600) return `${Math.floor(total / 60)}m ${total % 60}s`;
    return `${Math.floor(total / 3600)}h ${Math.floor((total % 3600) / 60)}m`;
  }

  function formatMilliseconds(ms) {
    return ms >= 1000 ? `${trim((ms / 1000).toFixed(2))} s` : `${Math.round(ms)} ms`;
  }

  function formatMetric(metric, value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    switch (metric) {
      case "bounce_rate":
      case "conversion_rate":
      case "percentage":
        return formatPercent(value);
      case "visit_duration":
        return formatDuration(value);
      case "views_per_visit":
        return trim(Number(value).toFixed(2));
      case "lcp_p75":
      case "inp_p75":
      case "ttfb_p75":
        return formatMilliseconds(value);
      case "cls_p75":
        return Number(value).toFixed(3);
      default:
        return formatCount(value);
    }
  }

  function exactTitle(metric, value) {
    if (value === null || value === undefined) return "no data";
    const text = Number(value).toLocaleString("en");
    return APPROXIMATE.has(metric) ? `about ${text}` : text;
  }

  function speedRating(metric, value) {
    const limits = SPEED_THRESHOLDS[metric];
    if (!limits || value === null || value === undefined) return null;
    if (value <= limits[0]) return "good";
    if (value <= limits[1]) return "needs improvement";
    return "poor";
  }

  function approximateMark(metric) {
    if (!APPROXIMATE.has(metric)) return null;
    return h("abbr", { className: "cg-approx", title: APPROXIMATE_TITLE }, "≈");
  }

  function formatDay(iso) {
    const [year, month, day] = iso.slice(0, 10).split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("en-GB", {
      day: "numeric",
      month: "short",
      year: "numeric",
      timeZone: "UTC",
    });
  }

  // --- state in the URL ------------------------------------------------------------------

  // A filter in the URL: f.<dimension>=value (is), fn.<dimension> (is not), fc.<dimension>
  // (contains). Several values of one key are "or"; different keys all hold ("and").
  const FILTER_PREFIXES = { is: "f.", is_not: "fn.", contains: "fc." };
  const OPERATOR_LABELS = { is: "is", is_not: "is not", contains: "contains" };
  // What the filter dialog offers (every dimension a visit or page view can be filtered by).
  const FILTER_DIMENSIONS = [
    "event:page", "visit:entry_page", "visit:exit_page", "visit:source", "visit:channel",
    "visit:utm_source", "visit:utm_medium", "visit:utm_campaign", "visit:country",
    "visit:region", "visit:device", "visit:browser", "visit:os",
  ];

  function siteConfig(domain) {
    return config.sites.find((site) => site.domain === domain) || config.sites[0];
  }

  function segmentOf(state) {
    return siteConfig(state.site).segments.find((segment) => segment.id === state.segment) || null;
  }

  function readState() {
    const params = new URLSearchParams(window.location.search);
    const domains = config.sites.map((site) => site.domain);
    const site = domains.includes(params.get("site")) ? params.get("site") : domains[0];
    // A segment belongs to one site: an id of another site's (or a deleted one) is dropped.
    const segmentId = Number(params.get("segment"));
    const segment = siteConfig(site).segments.some((s) => s.id === segmentId) ? segmentId : null;
    const journey = (params.get("journey") || "").startsWith("/") ? params.get("journey") : "";
    const depth = JOURNEY_DEPTHS.includes(Number(params.get("depth"))) ? Number(params.get("depth")) : DEFAULT_DEPTH;
    let period = PERIODS.includes(params.get("period")) ? params.get("period") : "30d";
    const from = params.get("from") || "";
    const to = params.get("to") || "";
    if (period === "custom" && !(isDate(from) && isDate(to) && from <= to)) period = "30d";
    const metric = KPIS.includes(params.get("metric")) ? params.get("metric") : "visitors";
    const filters = [];
    for (const [key, value] of params) {
      const operator = Object.keys(FILTER_PREFIXES).find((op) => key.startsWith(FILTER_PREFIXES[op]));
      if (!operator) continue;
      const dimension = key.slice(FILTER_PREFIXES[operator].length);
      const existing = filters.find((filter) => filter.dimension === dimension && filter.operator === operator);
      if (existing) existing.values.push(value);
      else filters.push({ dimension, operator, values: [value] });
    }
    return { site, period, from, to, metric, filters, segment, journey, depth };
  }

  function isDate(text) {
    return /^\d{4}-\d{2}-\d{2}$/.test(text);
  }

  function stateQueryString(state) {
    const params = new URLSearchParams();
    params.set("site", state.site);
    params.set("period", state.period);
    if (state.period === "custom") {
      params.set("from", state.from);
      params.set("to", state.to);
    }
    if (state.metric !== "visitors") params.set("metric", state.metric);
    for (const filter of state.filters) {
      for (const value of filter.values) params.append(FILTER_PREFIXES[filter.operator] + filter.dimension, value);
    }
    if (state.segment !== null) params.set("segment", state.segment);
    if (state.journey) params.set("journey", state.journey);
    if (state.depth !== DEFAULT_DEPTH) params.set("depth", state.depth);
    return `?${params.toString()}`;
  }

  function withFilter(state, dimension, value) {
    // Clicking a value replaces any filter on the same dimension, as Plausible does.
    const filters = state.filters.filter((filter) => filter.dimension !== dimension);
    filters.push({ dimension, operator: "is", values: [value] });
    return { ...state, filters };
  }

  let state = readState();

  function navigate(next, { replace = false } = {}) {
    state = next;
    const url = stateQueryString(state);
    if (replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
    loadAll();
  }

  window.addEventListener("popstate", () => {
    state = readState();
    loadAll();
  });

  // --- talking to the server -------------------------------------------------------------

  let controller = null;

  async function ask(url, options) {
    // Answers for what was shown before the latest change are dropped: loadAll() aborts.
    const signal = controller.signal;
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", signal, ...options });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("The server could not be reached.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (signal.aborted) throw new DOMException("superseded", "AbortError");
    if (!response.ok) {
      const message = body && body.error ? body.error : `The server answered ${response.status}.`;
      throw new Error(message);
    }
    return body;
  }

  function postJson(url, body) {
    return ask(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken },
      body: JSON.stringify(body),
    });
  }

  function runQuery(query) {
    return postJson(config.urls.query, query);
  }

  function dateRange() {
    return state.period === "custom" ? [state.from, state.to] : state.period;
  }

  function queryFilters() {
    const filters = state.filters.map((filter) => [filter.operator, filter.dimension, filter.values]);
    // The query layer expands a saved segment into its filters, all of which must hold too.
    if (state.segment !== null) filters.push(["is", "segment", [state.segment]]);
    return filters;
  }

  function baseQuery(metrics, extra) {
    return {
      site_id: state.site,
      date_range: dateRange(),
      metrics,
      filters: queryFilters(),
      ...extra,
    };
  }

  function tabQuery(tab, dimension, limit) {
    const query = baseQuery(tab.metrics, {
      dimensions: [dimension],
      order_by: tab.orderBy || [[tab.metrics[0], "desc"]],
      pagination: { limit, offset: 0 },
      include: { total_rows: true },
    });
    const skip = tab.skipEmpty ? "" : tab.skip;
    if (skip !== undefined) query.filters = [...query.filters, ["is_not", dimension, [skip]]];
    return query;
  }

  // --- panels: loading, empty, error -----------------------------------------------------

  function setPanelState(panel, panelState, message) {
    panel.dataset.state = panelState;
    const note = panel.querySelector(":scope > .cg-panel-message, :scope .cg-panel-body > .cg-panel-message");
    if (!note) return;
    note.textContent = message || "";
    note.hidden = !message;
    note.setAttribute("role", panelState === "error" ? "alert" : "status");
  }

  function isAbort(error) {
    return error && error.name === "AbortError";
  }

  // --- controls and filter chips ---------------------------------------------------------

  const siteSelect = document.getElementById("cg-site");
  const periodSelect = document.getElementById("cg-period");
  const customRange = document.getElementById("cg-custom-range");
  const fromInput = document.getElementById("cg-from");
  const toInput = document.getElementById("cg-to");
  const rangeLabel = document.getElementById("cg-range-label");
  const chips = document.getElementById("cg-filter-chips");

  for (const site of config.sites) {
    siteSelect.append(h("option", { value: site.domain }, site.name === site.domain ? site.domain : `${site.name} (${site.domain})`));
  }

  // Filters, segments and the journey's page are a site's own: another site starts afresh.
  siteSelect.addEventListener("change", () =>
    navigate({ ...state, site: siteSelect.value, filters: [], segment: null, journey: "" }),
  );
  const segmentSelect = document.getElementById("cg-segment");
  segmentSelect.addEventListener("change", () =>
    navigate({ ...state, segment: segmentSelect.value ? Number(segmentSelect.value) : null }),
  );
  periodSelect.addEventListener("change", () => {
    if (periodSelect.value === "custom") {
      customRange.hidden = false;
      fromInput.value = fromInput.value || config.today;
      toInput.value = toInput.value || config.today;
      fromInput.focus();
      return;
    }
    navigate({ ...state, period: periodSelect.value });
  });
  document.getElementById("cg-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    const from = fromInput.value;
    const to = toInput.value;
    if (!isDate(from) || !isDate(to) || from > to) {
      rangeLabel.textContent = "Choose a first day on or before the last day.";
      return;
    }
    navigate({ ...state, period: "custom", from, to });
  });

  function renderControls() {
    siteSelect.value = state.site;
    const segments = siteConfig(state.site).segments;
    segmentSelect.replaceChildren(
      h("option", { value: "" }, segments.length ? "All visitors" : "No saved segments"),
      ...segments.map((segment) => h("option", { value: segment.id }, segment.name)),
    );
    segmentSelect.disabled = !segments.length;
    segmentSelect.value = state.segment === null ? "" : String(state.segment);
    periodSelect.value = state.period;
    customRange.hidden = state.period !== "custom";
    if (state.period === "custom") {
      fromInput.value = state.from;
      toInput.value = state.to;
    }
  }

  function chip(attributes, text, removeLabel, next) {
    const remove = h(
      "button",
      { type: "button", className: "cg-chip-remove", "aria-label": removeLabel, onclick: () => navigate(next) },
      "×",
    );
    return h("li", { className: "cg-chip", ...attributes }, h("span", {}, text), remove);
  }

  function renderChips() {
    chips.replaceChildren();
    const segment = segmentOf(state);
    if (segment) {
      chips.append(
        chip(
          { className: "cg-chip cg-chip-segment", "data-segment": segment.id },
          `Segment: ${segment.name}`,
          `Remove segment: ${segment.name}`,
          { ...state, segment: null },
        ),
      );
    }
    for (const filter of state.filters) {
      const text = `${dimensionLabel(filter.dimension)} ${OPERATOR_LABELS[filter.operator]} ${filter.values.map((v) => valueLabel(filter.dimension, v)).join(" or ")}`;
      const others = state.filters.filter((f) => f !== filter);
      chips.append(chip({ "data-dimension": filter.dimension }, text, `Remove filter: ${text}`, { ...state, filters: others }));
    }
  }

  // --- the filter dialog: dimension, operator, value; several rows; saved as a segment ----

  const filterDialog = document.getElementById("cg-filter-dialog");
  const filterRows = document.getElementById("cg-filter-rows");
  const filterError = document.getElementById("cg-filter-error");
  let rowCount = 0;

  function filterRow(filter) {
    rowCount += 1;
    const id = `cg-filter-${rowCount}`;
    const dimension = h(
      "select",
      { id: `${id}-dimension`, className: "cg-filter-dimension", "aria-label": "Filter by" },
      FILTER_DIMENSIONS.map((name) => h("option", { value: name }, dimensionLabel(name))),
    );
    const operator = h(
      "select",
      { id: `${id}-operator`, className: "cg-filter-operator", "aria-label": "How" },
      Object.entries(OPERATOR_LABELS).map(([value, label]) => h("option", { value }, label)),
    );
    const value = h("input", { type: "text", id: `${id}-value`, className: "cg-filter-value", "aria-label": "Value", maxlength: "2000", spellcheck: "false" });
    dimension.value = filter.dimension;
    operator.value = filter.operator;
    value.value = filter.value;
    const row = h(
      "li",
      { className: "cg-filter-row" },
      dimension,
      operator,
      value,
      h(
        "button",
        { type: "button", className: "button button-small button-secondary cg-filter-remove", "aria-label": "Remove this filter", onclick: () => row.remove() },
        "×",
      ),
    );
    return row;
  }

  function dialogFilters() {
    // Rows with the same dimension and operator are one filter with several values.
    const filters = [];
    for (const row of filterRows.querySelectorAll(".cg-filter-row")) {
      const dimension = row.querySelector(".cg-filter-dimension").value;
      const operator = row.querySelector(".cg-filter-operator").value;
      const value = row.querySelector(".cg-filter-value").value.trim();
      if (!value) continue;
      const existing = filters.find((f) => f.dimension === dimension && f.operator === operator);
      if (existing) existing.values.push(value);
      else filters.push({ dimension, operator, values: [value] });
    }
    return filters;
  }

  document.getElementById("cg-filter-open").addEventListener("click", () => {
    filterRows.replaceChildren();
    const rows = state.filters.flatMap((f) => f.values.map((value) => ({ dimension: f.dimension, operator: f.operator, value })));
    for (const row of rows.length ? rows : [{ dimension: "event:page", operator: "is", value: "" }]) filterRows.append(filterRow(row));
    filterError.hidden = true;
    const message = document.getElementById("cg-segment-message");
    if (message) message.textContent = "";
    filterDialog.showModal();
    filterRows.querySelector(".cg-filter-value").focus();
  });
  document.getElementById("cg-filter-add").addEventListener("click", () => {
    const row = filterRow({ dimension: "visit:source", operator: "is", value: "" });
    filterRows.append(row);
    row.querySelector(".cg-filter-dimension").focus();
  });
  document.getElementById("cg-filter-cancel").addEventListener("click", () => filterDialog.close());
  document.getElementById("cg-filter-form").addEventListener("submit", () => {
    // method="dialog": the dialog closes itself; the page shows the filters chosen.
    navigate({ ...state, filters: dialogFilters() });
  });

  const segmentSave = document.getElementById("cg-segment-save");
  if (segmentSave) {
    segmentSave.addEventListener("click", async () => {
      const message = document.getElementById("cg-segment-message");
      const name = document.getElementById("cg-segment-name").value.trim();
      const filters = dialogFilters();
      filterError.hidden = true;
      if (!filters.length || !name) {
        filterError.textContent = !filters.length ? "Choose at least one filter with a value to save." : "Give the segment a name.";
        filterError.hidden = false;
        return;
      }
      message.textContent = "Saving…";
      try {
        // Not through ask(): a reload of the panels must not cancel a segment being saved.
        const response = await fetch(config.urls.saveSegment, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken },
          body: JSON.stringify({
            site: state.site,
            name,
            shared: document.getElementById("cg-segment-shared").checked,
            filters: filters.map((f) => [f.operator, f.dimension, f.values]),
          }),
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(answer.error || `The server answered ${response.status}.`);
        const segments = siteConfig(state.site).segments;
        segments.push({ id: answer.id, name: answer.name, shared: answer.shared });
        segments.sort((a, b) => a.name.localeCompare(b.name));
        message.textContent = "";
        filterDialog.close();
        // The segment now holds these filters: shown as its chip instead of theirs.
        navigate({ ...state, filters: [], segment: answer.id });
      } catch (error) {
        message.textContent = "";
        filterError.textContent = `The segment was not saved: ${error.message}`;
        filterError.hidden = false;
      }
    });
  }

  function filterLink(dimension, value) {
    const target = withFilter(state, dimension, value);
    const label = valueLabel(dimension, value);
    return h(
      "a",
      {
        className: "cg-filter-link",
        href: stateQueryString(target),
        title: `Show only ${dimensionLabel(dimension)}: ${label}`,
        "data-dimension": dimension,
        "data-value": value,
        onclick: (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          navigate(withFilter(state, dimension, value));
        },
      },
      label,
    );
  }

  // --- KPI cards --------------------------------------------------------------------------

  const kpiPanel = document.getElementById("cg-kpis");
  // The period as the server resolved it for the key figures: { range, comparison }, each two
  // ISO days. The graph and the properties panel ask for the same period.
  let periodPromise = null;

  function changeBadge(metric, change) {
    if (change === null || change === undefined) {
      return h("span", { className: "cg-change" }, "— ", h("span", { className: "w-sr-only" }, "no comparison"));
    }
    const rounded = Math.round(change);
    const direction = rounded > 0 ? "up" : rounded < 0 ? "down" : "flat";
    const good = direction === "flat" ? "neutral" : (direction === "up") !== LOWER_IS_BETTER.has(metric) ? "good" : "bad";
    const arrow = direction === "up" ? "↑" : direction === "down" ? "↓" : "→";
    return h(
      "span",
      { className: `cg-change cg-change-${good}`, title: `${change > 0 ? "+" : ""}${change}% vs the previous period` },
      `${arrow} ${Math.abs(rounded)}%`,
      h("span", { className: "w-sr-only" }, " vs the previous period"),
    );
  }

  async function loadKpis() {
    setPanelState(kpiPanel, "loading", kpiPanel.querySelector(".cg-kpi") ? "" : "Loading…");
    const answer = await runQuery(baseQuery(KPIS, { include: { comparison: "previous_period" } }));
    const row = answer.results[0];
    const values = row ? row.metrics : KPIS.map(() => 0);
    const changes = row && row.comparison ? row.comparison.change : KPIS.map(() => null);
    const cards = KPIS.map((metric, index) => {
      // The card is a button, so it is the focusable element its term's explanation
      // describes; hidden from its name, the explanation is read once, as its description.
      const tip = termTip(METRIC_TERMS[metric]);
      if (tip) tip.setAttribute("aria-hidden", "true");
      return h(
        "button",
        {
          type: "button",
          className: "cg-kpi",
          "data-metric": metric,
          "data-term": tip ? METRIC_TERMS[metric] : null,
          "aria-describedby": tip ? tip.id : null,
          "aria-pressed": String(state.metric === metric),
          title: tip ? null : `Show ${METRIC_LABELS[metric].toLowerCase()} on the graph`,
          onclick: () => selectMetric(metric),
        },
        h("span", { className: "cg-kpi-label" }, METRIC_LABELS[metric], approximateMark(metric)),
        h(
          "span",
          { className: "cg-kpi-value", "data-value": values[index] ?? "", title: exactTitle(metric, values[index]) },
          formatMetric(metric, values[index]),
        ),
        changeBadge(metric, changes ? changes[index] : null),
        tip,
      );
    });
    const list = h("div", { className: "cg-kpi-list" }, cards);
    kpiPanel.querySelector(".cg-kpi-list")?.remove();
    kpiPanel.append(list);
    setPanelState(kpiPanel, "ready", "");
    return answer;
  }

  function selectMetric(metric) {
    // Only the graph changes: the other panels do not depend on the graph's metric.
    state = { ...state, metric };
    window.history.replaceState(null, "", stateQueryString(state));
    kpiPanel.querySelectorAll(".cg-kpi").forEach((card) => card.setAttribute("aria-pressed", String(card.dataset.metric === metric)));
    loadGraph().catch((error) => {
      if (!isAbort(error)) setPanelState(graphPanel, "error", `The graph could not be loaded: ${error.message}`);
    });
  }

  // --- the graph --------------------------------------------------------------------------

  const graphPanel = document.getElementById("cg-graph");
  const graphChart = document.getElementById("cg-graph-chart");
  const graphTable = document.getElementById("cg-graph-table");
  const annotationList = document.getElementById("cg-annotation-list");
  let plot = null;
  let graph = { labels: [], current: [], previousLabels: [], previous: [], interval: "day", metric: "visitors" };
  let annotations = [];

  function graphInterval() {
    if (state.period === "day") return "hour";
    if (state.period === "12mo") return "month";
    if (state.period === "custom") {
      const days = (Date.parse(state.to) - Date.parse(state.from)) / 86400000;
      if (days < 1) return "hour";
      if (days > 92) return "month";
    }
    return "day";
  }

  function labelSeconds(label) {
    // Labels are the site's local times; the axis shows them as they are (drawn in UTC).
    const [day, clock = "00:00:00"] = label.split(" ");
    return Date.parse(`${day}T${clock}Z`) / 1000;
  }

  function seriesFor(answer, labels) {
    const byLabel = new Map(answer.results.map((row) => [String(row.dimensions[0]), row.metrics[0]]));
    return labels.map((label) => byLabel.get(label) ?? 0);
  }

  function labelsOf(answer) {
    const labels = answer.meta && answer.meta.time_labels;
    return labels && labels.length ? labels.map(String) : answer.results.map((row) => String(row.dimensions[0]));
  }

  async function loadGraph() {
    setPanelState(graphPanel, "loading", plot ? "" : "Loading…");
    const metric = state.metric;
    const interval = graphInterval();
    const query = baseQuery([metric], { dimensions: [`time:${interval}`], include: { time_labels: true } });
    // The previous period as a query of its own, over the range the key figures' comparison
    // resolved (a comparison here would also leave out the buckets this period has no data
    // for). Its buckets line up with ours by position. Without it the graph shows this period.
    const before = periodPromise.then(
      ({ comparison }) => (comparison ? runQuery({ ...query, date_range: comparison }) : null),
      () => null,
    );
    const [answer, previousAnswer] = await Promise.all([runQuery(query), before]);
    const labels = labelsOf(answer);
    const current = seriesFor(answer, labels);
    // The bucket still filling (this hour, today, this month): drawn as "so far", and the
    // buckets after it (the rest of today's hours) not at all, rather than as drops to 0.
    const partial = labels.indexOf(String((answer.meta && answer.meta.partial_time_label) || ""));
    if (partial >= 0) for (let index = partial + 1; index < current.length; index += 1) current[index] = null;
    const previousLabels = previousAnswer ? labelsOf(previousAnswer) : [];
    const previous = previousAnswer ? seriesFor(previousAnswer, previousLabels) : [];
    graph = { labels, current, previousLabels, previous, interval, metric, partial, range: answer.query.date_range };
    document.getElementById("cg-graph-title").textContent = `${METRIC_LABELS[metric]} by ${interval}`;
    drawGraph();
    renderGraphTable();
    setPanelState(graphPanel, labels.length ? "ready" : "empty", labels.length ? "" : "No data for this period.");
    loadAnnotations(answer.query.date_range);
    return answer;
  }

  function graphData() {
    const xs = graph.labels.map(labelSeconds);
    const previous = graph.labels.map((_, index) => (index < graph.previous.length ? graph.previous[index] : null));
    const partial = graph.partial;
    if (partial < 0) return [xs, graph.current, previous, graph.labels.map(() => null)];
    // The finished buckets as a line; the last one joined to them by a dashed segment.
    const finished = graph.current.map((value, index) => (index < partial ? value : null));
    const soFar = graph.current.map((value, index) => (index === partial || index === partial - 1 ? value : null));
    return [xs, finished, previous, soFar];
  }

  function axisDate(seconds) {
    const moment = new Date(seconds * 1000);
    if (graph.interval === "hour") return `${String(moment.getUTCHours()).padStart(2, "0")}:00`;
    const options =
      graph.interval === "month" ? { month: "short", year: "numeric" } : { day: "numeric", month: "short" };
    return moment.toLocaleDateString("en-GB", { ...options, timeZone: "UTC" });
  }

  function drawGraph() {
    const data = graphData();
    const width = Math.max(graphChart.clientWidth, 300);
    if (plot) {
      plot.destroy();
      plot = null;
    }
    const metric = graph.metric;
    const options = {
      width,
      height: 280,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max, 1) * 1.1] } },
      legend: { live: true },
      cursor: { points: { size: 7 } },
      series: [
        {
          label: graph.interval === "hour" ? "Hour" : graph.interval === "month" ? "Month" : "Day",
          value: (u, seconds, si, index) => (index === null || index === undefined ? "—" : graph.labels[index]),
        },
        {
          label: "This period",
          stroke: "#2e6fd9",
          width: 2,
          fill: "rgba(46, 111, 217, 0.08)",
          value: (u, value) => formatMetric(metric, value),
        },
        {
          label: "Previous period",
          stroke: "#8a8a8a",
          width: 1.5,
          dash: [6, 5],
          value: (u, value, si, index) =>
            value === null || index === null || index === undefined
              ? "—"
              : `${formatMetric(metric, value)} (${graph.previousLabels[index] || ""})`,
        },
        {
          label: "So far",
          stroke: "#2e6fd9",
          width: 2,
          dash: [5, 4],
          points: { show: false },
          value: (u, value) => (value === null ? "—" : formatMetric(metric, value)),
        },
      ],
      axes: [
        { stroke: "#5c5c5c", grid: { stroke: "#eee" }, values: (u, ticks) => ticks.map(axisDate) },
        { stroke: "#5c5c5c", grid: { stroke: "#eee" }, size: 60, values: (u, ticks) => ticks.map((v) => formatMetric(metric, v)) },
      ],
      plugins: [annotationMarkers(), partialPoint()],
    };
    plot = new uPlot(options, data, graphChart);
  }

  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => {
      if (plot) plot.setSize({ width: Math.max(graphChart.clientWidth, 300), height: 280 });
    }).observe(graphChart);
  }

  function partialPoint() {
    // A hollow point and "so far" on the unfinished bucket, so it does not read as a drop.
    function place(u) {
      u.over.querySelectorAll(".cg-partial").forEach((element) => element.remove());
      const index = graph.partial;
      if (index < 0 || graph.current[index] === null || graph.current[index] === undefined) return;
      const left = u.valToPos(labelSeconds(graph.labels[index]), "x");
      const top = u.valToPos(graph.current[index], "y");
      const point = h("span", { className: "cg-partial cg-partial-point", "aria-hidden": "true" });
      point.style.left = `${left}px`;
      point.style.top = `${top}px`;
      const label = h("span", { className: "cg-partial cg-partial-label", "data-label": graph.labels[index] }, "so far");
      label.style.left = `${left}px`;
      label.style.top = `${top}px`;
      u.over.append(point, label);
    }
    return { hooks: { draw: [place] } };
  }

  function renderGraphTable() {
    const metric = graph.metric;
    graphTable.replaceChildren(
      h("caption", {}, `${METRIC_LABELS[metric]} by ${graph.interval}, this period and the previous one`),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Period"), h("th", { scope: "col" }, "This period"), h("th", { scope: "col" }, "Previous period")),
      ),
      h(
        "tbody",
        {},
        graph.labels.map((label, index) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, index === graph.partial ? `${label} (so far)` : label),
            h("td", { "data-value": graph.current[index] ?? "" }, graph.current[index] === null ? "—" : formatMetric(metric, graph.current[index])),
            h("td", { "data-value": graph.previous[index] ?? "" }, formatMetric(metric, graph.previous[index])),
          ),
        ),
      ),
    );
  }

  // --- annotations: markers on the graph and the list under it ---------------------------

  function annotationSeconds(annotation) {
    if (graph.interval === "hour" && annotation.hour) return labelSeconds(annotation.hour);
    if (graph.interval === "month") return labelSeconds(`${annotation.date.slice(0, 7)}-01`);
    return labelSeconds(annotation.date);
  }

  function annotationMarkers() {
    function place(u) {
      u.over.querySelectorAll(".cg-marker").forEach((marker) => marker.remove());
      const [min, max] = [u.scales.x.min, u.scales.x.max];
      const placed = new Set();
      for (const annotation of annotations) {
        const seconds = annotationSeconds(annotation);
        if (seconds < min || seconds > max) continue;
        // Publishes at one place on the axis are one marker ("5 pages published").
        const key = `${annotation.kind}:${seconds}`;
        if (annotation.kind === "publish" && placed.has(key)) continue;
        placed.add(key);
        const together = annotation.kind === "publish" ? annotations.filter((a) => a.kind === "publish" && annotationSeconds(a) === seconds).length : 1;
        const left = u.valToPos(seconds, "x");
        const title =
          together > 1
            ? `${formatDay(annotation.date)}: ${together} pages published`
            : `${formatDay(annotation.date)}: ${annotation.text}${annotation.author ? ` (${annotation.author})` : ""}`;
        const marker = h("span", { className: `cg-marker cg-marker-${annotation.kind}`, title, "aria-hidden": "true" });
        marker.style.left = `${left}px`;
        u.over.append(marker);
      }
    }
    return { hooks: { draw: [place] } };
  }

  async function loadAnnotations(range) {
    if (!range) return;
    const params = new URLSearchParams({ site: state.site, first: range[0], last: range[1] });
    try {
      const answer = await ask(`${config.urls.annotations}?${params}`, {});
      annotations = answer.annotations;
    } catch (error) {
      if (isAbort(error)) return;
      annotations = [];
      annotationList.replaceChildren(h("li", { className: "cg-error", role: "alert" }, `Notes could not be loaded: ${error.message}`));
      return;
    }
    renderAnnotations();
    if (plot) plot.redraw(false, false);
  }

  function renderAnnotations() {
    annotationList.replaceChildren();
    if (!annotations.length) {
      annotationList.append(h("li", { className: "cg-muted" }, "No notes or publishes in this period."));
      return;
    }
    // A day's publishes are one line ("5 pages published") that opens to the list, so a busy
    // day does not push the reports down; notes people wrote are each shown.
    const publishesOn = new Map();
    for (const annotation of annotations) {
      if (annotation.kind !== "publish") continue;
      if (!publishesOn.has(annotation.date)) publishesOn.set(annotation.date, []);
      publishesOn.get(annotation.date).push(annotation);
    }
    for (const annotation of annotations) {
      const day = publishesOn.get(annotation.date);
      if (annotation.kind === "publish" && day.length > 1) {
        if (day[0] !== annotation) continue;
        annotationList.append(
          h(
            "li",
            { className: "cg-annotation cg-annotation-publish cg-annotation-group", "data-count": day.length },
            h(
              "details",
              {},
              h("summary", {}, h("time", { datetime: annotation.date }, formatDay(annotation.date)), ` ${day.length} pages published`),
              h(
                "ul",
                { className: "cg-annotation-group-list" },
                day.map((a) => h("li", {}, a.text, a.author ? h("span", { className: "cg-muted" }, ` — ${a.author}`) : null)),
              ),
            ),
          ),
        );
        continue;
      }
      const remove = annotation.can_delete
        ? h(
            "button",
            {
              type: "button",
              className: "button button-small button-secondary cg-annotation-delete",
              "aria-label": `Delete the note “${annotation.text}”`,
              onclick: () => deleteAnnotation(annotation),
            },
            "Delete",
          )
        : null;
      annotationList.append(
        h(
          "li",
          { className: `cg-annotation cg-annotation-${annotation.kind}` },
          h("time", { datetime: annotation.date }, formatDay(annotation.date)),
          " ",
          annotation.text,
          annotation.author ? h("span", { className: "cg-muted" }, ` — ${annotation.author}`) : null,
          remove,
        ),
      );
    }
  }

  async function deleteAnnotation(annotation) {
    try {
      await ask(`${config.urls.annotations}${annotation.id}/delete/`, {
        method: "POST",
        headers: { "X-CSRFToken": config.csrfToken },
      });
    } catch (error) {
      if (!isAbort(error)) window.alert(`The note could not be deleted: ${error.message}`);
      return;
    }
    loadAnnotations(graph.range);
  }

  const annotationForm = document.getElementById("cg-annotation-form");
  if (annotationForm) {
    const errorNote = document.getElementById("cg-annotation-error");
    annotationForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = new FormData(annotationForm);
      body.set("site", state.site);
      errorNote.hidden = true;
      try {
        // Not through ask(): a reload of the panels must not cancel a note being saved.
        const response = await fetch(config.urls.annotations, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": config.csrfToken },
          body,
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(answer.error || `The server answered ${response.status}.`);
      } catch (error) {
        errorNote.textContent = `The note was not saved: ${error.message}`;
        errorNote.hidden = false;
        return;
      }
      annotationForm.querySelector("#cg-annotation-text").value = "";
      loadAnnotations(graph.range);
    });
  }

  // --- breakdown panels -------------------------------------------------------------------

  const panelsContainer = document.getElementById("cg-panels");
  const panelViews = PANELS.map(buildPanel);

  function buildPanel(definition) {
    const view = { definition, tab: 0, propertyKey: null, element: null, body: null, tabButtons: [] };
    const titleId = `cg-panel-${definition.id}-title`;
    const bodyId = `cg-panel-${definition.id}-body`;
    const tablist =
      definition.tabs.length > 1
        ? h(
            "div",
            { className: "cg-tabs", role: "tablist", "aria-label": `${definition.title}: show` },
            definition.tabs.map((tab, index) => {
              const button = h(
                "button",
                {
                  type: "button",
                  role: "tab",
                  id: `cg-tab-${definition.id}-${index}`,
                  "aria-controls": bodyId,
                  "aria-selected": String(index === 0),
                  className: "cg-tab",
                  onclick: () => {
                    view.tab = index;
                    view.tabButtons.forEach((b, i) => b.setAttribute("aria-selected", String(i === index)));
                    loadPanel(view).catch(() => {});
                  },
                },
                tab.label,
              );
              view.tabButtons.push(button);
              return button;
            }),
          )
        : null;
    const csv = h(
      "button",
      {
        type: "button",
        className: "button button-small button-secondary",
        "data-csv": definition.id,
        onclick: () => exportPanel(view),
      },
      "Export CSV",
    );
    view.keySelect = definition.properties
      ? h("select", {
          id: `cg-${definition.id}-key`,
          onchange: () => {
            view.propertyKey = view.keySelect.value;
            loadPanel(view).catch(() => {});
          },
        })
      : null;
    view.speedSummary = definition.speed ? h("dl", { className: "cg-speed-summary" }) : null;
    view.body = h(
      "div",
      { id: bodyId, className: "cg-panel-body", role: tablist ? "tabpanel" : null, "aria-labelledby": titleId },
      h("p", { className: "cg-panel-message", role: "status" }, "Loading…"),
    );
    view.element = h(
      "section",
      { className: "cg-panel", "data-panel": definition.id, "data-state": "loading", "aria-labelledby": titleId },
      h(
        "header",
        { className: "cg-panel-header" },
        h("h2", { id: titleId }, termLabel(definition.term, definition.title)),
        tablist,
        view.keySelect
          ? h("span", { className: "cg-key-picker" }, h("label", { for: view.keySelect.id }, "Property"), view.keySelect)
          : null,
        h("div", { className: "cg-panel-actions" }, csv),
      ),
      view.speedSummary,
      view.body,
    );
    panelsContainer.append(view.element);
    return view;
  }

  function currentDimension(view) {
    const tab = view.definition.tabs[view.tab];
    if (!view.definition.properties) return tab.dimension;
    return view.propertyKey ? `event:props:${view.propertyKey}` : null;
  }

  async function loadPropertyKeys(view) {
    const { range } = await periodPromise;
    const params = new URLSearchParams({ site: state.site, first: range[0], last: range[1] });
    const answer = await ask(`${config.urls.propertyKeys}?${params}`, {});
    view.keySelect.replaceChildren(...answer.keys.map((key) => h("option", { value: key }, key)));
    view.propertyKey = answer.keys.includes(view.propertyKey) ? view.propertyKey : answer.keys[0] || null;
    view.keySelect.value = view.propertyKey || "";
    view.keySelect.disabled = !answer.keys.length;
  }

  async function loadPanel(view, { fresh = false } = {}) {
    const { definition } = view;
    const hasTable = Boolean(view.body.querySelector("table"));
    setPanelState(view.element, "loading", hasTable ? "" : "Loading…");
    try {
      if (definition.properties && fresh) await loadPropertyKeys(view);
      const dimension = currentDimension(view);
      if (!dimension) {
        view.body.querySelector("table")?.remove();
        setPanelState(view.element, "empty", definition.empty);
        return;
      }
      const tab = definition.tabs[view.tab];
      const tasks = [runQuery(tabQuery(tab, dimension, ROWS_SHOWN))];
      if (definition.speed && fresh) tasks.push(runQuery(baseQuery(SPEED_METRICS, {})));
      const [answer, summary] = await Promise.all(tasks);
      if (summary) renderSpeedSummary(view, summary);
      renderTable(view, tab, dimension, answer);
    } catch (error) {
      if (isAbort(error)) throw error;
      view.body.querySelector("table")?.remove();
      setPanelState(view.element, "error", `This panel could not be loaded: ${error.message}`);
      throw error;
    }
  }

  function renderSpeedSummary(view, answer) {
    const values = answer.results[0] ? answer.results[0].metrics : [];
    view.speedSummary.replaceChildren(
      ...SPEED_METRICS.map((metric, index) => {
        const value = values[index] ?? null;
        const rating = speedRating(metric, value);
        return h(
          "div",
          { className: `cg-speed cg-speed-${rating ? rating.replace(" ", "-") : "none"}` },
          h("dt", {}, termLabel(METRIC_TERMS[metric], METRIC_LABELS[metric])),
          h("dd", { "data-value": value ?? "", title: exactTitle(metric, value) }, formatMetric(metric, value)),
          h("dd", { className: "cg-speed-rating" }, rating || "no data"),
        );
      }),
    );
  }

  function renderTable(view, tab, dimension, answer) {
    view.body.querySelector("table")?.remove();
    view.body.querySelector(".cg-more")?.remove();
    const rows = answer.results;
    if (!rows.length) {
      setPanelState(view.element, "empty", view.definition.empty || "No data for this period.");
      return;
    }
    const largest = Math.max(...rows.map((row) => Number(row.metrics[0]) || 0), 1);
    const table = h(
      "table",
      { className: "cg-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, termLabel(DIMENSION_TERMS[dimension], dimensionLabel(dimension))),
          tab.metrics.map((metric) =>
            h("th", { scope: "col", className: "cg-num" }, termLabel(METRIC_TERMS[metric], METRIC_LABELS[metric]), approximateMark(metric)),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) => {
          const value = row.dimensions[0];
          const bar = h("span", { className: "cg-bar", "aria-hidden": "true" });
          bar.style.width = `${Math.round(((Number(row.metrics[0]) || 0) / largest) * 100)}%`;
          return h(
            "tr",
            {},
            h("th", { scope: "row", className: "cg-dim" }, bar, filterLink(dimension, value)),
            tab.metrics.map((metric, index) => {
              const metricValue = row.metrics[index];
              const rating = speedRating(metric, metricValue);
              return h(
                "td",
                {
                  className: `cg-num${rating ? ` cg-speed-${rating.replace(" ", "-")}` : ""}`,
                  "data-value": metricValue ?? "",
                  title: exactTitle(metric, metricValue),
                },
                formatMetric(metric, metricValue),
              );
            }),
          );
        }),
      ),
    );
    view.body.append(table);
    const total = answer.meta && answer.meta.total_rows;
    if (total && total > rows.length) {
      view.body.append(h("p", { className: "cg-more cg-muted" }, `Top ${rows.length} of ${formatCount(total)}; Export CSV has up to ${formatCount(CSV_ROWS)}.`));
    }
    setPanelState(view.element, "ready", "");
  }

  // --- CSV export -------------------------------------------------------------------------

  function csvCell(value) {
    if (value === null || value === undefined) return "";
    let text = String(value);
    // A cell starting like a formula would run in a spreadsheet: visitors choose these texts.
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function download(name, header, rows) {
    const lines = [header, ...rows].map((cells) => cells.map(csvCell).join(","));
    const blob = new Blob([`${lines.join("\r\n")}\r\n`], { type: "text/csv;charset=utf-8" });
    const link = h("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function fileName(part) {
    const range = graph.range ? `${graph.range[0]}_${graph.range[1]}` : state.period;
    return `${state.site}-${part}-${range}.csv`.replace(/[^\w.-]+/g, "-");
  }

  async function exportPanel(view) {
    const dimension = currentDimension(view);
    if (!dimension) return;
    const tab = view.definition.tabs[view.tab];
    try {
      const answer = await runQuery(tabQuery(tab, dimension, CSV_ROWS));
      download(
        fileName(`${view.definition.id}-${dimension.replace(/[:]/g, "_")}`),
        [dimension, ...tab.metrics],
        answer.results.map((row) => [row.dimensions[0], ...row.metrics]),
      );
    } catch (error) {
      if (!isAbort(error)) setPanelState(view.element, "error", `The export failed: ${error.message}`);
    }
  }

  graphPanel.querySelector('[data-csv="graph"]').addEventListener("click", () => {
    download(
      fileName(`${graph.metric}-by-${graph.interval}`),
      [graph.interval, graph.metric, "previous_period", `previous_${graph.metric}`],
      graph.labels.map((label, index) => [label, graph.current[index], graph.previousLabels[index] ?? "", graph.previous[index] ?? ""]),
    );
  });

  // --- realtime: the last five minutes, while the tab is visible ---------------------------

  const REALTIME_EVERY_MS = 10000;
  const REALTIME_PAGES = 5;
  const realtimePanel = document.getElementById("cg-realtime");
  const realtimeCount = document.getElementById("cg-realtime-visitors");
  const realtimeWord = document.getElementById("cg-realtime-word");
  const realtimePages = document.getElementById("cg-realtime-pages");
  const realtimeUpdated = document.getElementById("cg-realtime-updated");
  let realtimeTimer = null;
  // False once an answer showed that the chosen range ends before (or starts after) today.
  let realtimeApplies = true;

  function realtimeQuery(metrics, extra) {
    // Answered from events (a visit is not over yet): visit metrics are refused here.
    return { ...baseQuery(metrics, extra), date_range: "realtime" };
  }

  function stopRealtime() {
    clearTimeout(realtimeTimer);
    realtimeTimer = null;
  }

  async function refreshRealtime({ fresh = false } = {}) {
    stopRealtime();
    if (fresh) realtimeApplies = true;
    if (document.hidden) return; // asked again when the tab is shown
    const mine = generation;
    // Only a new choice of site, range or filters dims the card: not every ten seconds.
    if (fresh) setPanelState(realtimePanel, "loading", realtimePages.querySelector("tbody") ? "" : "Loading…");
    try {
      const [total, pages] = await Promise.all([
        runQuery(realtimeQuery(["visitors"])),
        runQuery(
          realtimeQuery(["visitors", "pageviews"], {
            dimensions: ["event:page"],
            order_by: [["visitors", "desc"]],
            pagination: { limit: REALTIME_PAGES, offset: 0 },
          }),
        ),
      ]);
      // The site's today, as the server sees it in the site's time zone: shown only when the
      // range chosen includes it (every preset does; a custom range may not).
      const today = total.query.date_range[0];
      const range = await periodPromise.then(({ range }) => range, () => null);
      realtimeApplies = !range || (range[0] <= today && today <= range[1]);
      if (!realtimeApplies) {
        realtimePanel.hidden = true;
        return;
      }
      realtimePanel.hidden = false;
      renderRealtime(total, pages);
    } catch (error) {
      if (isAbort(error)) return;
      realtimePanel.hidden = false;
      realtimePages.replaceChildren();
      setPanelState(realtimePanel, "error", `The last five minutes could not be loaded: ${error.message}`);
    }
    // A newer loadAll() has started its own refresh.
    if (mine === generation && !document.hidden) realtimeTimer = setTimeout(refreshRealtime, REALTIME_EVERY_MS);
  }

  function renderRealtime(total, pages) {
    const visitors = total.results[0] ? total.results[0].metrics[0] : 0;
    realtimeCount.dataset.value = visitors;
    realtimeCount.title = exactTitle("visitors", visitors);
    realtimeCount.textContent = formatMetric("visitors", visitors);
    realtimeWord.textContent = visitors === 1 ? "visitor" : "visitors";
    realtimeUpdated.textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}, every 10 seconds while this tab is open`;
    if (!pages.results.length) {
      realtimePages.replaceChildren();
      setPanelState(realtimePanel, "ready", "No pages viewed in the last five minutes.");
      return;
    }
    realtimePages.replaceChildren(
      h("caption", { className: "w-sr-only" }, "Pages viewed in the last five minutes"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Page now"),
          h("th", { scope: "col", className: "cg-num" }, "Visitors", approximateMark("visitors")),
          h("th", { scope: "col", className: "cg-num" }, "Pageviews"),
        ),
      ),
      h(
        "tbody",
        {},
        pages.results.map((row) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", className: "cg-dim" }, filterLink("event:page", row.dimensions[0])),
            ["visitors", "pageviews"].map((metric, index) =>
              h(
                "td",
                { className: "cg-num", "data-value": row.metrics[index], title: exactTitle(metric, row.metrics[index]) },
                formatMetric(metric, row.metrics[index]),
              ),
            ),
          ),
        ),
      ),
    );
    setPanelState(realtimePanel, "ready", "");
  }

  document.addEventListener("visibilitychange", () => {
    // Nobody looks at a hidden tab: no queries every ten seconds for it.
    if (document.hidden) stopRealtime();
    else if (realtimeApplies) refreshRealtime();
  });

  // --- the site's top pages: choices for the funnel and journey ---------------------------

  const TOP_PAGES = 50;
  let pagesPromise = null;

  function loadTopPages() {
    // Without the filters: the choices should not vanish when a filter is set.
    return runQuery({
      site_id: state.site,
      date_range: dateRange(),
      metrics: ["visitors"],
      dimensions: ["event:page"],
      order_by: [["visitors", "desc"]],
      pagination: { limit: TOP_PAGES, offset: 0 },
    }).then((answer) => answer.results.map((row) => String(row.dimensions[0])));
  }

  // --- funnel and journeys: one loader ----------------------------------------------------

  // An insight panel: its element, the body its answer is drawn in, and the selector of what
  // render() draws there. A later request wins: an earlier answer arriving late is dropped.
  function insightPanel(panel, body, drawn, render) {
    return { panel, body, drawn, render, answer: null, request: 0 };
  }

  function clearInsight(insight) {
    insight.body.querySelectorAll(insight.drawn).forEach((part) => part.remove());
  }

  // question(): the request body, or a string saying why there is nothing to ask.
  async function loadInsight(insight, url, what, question) {
    const mine = ++insight.request;
    setPanelState(insight.panel, "loading", insight.body.querySelector(insight.drawn) ? "" : "Loading…");
    try {
      const body = await question();
      if (mine !== insight.request) return;
      if (typeof body === "string") {
        insight.answer = null;
        clearInsight(insight);
        setPanelState(insight.panel, "empty", body);
        return;
      }
      const answer = await postJson(url, { site_id: state.site, date_range: dateRange(), ...body });
      if (mine !== insight.request) return;
      insight.answer = answer;
      clearInsight(insight);
      insight.render(answer);
    } catch (error) {
      if (isAbort(error) || mine !== insight.request) throw error;
      insight.answer = null;
      clearInsight(insight);
      setPanelState(insight.panel, "error", `The ${what} could not be loaded: ${error.message}`);
      throw error;
    }
  }

  // --- funnel: 2 to 8 steps (goals or pages) within a visit -------------------------------

  const MIN_STEPS = 2;
  const MAX_STEPS = 8;
  const funnelPanel = document.getElementById("cg-funnel");
  const funnelSteps = document.getElementById("cg-funnel-steps");
  const funnelAdd = document.getElementById("cg-funnel-add");
  const funnelBody = document.getElementById("cg-funnel-body");
  const funnel = { ...insightPanel(funnelPanel, funnelBody, "table", renderFunnel), steps: [], pages: [] };

  // A step is kept as "goal:<name>" or "page:<path>", the value of its <select> option.
  function stepBody(step) {
    const [kind, ...rest] = step.split(":");
    return { [kind]: rest.join(":") };
  }

  function stepName(step) {
    const body = stepBody(step);
    return body.goal ?? body.page;
  }

  function funnelKey() {
    return `cg-dashboard-funnel:${state.site}`;
  }

  function savedFunnel() {
    try {
      const steps = JSON.parse(window.localStorage.getItem(funnelKey()) || "null");
      const valid =
        Array.isArray(steps) &&
        steps.length >= MIN_STEPS &&
        steps.length <= MAX_STEPS &&
        steps.every((step) => typeof step === "string" && /^(goal:.|page:\/)/.test(step));
      return valid ? steps : null;
    } catch {
      return null; // storage refused (private mode) or a value not ours
    }
  }

  function saveFunnel() {
    try {
      window.localStorage.setItem(funnelKey(), JSON.stringify(funnel.steps));
    } catch {
      // The funnel still works; it is just not remembered.
    }
  }

  function defaultFunnel(pages) {
    const goals = siteConfig(state.site).goals;
    if (pages.length && goals.length) return [`page:${pages[0]}`, `goal:${goals[0]}`];
    if (pages.length >= 2) return [`page:${pages[0]}`, `page:${pages[1]}`];
    return [];
  }

  function stepChoices() {
    const goals = siteConfig(state.site).goals.map((goal) => `goal:${goal}`);
    const pages = funnel.pages.map((page) => `page:${page}`);
    // A remembered step stays choosable when it is not among this period's top pages (or its
    // goal was deleted: the server then says so).
    const known = new Set([...goals, ...pages]);
    const others = [...new Set(funnel.steps.filter((step) => !known.has(step)))];
    return {
      Goals: [...goals, ...others.filter((step) => step.startsWith("goal:"))],
      Pages: [...pages, ...others.filter((step) => step.startsWith("page:"))],
    };
  }

  function stepSelect(id, onchange) {
    const select = h("select", { id, onchange: () => onchange(select.value) });
    for (const [label, values] of Object.entries(stepChoices())) {
      if (!values.length) continue;
      select.append(h("optgroup", { label }, values.map((value) => h("option", { value }, stepName(value)))));
    }
    return select;
  }

  function renderFunnelBuilder() {
    const count = funnel.steps.length;
    funnelSteps.replaceChildren(
      ...funnel.steps.map((step, index) => {
        const id = `cg-funnel-step-${index}`;
        const number = index + 1;
        const stepButton = (label, symbol, disabled, change, focus) =>
          h(
            "button",
            {
              type: "button",
              className: "button button-small button-secondary cg-step-button",
              "aria-label": label,
              title: label,
              disabled,
              onclick: () => changeFunnel(change, focus),
            },
            symbol,
          );
        const select = stepSelect(id, (value) => changeFunnel(() => (funnel.steps[index] = value), index));
        select.value = step;
        return h(
          "li",
          { className: "cg-funnel-step", "data-step": step },
          h("label", { for: id }, `Step ${number}`),
          select,
          stepButton(`Move step ${number} up`, "↑", index === 0, () => swap(index, index - 1), index - 1),
          stepButton(`Move step ${number} down`, "↓", index === count - 1, () => swap(index, index + 1), index + 1),
          stepButton(`Remove step ${number}`, "×", count <= MIN_STEPS, () => funnel.steps.splice(index, 1), Math.min(index, count - 2)),
        );
      }),
    );
    funnelAdd.disabled = count >= MAX_STEPS || !(funnel.pages.length || siteConfig(state.site).goals.length);
  }

  function swap(from, to) {
    [funnel.steps[from], funnel.steps[to]] = [funnel.steps[to], funnel.steps[from]];
  }

  function changeFunnel(change, focus) {
    change();
    saveFunnel();
    renderFunnelBuilder();
    // The builder is drawn anew: keyboard users stay on the step they moved or changed.
    if (focus !== undefined) document.getElementById(`cg-funnel-step-${focus}`)?.focus();
    loadFunnel().catch(() => {});
  }

  funnelAdd.addEventListener("click", () => {
    // A new step: the first choice not in the funnel yet (a goal, else a page).
    const choices = [...siteConfig(state.site).goals.map((g) => `goal:${g}`), ...funnel.pages.map((p) => `page:${p}`)];
    const next = choices.find((choice) => !funnel.steps.includes(choice)) || choices[0];
    if (!next || funnel.steps.length >= MAX_STEPS) return;
    changeFunnel(() => funnel.steps.push(next), funnel.steps.length);
  });

  async function prepareFunnel() {
    funnel.pages = await pagesPromise;
    funnel.steps = savedFunnel() || defaultFunnel(funnel.pages);
    renderFunnelBuilder();
  }

  function loadFunnel() {
    return loadInsight(funnel, config.urls.funnel, "funnel", () =>
      funnel.steps.length < MIN_STEPS
        ? "A funnel needs two steps: this site has no goals and fewer than two pages viewed in this period."
        : { steps: funnel.steps.map(stepBody), filters: queryFilters() },
    );
  }

  function renderFunnel(answer) {
    // Funnel and journey counts are exact (no estimate): their titles say the plain number.
    const steps = answer.steps;
    const first = steps[0].visitors;
    const table = h(
      "table",
      { className: "cg-table cg-funnel-table" },
      h("caption", { className: "w-sr-only" }, "Visitors reaching each step of the funnel, in order, within one visit"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Step"),
          h("th", { scope: "col", className: "cg-num" }, "Visitors"),
          h("th", { scope: "col", className: "cg-num" }, termLabel("conversion-rate", "Conversion")),
          h("th", { scope: "col", className: "cg-num" }, "From previous"),
          h("th", { scope: "col", className: "cg-num" }, "Dropped off"),
        ),
      ),
      h(
        "tbody",
        {},
        steps.map((step, index) => {
          const track = h("span", { className: "cg-funnel-track", "aria-hidden": "true" }, h("span", { className: "cg-funnel-fill" }));
          track.firstChild.style.width = `${first ? Math.round((step.visitors / first) * 100) : 0}%`;
          return h(
            "tr",
            { "data-step": index },
            h("th", { scope: "row", className: "cg-funnel-label" }, h("span", { className: "cg-muted" }, `${index + 1}. `), step.label, track),
            h("td", { className: "cg-num", "data-value": step.visitors, title: exactTitle(null, step.visitors) }, formatCount(step.visitors)),
            h("td", { className: "cg-num", "data-value": step.conversion_rate }, formatPercent(step.conversion_rate)),
            h(
              "td",
              { className: "cg-num", "data-value": index ? step.step_conversion_rate : "" },
              index ? formatPercent(step.step_conversion_rate) : "—",
            ),
            h(
              "td",
              { className: "cg-num", "data-value": index ? step.dropoff : "" },
              index ? `${formatCount(step.dropoff)} (${formatPercent(step.dropoff_rate)})` : "—",
            ),
          );
        }),
      ),
    );
    funnelBody.append(table);
    setPanelState(funnelPanel, first ? "ready" : "empty", first ? "" : "No visitor reached the first step in this period.");
  }

  funnelPanel.querySelector('[data-csv="funnel"]').addEventListener("click", () => {
    if (!funnel.answer) return;
    download(
      fileName("funnel"),
      ["step", "label", "visitors", "conversion_rate", "step_conversion_rate", "dropoff", "dropoff_rate"],
      funnel.answer.steps.map((step, index) => [
        index + 1,
        step.label,
        step.visitors,
        step.conversion_rate,
        step.step_conversion_rate,
        step.dropoff,
        step.dropoff_rate,
      ]),
    );
  });

  // --- journeys: the paths into and out of one page ---------------------------------------

  const JOURNEY_PATHS = 10;
  const journeyPanel = document.getElementById("cg-journey");
  const journeyForm = document.getElementById("cg-journey-form");
  const journeyPage = document.getElementById("cg-journey-page");
  const journeyPages = document.getElementById("cg-journey-pages");
  const journeyDepth = document.getElementById("cg-journey-depth");
  const journeyBody = document.getElementById("cg-journey-body");
  const journey = { ...insightPanel(journeyPanel, journeyBody, ".cg-journey-paths", renderJourney), page: "" };

  function journeyDefault(pages) {
    // The page being filtered on, if exactly one; else the period's top page.
    const filter = state.filters.find((f) => f.dimension === "event:page" && f.values.length === 1);
    return state.journey || (filter ? filter.values[0] : pages[0] || "");
  }

  function showJourneyOf(page, depth = state.depth) {
    // Only this panel changes, as with the graph's metric: no new history entry per click.
    state = { ...state, journey: page, depth };
    window.history.replaceState(null, "", stateQueryString(state));
    loadJourney().catch(() => {});
  }

  journeyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const page = journeyPage.value.trim();
    if (!page.startsWith("/")) {
      clearInsight(journey);
      setPanelState(journeyPanel, "error", "A page is a path starting with /, e.g. /pricing/.");
      return;
    }
    showJourneyOf(page, Number(journeyDepth.value));
  });
  journeyDepth.addEventListener("change", () => {
    if (journey.page) showJourneyOf(journey.page, Number(journeyDepth.value));
  });

  function loadJourney() {
    return loadInsight(journey, config.urls.journey, "journeys", async () => {
      const pages = await pagesPromise;
      journeyPages.replaceChildren(...pages.map((page) => h("option", { value: page })));
      journey.page = journeyDefault(pages);
      journeyPage.value = journey.page;
      journeyDepth.value = String(state.depth);
      if (!journey.page) return "No pages were viewed in this period.";
      return {
        page: journey.page,
        depth: state.depth,
        limit: JOURNEY_PATHS,
        // The journey's page replaces a filter on pages: with it, no other page would be seen.
        filters: queryFilters().filter((filter) => !(filter[0] === "is" && filter[1] === "event:page")),
      };
    });
  }

  function pathStep(page, current) {
    if (page === current) return h("strong", { className: "cg-path-current" }, page);
    if (page.startsWith("(")) return h("span", { className: "cg-muted" }, page === "(entrance)" ? "Entrance" : "Exit");
    return h(
      "a",
      {
        className: "cg-path-link",
        href: stateQueryString({ ...state, journey: page }),
        title: `Show the journeys through ${page}`,
        "data-page": page,
        onclick: (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          showJourneyOf(page);
        },
      },
      page,
    );
  }

  function journeyTable(direction, title, rows, current) {
    const titleId = `cg-journey-${direction}-title`;
    const section = h("div", { className: "cg-journey-paths", "data-direction": direction }, h("h3", { id: titleId }, title));
    if (!rows.length) {
      section.append(h("p", { className: "cg-muted" }, "No paths in this period."));
      return section;
    }
    const largest = Math.max(...rows.map((row) => row.visits), 1);
    section.append(
      h(
        "table",
        { className: "cg-table", "aria-labelledby": titleId },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Path"),
            h("th", { scope: "col", className: "cg-num" }, "Visits"),
            h("th", { scope: "col", className: "cg-num" }, "Visitors"),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((row) => {
            const bar = h("span", { className: "cg-bar", "aria-hidden": "true" });
            bar.style.width = `${Math.round((row.visits / largest) * 100)}%`;
            const steps = row.path.map((page, index) =>
              h(
                "li",
                { "data-page": page },
                index ? h("span", { className: "cg-path-arrow", "aria-hidden": "true" }, "→ ") : null,
                pathStep(page, current),
              ),
            );
            return h(
              "tr",
              {},
              h("th", { scope: "row", className: "cg-dim" }, bar, h("ol", { className: "cg-path", "aria-label": row.path.join(", then ") }, steps)),
              h("td", { className: "cg-num", "data-value": row.visits, title: exactTitle("visits", row.visits) }, formatCount(row.visits)),
              h("td", { className: "cg-num", "data-value": row.visitors, title: exactTitle(null, row.visitors) }, formatCount(row.visitors)),
            );
          }),
        ),
      ),
    );
    return section;
  }

  function renderJourney(answer) {
    const page = answer.page;
    journeyBody.append(
      journeyTable("into", `Into ${page}`, answer.into, page),
      journeyTable("out_of", `Out of ${page}`, answer.out_of, page),
    );
    const none = !answer.into.length && !answer.out_of.length;
    setPanelState(journeyPanel, none ? "empty" : "ready", none ? `Nobody viewed ${page} in this period.` : "");
  }

  journeyPanel.querySelector('[data-csv="journey"]').addEventListener("click", () => {
    if (!journey.answer) return;
    const rows = ["into", "out_of"].flatMap((direction) =>
      journey.answer[direction].map((row) => [direction, row.path.join(" > "), row.visits, row.visitors]),
    );
    download(fileName(`journeys-${journey.answer.page}`), ["direction", "path", "visits", "visitors"], rows);
  });

  // --- everything at once -----------------------------------------------------------------

  let generation = 0;

  function comparedText([first, last]) {
    // "2 Dec up to 14:29:59": a period still running is compared up to the same time of day.
    const [lastDay, clock] = last.split("T");
    const days = first === lastDay ? formatDay(first) : `${formatDay(first)} – ${formatDay(lastDay)}`;
    return clock ? `${days} up to ${clock.slice(0, 8)}` : days;
  }

  function loadAll() {
    generation += 1;
    const mine = generation;
    if (controller) controller.abort();
    controller = new AbortController();
    renderControls();
    renderChips();
    root.setAttribute("aria-busy", "true");
    const kpis = loadKpis();
    periodPromise = kpis.then((answer) => ({
      range: answer.query.date_range,
      comparison: answer.meta && answer.meta.comparison_date_range,
    }));
    kpis
      .then((answer) => {
        const [first, last] = answer.query.date_range;
        const shown = first === last ? formatDay(first) : `${formatDay(first)} – ${formatDay(last)}`;
        const compared = answer.meta && answer.meta.comparison_date_range;
        rangeLabel.textContent = compared ? `${shown}, compared with ${comparedText(compared)}` : shown;
      })
      .catch((error) => {
        if (isAbort(error)) return;
        kpiPanel.querySelector(".cg-kpi-list")?.remove();
        setPanelState(kpiPanel, "error", `The key figures could not be loaded: ${error.message}`);
      });
    const graphDone = loadGraph().catch((error) => {
      if (isAbort(error)) return;
      if (plot) {
        plot.destroy();
        plot = null;
      }
      graphTable.replaceChildren();
      setPanelState(graphPanel, "error", `The graph could not be loaded: ${error.message}`);
    });
    const panelsDone = panelViews.map((view) => loadPanel(view, { fresh: true }).catch(() => {}));
    refreshRealtime({ fresh: true });
    pagesPromise = loadTopPages();
    const funnelDone = prepareFunnel()
      .then(loadFunnel, (error) => {
        if (!isAbort(error)) setPanelState(funnelPanel, "error", `The funnel could not be loaded: ${error.message}`);
      })
      .catch(() => {});
    const journeyDone = loadJourney().catch(() => {});
    Promise.allSettled([kpis, graphDone, ...panelsDone, funnelDone, journeyDone]).then(() => {
      if (mine === generation) root.setAttribute("aria-busy", "false");
    });
  }

  loadAll();
})();
