"""Contract: every metric, dimension and filter operator of the query layer, against plain Python.

Events are generated here (seeded), stored in a real DuckDB event store (some visits closed
into the visits table, the newest still open), and each answer of ``StatsRunner`` is compared
with the same figure computed in plain Python over the same events.
"""

import json
import math
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commonground.analytics.eventstore import Event
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import Goal, Segment, TrackedSite
from commonground.analytics.queries import QueryError, parse_query
from commonground.analytics.queries.catalogue import METRICS, VISIT_DIMENSIONS
from commonground.analytics.queries.goals import page_path_regex
from commonground.analytics.queries.stats import StatsRunner, metric_value

SITE = "contract.example"
ZONE = ZoneInfo("America/New_York")  # local days start at 04:00 or 05:00 UTC
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
PATHS = ["/", "/pricing/", "/blog/", "/blog/a-post/", "/blog/b-post/", "/docs/x/y/", "/about/"]
SOURCES = [
    ("", "", "direct"),
    ("https://www.google.com/", "Google", "search"),
    ("https://news.ycombinator.com/", "Hacker News", "social"),
    ("https://example.net/page", "example.net", "referral"),
]
GOALS = [
    ("Signup", Goal.Kind.EVENT, "Signup", ""),
    ("Purchase", Goal.Kind.EVENT, "Purchase", ""),
    ("Visit /blog/*", Goal.Kind.PAGE, "", "/blog/*"),
    ("Visit /docs/**", Goal.Kind.PAGE, "", "/docs/**"),
]


def _events(seed: int = 7) -> list[Event]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    events: list[Event] = []
    first_day = (NOW - timedelta(days=12)).date()
    for day_index in range(13):
        day = first_day + timedelta(days=day_index)
        midnight = datetime.combine(day, datetime.min.time(), UTC)
        for visitor in range(rng.randint(8, 16)):
            visitor_id = (day_index + 1) * 1000 + visitor  # a new id every UTC day
            device = rng.choice([("desktop", "Chrome", "Linux"), ("mobile", "Safari", "iOS")])
            place = rng.choice([("US", "US-NY"), ("DE", "DE-BE"), ("FR", "")])
            start = midnight + timedelta(seconds=rng.randint(0, 20 * 3600))
            for visit in range(rng.choice([1, 1, 2])):
                session_id = visitor_id * 10 + visit
                referrer, source, channel = rng.choice(SOURCES)
                utm = rng.choice([("", "", ""), ("newsletter", "email", "autumn")])
                ts = start + timedelta(hours=2 * visit)
                if ts.date() != day:
                    continue
                for step in range(rng.choice([1, 1, 2, 3, 5])):
                    ts += timedelta(seconds=rng.randint(5, 400))
                    if ts.date() != day:
                        break
                    path = rng.choice(PATHS)
                    first = step == 0
                    common = {
                        "site": SITE,
                        "visitor_id": visitor_id,
                        "session_id": session_id,
                        "hostname": SITE,
                        "pathname": path,
                        "referrer": referrer if first else f"https://{SITE}/",
                        "referrer_source": source if first else "",
                        "channel": channel if first else "direct",
                        "utm_source": utm[0] if first else "",
                        "utm_medium": utm[1] if first else "",
                        "utm_campaign": utm[2] if first else "",
                        "country": place[0],
                        "region": place[1],
                        "device": device[0],
                        "browser": device[1],
                        "os": device[2],
                    }
                    if rng.random() < 0.1 and first:  # a visit that starts with an event
                        events.append(Event(ts=ts, name="Outbound Link: Click", **common))
                        ts += timedelta(seconds=1)
                    events.append(Event(ts=ts, name="pageview", **common))
                    if rng.random() < 0.4:
                        events.append(
                            Event(
                                ts=ts + timedelta(seconds=2),
                                name="Web Vitals",
                                interactive=False,
                                lcp_ms=float(rng.randint(300, 5000)),
                                inp_ms=float(rng.randint(20, 600)),
                                cls=round(rng.random() / 3, 3),
                                ttfb_ms=float(rng.randint(50, 1500)),
                                **common,
                            )
                        )
                    roll = rng.random()
                    if roll < 0.08:
                        events.append(
                            Event(
                                ts=ts + timedelta(seconds=3),
                                name="Signup",
                                props={"plan": rng.choice(["team", "business"])},
                                **common,
                            )
                        )
                    elif roll < 0.12:
                        events.append(
                            Event(
                                ts=ts + timedelta(seconds=3),
                                name="Purchase",
                                props={"plan": "team"},
                                revenue_amount=float(rng.choice([49, 99])),
                                revenue_currency="EUR",
                                **common,
                            )
                        )
    return sorted(events, key=lambda e: e.ts)


