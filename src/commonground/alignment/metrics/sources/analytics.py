"""Catalogue metrics from analytics: the Stats API's totals for one tracked site and period."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from commonground.analytics import public as analytics

from ..base import (
    Accumulation,
    Direction,
    MetricDefinition,
    MetricError,
    Parameter,
    Params,
    Period,
    Request,
    Unit,
    as_decimal,
    register,
)

# Several conditions are joined with ";"; "!=" excludes a value; "|" offers alternatives.
FILTER_SEPARATOR = ";"
VALUE_SEPARATOR = "|"
MAX_FILTER_LENGTH = 2000


def _site_choices() -> list[tuple[str, str]]:
    return [(domain, f"{name} ({domain})") for domain, name in analytics.tracked_sites()]


def _goal_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in analytics.goal_names()]


SITE = Parameter(
    "site",
    "Tracked site",
    help="The tracked site's domain, as the analytics dashboard lists it.",
    choices=_site_choices,
)
FILTER = Parameter(
    "filter",
    "Filter",
    required=False,
    help=(
        "Only visits matching every condition, e.g. source=Newsletter or "
        "utm_campaign=spring;device=Mobile. Write != to exclude a value and | between "
        "alternatives (source=Google|Bing)."
    ),
)
GOAL = Parameter(
    "goal",
    "Goal",
    help="The analytics goal's name, as the Goals panel of the dashboard shows it.",
    choices=_goal_choices,
)


def parse_filter(text: str) -> list[list[Any]]:
    """The Stats API filters a goal's ``filter`` setting means; MetricError naming
    ``params.filter`` for bad syntax or an unknown dimension."""
    if len(text) > MAX_FILTER_LENGTH:
        raise MetricError("params.filter", f"at most {MAX_FILTER_LENGTH} characters")
    if "\x00" in text or not _is_text(text):
        raise MetricError("params.filter", "contains characters that are not text")
    filters: list[list[Any]] = []
    for part in (p.strip() for p in text.split(FILTER_SEPARATOR)):
        if not part:
            continue
        negated = "!=" in part
        name, equals, value = part.partition("!=" if negated else "=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise MetricError(
                "params.filter",
                f"“{part}” is not a condition: write dimension=value, e.g. source=Newsletter",
            )
        found = analytics.filter_dimension(name)
        if found is None:
            raise MetricError(
                "params.filter",
                f"there is no dimension “{name}” (try source, channel, utm_campaign, page)",
            )
        values = [v.strip() for v in value.split(VALUE_SEPARATOR)]
        if not all(values):
            raise MetricError("params.filter", f"“{part}” has an empty alternative")
        filters.append(["is_not" if negated else "is", found, values])
    return filters


def _is_text(value: str) -> bool:
    # A lone surrogate (JSON may carry one) cannot be encoded: the store's socket would fail.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Known:
    """The tracked sites and each site's goal names, read from the database once for all the
    queries of a batch (one scorecard page asks many) instead of once per query."""

    def __init__(self) -> None:
        self._sites: set[str] | None = None
        self._goals: dict[str, list[str]] = {}

    def site(self, site: str) -> str:
        if self._sites is None:
            self._sites = {domain for domain, _ in analytics.tracked_sites()}
        if site.lower() not in self._sites:
            raise MetricError("params.site", f"no tracked site “{site}”")
        return site

    def check_goal(self, site: str, goal: str) -> None:
        if site not in self._goals:
            self._goals[site] = analytics.goal_names(site=site)
        if goal not in self._goals[site]:
            raise MetricError("params.goal", f"the site {site} has no goal “{goal}”")


@contextmanager
def _asking_the_store() -> Iterator[None]:
    """The query layer's refusals as MetricErrors naming the goal's setting at fault."""
    try:
        yield
    except analytics.QueryError as error:
        field = {"site_id": "params.site"}.get(error.field, "params.filter")
        raise MetricError(field, error.message) from None
    except (analytics.StoreUnavailableError, analytics.StoreQueryError) as error:
        raise MetricError(
            "metric", f"the analytics event store cannot be reached just now ({error})"
        ) from None


def totals(
    params: Params,
    period: Period,
    metrics: Sequence[str],
    *,
    goal: str | None = None,
    known: _Known | None = None,
) -> dict[str, float | int | None]:
    """The Stats API's totals of ``metrics`` for the goal's site, filter (and ``goal``);
    ``known`` shares the sites and goals read among the queries of one batch."""
    known = known or _Known()
    site = known.site(params["site"])
    filters = parse_filter(params.get("filter", ""))
    if goal is not None:
        known.check_goal(site, goal)
        filters.append(["is", "event:goal", [goal]])
    with _asking_the_store():
        return analytics.site_totals(
            site=site, first=period.start, last=period.end, metrics=metrics, filters=filters
        )


def _stats_metric(name: str) -> Any:
    def compute(params: Params, period: Period) -> Decimal | None:
        return as_decimal(totals(params, period, [name])[name])

    return compute


def _goal_metric(name: str) -> Any:
    def compute(params: Params, period: Period) -> Decimal | None:
        return as_decimal(totals(params, period, [name], goal=params["goal"])[name])

    return compute


# Metrics only the event level answers: asked for apart from the visit-only ones.
_EVENT_ONLY = {"revenue", "lcp_p75", "inp_p75", "cls_p75"}
# metric key -> (the Stats API metric, whether it is asked under the goal's filter)
_STATS_NAMES: dict[str, tuple[str, bool]] = {}


def _batch_totals(requests: Sequence[Request]) -> dict[Request, Decimal | MetricError | None]:
    """Every request answered with one Stats API query per (site, filter, period, level), the
    goal metrics of all goals in one more (the ``event:goal`` dimension, one scan for every
    goal, about a tenth of the cost of one filtered query per goal at 10M events): the
    scorecard's goals on one site share a few queries instead of one each. A goal nobody
    completed has no row there; it is asked on its own, so the answer is always the one the
    goal's own query gives."""
    groups: dict[tuple[Any, ...], list[tuple[Request, str, str | None]]] = {}
    for request in requests:
        key, pairs, period = request
        params = dict(pairs)
        stats_name, with_goal = _STATS_NAMES[key]
        group = (
            params.get("site", ""),
            params.get("filter", ""),
            period,
            stats_name in _EVENT_ONLY,
            with_goal,
        )
        goal = params.get("goal") if with_goal else None
        groups.setdefault(group, []).append((request, stats_name, goal))
    answers: dict[Request, Decimal | MetricError | None] = {}
    known = _Known()
    for (site, filter_text, period, _, by_goal), members in groups.items():
        names = sorted({name for _, name, _ in members})
        params = {"site": site, "filter": filter_text}
        try:
            if by_goal:
                rows = _totals_by_goal(params, period, names, known)
            else:
                found = totals(params, period, names, known=known)
        except MetricError as error:
            answers.update({request: error for request, _, _ in members})
            continue
        for request, name, goal in members:
            if not by_goal:
                answers[request] = as_decimal(found[name])
            elif goal in rows:
                answers[request] = as_decimal(rows[goal][name])
            else:
                try:
                    asked = totals(params, period, [name], goal=goal, known=known)
                    answers[request] = as_decimal(asked[name])
                except MetricError as error:
                    answers[request] = error
    return answers


