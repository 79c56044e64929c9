"""The shared scorecard over 10M generated events: 50 goals computed cold from live data, the
page rendered from the daily snapshots, and the next meeting's agenda, each next to the cost of
the same analytics numbers asked of the query layer directly.

The store is bench/queries.py's (90 days of generated traffic ending 2026-11-22, made once
under bench/results/). The 50 goals are what a company's scorecard holds: 30 on analytics
(visitors, visits, pageviews, bounce rate, duration, conversions, conversion rate, revenue,
the three page-speed p75s, each for the quarter and the month; visitors, visits, conversions
and conversion rate also under a source and under a campaign filter; a third with a target
formula on the period before), 20 on governance, distribution, content and manual check-ins.
Reads go straight to the DuckDB file (read-only), as the mover's query service would, without
the socket.

- cold: ``build_scorecard(live=True)``, nothing cached in alignment (a new batch each run);
  next to it, the query layer asked directly for the same analytics numbers, once as the
  scorecard groups them (one query per site, filter, goal, period and level) and once one
  query per number, as a scorecard without batching would.
- from snapshots: the admin's scorecard page (``GET /admin/alignment/?period=all``, the whole
  Django stack, signed in) once every goal has today's snapshot, next to the cold compute.
- agenda: ``generate_agenda()`` with these goals, meetings, decisions and actions.

    .venv/bin/python bench/scorecard.py [--runs 5]
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DATA = RESULTS / "scorecard-data"
os.environ.setdefault("COMMONGROUND_DATA_DIR", str(DATA))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")
os.environ.setdefault("EMAIL_URL", "dummymail://")  # the series invitation goes nowhere

import queries  # noqa: E402  (bench/queries.py: its store, site, goals and clock)
from commonground.alignment.metrics import Period  # noqa: E402
from commonground.alignment.metrics.base import metric  # noqa: E402
from commonground.alignment.models import CheckIn, Goal, GoalSnapshot  # noqa: E402
from commonground.alignment.scorecard import selectors, services  # noqa: E402
from commonground.alignment.scorecard.evaluation import _requests_of  # noqa: E402
from commonground.analytics.eventstore.duckdb import DuckDBEventStore  # noqa: E402
from commonground.analytics.public import reading_the_store_file  # noqa: E402
from commonground.analytics.queries import (  # noqa: E402
    QueryRunner,
    Reader,
    StatsQuery,
    StatsResult,
    parse_query,
)
from commonground.analytics.queries.stats import StatsRunner  # noqa: E402

SITE = queries.SITE
NOW = queries.NOW
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31))
FILTERS = ["", "source=Google", "utm_campaign=spring-launch"]
FILTERED = {
    "analytics.visitors",
    "analytics.visits",
    "analytics.conversions",
    "analytics.conversion_rate",
}
ANALYTICS = [
    ("analytics.visitors", {}),
    ("analytics.visits", {}),
    ("analytics.pageviews", {}),
    ("analytics.bounce_rate", {}),
    ("analytics.visit_duration", {}),
    ("analytics.conversions", {"goal": "Signup"}),
    ("analytics.conversion_rate", {"goal": "Signup"}),
    ("analytics.revenue", {"goal": "Purchase"}),
    ("analytics.lcp_p75", {}),
    ("analytics.inp_p75", {}),
    ("analytics.cls_p75", {}),
]
OTHERS = [
    ("governance.open_requests", {}),
    ("governance.review_lead_time", {}),
    ("governance.overdue_requests", {}),
    ("governance.unapproved_hosts", {}),
    ("governance.csp_violations", {}),
    ("governance.consent_acceptance_rate", {}),
    ("governance.two_factor_share", {}),
    ("governance.audit_chain_intact", {}),
    ("distribution.confirmed_subscribers", {}),
    ("distribution.newsletter_sends", {}),
    ("distribution.delivery_failure_rate", {}),
    ("distribution.unsubscribe_rate", {}),
    ("distribution.channel_visits", {"site": SITE, "channel": "newsletter"}),
    ("content.pages_published", {}),
    ("content.approval_lead_time", {}),
    ("manual.check_in", {"series": "brand-awareness"}),
    ("manual.check_in", {"series": "analyst-ranking"}),
    ("manual.check_in_lower", {"series": "support-tickets"}),
    ("governance.open_requests", {}),
    ("distribution.newsletter_sends", {}),
]


def _median_ms(action: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(first run, median of ``runs`` after it) in milliseconds."""
    started = time.perf_counter()
    action()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(times)