@dataclass
class Visit:
    session_id: int
    visitor_id: int
    started_at: datetime
    ended_at: datetime
    first: Event
    entry_page: str
    exit_page: str
    pageviews: int
    events: int
    is_bounce: bool

    @property
    def duration(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


def _visits(events: list[Event]) -> dict[int, Visit]:
    grouped: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        grouped[event.session_id].append(event)
    visits = {}
    for session_id, items in grouped.items():
        items.sort(key=lambda e: e.ts)
        views = [e for e in items if e.name == "pageview"]
        interactive_other = any(e.interactive and e.name != "pageview" for e in items)
        visits[session_id] = Visit(
            session_id=session_id,
            visitor_id=items[0].visitor_id,
            started_at=items[0].ts,
            ended_at=items[-1].ts,
            first=items[0],
            entry_page=(views[0] if views else items[0]).pathname,
            exit_page=(views[-1] if views else items[-1]).pathname,
            pageviews=len(views),
            events=len(items),
            is_bounce=len(views) <= 1 and not interactive_other,
        )
    return visits


EVENTS = _events()
VISITS = _visits(EVENTS)


# --- plain-Python answers -----------------------------------------------------------------


def _visit_value(visit: Visit, dimension: str) -> str:
    column = VISIT_DIMENSIONS[dimension]
    if column in ("entry_page", "exit_page"):
        return str(getattr(visit, column))
    return str(getattr(visit.first, column))


def _event_value(event: Event, dimension: str) -> str:
    if dimension.startswith("event:props:"):
        return event.props.get(dimension.removeprefix("event:props:"), "(none)")
    column = {"event:page": "pathname", "event:hostname": "hostname", "event:name": "name"}
    return str(getattr(event, column[dimension]))


def _goal_matches(event: Event, goal: tuple[str, str, str, str]) -> bool:
    _, kind, event_name, page = goal
    if kind == Goal.Kind.EVENT:
        return event.name == event_name
    return event.name == "pageview" and re.search(page_path_regex(page), event.pathname) is not None


def _condition(operator: str, value: str, wanted: list[str]) -> bool:
    base = operator.removesuffix("_not")
    if base == "is":
        hit = value in wanted
    elif base == "contains":
        hit = any(w in value for w in wanted)
    else:
        hit = any(re.search(w, value) for w in wanted)
    return not hit if operator.endswith("_not") else hit


def _event_matches(event: Event, node: list[Any]) -> bool:
    """An event-level filter on one event (visit dimensions read the event's visit)."""
    operator = node[0]
    if operator in ("and", "or"):
        results = [_event_matches(event, child) for child in node[1]]
        return all(results) if operator == "and" else any(results)
    if operator == "not":
        return not _event_matches(event, node[1])
    dimension, wanted = node[1], node[2]
    if dimension.startswith("visit:"):
        return _condition(operator, _visit_value(VISITS[event.session_id], dimension), wanted)
    if dimension == "event:goal":
        hit = any(_goal_matches(event, g) for g in GOALS if g[0] in wanted)
        return not hit if operator.endswith("_not") else hit
    return _condition(operator, _event_value(event, dimension), wanted)


def _visit_matches(visit: Visit, node: list[Any], window: tuple[datetime, datetime]) -> bool:
    """A visit-level filter on one visit (event dimensions: any of its events matches)."""
    operator = node[0]
    if operator in ("and", "or"):
        results = [_visit_matches(visit, child, window) for child in node[1]]
        return all(results) if operator == "and" else any(results)
    if operator == "not":
        return not _visit_matches(visit, node[1], window)
    dimension, wanted = node[1], node[2]
    if dimension.startswith("visit:"):
        return _condition(operator, _visit_value(visit, dimension), wanted)
    positive = [operator.removesuffix("_not"), dimension, wanted]
    hit = any(
        e.session_id == visit.session_id and _event_matches(e, positive)
        for e in EVENTS
        if window[0] <= e.ts < window[1] + timedelta(days=1)
    )
    return not hit if operator.endswith("_not") else hit


def _p75(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = 0.75 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _event_aggregates(events: Iterable[Event]) -> dict[str, Any]:
    items = list(events)
    aggregates: dict[str, Any] = {
        "visitors": len({e.visitor_id for e in items}),
        "visits": len({e.session_id for e in items}),
        "pageviews": sum(e.name == "pageview" for e in items),
        "events": len(items),
        "revenue": sum(e.revenue_amount or 0 for e in items),
    }
    for metric, column in (
        ("lcp_p75", "lcp_ms"),
        ("inp_p75", "inp_ms"),
        ("cls_p75", "cls"),
        ("ttfb_p75", "ttfb_ms"),
    ):
        aggregates[metric] = _p75(
            [getattr(e, column) for e in items if getattr(e, column) is not None]
        )
    return aggregates


def _visit_aggregates(visits: Iterable[Visit]) -> dict[str, Any]:
    items = list(visits)
    return {
        "visitors": len({v.visitor_id for v in items}),
        "visits": len(items),
        "pageviews": sum(v.pageviews for v in items),
        "bounces": sum(v.is_bounce for v in items),
        "duration": sum(v.duration for v in items),
        "events": sum(v.events for v in items),
    }


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    def midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), ZONE).astimezone(UTC)

    return midnight(first), midnight(last + timedelta(days=1))


