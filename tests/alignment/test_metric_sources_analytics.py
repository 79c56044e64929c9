"""The catalogue's analytics metrics equal the Stats API's answer over HTTP (``POST
/api/v2/query``) for the same site, days, filter and goal, read from a real DuckDB store
through the real mover (one store for the module: starting the mover is slow)."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commonground.alignment.metrics import MetricError, Period, as_decimal, compute, metric
from commonground.alignment.models import Goal as AlignmentGoal
from commonground.alignment.scorecard.evaluation import Values
from commonground.analytics.eventstore import Event
from commonground.analytics.models import Goal, TrackedSite
from commonground.analytics.stats_api import keys

from ..analytics.served_store import Step, mover_serving, visit

SITE = f"metrics-{uuid.uuid4().hex[:10]}.example"
DAY = date(2026, 9, 14)
START = datetime(2026, 9, 14, 9, 0)
# analytics.public.tracked_sites() and goal_names(site=...), as the database is asked them.
TRACKED_SITES_SQL = (
    'SELECT "analytics_trackedsite"."domain" AS "domain", "analytics_trackedsite"."name"'
)
GOAL_NAMES_SQL = 'SELECT "analytics_goal"."display_name" AS "display_name" FROM "analytics_goal"'


def _vitals(lcp: float, inp: float, cls: float) -> dict[str, Any]:
    return {"interactive": False, "lcp_ms": lcp, "inp_ms": inp, "cls": cls, "ttfb_ms": 100.0}


def _visit(minute: int, visitor: int, source: str, steps: list[Step], **tags: str) -> list[Event]:
    events = visit(SITE, START.replace(minute=minute), visitor, source, steps)
    return [replace(event, **tags) for event in events]


EVENTS = [
    # From the newsletter's spring campaign: two pages, signs up paying 25.
    *_visit(
        0,
        1,
        "Newsletter",
        [
            ("pageview", "/"),
            ("pageview", "/pricing/"),
            ("Web Vitals", "/pricing/", _vitals(1200, 80, 0.02)),
            ("Signup", "/pricing/", {"revenue_amount": 25.0, "revenue_currency": "EUR"}),
        ],
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring",
    ),
    # From Google: one page, leaves (a bounce).
    *_visit(5, 2, "Google", [("pageview", "/"), ("Web Vitals", "/", _vitals(3100, 240, 0.2))]),
    # Direct: reads the blog, signs up paying 10.
    *_visit(
        10,
        3,
        "",
        [
            ("pageview", "/"),
            ("pageview", "/blog/"),
            ("Signup", "/blog/", {"revenue_amount": 10.0, "revenue_currency": "EUR"}),
        ],
    ),
    # From LinkedIn, by the link distribution posted: one page.
    *_visit(
        15,
        4,
        "LinkedIn",
        [("pageview", "/"), ("pageview", "/pricing/")],
        utm_source="linkedin",
        utm_medium="social",
        utm_campaign="spring",
    ),
]


@pytest.fixture(scope="module")
def served_store(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with mover_serving(EVENTS, log_dir=tmp_path_factory.mktemp("mover")):
        yield


def _stats_api(key: str, metrics: list[str], filters: list[Any]) -> list[Any]:
    body = {
        "site_id": SITE,
        "date_range": [DAY.isoformat(), DAY.isoformat()],
        "metrics": metrics,
        "filters": filters,
    }
    answer = Client().post(
        "/api/v2/query",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    return list(results[0]["metrics"]) if results else [None] * len(metrics)


@pytest.mark.slow
@pytest.mark.django_db
def test_analytics_metrics_equal_the_stats_api(
    served_store: None, editor: Any, settings: Any
) -> None:
    settings.STATS_API_BURST_PER_SECOND = 0  # one request per case, faster than a client would
    site = TrackedSite.objects.create(domain=SITE, name="Metrics")
    Goal.objects.create(site=site, kind=Goal.Kind.EVENT, event_name="Signup", display_name="Signup")
    key = keys.create_api_key(owner=editor, name="Scorecard check", sites=[site]).plaintext
    period = Period(DAY, DAY)
    newsletter = ["is", "visit:source", ["Newsletter"]]
    spring = ["is", "visit:utm_campaign", ["spring"]]
    signup = ["is", "event:goal", ["Signup"]]
    cases: list[tuple[str, dict[str, str], str, list[Any]]] = [
        ("analytics.visitors", {}, "visitors", []),
        ("analytics.visits", {}, "visits", []),
        ("analytics.pageviews", {}, "pageviews", []),
        ("analytics.bounce_rate", {}, "bounce_rate", []),
        ("analytics.visit_duration", {}, "visit_duration", []),
        ("analytics.lcp_p75", {}, "lcp_p75", []),
        ("analytics.inp_p75", {}, "inp_p75", []),
        ("analytics.cls_p75", {}, "cls_p75", []),
        ("analytics.visitors", {"filter": "source=Newsletter"}, "visitors", [newsletter]),
        ("analytics.pageviews", {"filter": "utm_campaign=spring"}, "pageviews", [spring]),
        (
            "analytics.visits",
            {"filter": "visit:utm_campaign=spring; source!=Newsletter"},
            "visits",
            [spring, ["is_not", "visit:source", ["Newsletter"]]],
        ),
        ("analytics.conversions", {"goal": "Signup"}, "visitors", [signup]),
        ("analytics.conversion_rate", {"goal": "Signup"}, "conversion_rate", [signup]),
        ("analytics.revenue", {"goal": "Signup"}, "revenue", [signup]),
        (
            "analytics.conversion_rate",
            {"goal": "Signup", "filter": "utm_campaign=spring"},
            "conversion_rate",
            [spring, signup],
        ),
        (
            "distribution.channel_visits",
            {"channel": "linkedin"},
            "visits",
            [["is", "visit:utm_source", ["linkedin"]]],
        ),
    ]
    values = {}
    for metric_key, params, stats_metric, filters in cases:
        value = compute(metric_key, {"site": SITE, **params}, period)
        [expected] = _stats_api(key, [stats_metric], filters)
        assert value == as_decimal(expected), (metric_key, params, value, expected)
        values[(metric_key, params.get("filter", ""), params.get("goal", ""))] = value

    # The scorecard asks them all at once, a few queries for the lot (one per site, filter,
    # goal and level): the same numbers as one at a time.
    batched = Values()
    goals = [
        AlignmentGoal(
            pk=index,
            metric=metric_key,
            params={"site": SITE, **params},
            period_start=DAY,
            period_end=DAY,
        )
        for index, (metric_key, params, _, _) in enumerate(cases, start=1)
    ]
    batched.prefetch(goals)
    for goal in goals:
        if goal.metric.startswith("analytics."):
            assert (goal.metric, goal.params, period) in batched  # answered by the batch
        single = values[(goal.metric, goal.params.get("filter", ""), goal.params.get("goal", ""))]
        assert batched.get(goal.metric, goal.params, period).value == single, goal.metric

    # The numbers themselves, so that agreeing on nothing cannot pass.
    assert values[("analytics.visitors", "", "")] == 4
    assert values[("analytics.pageviews", "", "")] == 7
    assert values[("analytics.visitors", "source=Newsletter", "")] == 1
    assert values[("analytics.conversions", "", "Signup")] == 2
    assert values[("analytics.conversion_rate", "", "Signup")] == 50
    assert values[("analytics.revenue", "", "Signup")] == Decimal("35.0")
    assert values[("analytics.conversion_rate", "utm_campaign=spring", "Signup")] == 50
    assert values[("distribution.channel_visits", "", "")] == 1
    assert values[("analytics.bounce_rate", "", "")] == 25

    # A day without events: counts are 0, as the Stats API says.
    assert compute("analytics.visitors", {"site": SITE}, Period(date(2026, 9, 1), DAY)) == 4
    assert (
        compute("analytics.visitors", {"site": SITE}, Period(date(2026, 8, 1), date(2026, 8, 2)))
        == 0
    )

    # Odd bytes in a filter are refused naming it; a long value is a value like any other.
    for odd in ("\x00", "\udcff"):
        with pytest.raises(MetricError) as refused:
            compute("analytics.visitors", {"site": SITE, "filter": f"source={odd}"}, period)
        assert refused.value.field == "params.filter"
    assert (
        compute("analytics.visitors", {"site": SITE, "filter": "source=" + "ü" * 1900}, period) == 0
    )


@pytest.mark.slow
@pytest.mark.django_db
def test_a_batch_reads_the_tracked_sites_and_goals_once(served_store: None) -> None:
    """A scorecard's batch checks every group's site and goal against one read of each, not
    one per query (the query layer's own reads of the site are analytics' business)."""
    site = TrackedSite.objects.create(domain=SITE, name="Metrics")
    for name in ("Signup", "Nobody"):  # nobody completed "Nobody": asked on its own
        Goal.objects.create(site=site, kind=Goal.Kind.EVENT, event_name=name, display_name=name)
    period = Period(DAY, DAY)
    asked = [
        ("analytics.visitors", {}),
        ("analytics.lcp_p75", {}),
        ("analytics.visitors", {"filter": "source=Newsletter"}),
        ("analytics.conversions", {"goal": "Signup"}),
        ("analytics.conversions", {"goal": "Nobody"}),
        ("analytics.revenue", {"goal": "Nobody"}),
        ("analytics.conversions", {"goal": "Nobody", "filter": "source=Google"}),
    ]
    requests = [
        (key, tuple(sorted({"site": SITE, **params}.items())), period) for key, params in asked
    ]
    batch = metric("analytics.visitors").batch
    assert batch is not None
    with CaptureQueriesContext(connection) as queries:
        answers = batch(requests)
    assert [answers[request] for request in requests] == [4, 2625, 1, 2, 0, 0, 0]
    site_reads = [q for q in queries.captured_queries if q["sql"].startswith(TRACKED_SITES_SQL)]
    goal_reads = [q for q in queries.captured_queries if q["sql"].startswith(GOAL_NAMES_SQL)]
    assert (len(site_reads), len(goal_reads)) == (1, 1)