def _goals() -> list[Goal]:
    """The 50 goals, made once (rows of their own: the bench's database is its own): every
    analytics metric for the quarter and for the month, four of them also under a source and
    under a campaign filter, a target formula on every third; 20 goals on the other sources."""
    Goal.objects.all().delete()
    wanted = [(key, extra, "", period) for period in (Q4, NOVEMBER) for key, extra in ANALYTICS]
    wanted += [
        (key, extra, filter_text, Q4)
        for filter_text in FILTERS[1:3]
        for key, extra in ANALYTICS
        if key in FILTERED
    ]
    made = []
    for index, (key, extra, filter_text, period) in enumerate(wanted):
        params = {"site": SITE, **extra, **({"filter": filter_text} if filter_text else {})}
        formula = "previous period + 10%" if index % 3 == 0 else ""
        made.append(_goal(f"{key} {filter_text or 'all'} {index}", key, params, period, formula))
    for index, (key, params) in enumerate(OTHERS, start=len(made)):
        made.append(_goal(f"{key} {index}", key, params, Q4, ""))
    return made


def _goal(name: str, key: str, params: dict[str, str], period: Period, formula: str) -> Goal:
    side = "marketing" if key.startswith(("analytics", "distribution", "content")) else "it"
    goal = Goal.objects.create(
        name=name,
        side=side,
        metric=metric(key).key,
        params=params,
        period_kind="month" if period == NOVEMBER else "quarter",
        period_start=period.start,
        period_end=period.end,
        target_value=None if formula else Decimal(1000),
        target_formula=formula,
    )
    return goal


class RecordedQueries:
    """The Stats queries the scorecard sends, recorded as it sends them (the bench wraps the
    stats runner's ``run``), to be asked of the query layer again straight."""

    def __init__(self) -> None:
        self.queries: list[Any] = []
        self._original = StatsRunner.run

    def __enter__(self) -> "RecordedQueries":
        def recording(
            runner: QueryRunner[StatsQuery, StatsResult],
            query: StatsQuery,
            *,
            reader: Reader | None = None,
            now: datetime | None = None,
        ) -> StatsResult:
            self.queries.append(query)
            return self._original(runner, query, reader=reader, now=now)

        StatsRunner.run = recording  # type: ignore[method-assign,assignment]  # mypy: self twice
        return self

    def __exit__(self, *exc: object) -> None:
        StatsRunner.run = self._original  # type: ignore[method-assign]


def _one_per_number(goals: list[Goal]) -> list[Any]:
    """The same analytics numbers asked one query per number, as a scorecard without batches
    would: each goal's metric under its own filters (and its goal's)."""
    from commonground.alignment.metrics.sources.analytics import _STATS_NAMES, parse_filter

    bodies = {}
    for goal in goals:
        for key, params, period in _requests_of(goal):
            if not key.startswith("analytics."):
                continue
            name, with_goal = _STATS_NAMES[key]
            filters = parse_filter(params.get("filter", ""))
            if with_goal:
                filters.append(["is", "event:goal", [params["goal"]]])
            body = {
                "site_id": SITE,
                "date_range": [period.start.isoformat(), period.end.isoformat()],
                "metrics": [name],
                "filters": filters,
            }
            bodies[repr(body)] = parse_query(body)
    return list(bodies.values())