FIRST, LAST = date(2026, 11, 10), date(2026, 11, 19)
WINDOW = _window(FIRST, LAST)


def _expected(
    metrics: list[str],
    *,
    level: str,
    filters: list[Any] = (),  # type: ignore[assignment]
    group: Callable[[Any], Iterable[str]] | None = None,
) -> dict[tuple[str, ...], list[Any]]:
    """Plain-Python answer: {dimension values: metric values}."""
    start, end = WINDOW
    if level == "visit":
        rows: list[Any] = [
            v
            for v in VISITS.values()
            if start <= v.started_at < end and all(_visit_matches(v, f, WINDOW) for f in filters)
        ]
        aggregate: Callable[[Iterable[Any]], dict[str, Any]] = _visit_aggregates
    else:
        rows = [
            e for e in EVENTS if start <= e.ts < end and all(_event_matches(e, f) for f in filters)
        ]
        aggregate = _event_aggregates
    buckets: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for row in rows:
        keys = list(group(row)) if group else [()]
        for key in keys:
            buckets[key if isinstance(key, tuple) else (key,)].append(row)
    answer = {}
    for key, members in buckets.items():
        aggregates = aggregate(members)
        answer[key] = [metric_value(m, aggregates) for m in metrics]
    return answer


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterable[Path]:
    path = tmp_path_factory.mktemp("contract") / "events.duckdb"
    store = DuckDBEventStore(path)
    store.migrate()
    store.insert_batch(EVENTS)
    # Visits of all but the last three days closed; the rest answered from the open view.
    store.close_visits(through=(NOW - timedelta(days=3)).replace(tzinfo=None))
    store.close()
    yield path


@pytest.fixture
def ask(db: None, store_path: Path) -> Iterable[Callable[..., dict[str, Any]]]:
    site = TrackedSite.objects.create(domain=SITE, name="Contract", time_zone=str(ZONE))
    for name, kind, event_name, page in GOALS:
        Goal.objects.create(
            site=site, display_name=name, kind=kind, event_name=event_name, page_path=page
        )
    store = DuckDBEventStore(store_path, read_only=True)

    def ask(body: dict[str, Any], **options: Any) -> dict[str, Any]:
        body = {"site_id": SITE, "date_range": [FIRST.isoformat(), LAST.isoformat()], **body}
        return StatsRunner(**options).run(parse_query(body), reader=store.query, now=NOW).as_json()

    yield ask
    store.close()


def _answer(result: dict[str, Any]) -> dict[tuple[str, ...], list[Any]]:
    return {tuple(r["dimensions"]): r["metrics"] for r in result["results"]}


def _close(actual: dict[Any, list[Any]], expected: dict[Any, list[Any]]) -> None:
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        assert actual[key] == pytest.approx(values, abs=1e-9), key


# --- the contract ---------------------------------------------------------------------------

VISIT_LEVEL_METRICS = [
    m
    for m, spec in METRICS.items()
    if "visit" in spec.levels and m not in ("conversion_rate", "percentage")
]
EVENT_ONLY_METRICS = ["revenue", "lcp_p75", "inp_p75", "cls_p75", "ttfb_p75"]


def test_the_generated_data_covers_what_the_contract_needs() -> None:
    in_window = [v for v in VISITS.values() if WINDOW[0] <= v.started_at < WINDOW[1]]
    assert len(in_window) > 100
    assert any(v.is_bounce for v in in_window) and any(not v.is_bounce for v in in_window)
    assert any(v.first.name != "pageview" for v in in_window)  # a visit starting with an event
    assert any(v.started_at >= NOW - timedelta(days=3) for v in in_window)  # open visits too


