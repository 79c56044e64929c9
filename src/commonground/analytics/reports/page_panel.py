"""The "Analytics" panel in the page editor: the page's last 30 days, loaded after the editor.

The editor renders only the panel's shell; a small script then fetches the figures as an HTML
fragment from :func:`page_analytics_view`, so a slow or stopped event store never holds the
editor up. Which tracked site a page belongs to: its Wagtail site's host name, normalised as
ingest stores it; the page's path: its URL relative to that site, as the tracker reports it.

What the panel counts, all over the last 30 days in the site's time zone:

- views and visitors: page views of this path and the visitors who made them, with the change
  against the 30 days before;
- sources: the sources of the visits that *saw* the page (an ``event:page`` filter on a visit
  query), not only of visits that entered on it, because most pages (pricing, a sign-up page)
  are reached from another page of the site, and the editor asks how readers came to the site;
- conversions: per goal, the visitors whose visit saw the page and reached the goal, and
  their share of the visitors whose visit saw the page; goals that are this very page are left
  out (they would always be 100 %);
- page speed: the 75th percentile of LCP, INP, CLS and TTFB measured on the page;
- by channel: the visits that came through the page's distributed links, i.e. whose
  ``visit:utm_campaign`` is the page's campaign (:func:`page_campaign`), by
  ``visit:utm_source`` (the channel) and ``visit:utm_medium``: visits, visitors, and the
  visitors whose visit reached any goal (the page's own page goals left out, as above).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from wagtail.admin.panels import Panel
from wagtail.models import Page

from ..http_errors import store_failure
from ..models import VIEW_ANALYTICS, Goal, TrackedSite, normalise_domain
from ..queries import StatsRunner, StoreQueryError, StoreUnavailableError, parse_query
from ..queries.goals import page_path_regex
from ..queries.runner import Reader
from .display import change_text, source_text

PERIOD = "30d"
PERIOD_DAYS = 30
TOP_SOURCES = 5
TOP_CHANNELS = 20
CHANNEL_DIMENSIONS = ["visit:utm_source", "visit:utm_medium"]
FRAGMENT_HEADER = "X-Analytics-Fragment"

# (metric, label, unit, good up to, poor above): web.dev's thresholds for the 75th percentile.
PAGE_SPEED = (
    ("lcp_p75", "Largest Contentful Paint", "ms", 2500, 4000),
    ("inp_p75", "Interaction to Next Paint", "ms", 200, 500),
    ("cls_p75", "Cumulative Layout Shift", "", 0.1, 0.25),
    ("ttfb_p75", "Time to First Byte", "ms", 800, 1800),
)


class PageAnalyticsPanel(Panel):
    """The shell the editor renders; the figures arrive from :func:`page_analytics_view`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("heading", f"Last {PERIOD_DAYS} days")
        super().__init__(*args, **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "analytics/page_panel/panel.html"

        class Media:
            js = ["analytics/page_panel/page_panel.js"]
            css = {"all": ["analytics/page_panel/page_panel.css"]}

        def is_shown(self) -> bool:
            return bool(self.request and self.request.user.has_perm(VIEW_ANALYTICS))

        def get_context_data(self, parent_context: Any = None) -> Any:
            context = super().get_context_data(parent_context)
            page_id = getattr(self.instance, "pk", None)
            context["figures_url"] = (
                reverse("analytics_page_panel", args=[page_id]) if page_id else ""
            )
            return context


# --- what is shown ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Speed:
    label: str
    value: float | None
    unit: str
    rating: str  # "good", "needs improvement", "poor", or "" without measurements

    @property
    def text(self) -> str:
        if self.value is None:
            return "not measured"
        return f"{self.value:,.0f} {self.unit}" if self.unit else f"{self.value:.3f}"


@dataclass(frozen=True)
class Conversion:
    goal: str
    visitors: int
    rate: float | None  # per cent of the visitors whose visit saw the page


@dataclass(frozen=True)
class ChannelVisits:
    """What one channel's tagged links to the page brought."""

    source: str  # utm_source: the channel ("newsletter", "mastodon", "rss"...), "" if untagged
    medium: str  # utm_medium
    visits: int
    visitors: int
    converted: int  # visitors whose visit reached a goal
    rate: float | None  # per cent of this channel's visitors

    @property
    def source_text(self) -> str:
        return self.source or "(no source)"


@dataclass(frozen=True)
class PageFigures:
    site: str
    path: str
    pageviews: int
    visitors: int
    pageviews_change: float | None  # per cent against the 30 days before
    visitors_change: float | None
    sources: list[tuple[str, int]]  # (source, visitors), "" for direct
    conversions: list[Conversion]
    speed: list[Speed]
    dashboard_url: str
    campaign: str  # the utm_campaign the page's distributed links carry
    channels: list[ChannelVisits]
    campaign_dashboard_url: str  # the dashboard filtered to ``campaign``

    @property
    def pageviews_change_text(self) -> str:
        return change_text(self.pageviews_change)

    @property
    def visitors_change_text(self) -> str:
        return change_text(self.visitors_change)

    @property
    def source_rows(self) -> list[tuple[str, int]]:
        return [(source_text(source), visitors) for source, visitors in self.sources]


def _rating(value: float | None, good: float, poor: float) -> str:
    if value is None:
        return ""
    if value <= good:
        return "good"
    return "needs improvement" if value <= poor else "poor"


def dashboard_url(
    *,
    site: str,
    page_path: str | None = None,
    campaign: str | None = None,
    period: str = PERIOD,
    days: tuple[date, date] | None = None,
) -> str:
    """The analytics dashboard for ``site`` (a path under the admin), over ``period`` or the
    custom range ``days``, filtered to one page and/or one UTM campaign if given. The
    dashboard reads its state from the query string: ``site``, ``period`` (``from``/``to``),
    ``f.<dimension>``."""
    params = {"site": site, "period": period}
    if days is not None:
        params.update(period="custom", **{"from": days[0].isoformat(), "to": days[1].isoformat()})
    if page_path is not None:
        params["f.event:page"] = page_path
    if campaign is not None:
        params["f.visit:utm_campaign"] = campaign
    return f"{reverse('wagtailadmin_home')}analytics/?{urlencode(params)}"


def page_campaign(page: Page) -> str:
    """The ``utm_campaign`` the page's distributed links carry: its campaign code if its type
    has one (landing pages), else its slug. The rule distribution tags links by, read from the
    page itself: analytics does not import distribution (a test pins that the two agree)."""
    return str(getattr(page, "campaign_code", "") or page.slug)


def page_figures(
    *, site: TrackedSite, path: str, campaign: str, reader: "Reader | None" = None
) -> PageFigures:
    """The panel's figures for ``path`` on ``site``, its channels those of the visits tagged
    with ``campaign``; raises StoreUnavailableError."""
    page_filter = ["is", "event:page", [path]]

    def ask(**body: Any) -> list[dict[str, Any]]:
        query = parse_query({"site_id": site.domain, "date_range": PERIOD, **body})
        results: list[dict[str, Any]] = StatsRunner().run(query, reader=reader).as_json()["results"]
        return results

    speed_metrics = [metric for metric, *_ in PAGE_SPEED]
    [totals] = ask(
        metrics=["pageviews", "visitors", *speed_metrics],
        filters=[page_filter],
        include={"comparison": "previous_period"},
    )
    values, changes = totals["metrics"], totals["comparison"]["change"]
    sources = ask(
        metrics=["visitors"],
        dimensions=["visit:source"],
        filters=[page_filter],
        pagination={"limit": TOP_SOURCES},
    )
    [seen] = ask(metrics=["visitors"], filters=[page_filter])
    readers = int(seen["metrics"][0])
    goals = [
        goal.display_name
        for goal in Goal.objects.filter(site=site).order_by("display_name")
        if not (goal.kind == Goal.Kind.PAGE and _matches(goal.page_path, path))
    ]
    conversions = []
    for goal_name in goals:
        [converted] = ask(
            metrics=["visitors"],
            filters=[page_filter, ["is", "event:goal", [goal_name]]],
        )
        count = int(converted["metrics"][0])
        if count:
            conversions.append(Conversion(goal_name, count, _percent(count, readers)))
    conversions.sort(key=lambda c: (-c.visitors, c.goal))
    return PageFigures(
        site=site.domain,
        path=path,
        pageviews=int(values[0]),
        visitors=int(values[1]),
        pageviews_change=changes[0],
        visitors_change=changes[1],
        sources=[(row["dimensions"][0], int(row["metrics"][0])) for row in sources],
        conversions=conversions,
        speed=[
            Speed(label, value, unit, _rating(value, good, poor))
            for (_, label, unit, good, poor), value in zip(PAGE_SPEED, values[2:], strict=True)
        ],
        dashboard_url=dashboard_url(site=site.domain, page_path=path),
        campaign=campaign,
        channels=_channels(ask, campaign=campaign, goals=goals),
        campaign_dashboard_url=dashboard_url(site=site.domain, campaign=campaign),
    )


def _channels(
    ask: Callable[..., list[dict[str, Any]]], *, campaign: str, goals: list[str]
) -> list[ChannelVisits]:
    """Visits tagged with ``campaign`` by channel (source, medium): two queries, the second
    (visitors whose visit reached any of ``goals``) only if the first found visits."""
    campaign_filter = ["is", "visit:utm_campaign", [campaign]]
    rows = ask(
        metrics=["visits", "visitors"],
        dimensions=CHANNEL_DIMENSIONS,
        filters=[campaign_filter],
        order_by=[["visits", "desc"]],
        pagination={"limit": TOP_CHANNELS},
    )
    converted: dict[tuple[str, str], int] = {}
    if rows and goals:
        for row in ask(
            metrics=["visitors"],
            dimensions=CHANNEL_DIMENSIONS,
            filters=[campaign_filter, ["is", "event:goal", goals]],
        ):
            source, medium = row["dimensions"]
            converted[(source, medium)] = int(row["metrics"][0])
    channels = []
    for row in rows:
        source, medium = row["dimensions"]
        visits, visitors = (int(value) for value in row["metrics"])
        count = converted.get((source, medium), 0)
        channels.append(
            ChannelVisits(source, medium, visits, visitors, count, _percent(count, visitors))
        )
    channels.sort(key=lambda c: (-c.visits, -c.visitors, c.source, c.medium))
    return channels


def _percent(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def _matches(pattern: str, path: str) -> bool:
    return re.match(page_path_regex(pattern), path) is not None


# --- which site and path a page has ----------------------------------------------------------


@dataclass(frozen=True)
class PageLocation:
    site: TrackedSite | None
    host: str
    path: str


def page_location(page: Page) -> PageLocation | None:
    """Where visitors reach ``page``: its tracked site (None if its host is not tracked) and
    path; None if the page has no address on any site."""
    parts = page.get_url_parts()
    if parts is None or parts[1] is None:
        return None
    _, root_url, path = parts
    host = normalise_domain(urlsplit(root_url).hostname or "")
    site = TrackedSite.objects.filter(domain=host).first() if host else None
    return PageLocation(site=site, host=host, path=path)


# --- the fragment ----------------------------------------------------------------------------

FRAGMENT_TEMPLATE = "analytics/page_panel/figures.html"


@require_GET
def page_analytics_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """The panel's content for one page: its figures, or a message saying why there are none."""
    if not request.user.has_perm(VIEW_ANALYTICS):
        return _fragment(request, message="You may not see analytics.", status=403)
    page = get_object_or_404(Page, pk=page_id).specific_deferred
    if page.first_published_at is None:
        return _fragment(
            request, message="This page has not been published yet, so it has had no visits."
        )
    location = page_location(page)
    if location is None:
        return _fragment(
            request, message="This page has no address on any site, so it cannot be visited."
        )
    if location.site is None:
        return _fragment(
            request,
            message=(
                f"Visits to {location.host or 'this site'} are not counted: it is not a "
                "tracked site. IT can add it under Settings → Tracked sites."
            ),
        )
    try:
        figures = page_figures(site=location.site, path=location.path, campaign=page_campaign(page))
    except (StoreUnavailableError, StoreQueryError) as error:
        # The status and what is logged as for the dashboard and the Stats API; the words ours.
        failure = store_failure(error, query=f"the analytics panel of page {page_id}")
        return _fragment(
            request,
            message=(
                "Analytics are unavailable right now: the event store is not running."
                if isinstance(error, StoreUnavailableError)
                else "Analytics could not be computed right now; try again later."
            ),
            status=failure.status,
        )
    return _fragment(request, figures=figures, live=page.live)


def _fragment(
    request: HttpRequest,
    *,
    message: str = "",
    figures: PageFigures | None = None,
    live: bool = True,
    status: int = 200,
) -> HttpResponse:
    context = {"message": message, "figures": figures, "live": live, "days": PERIOD_DAYS}
    response = TemplateResponse(request, FRAGMENT_TEMPLATE, context, status=status)
    # The script inserts only answers carrying this header (not, say, a login page).
    response[FRAGMENT_HEADER] = "1"
    response["Cache-Control"] = "no-store"
    return response