def _asking(queries_to_run: list[Any], reader: Any) -> Callable[[], None]:
    def run() -> None:
        for query in queries_to_run:
            StatsRunner().run(query, reader=reader, now=NOW)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    store_path = queries._store("10M")
    link = DATA / "events.duckdb"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(store_path)
    queries._site()
    goals = _goals()
    for series, value in (
        ("brand-awareness", 31),
        ("analyst-ranking", 4),
        ("support-tickets", 120),
    ):
        CheckIn.objects.get_or_create(
            series=series, day=date(2026, 11, 20), defaults={"value": Decimal(value)}
        )
    with reading_the_store_file() as direct:
        if not direct:
            sys.exit("scorecard bench: the store file is in use (a mover running on it?)")
        board = selectors.build_scorecard(goals, live=True, now=NOW)
        errors = [c for c in board.cards if c.reason.startswith(("no ", "the analytics"))]
        if errors:
            sys.exit(
                f"scorecard bench: goals failed to compute: {[(c.name, c.reason) for c in errors]}"
            )
        with RecordedQueries() as recorded:
            selectors.build_scorecard(goals, live=True, now=NOW)
        cold = _median_ms(lambda: selectors.build_scorecard(goals, live=True, now=NOW), args.runs)
    store = DuckDBEventStore(store_path, read_only=True)
    single = _one_per_number(goals)
    direct_grouped = _median_ms(_asking(recorded.queries, store.query), args.runs)
    direct_single = _median_ms(_asking(single, store.query), args.runs)
    store.close()

    GoalSnapshot.objects.all().delete()
    with reading_the_store_file():
        services.snapshot_goals(goals=goals)
    user, _ = get_user_model().objects.get_or_create(username="bench-cmo")
    user.groups.add(Group.objects.get(name="Marketing Lead"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def page() -> None:
        response = client.get("/admin/alignment/?period=all")
        assert response.status_code == 200 and b"data-goal=" in response.content

    rendered = _median_ms(page, args.runs)

    # The agenda: a fortnightly series of both leads with twenty open actions, the goals'
    # snapshots fresh as the scheduler keeps them.
    from datetime import time as clock

    from commonground.alignment.models import MeetingSeries
    from commonground.alignment.reviews import services as reviews
    from commonground.alignment.reviews.agenda import generate_agenda

    MeetingSeries.objects.all().delete()
    cio, _ = get_user_model().objects.get_or_create(username="bench-cio")
    cio.groups.add(Group.objects.get(name="IT Lead"))
    series = reviews.create_series(
        user=user,
        details=reviews.SeriesDetails(
            name="Marketing & IT review",
            cadence="fortnightly",
            first_date=date.today(),
            start_time=clock(10, 0),
            time_zone="Europe/Berlin",
            duration_minutes=45,
            organiser=user,
            attendees=[user, cio],
        ),
    )
    meeting = series.meetings.order_by("starts_at").first()
    for number in range(20):
        reviews.add_action(
            user=user, meeting=meeting, title=f"Action {number}", owner=cio, due_date=date.today()
        )
    agenda = generate_agenda()
    assert {s.key for s in agenda.sections} >= {"goals", "budget-variances", "actions-due"}
    agenda_ms = _median_ms(generate_agenda, args.runs)
    # Its reference: the goals section's own read of the snapshots, one query, raw.
    from django.db import connection

    def snapshot_rows() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT goal_id, value, target, expected, status FROM alignment_goalsnapshot"
                " WHERE day = %s",
                [date.today()],
            )
            cursor.fetchall()

    raw_snapshots = _median_ms(snapshot_rows, args.runs)
    print(
        f"\nscorecard of {len(goals)} goals over {queries.SCALES['10M']:,} generated events, "
        f"at {NOW:%Y-%m-%d %H:%M} UTC; first run, then median of {args.runs} (ms)"
    )
    print(f"{'what':<58} {'first':>9} {'median':>9}")
    counts = len(recorded.queries), len(single)
    rows = [
        ("cold compute, all 50 goals (alignment, batched)", cold),
        (f"  query layer direct, the same {counts[0]} queries", direct_grouped),
        (f"  query layer direct, one per number ({counts[1]} queries)", direct_single),
        ("scorecard page from snapshots (GET, whole stack)", rendered),
        ("agenda (every section, 50 goals from snapshots)", agenda_ms),
        ("  the snapshots read raw (one SQL query)", raw_snapshots),
    ]
    for label, (first, median) in rows:
        print(f"{label:<58} {first:>9.1f} {median:>9.1f}")
    print(
        f"cold compute / the same queries direct: {cold[1] / direct_grouped[1]:.2f}x; "
        f"page from snapshots / cold compute: {rendered[1] / cold[1]:.3f}"
    )
    print("bars: cold < 1000 ms, page from snapshots < 100 ms, agenda < 300 ms")


if __name__ == "__main__":
    main()