@pytest.mark.parametrize("metric", VISIT_LEVEL_METRICS)
def test_each_visit_metric(ask: Callable[..., dict[str, Any]], metric: str) -> None:
    _close(_answer(ask({"metrics": [metric]})), _expected([metric], level="visit"))


@pytest.mark.parametrize("metric", EVENT_ONLY_METRICS)
def test_each_event_metric(ask: Callable[..., dict[str, Any]], metric: str) -> None:
    _close(_answer(ask({"metrics": [metric]})), _expected([metric], level="event"))


@pytest.mark.parametrize("dimension", sorted(VISIT_DIMENSIONS))
def test_each_visit_dimension(ask: Callable[..., dict[str, Any]], dimension: str) -> None:
    metrics = ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration", "events"]
    result = ask({"metrics": metrics, "dimensions": [dimension]})
    expected = _expected(metrics, level="visit", group=lambda v: [_visit_value(v, dimension)])
    _close(_answer(result), expected)


@pytest.mark.parametrize(
    "dimension", ["event:page", "event:hostname", "event:name", "event:props:plan"]
)
def test_each_event_dimension(ask: Callable[..., dict[str, Any]], dimension: str) -> None:
    metrics = ["visitors", "visits", "pageviews", "events", "views_per_visit", "revenue", "lcp_p75"]
    result = ask({"metrics": metrics, "dimensions": [dimension]})
    expected = _expected(metrics, level="event", group=lambda e: [_event_value(e, dimension)])
    _close(_answer(result), expected)


GOAL_METRICS = ["visitors", "events", "conversion_rate"]


def _expected_goals() -> dict[tuple[str, ...], list[Any]]:
    everyone = _expected(["visitors"], level="event")[()][0]
    expected = {}
    for goal in GOALS:
        reached = [e for e in EVENTS if WINDOW[0] <= e.ts < WINDOW[1] and _goal_matches(e, goal)]
        if reached:
            visitors = len({e.visitor_id for e in reached})
            rate = metric_value("conversion_rate", {"visitors": visitors, "_base": everyone})
            expected[(goal[0],)] = [visitors, len(reached), rate]
    assert len(expected) == len(GOALS)
    return expected


def test_goal_dimension_with_conversion_rate(ask: Callable[..., dict[str, Any]]) -> None:
    result = _answer(ask({"metrics": GOAL_METRICS, "dimensions": ["event:goal"]}))
    _close(result, _expected_goals())


def test_conversion_rate_by_source_under_a_goal_filter(ask: Callable[..., dict[str, Any]]) -> None:
    goal_filter = ["is", "event:goal", ["Signup"]]
    result = _answer(
        ask(
            {
                "metrics": ["visitors", "conversion_rate"],
                "dimensions": ["visit:source"],
                "filters": [goal_filter],
            }
        )
    )
    converted = _expected(
        ["visitors"],
        level="visit",
        filters=[goal_filter],
        group=lambda v: [_visit_value(v, "visit:source")],
    )
    base = _expected(["visitors"], level="visit", group=lambda v: [_visit_value(v, "visit:source")])
    expected = {
        key: [
            value[0],
            metric_value("conversion_rate", {"visitors": value[0], "_base": base[key][0]}),
        ]
        for key, value in converted.items()
    }
    _close(result, expected)


def test_percentage_is_each_rows_share_of_all_visitors(ask: Callable[..., dict[str, Any]]) -> None:
    result = _answer(ask({"metrics": ["visitors", "percentage"], "dimensions": ["visit:country"]}))
    everyone = _expected(["visitors"], level="visit")[()][0]
    expected = {
        key: [value[0], metric_value("percentage", {"visitors": value[0], "_all": everyone})]
        for key, value in _expected(
            ["visitors"], level="visit", group=lambda v: [v.first.country]
        ).items()
    }
    _close(result, expected)


