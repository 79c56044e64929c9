"""The demo traffic model: a world of pages, channels, campaigns, devices and places (shares
are rough public web-analytics averages), and the visits and events drawn from it as numpy
columns of small integer codes, with the lookup tables that turn the codes into strings."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

VISIT_TIMEOUT_S = 30 * 60
_DAY_S = 86_400

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# --- The world the traffic comes from. Shares are rough public web-analytics averages. ---

DEFAULT_PATHS: tuple[str, ...] = (
    "/",
    "/pricing/",
    "/product/",
    "/product/features/",
    "/product/integrations/",
    "/product/security/",
    "/docs/",
    "/docs/getting-started/",
    "/docs/api/",
    "/blog/",
    "/about/",
    "/contact/",
    "/signup/",
    "/careers/",
    "/customers/",
    "/privacy/",
    *(
        f"/blog/{slug}/"
        for slug in (
            "privacy-friendly-analytics",
            "content-calendar-template",
            "wagtail-8-whats-new",
            "measuring-campaign-roi",
            "brand-voice-guide",
            "gdpr-cookie-banners",
            "seo-for-small-teams",
            "newsletter-growth",
            "core-web-vitals-explained",
            "social-listening-101",
            "editorial-workflow",
            "accessibility-checklist",
            "utm-tagging-guide",
            "case-study-city-museum",
            "case-study-nonprofit",
            "annual-report-2024",
            "remote-team-rituals",
            "headless-cms-myths",
            "writing-for-the-web",
            "launch-week-recap",
        )
    ),
)

# Visit channels and their share of visits, in referrers.CHANNELS order.
CHANNELS: tuple[str, ...] = ("search", "social", "email", "paid", "referral", "direct")
_CHANNEL_SHARE = np.array([0.38, 0.12, 0.07, 0.08, 0.10, 0.25])
_SEARCH, _SOCIAL, _EMAIL, _PAID, _REFERRAL, _DIRECT = range(6)

# (referrer url, referrer_source, channel, share within the channel)
_REFERRERS: tuple[tuple[str, str, int, float], ...] = (
    ("https://www.google.com/", "Google", _SEARCH, 0.82),
    ("https://www.bing.com/", "Bing", _SEARCH, 0.10),
    ("https://duckduckgo.com/", "DuckDuckGo", _SEARCH, 0.06),
    ("https://www.ecosia.org/", "Ecosia", _SEARCH, 0.02),
    ("https://www.linkedin.com/", "LinkedIn", _SOCIAL, 0.35),
    ("https://t.co/", "X/Twitter", _SOCIAL, 0.20),
    ("https://www.reddit.com/", "Reddit", _SOCIAL, 0.18),
    ("https://mastodon.social/", "Mastodon", _SOCIAL, 0.12),
    ("https://l.facebook.com/", "Facebook", _SOCIAL, 0.10),
    ("https://news.ycombinator.com/", "Hacker News", _SOCIAL, 0.05),
    ("", "newsletter", _EMAIL, 1.0),
    ("https://www.google.com/", "Google", _PAID, 1.0),
    ("https://github.com/", "GitHub", _REFERRAL, 0.30),
    ("https://www.producthunt.com/", "producthunt.com", _REFERRAL, 0.15),
    ("https://dev.to/", "dev.to", _REFERRAL, 0.15),
    ("https://wagtail.org/", "wagtail.org", _REFERRAL, 0.20),
    ("https://www.djangoproject.com/", "djangoproject.com", _REFERRAL, 0.20),
    ("", "", _DIRECT, 1.0),
)

# (device, browser, browser_version, os, os_version, share) - names as enrichment produces them.
_AGENTS: tuple[tuple[str, str, str, str, str, float], ...] = (
    ("desktop", "Chrome", "131.0", "Windows", "10", 0.20),
    ("desktop", "Chrome", "130.0", "Windows", "10", 0.06),
    ("desktop", "Edge", "131.0", "Windows", "10", 0.07),
    ("desktop", "Firefox", "133.0", "Windows", "10", 0.04),
    ("desktop", "Chrome", "131.0", "macOS", "10.15", 0.07),
    ("desktop", "Safari", "18.1", "macOS", "10.15", 0.05),
    ("desktop", "Firefox", "133.0", "macOS", "10.15", 0.015),
    ("desktop", "Firefox", "133.0", "Linux", "", 0.02),
    ("desktop", "Chrome", "131.0", "Linux", "", 0.015),
    ("desktop", "Chrome", "131.0", "Chrome OS", "14541.0", 0.01),
    ("mobile", "Safari", "18.1", "iOS", "18.1", 0.15),
    ("mobile", "Safari", "17.6", "iOS", "17.6", 0.04),
    ("mobile", "Chrome", "131.0", "iOS", "18.1", 0.02),
    ("mobile", "Chrome", "131.0", "Android", "14", 0.13),
    ("mobile", "Chrome", "130.0", "Android", "13", 0.04),
    ("mobile", "Samsung Internet", "26.0", "Android", "14", 0.03),
    ("mobile", "Firefox", "133.0", "Android", "14", 0.005),
    ("tablet", "Safari", "18.1", "iOS", "18.1", 0.02),
    ("tablet", "Chrome", "131.0", "Android", "13", 0.01),
)

# (country, region, share)
_PLACES: tuple[tuple[str, str, float], ...] = (
    ("NL", "NL-NH", 0.10),
    ("NL", "NL-ZH", 0.07),
    ("NL", "NL-UT", 0.04),
    ("NL", "NL-NB", 0.03),
    ("US", "US-CA", 0.08),
    ("US", "US-NY", 0.05),
    ("US", "US-TX", 0.03),
    ("US", "US-WA", 0.02),
    ("DE", "DE-BE", 0.04),
    ("DE", "DE-BY", 0.04),
    ("DE", "DE-NW", 0.03),
    ("GB", "GB-ENG", 0.08),
    ("GB", "GB-SCT", 0.01),
    ("BE", "BE-VLG", 0.04),
    ("FR", "FR-IDF", 0.04),
    ("ES", "ES-MD", 0.02),
    ("IT", "IT-25", 0.02),
    ("SE", "SE-AB", 0.02),
    ("CA", "CA-ON", 0.02),
    ("IN", "IN-KA", 0.03),
    ("BR", "BR-SP", 0.02),
    ("AU", "AU-NSW", 0.02),
    ("JP", "JP-13", 0.01),
    ("PL", "PL-14", 0.02),
    ("CH", "CH-ZH", 0.02),
    ("", "", 0.01),  # no geo database match
)

# Custom events: (name, share of visits, prop key, prop values)
_GOALS: tuple[tuple[str, float, str, tuple[str, ...]], ...] = (
    ("File Download", 0.040, "url", ("whitepaper.pdf", "pricing-sheet.pdf", "brand-kit.zip")),
    ("Outbound Link: Click", 0.035, "url", ("https://github.com/", "https://wagtail.org/")),
    ("Signup", 0.025, "plan", ("free", "team", "business")),
    ("Form: Submission", 0.015, "path", ()),
    ("Purchase", 0.006, "plan", ("team", "business")),
)
PLAN_PRICE = {"team": 29.0, "business": 99.0}
_NAMES: tuple[str, ...] = ("pageview", "Web Vitals", *(goal[0] for goal in _GOALS))
PURCHASE_KIND = _NAMES.index("Purchase")
_PAGEVIEW, _VITALS, _FIRST_GOAL = 0, 1, 2

_WEEKDAY_FACTOR = np.array([1.0, 1.06, 1.05, 1.0, 0.86, 0.52, 0.58])  # Monday first
# Visits by hour of day (UTC, for a European audience): night trough, office-hours plateau.
_HOURLY = np.array(
    [1.5, 1, 0.8, 0.7, 0.8, 1.2, 2.2, 3.8, 5.5, 6.8, 7.2, 7.0, 6.4, 6.8, 7.0, 6.7, 6.0, 5.2, 4.6,
     4.4, 4.3, 3.9, 3.0, 2.2]
)  # fmt: skip
_SEARCH_TERMS: tuple[str, ...] = ("", "cms for nonprofits", "privacy analytics", "wagtail hosting")


@dataclass(frozen=True, slots=True)
class _Campaign:
    name: str
    channel: int
    utm_source: str
    utm_medium: str
    start_day: int
    length_days: int
    boost: float  # extra visits of the channel on the launch day, relative to its baseline


def _campaigns(days: int, first_day: date) -> list[_Campaign]:
    """The named campaigns of the period; newsletters go out every Tuesday."""
    found = [
        _Campaign("brand-search", _PAID, "google", "cpc", 0, days, 0.0),
        _Campaign("spring-launch", _PAID, "google", "cpc", days // 3, max(days // 6, 3), 4.0),
        _Campaign("webinar-ai-content", _SOCIAL, "linkedin", "social", days // 2, 5, 2.5),
        _Campaign("partner-week", _REFERRAL, "wagtail.org", "referral", 2 * days // 3, 7, 1.5),
    ]
    for day in range(days):
        when = first_day + timedelta(days=day)
        if when.weekday() == 1:
            name = f"newsletter-{when:%Y-%m-%d}"
            found.append(_Campaign(name, _EMAIL, "newsletter", "email", day, 7, 6.0))
    if all(c.channel != _EMAIL for c in found):  # a period too short to hold a Tuesday
        found.append(
            _Campaign(f"newsletter-{first_day:%Y-%m-%d}", _EMAIL, "newsletter", "email", 0, 7, 6.0)
        )
    return found


def _cdf(weights: Sequence[float] | FloatArray) -> FloatArray:
    cumulative: FloatArray = np.cumsum(np.asarray(weights, dtype=np.float64))
    shares: FloatArray = cumulative / cumulative[-1]
    return shares


def _pick(rng: np.random.Generator, cdf: FloatArray, size: int) -> IntArray:
    picked: IntArray = np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)
    return np.minimum(picked, len(cdf) - 1)


@dataclass(frozen=True, slots=True)
class World:
    """Everything fixed for one run: lookup tables and per-day weights."""

    first_day: date
    days: int
    paths: tuple[str, ...]
    campaigns: list[_Campaign]
    visit_weight: FloatArray  # [channel, day]: the share of all visits in that channel and day
    campaign_weight: FloatArray  # [campaign, day]: its share of the channel's traffic that day
    entry_cdf_search: FloatArray
    entry_cdf_other: FloatArray
    page_cdf: FloatArray
    referrer_cdf: list[tuple[IntArray, FloatArray]]  # per channel: referrer rows and their cdf
    agent_cdf: FloatArray
    place_cdf: FloatArray
    goal_cdf: FloatArray


def build_world(*, days: int, end_day: date, paths: Sequence[str], seed: int) -> World:
    rng = np.random.default_rng([seed, 0])
    first_day = end_day - timedelta(days=days - 1)
    weekday = np.array([(first_day + timedelta(days=d)).weekday() for d in range(days)])
    # Growth of ~60% over the period, with day-to-day noise.
    base = (
        _WEEKDAY_FACTOR[weekday]
        * np.exp(np.linspace(0.0, math.log(1.6), days))
        * rng.lognormal(0.0, 0.08, days)
    )
    campaigns = _campaigns(days, first_day)
    campaign_weight = np.zeros((len(campaigns), days))
    boost = np.zeros((len(CHANNELS), days))
    span = np.arange(days)
    for index, campaign in enumerate(campaigns):
        since = span - campaign.start_day
        live = (since >= 0) & (since < campaign.length_days)
        # A burst that decays by half every day or so; an always-on campaign is flat.
        shape = np.where(live, campaign.boost * np.exp(-0.7 * np.maximum(since, 0)), 0.0)
        flat = np.where(live, 1.0 if campaign.boost == 0 else 0.0, 0.0)
        campaign_weight[index] = shape + flat
        boost[campaign.channel] += shape
    by_day = base * (1.0 + boost)  # [channel, day]
    visit_weight = _CHANNEL_SHARE[:, None] * by_day / by_day.sum(axis=1, keepdims=True)
    # Within the email channel every visit belongs to a newsletter; else untagged traffic stays.
    page_count = len(paths)
    rank = np.arange(1, page_count + 1, dtype=np.float64)
    popularity = 1.0 / rank**1.1
    is_blog = np.array(["/blog/" in p and p != "/blog/" for p in paths])
    referrer_cdf = []
    for channel in range(len(CHANNELS)):
        rows = np.array([i for i, r in enumerate(_REFERRERS) if r[2] == channel], dtype=np.int64)
        referrer_cdf.append((rows, _cdf([_REFERRERS[i][3] for i in rows])))
    goal_shares = [1.0 - sum(g[1] for g in _GOALS), *(g[1] for g in _GOALS)]
    return World(
        first_day=first_day,
        days=days,
        paths=tuple(paths),
        campaigns=campaigns,
        visit_weight=visit_weight,
        campaign_weight=campaign_weight,
        entry_cdf_search=_cdf(popularity * np.where(is_blog, 6.0, 1.0)),
        entry_cdf_other=_cdf(popularity),
        page_cdf=_cdf(popularity * np.where(np.arange(page_count) == 0, 0.4, 1.0)),
        referrer_cdf=referrer_cdf,
        agent_cdf=_cdf([a[5] for a in _AGENTS]),
        place_cdf=_cdf([p[2] for p in _PLACES]),
        goal_cdf=_cdf(goal_shares),
    )


def visits_then_events(
    rng: np.random.Generator, world: World, visit_count: int, days: range
) -> dict[str, npt.NDArray[Any]]:
    """One batch of visits on ``days``, expanded to events (pageviews, Web Vitals, goals) in
    visit order. Every visit lies within its UTC day, as visitor ids rotate at midnight."""
    n = visit_count
    weight = world.visit_weight[:, days.start : days.stop]
    channel = _pick(rng, _cdf(weight.sum(axis=1)), n)
    day = np.empty(n, dtype=np.int64)
    referrer = np.empty(n, dtype=np.int64)
    campaign = np.full(n, -1, dtype=np.int64)
    for code in range(len(CHANNELS)):
        members = np.flatnonzero(channel == code)
        day[members] = days.start + _pick(rng, _cdf(weight[code]), members.size)
        rows, cdf = world.referrer_cdf[code]
        referrer[members] = rows[_pick(rng, cdf, members.size)]
    # Which campaign (if any) tagged a visit depends on the day: bursts own their launch days.
    for code in (_SOCIAL, _EMAIL, _PAID, _REFERRAL):
        indexes = [i for i, c in enumerate(world.campaigns) if c.channel == code]
        members = np.flatnonzero(channel == code)
        weights = world.campaign_weight[indexes][:, day[members]]  # [campaign, visit]
        untagged = {_EMAIL: 0.0, _PAID: 0.0}.get(code, 1.0)
        total = weights.sum(axis=0) + untagged
        cumulative = np.cumsum(weights, axis=0) / np.maximum(total, 1e-12)
        choice = (rng.random(members.size) >= cumulative).sum(axis=0)
        tagged = choice < len(indexes)
        campaign[members[tagged]] = np.asarray(indexes)[choice[tagged]]
    untagged_email = (channel == _EMAIL) & (campaign < 0)  # a period without a Tuesday
    campaign[untagged_email] = next(i for i, c in enumerate(world.campaigns) if c.channel == _EMAIL)

    # ~47% of visits bounce; the rest read 2+ pages (geometric tail, capped).
    pages = np.where(rng.random(n) < 0.47, 1, 2 + rng.geometric(0.38, n) - 1)
    pages = np.minimum(pages, 40).astype(np.int64)
    pv_count = int(pages.sum())
    pv_visit = np.repeat(np.arange(n), pages)
    first_pv = np.cumsum(pages) - pages
    pv_rank = np.arange(pv_count) - first_pv[pv_visit]
    # Time on a page before the next one: lognormal around 40 s, never near the 30-minute timeout.
    gap = np.clip(rng.lognormal(math.log(40.0), 1.1, pv_count), 3.0, 25 * 60.0)
    gap[first_pv] = 0.0
    offset = np.cumsum(gap)
    offset -= offset[first_pv][pv_visit]
    duration = offset[first_pv + pages - 1] + 60.0  # last page's Web Vitals/goal come later

    hour = _pick(rng, _cdf(_HOURLY), n)
    # A visit started late in the evening ends before midnight: the visitor's id changes then.
    day_end = (day + 1) * _DAY_S
    start = np.minimum(day * _DAY_S + hour * 3600 + rng.random(n) * 3600, day_end - duration - 1)
    visitor = rng.integers(0, 2**63, n, dtype=np.int64)
    session = rng.integers(0, 2**63, n, dtype=np.int64)
    agent = _pick(rng, world.agent_cdf, n)
    place = _pick(rng, world.place_cdf, n)
    # ~12% of visits are a visitor's second visit that day: same id, same device and place,
    # starting over 30 minutes after the previous visit ended (else it would be the same visit).
    again = rng.random(n) < 0.12
    again[0] = False
    again[1:] &= ~again[:-1]
    parent = np.flatnonzero(again) - 1
    later = (
        start[parent] + duration[parent] + rng.uniform(VISIT_TIMEOUT_S + 60, 6 * 3600, parent.size)
    )
    fits = later + duration[parent + 1] < day_end[parent] - 1  # the same UTC day
    child, parent, later = parent[fits] + 1, parent[fits], later[fits]
    start[child] = later
    visitor[child], agent[child], place[child] = visitor[parent], agent[parent], place[parent]

    # Pages: the entry page depends on the channel (search lands on blog posts), then browsing.
    path = _pick(rng, world.page_cdf, pv_count)
    entry_channel = channel
    entry_search = _pick(rng, world.entry_cdf_search, n)
    entry_other = _pick(rng, world.entry_cdf_other, n)
    path[first_pv] = np.where(entry_channel == _SEARCH, entry_search, entry_other)
    prev_path = np.empty(pv_count, dtype=np.int64)
    prev_path[1:] = path[:-1]
    prev_path[first_pv] = -1

    # Extra events per pageview: Web Vitals on ~35% of pages; at most one goal per visit, last page.
    mobile = np.array([a[0] != "desktop" for a in _AGENTS])[agent]
    vitals = rng.random(pv_count) < 0.35
    goal = _pick(rng, world.goal_cdf, n) - 1  # -1: no goal
    goal = np.where(
        channel == _PAID, np.where(rng.random(n) < 0.3, goal, -1), goal
    )  # ads convert less
    has_goal = np.zeros(pv_count, dtype=bool)
    has_goal[first_pv + pages - 1] = goal >= 0
    per_pv = 1 + vitals + has_goal
    ev_pv = np.repeat(np.arange(pv_count), per_pv)
    ev_rank = np.arange(ev_pv.size) - (np.cumsum(per_pv) - per_pv)[ev_pv]
    ev_visit = pv_visit[ev_pv]
    kind = np.where(ev_rank == 0, _PAGEVIEW, np.where((ev_rank == 1) & vitals[ev_pv], _VITALS, -1))
    is_goal = kind < 0
    kind[is_goal] = _FIRST_GOAL + goal[ev_visit[is_goal]]
    # Vitals are sent when the page is hidden, goals a little after the page loaded.
    delay = np.where(ev_rank == 0, 0.0, rng.uniform(1.0, 55.0, ev_pv.size))
    ts_s = start[ev_visit] + offset[ev_pv] + delay

    entry = (pv_rank == 0)[ev_pv]
    ev_campaign = np.where(entry, campaign[ev_visit], -1)
    ev_referrer = np.where(entry, referrer[ev_visit], len(_REFERRERS) - 1)  # internal: none
    ev_mobile = mobile[ev_visit]
    size = ev_pv.size
    lcp = np.round(rng.lognormal(np.where(ev_mobile, math.log(2300), math.log(1400)), 0.5, size))
    inp = np.round(rng.lognormal(np.where(ev_mobile, math.log(180), math.log(90)), 0.6, size))
    ttfb = np.round(rng.lognormal(np.where(ev_mobile, math.log(450), math.log(250)), 0.5, size))
    shifted = rng.random(size) < np.where(ev_mobile, 0.4, 0.25)
    cls = np.round(np.where(shifted, rng.exponential(0.12, size), rng.exponential(0.01, size)), 4)
    prop_value = rng.integers(0, 3, size)
    return {
        "ts_s": ts_s,
        "kind": kind,
        "visitor_id": visitor[ev_visit],
        "session_id": session[ev_visit],
        "path": path[ev_pv],
        "prev_path": prev_path[ev_pv],
        "referrer": ev_referrer,
        "campaign": ev_campaign,
        "paid_term": np.where(entry & (channel[ev_visit] == _PAID), rng.integers(0, 4, size), 0),
        "agent": agent[ev_visit],
        "place": place[ev_visit],
        "prop_value": prop_value,
        "lcp": lcp,
        "inp": inp,
        "cls": cls,
        "ttfb": ttfb,
    }


def lookup_params(world: World, site: str) -> dict[str, Any]:
    def column(rows: Sequence[tuple[Any, ...]], index: int) -> list[str]:
        return [str(row[index]) for row in rows]

    campaigns = world.campaigns
    source_names = {"google": "Google", "linkedin": "LinkedIn"}
    return {
        "site": site,
        "names": list(_NAMES),
        "paths": list(world.paths),
        "referrer_urls": column(_REFERRERS, 0),
        "referrer_sources": column(_REFERRERS, 1),
        "referrer_channels": [CHANNELS[row[2]] for row in _REFERRERS],
        "campaign_sources": [source_names.get(c.utm_source, c.utm_source) for c in campaigns],
        "utm_sources": ["", *(c.utm_source for c in campaigns)],
        "utm_mediums": ["", *(c.utm_medium for c in campaigns)],
        "utm_campaigns": ["", *(c.name for c in campaigns)],
        "click_ids": ["", *("gclid" if c.channel == _PAID else "" for c in campaigns)],
        "search_terms": list(_SEARCH_TERMS),
        "countries": column(_PLACES, 0),
        "regions": column(_PLACES, 1),
        "devices": column(_AGENTS, 0),
        "browsers": column(_AGENTS, 1),
        "browser_versions": column(_AGENTS, 2),
        "oses": column(_AGENTS, 3),
        "os_versions": column(_AGENTS, 4),
        "goal_keys": [goal[2] for goal in _GOALS],
        "goal_values": [
            [
                f"https://{site}/media/documents/{value}" if goal[0] == "File Download" else value
                for value in (goal[3] or ("",))
            ]
            for goal in _GOALS
        ],
    }


def mean_events_per_visit(rng_seed: int, world: World) -> float:
    sample = visits_then_events(
        np.random.default_rng([rng_seed, 1]), world, 20_000, range(world.days)
    )
    return len(sample["kind"]) / 20_000


def events_per_day(world: World, events: int) -> IntArray:
    """``events`` shared out over the days by their expected visits, summing exactly."""
    share = world.visit_weight.sum(axis=0)
    exact = events * share / share.sum()
    counts: IntArray = np.floor(exact).astype(np.int64)
    # Largest remainders first; a stable sort keeps ties deterministic.
    short = events - int(counts.sum())
    counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return counts