def _totals_by_goal(
    params: Params, period: Period, metrics: Sequence[str], known: _Known
) -> dict[str, dict[str, float | int | None]]:
    site = known.site(params["site"])
    filters = parse_filter(params.get("filter", ""))
    with _asking_the_store():
        return analytics.site_totals_by_goal(
            site=site, first=period.start, last=period.end, metrics=metrics, filters=filters
        )


def _define(
    key: str,
    label: str,
    definition: str,
    unit: Unit,
    direction: Direction,
    accumulation: Accumulation,
    glossary_term: str,
    stats_metric: str,
    *,
    goal: bool = False,
) -> None:
    _STATS_NAMES[f"analytics.{key}"] = (stats_metric, goal)
    register(
        MetricDefinition(
            key=f"analytics.{key}",
            label=label,
            definition=definition,
            unit=unit,
            direction=direction,
            accumulation=accumulation,
            glossary_term=glossary_term,
            compute=_goal_metric(stats_metric) if goal else _stats_metric(stats_metric),
            batch=_batch_totals,
            parameters=(SITE, FILTER, GOAL) if goal else (SITE, FILTER),
        )
    )


# The dashboard shows the same numbers, its unique-visitor counts estimated (within ~1%).
_SOURCE = "as the Stats API counts them over the site's own days (its time zone)"
_define(
    "visitors",
    "Visitors",
    f"Unique visitors to the tracked site in the period (visitors matching the filter), {_SOURCE}.",
    Unit.COUNT,
    Direction.HIGHER,
    Accumulation.CUMULATIVE,
    "visitor",
    "visitors",
)
_define(
    "visits",
    "Visits",
    f"Visits (sessions) to the tracked site in the period, {_SOURCE}.",
    Unit.COUNT,
    Direction.HIGHER,
    Accumulation.CUMULATIVE,
    "visit",
    "visits",
)
_define(
    "pageviews",
    "Pageviews",
    f"Pages viewed on the tracked site in the period, {_SOURCE}.",
    Unit.COUNT,
    Direction.HIGHER,
    Accumulation.CUMULATIVE,
    "pageview",
    "pageviews",
)
_define(
    "bounce_rate",
    "Bounce rate",
    f"The share of the period's visits that viewed one page and did nothing else, {_SOURCE}.",
    Unit.PERCENT,
    Direction.LOWER,
    Accumulation.LEVEL,
    "bounce-rate",
    "bounce_rate",
)
_define(
    "visit_duration",
    "Visit duration",
    f"The average time between a visit's first and last event in the period, {_SOURCE}.",
    Unit.SECONDS,
    Direction.HIGHER,
    Accumulation.LEVEL,
    "visit-duration",
    "visit_duration",
)
_define(
    "conversions",
    "Conversions",
    "Unique visitors who completed the goal in the period: the Stats API's visitors under an "
    "event:goal filter, what the dashboard's Goals panel shows as the goal's visitors.",
    Unit.COUNT,
    Direction.HIGHER,
    Accumulation.CUMULATIVE,
    "goal",
    "visitors",
    goal=True,
)
_define(
    "conversion_rate",
    "Conversion rate",
    "Visitors who completed the goal as a share of all the period's visitors (under the same "
    "filter), as the Stats API and the dashboard's Goals panel compute it.",
    Unit.PERCENT,
    Direction.HIGHER,
    Accumulation.LEVEL,
    "conversion-rate",
    "conversion_rate",
    goal=True,
)
_define(
    "revenue",
    "Revenue",
    "The revenue amounts the goal's events carried in the period, summed by the Stats API "
    "(the tracker sends them in the site's currency, which should be the configured one).",
    Unit.MONEY,
    Direction.HIGHER,
    Accumulation.CUMULATIVE,
    "revenue",
    "revenue",
    goal=True,
)
_define(
    "lcp_p75",
    "Largest Contentful Paint (p75)",
    "The 75th percentile of the Largest Contentful Paint browsers measured on the site's "
    f"pages in the period, {_SOURCE} in the Page speed panel.",
    Unit.MILLISECONDS,
    Direction.LOWER,
    Accumulation.LEVEL,
    "lcp",
    "lcp_p75",
)
_define(
    "inp_p75",
    "Interaction to Next Paint (p75)",
    "The 75th percentile of the Interaction to Next Paint browsers measured on the site's "
    f"pages in the period, {_SOURCE} in the Page speed panel.",
    Unit.MILLISECONDS,
    Direction.LOWER,
    Accumulation.LEVEL,
    "inp",
    "inp_p75",
)
_define(
    "cls_p75",
    "Cumulative Layout Shift (p75)",
    "The 75th percentile of the Cumulative Layout Shift browsers measured on the site's "
    f"pages in the period (a unitless score), {_SOURCE} in the Page speed panel.",
    Unit.SCORE,
    Direction.LOWER,
    Accumulation.LEVEL,
    "cls",
    "cls_p75",
)