@pytest.mark.parametrize("unit", ["hour", "day", "week", "month"])
def test_time_dimensions_in_the_site_time_zone(
    ask: Callable[..., dict[str, Any]], unit: str
) -> None:
    def bucket(moment: datetime) -> str:
        local = moment.astimezone(ZONE)
        if unit == "hour":
            return local.strftime("%Y-%m-%d %H:00:00")
        day = local.date()
        if unit == "week":
            day -= timedelta(days=day.weekday())
        elif unit == "month":
            day = day.replace(day=1)
        return day.isoformat()

    visit_result = ask(
        {"metrics": ["visitors", "visits", "bounce_rate"], "dimensions": [f"time:{unit}"]}
    )
    _close(
        _answer(visit_result),
        _expected(
            ["visitors", "visits", "bounce_rate"],
            level="visit",
            group=lambda v: [bucket(v.started_at)],
        ),
    )
    event_result = ask(
        {"metrics": ["visitors", "pageviews"], "dimensions": [f"time:{unit}", "event:page"]}
    )
    _close(
        _answer(event_result),
        _expected(
            ["visitors", "pageviews"], level="event", group=lambda e: [(bucket(e.ts), e.pathname)]
        ),
    )


FILTERS = [
    ["is", "visit:source", ["Google", "Hacker News"]],
    ["is_not", "visit:source", ["Google"]],
    ["contains", "visit:referrer", ["google", "example.net"]],
    ["contains_not", "visit:referrer", ["google"]],
    ["matches", "visit:entry_page", ["^/blog/[a-z]"]],
    ["matches_not", "visit:entry_page", ["^/blog/"]],
    ["is", "event:page", ["/pricing/"]],
    ["is_not", "event:page", ["/pricing/"]],
    ["contains", "event:page", ["blog"]],
    ["contains_not", "event:page", ["blog"]],
    ["matches", "event:page", ["^/docs/.*/$"]],
    ["matches_not", "event:page", ["post/$"]],
    ["is", "event:goal", ["Signup", "Visit /blog/*"]],
    ["is_not", "event:goal", ["Signup"]],
    ["is", "event:props:plan", ["team"]],
    ["and", [["is", "visit:device", ["mobile"]], ["is", "visit:country", ["US", "DE"]]]],
    ["or", [["is", "visit:channel", ["search"]], ["contains", "event:page", ["pricing"]]]],
    ["not", ["or", [["is", "visit:country", ["FR"]], ["is", "event:name", ["Signup"]]]]],
]


@pytest.mark.parametrize(
    "node", FILTERS, ids=lambda f: f"{f[0]}:{f[1] if isinstance(f[1], str) else 'tree'}"
)
def test_each_filter_on_visit_and_event_queries(
    ask: Callable[..., dict[str, Any]], node: list[Any]
) -> None:
    visit_metrics = ["visitors", "visits", "pageviews", "bounce_rate"]
    _close(
        _answer(ask({"metrics": visit_metrics, "filters": [node]})),
        _expected(visit_metrics, level="visit", filters=[node]),
    )
    event_metrics = ["visitors", "pageviews", "events"]
    result = ask({"metrics": event_metrics, "dimensions": ["event:page"], "filters": [node]})
    expected = _expected(event_metrics, level="event", filters=[node], group=lambda e: [e.pathname])
    _close(_answer(result), expected)


def test_saved_segment_expands_to_its_filters(ask: Callable[..., dict[str, Any]]) -> None:
    node = ["is", "visit:device", ["mobile"]]
    segment = Segment.objects.create(
        site=TrackedSite.objects.get(domain=SITE), name="Mobile", filters=[node]
    )
    result = ask({"metrics": ["visitors", "visits"], "filters": [["is", "segment", [segment.pk]]]})
    _close(_answer(result), _expected(["visitors", "visits"], level="visit", filters=[node]))


def test_order_pagination_and_total_rows(ask: Callable[..., dict[str, Any]]) -> None:
    everything = _expected(["visitors", "pageviews"], level="event", group=lambda e: [e.pathname])
    ranked = sorted(everything.items(), key=lambda kv: (-kv[1][1], kv[0]))
    result = ask(
        {
            "metrics": ["visitors", "pageviews"],
            "dimensions": ["event:page"],
            "order_by": [["pageviews", "desc"]],
            "pagination": {"limit": 3, "offset": 2},
            "include": {"total_rows": True},
        }
    )
    assert [tuple(r["dimensions"]) for r in result["results"]] == [k for k, _ in ranked[2:5]]
    assert result["meta"]["total_rows"] == len(everything)


def test_comparison_with_the_previous_period(ask: Callable[..., dict[str, Any]]) -> None:
    result = ask(
        {"metrics": ["visitors", "bounce_rate"], "include": {"comparison": "previous_period"}}
    )
    assert result["meta"]["comparison_date_range"] == ["2026-10-31", "2026-11-09"]
    comparison = result["results"][0]["comparison"]
    start = _window(date(2026, 10, 31), date(2026, 11, 9))
    previous = [v for v in VISITS.values() if start[0] <= v.started_at < start[1]]
    before = [metric_value(m, _visit_aggregates(previous)) for m in ("visitors", "bounce_rate")]
    assert comparison["metrics"] == before
    now = result["results"][0]["metrics"]
    assert comparison["change"][1] == round(now[1] - before[1], 1)


def test_approximate_visitors_stay_close(ask: Callable[..., dict[str, Any]]) -> None:
    exact = ask({"metrics": ["visitors"]})["results"][0]["metrics"][0]
    estimate = ask({"metrics": ["visitors"]}, approximate=True)["results"][0]["metrics"][0]
    # HyperLogLog: a few per cent on large counts, up to ~10% on a hundred.
    assert estimate != 0 and abs(estimate - exact) <= max(2, exact * 0.10)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metrics": ["bounce_rate"], "dimensions": ["event:page"]}, "metrics[0]"),
        ({"metrics": ["conversion_rate"]}, "metrics[0]"),
        (
            {"metrics": ["visitors"], "filters": [["is", "event:goal", ["Nope"]]]},
            "filters[0][2][0]",
        ),
        ({"metrics": ["visitors"], "filters": [["is", "segment", [999999]]]}, "filters[0][2][0]"),
        ({"metrics": ["visitors"], "site_id": "unknown.example"}, "site_id"),
    ],
)
def test_refusals_name_the_field(
    ask: Callable[..., dict[str, Any]], body: dict[str, Any], field: str
) -> None:
    with pytest.raises(QueryError) as caught:
        ask(body)
    assert caught.value.field == field


# --- funnels and journeys ---------------------------------------------------------------------


def _session_events(filters: list[Any] = ()) -> dict[int, list[Event]]:  # type: ignore[assignment]
    sessions: dict[int, list[Event]] = defaultdict(list)
    for event in EVENTS:
        if WINDOW[0] <= event.ts < WINDOW[1] and all(_event_matches(event, f) for f in filters):
            sessions[event.session_id].append(event)
    for items in sessions.values():
        items.sort(key=lambda e: e.ts)
    return sessions


STEP_RULES: dict[str, Callable[[Event], bool]] = {
    "page:/": lambda e: e.name == "pageview" and e.pathname == "/",
    "page:/blog/*": lambda e: _goal_matches(e, GOALS[2]),
    "event:Signup": lambda e: e.name == "Signup",
    "goal:Purchase": lambda e: e.name == "Purchase",
    "page:/pricing/": lambda e: e.name == "pageview" and e.pathname == "/pricing/",
}


def _funnel_visitors(steps: list[str], filters: list[Any]) -> list[int]:
    reached: list[set[int]] = [set() for _ in steps]
    for items in _session_events(filters).values():
        after: datetime | None = None
        for index, step in enumerate(steps):
            match = next(
                (e for e in items if STEP_RULES[step](e) and (after is None or e.ts > after)), None
            )
            if match is None:
                break
            reached[index].add(match.visitor_id)
            after = match.ts
    return [len(visitors) for visitors in reached]


@pytest.mark.parametrize(
    ("steps", "filters"),
    [
        (["page:/", "page:/pricing/"], []),
        (["page:/", "page:/blog/*", "event:Signup"], []),
        (["page:/pricing/", "page:/", "page:/pricing/", "goal:Purchase"], []),
        (["page:/", "event:Signup"], [["is", "visit:device", ["mobile"]]]),
    ],
)
def test_funnel_equals_python(
    db: None, store_path: Path, steps: list[str], filters: list[Any]
) -> None:
    from commonground.analytics.queries import parse_funnel
    from commonground.analytics.queries.funnels import FunnelRunner

    site = TrackedSite.objects.create(domain=SITE, name="Contract", time_zone=str(ZONE))
    Goal.objects.create(site=site, display_name="Purchase", event_name="Purchase")
    body = {
        "site_id": SITE,
        "date_range": [FIRST.isoformat(), LAST.isoformat()],
        "steps": [{step.split(":", 1)[0]: step.split(":", 1)[1]} for step in steps],
        "filters": filters,
    }
    store = DuckDBEventStore(store_path, read_only=True)
    try:
        answer = FunnelRunner().run(parse_funnel(body), reader=store.query, now=NOW).as_json()
    finally:
        store.close()
    expected = _funnel_visitors(steps, filters)
    assert [step["visitors"] for step in answer["steps"]] == expected
    assert expected[0] > expected[1] > 0  # a funnel that narrows, not an empty one
    first = answer["steps"][1]
    assert first["dropoff"] == expected[0] - expected[1]
    assert first["conversion_rate"] == round(expected[1] / expected[0] * 100, 2)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_journey_equals_python(db: None, store_path: Path, depth: int) -> None:
    from commonground.analytics.queries import parse_journey
    from commonground.analytics.queries.journeys import ENTRANCE, EXIT, JourneyRunner

    TrackedSite.objects.create(domain=SITE, name="Contract", time_zone=str(ZONE))
    page = "/pricing/"
    body = {
        "site_id": SITE,
        "date_range": [FIRST.isoformat(), LAST.isoformat()],
        "page": page,
        "depth": depth,
        "limit": 100,
    }
    store = DuckDBEventStore(store_path, read_only=True)
    try:
        answer = JourneyRunner().run(parse_journey(body), reader=store.query, now=NOW).as_json()
    finally:
        store.close()
    expected: dict[str, dict[tuple[str, ...], tuple[set[int], set[int]]]] = {
        "into": defaultdict(lambda: (set(), set())),
        "out_of": defaultdict(lambda: (set(), set())),
    }
    for items in _session_events().values():
        views = [e for e in items if e.name == "pageview"]
        for index, view in enumerate(views):
            if view.pathname != page:
                continue
            before: list[str] = []
            for back in range(1, depth + 1):
                if index - back < 0:
                    before.append(ENTRANCE)
                    break
                before.append(views[index - back].pathname)
            after: list[str] = []
            for ahead in range(1, depth + 1):
                if index + ahead >= len(views):
                    after.append(EXIT)
                    break
                after.append(views[index + ahead].pathname)
            for direction, path in (
                ("into", (*reversed(before), page)),
                ("out_of", (page, *after)),
            ):
                sessions, visitors = expected[direction][path]
                sessions.add(view.session_id)
                visitors.add(view.visitor_id)
    for direction in ("into", "out_of"):
        got = {tuple(p["path"]): (p["visits"], p["visitors"]) for p in answer[direction]}
        want = {path: (len(s), len(v)) for path, (s, v) in expected[direction].items()}
        assert got == want
        visits = [p["visits"] for p in answer[direction]]
        assert visits == sorted(visits, reverse=True)


@pytest.mark.parametrize(
    ("body", "level", "table"),
    [
        (
            {"metrics": ["visitors", "bounce_rate"], "dimensions": ["visit:source"]},
            "visit",
            "daily_visits",
        ),
        ({"metrics": ["visitors", "visits", "visit_duration"]}, "visit", "daily_visits"),
        (
            {"metrics": ["visitors", "pageviews"], "dimensions": ["event:page"]},
            "event",
            "daily_events",
        ),
    ],
)
def test_whole_days_come_from_the_daily_rollups(
    db: None, store_path: Path, body: dict[str, Any], level: str, table: str
) -> None:
    TrackedSite.objects.create(domain=SITE, name="Contract", time_zone=str(ZONE))
    store = DuckDBEventStore(store_path, read_only=True)
    asked: list[str] = []

    def reader(sql: str, params: Any) -> list[tuple[Any, ...]]:
        asked.append(sql)
        return store.query(sql, params)

    try:
        query = parse_query(
            {"site_id": SITE, "date_range": [FIRST.isoformat(), LAST.isoformat()], **body}
        )
        result = StatsRunner().run(query, reader=reader, now=NOW).as_json()
    finally:
        store.close()
    assert any(table in sql for sql in asked)  # the rolled days (11-16 November) are used
    dimension = body.get("dimensions", [None])[0]
    if dimension is None:
        group = None
    elif level == "visit":
        group = lambda v: [_visit_value(v, dimension)]  # noqa: E731
    else:
        group = lambda e: [_event_value(e, dimension)]  # noqa: E731
    _close(_answer(result), _expected(body["metrics"], level=level, group=group))


# --- the same contract through the HTTP API ---------------------------------------------------


def _api_ask(base: str, key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """POST /api/v2/query as a client does: a 429 is waited out as its Retry-After says."""
    from ..live_http import Browser

    def ask(body: dict[str, Any]) -> dict[str, Any]:
        body = {"site_id": SITE, "date_range": [FIRST.isoformat(), LAST.isoformat()], **body}
        for _ in range(20):
            answer = Browser().request(
                f"{base}/api/v2/query",
                data=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            if answer.status != 429:
                break
            time.sleep(int(answer.headers["retry-after"]))
        assert answer.status == 200, answer.raw
        result: dict[str, Any] = json.loads(answer.raw)
        return result

    return ask


@pytest.mark.slow
def test_the_http_api_answers_the_contract(live_url: str, editor: Any, tmp_path: Path) -> None:
    # Every metric, every dimension and every filter operator once more, this time as an API
    # client sees them: granian's workers, the key check, the mover's query service, JSON.
    from commonground.analytics.stats_api import keys

    from .served_store import mover_serving

    site = TrackedSite.objects.create(domain=SITE, name="Contract", time_zone=str(ZONE))
    for name, kind, event_name, page in GOALS:
        Goal.objects.create(
            site=site, display_name=name, kind=kind, event_name=event_name, page_path=page
        )
    key = keys.create_api_key(owner=editor, name="Contract", sites=[site]).plaintext
    with mover_serving(EVENTS, log_dir=tmp_path):
        ask = _api_ask(live_url, key)
        visit_metrics = VISIT_LEVEL_METRICS
        _close(_answer(ask({"metrics": visit_metrics})), _expected(visit_metrics, level="visit"))
        for dimension in sorted(VISIT_DIMENSIONS):
            result = ask(
                {"metrics": ["visitors", "visits", "bounce_rate"], "dimensions": [dimension]}
            )
            expected = _expected(
                ["visitors", "visits", "bounce_rate"],
                level="visit",
                group=lambda v, d=dimension: [_visit_value(v, d)],
            )
            _close(_answer(result), expected)
        event_metrics = ["visitors", "pageviews", "events", *EVENT_ONLY_METRICS]
        for dimension in ["event:page", "event:hostname", "event:name", "event:props:plan"]:
            result = ask({"metrics": event_metrics, "dimensions": [dimension]})
            expected = _expected(
                event_metrics, level="event", group=lambda e, d=dimension: [_event_value(e, d)]
            )
            _close(_answer(result), expected)
        for node in FILTERS:
            result = ask({"metrics": ["visitors", "visits", "pageviews"], "filters": [node]})
            expected = _expected(["visitors", "visits", "pageviews"], level="visit", filters=[node])
            _close(_answer(result), expected)
        result = ask({"metrics": GOAL_METRICS, "dimensions": ["event:goal"]})
        _close(_answer(result), _expected_goals())


EXACT_GOALS = [
    ("Signup", Goal.Kind.EVENT, "Signup", ""),
    ("Signup (again)", Goal.Kind.EVENT, "Signup", ""),  # two goals may count one event
    ("Purchase", Goal.Kind.EVENT, "Purchase", ""),
    ("Visit /pricing/", Goal.Kind.PAGE, "", "/pricing/"),
]


@pytest.mark.parametrize(
    ("filters", "table"),
    [([], "daily_events"), ([["is", "visit:device", ["mobile"]]], "FROM events AS ev")],
    ids=["rolled-up", "raw"],
)
def test_goals_without_wildcards_equal_python(
    db: None, store_path: Path, filters: list[Any], table: str
) -> None:
    # Without wildcards the goal breakdown reads every goal in one scan (a join on the event
    # name or the page path), from the rollups where there is no filter.
    site = TrackedSite.objects.create(domain=SITE, name="Contract", time_zone=str(ZONE))
    for name, kind, event_name, page in EXACT_GOALS:
        Goal.objects.create(
            site=site, display_name=name, kind=kind, event_name=event_name, page_path=page
        )
    store = DuckDBEventStore(store_path, read_only=True)
    asked: list[str] = []

    def reader(sql: str, params: Any) -> list[tuple[Any, ...]]:
        asked.append(sql)
        return store.query(sql, params)

    body = {
        "site_id": SITE,
        "date_range": [FIRST.isoformat(), LAST.isoformat()],
        "metrics": ["visitors", "events"],
        "dimensions": ["event:goal"],
        "filters": filters,
    }
    try:
        result = StatsRunner().run(parse_query(body), reader=reader, now=NOW).as_json()
    finally:
        store.close()
    assert any(table in sql for sql in asked)
    expected = {}
    for goal in EXACT_GOALS:
        reached = [
            e
            for e in EVENTS
            if WINDOW[0] <= e.ts < WINDOW[1]
            and _goal_matches(e, goal)
            and all(_event_matches(e, f) for f in filters)
        ]
        expected[(goal[0],)] = [len({e.visitor_id for e in reached}), len(reached)]
    assert all(values[1] for values in expected.values())
    _close(_answer(result), expected)
