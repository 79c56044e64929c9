"""The analytics dashboard's page and JSON endpoints, through Django's test client.

Queries are answered by a real DuckDB store with generated traffic, served by the real query
service on a Unix socket, as the mover serves it in production.
"""

import base64
import hashlib
import http.server
import importlib.util
import io
import json
import re
import tarfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser, Permission
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry, Site

from commonground.analytics.eventstore import get_query_client
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.generator import generate_traffic
from commonground.analytics.models import Annotation, Goal, Segment, TrackedSite

from ..conftest import client_for
from ..content.factories import StandardPageFactory
from ..core.factories import UserFactory
from ..processes import REPO_ROOT, free_port
from .served_store import Step, visit

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("analytics_dashboard")
QUERY = reverse("analytics_dashboard_query")
FUNNEL = reverse("analytics_dashboard_funnel")
JOURNEY = reverse("analytics_dashboard_journey")
ANNOTATIONS = reverse("analytics_dashboard_annotations")
PROPERTY_KEYS = reverse("analytics_dashboard_property_keys")
ADMIN_HOME = reverse("wagtailadmin_home")
ROLES = ["editor", "publisher", "it_admin", "viewer"]
SITE = "dash.example"
TODAY = date.today()


@pytest.fixture
def site(db: None) -> TrackedSite:
    tracked = TrackedSite.objects.create(domain=SITE, name="Dash", time_zone="UTC")
    Goal.objects.create(site=tracked, event_name="Signup", display_name="Signup")
    return tracked


@contextmanager
def serving(store: DuckDBEventStore, settings: Any) -> Iterator[DuckDBEventStore]:
    """``store`` read through the query service, on a socket of its own."""
    service = store.query_service(store.path.with_suffix(".sock"))
    service.start()
    settings.ANALYTICS_STORE_SOCKET = service.path
    get_query_client.cache_clear()
    try:
        yield store
    finally:
        get_query_client().close()
        get_query_client.cache_clear()
        service.stop()
        store.close()


@pytest.fixture
def served(tmp_path: Path, settings: Any, site: TrackedSite) -> Iterator[DuckDBEventStore]:
    """Generated traffic for SITE over the 40 days before today, read through the query service."""
    path = tmp_path / "events.duckdb"
    yesterday = TODAY - timedelta(days=1)
    generate_traffic(path=path, site=SITE, events=6000, days=40, end_day=yesterday, seed=3)
    with serving(DuckDBEventStore(path), settings) as store:
        yield store


@pytest.fixture
def failing_store(tmp_path: Path, settings: Any) -> Iterator[None]:
    """A store that was never migrated: it fails every query, as SQL of ours that is wrong would."""
    with serving(DuckDBEventStore(tmp_path / "unmigrated.duckdb"), settings):
        yield


@pytest.fixture
def no_store(tmp_path: Path, settings: Any) -> Iterator[None]:
    """The mover is not running: nobody listens on the socket."""
    settings.ANALYTICS_STORE_SOCKET = tmp_path / "nobody.sock"
    get_query_client.cache_clear()
    yield
    get_query_client.cache_clear()


@pytest.fixture
def admin_only(db: None) -> AbstractUser:
    """May sign in to the admin, but holds no role: no dashboard."""
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    return user


def post_query(client: Client, body: Any, url: str = QUERY) -> HttpResponse:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def kpi_query(**changes: Any) -> dict[str, Any]:
    return {
        "site_id": SITE,
        "date_range": "30d",
        "metrics": ["visitors", "visits", "pageviews", "bounce_rate"],
        "include": {"comparison": "previous_period"},
        **changes,
    }


# Every event the served store holds lies in this range (the generator's 40 days to yesterday).
EVERYTHING = [(TODAY - timedelta(days=45)).isoformat(), TODAY.isoformat()]


def funnel_query(*steps: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {"site_id": SITE, "date_range": EVERYTHING, "steps": list(steps), **changes}


def journey_query(page: str = "/pricing/", **changes: Any) -> dict[str, Any]:
    return {"site_id": SITE, "date_range": EVERYTHING, "page": page, **changes}


# --- who may see it ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_the_dashboard_from_the_menu(role: str, request, site) -> None:
    client = client_for(request.getfixturevalue(role))

    page = client.get(DASHBOARD)
    home = client.get(ADMIN_HOME)

    assert page.status_code == 200
    config = page.context["dashboard_config"]
    assert [s["domain"] for s in config["sites"]] == [SITE]
    assert config["urls"]["query"] == QUERY
    assert config["canAnnotate"] is (role != "viewer")
    assert DASHBOARD in home.content.decode(), "the Analytics menu item is missing"


def test_admin_access_without_the_dashboard_permission_is_refused(admin_only, site) -> None:
    client = client_for(admin_only)

    page = client.get(DASHBOARD)

    # Wagtail's answer to a refused page: back to the admin home with a message.
    assert page.status_code == 302
    assert page["Location"] == ADMIN_HOME
    assert DASHBOARD not in client.get(ADMIN_HOME).content.decode()
    for response in (
        post_query(client, kpi_query()),
        post_query(client, funnel_query({"page": "/"}, {"goal": "Signup"}), FUNNEL),
        post_query(client, journey_query(), JOURNEY),
        client.get(ANNOTATIONS, {"site": SITE, "first": "2026-01-01", "last": "2026-01-31"}),
        client.post(ANNOTATIONS, {"site": SITE, "date": "2026-01-01", "text": "Hello"}),
        client.get(PROPERTY_KEYS, {"site": SITE, "first": "2026-01-01", "last": "2026-01-31"}),
    ):
        assert response.status_code == 403
        assert response.json() == {"error": "You may not do this."}
    assert not Annotation.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(site) -> None:
    client = Client()
    for response in (
        client.get(DASHBOARD),
        post_query(client, kpi_query()),
        post_query(client, funnel_query({"page": "/"}, {"goal": "Signup"}), FUNNEL),
        post_query(client, journey_query(), JOURNEY),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_the_page_loads_its_scripts_and_styles_from_our_static_files(viewer, site) -> None:
    html = client_for(viewer).get(DASHBOARD).content.decode()

    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/static/analytics/vendor/uplot/uPlot.iife.min.js" in sources
    assert "/static/analytics/dashboard/dashboard.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources


def test_without_tracked_sites_the_page_says_who_adds_them(viewer) -> None:
    html = client_for(viewer).get(DASHBOARD).content.decode()

    assert "No site is tracked yet" in html
    assert 'id="cg-dashboard"' not in html


# --- the query endpoint --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (kpi_query(metrics=["visitors", "nonsense"]), "metrics[1]"),
        (kpi_query(date_range="fortnight"), "date_range"),
        (kpi_query(date_range=["2026-02-30", "2026-03-01"]), "date_range[0]"),
        (kpi_query(filters=[["is", "visit:nowhere", ["x"]]]), "filters[0][1]"),
        (kpi_query(dimensions=["event:page"]), "metrics[3]"),  # bounce rate per page
        (kpi_query(site_id="unknown.example"), "site_id"),
    ],
)
def test_bad_queries_are_a_400_naming_the_field(viewer, site, body: Any, field: str) -> None:
    response = post_query(client_for(viewer), body)

    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["field"] == field
    assert answer["error"].startswith(f"{field}: ")


def test_a_query_without_metrics_is_a_400_saying_so(viewer, site) -> None:
    response = post_query(client_for(viewer), {"site_id": SITE, "date_range": "30d"})

    assert response.status_code == 400
    assert "metrics" in response.json()["error"]


def test_the_query_endpoint_takes_only_posts_with_the_csrf_token(viewer, site) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    for url in (QUERY, FUNNEL, JOURNEY):
        assert client.get(url).status_code == 405
        assert post_query(client, kpi_query(), url).status_code == 403


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (QUERY, kpi_query()),
        (FUNNEL, funnel_query({"page": "/"}, {"goal": "Signup"})),
        (JOURNEY, journey_query()),
    ],
)
def test_without_the_mover_a_query_is_a_503_saying_what_to_start(
    viewer, site, no_store, url: str, body: dict[str, Any]
) -> None:
    response = post_query(client_for(viewer), body, url)

    assert response.status_code == 503
    assert "analytics_mover" in response.json()["error"]


def test_a_query_is_answered_from_the_store(viewer, served) -> None:
    client = client_for(viewer)

    everything = [(TODAY - timedelta(days=45)).isoformat(), TODAY.isoformat()]
    response = post_query(client, kpi_query(date_range=everything, include={}))

    assert response.status_code == 200
    [row] = response.json()["results"]
    visitors, visits, pageviews, _ = row["metrics"]
    [(exact_pageviews, exact_visitors)] = served.query(
        "SELECT count(*) FILTER (WHERE name = 'pageview'), count(DISTINCT visitor_id) "
        "FROM events WHERE site = ?",
        [SITE],
    )
    assert pageviews == exact_pageviews
    # The dashboard's visitor count is an estimate (HyperLogLog): close, not exact.
    assert abs(visitors - exact_visitors) <= exact_visitors * 0.05
    assert 0 < visits <= pageviews

    by_source = post_query(
        client,
        kpi_query(
            metrics=["visitors"],
            dimensions=["visit:source"],
            order_by=[["visitors", "desc"]],
            include={"total_rows": True},
        ),
    ).json()
    assert by_source["results"][0]["dimensions"] == ["Google"]  # the generator's top source
    assert by_source["meta"]["total_rows"] >= 5


# --- funnels, journeys, realtime and saved segments -----------------------------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (FUNNEL, b"{not json", "body"),
        (FUNNEL, funnel_query({"page": "/"}), "steps"),
        (FUNNEL, funnel_query(*[{"page": "/"}] * 9), "steps"),
        (FUNNEL, funnel_query({"page": "/"}, {}), "steps[1]"),
        (FUNNEL, funnel_query({"page": "/"}, {"page": "pricing"}), "steps[1].page"),
        (FUNNEL, funnel_query({"page": "/"}, {"goal": "Nonexistent"}), "steps[1].goal"),
        (
            FUNNEL,
            funnel_query({"page": "/"}, {"page": "/x/"}, date_range="fortnight"),
            "date_range",
        ),
        (
            FUNNEL,
            funnel_query({"page": "/"}, {"page": "/x/"}, filters=[["is", "visit:nowhere", ["x"]]]),
            "filters[0][1]",
        ),
        (
            FUNNEL,
            funnel_query({"page": "/"}, {"page": "/x/"}, filters=[["is", "segment", [999999]]]),
            "filters[0][2][0]",
        ),
        (
            FUNNEL,
            funnel_query({"page": "/"}, {"page": "/x/"}, site_id="unknown.example"),
            "site_id",
        ),
        (JOURNEY, b"[]", "body"),
        (JOURNEY, {"site_id": SITE, "date_range": "30d"}, "page"),
        (JOURNEY, journey_query("pricing"), "page"),
        (JOURNEY, journey_query(depth=4), "depth"),
        (JOURNEY, journey_query(depth=0), "depth"),
        (JOURNEY, journey_query(limit=101), "limit"),
        (JOURNEY, journey_query(site_id="unknown.example"), "site_id"),
    ],
)
def test_bad_funnels_and_journeys_are_a_400_naming_the_field(
    viewer, site, url: str, body: Any, field: str
) -> None:
    response = post_query(client_for(viewer), body, url)

    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["field"] == field
    assert answer["error"].startswith(f"{field}: ")


def pageviews_by_visit(store: DuckDBEventStore) -> dict[int, list[tuple[datetime, str]]]:
    """Every visit's page views in order, read straight from the store: the tests' own count."""
    visits: dict[int, list[tuple[datetime, str]]] = {}
    rows = store.query(
        "SELECT session_id, ts, pathname FROM events WHERE site = ? AND name = 'pageview' "
        "ORDER BY session_id, ts",
        [SITE],
    )
    for session, ts, path in rows:
        visits.setdefault(session, []).append((ts, path))
    return visits


def test_a_funnel_is_answered_from_the_store(viewer, served) -> None:
    visitor_of = dict(served.query("SELECT DISTINCT session_id, visitor_id FROM events"))
    reached: list[set[int]] = [set(), set()]
    for session, views in pageviews_by_visit(served).items():
        home = [ts for ts, path in views if path == "/"]
        if home:
            reached[0].add(visitor_of[session])
            if any(ts > home[0] and path == "/pricing/" for ts, path in views):
                reached[1].add(visitor_of[session])

    response = post_query(
        client_for(viewer), funnel_query({"page": "/"}, {"page": "/pricing/"}), FUNNEL
    )

    assert response.status_code == 200, response.content
    first, second = response.json()["steps"]
    assert (first["label"], second["label"]) == ("Visit /", "Visit /pricing/")
    assert [first["visitors"], second["visitors"]] == [len(reached[0]), len(reached[1])]
    assert 0 < second["visitors"] < first["visitors"]
    assert second["dropoff"] == first["visitors"] - second["visitors"]
    assert second["conversion_rate"] == round(second["visitors"] / first["visitors"] * 100, 2)


def test_a_funnel_may_end_on_a_goal(viewer, served) -> None:
    response = post_query(
        client_for(viewer), funnel_query({"page": "/"}, {"goal": "Signup"}), FUNNEL
    )

    assert response.status_code == 200, response.content
    first, signup = response.json()["steps"]
    assert signup["label"] == "Signup"
    assert 0 < signup["visitors"] < first["visitors"]


def test_a_journey_is_answered_from_the_store(viewer, served) -> None:
    came_from: Counter[str] = Counter()
    went_to: Counter[str] = Counter()
    for views in pageviews_by_visit(served).values():
        paths = [path for _, path in views]
        befores = {
            paths[i - 1] if i else "(entrance)" for i, p in enumerate(paths) if p == "/pricing/"
        }
        afters = {
            paths[i + 1] if i + 1 < len(paths) else "(exit)"
            for i, p in enumerate(paths)
            if p == "/pricing/"
        }
        came_from.update(befores)  # in visits: a visit counts once per path
        went_to.update(afters)

    response = post_query(client_for(viewer), journey_query(depth=1, limit=100), JOURNEY)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["page"] == "/pricing/"
    into = {row["path"][0]: row["visits"] for row in answer["into"]}
    out_of = {row["path"][1]: row["visits"] for row in answer["out_of"]}
    assert into == dict(came_from)
    assert out_of == dict(went_to)
    assert all(row["path"][-1] == "/pricing/" for row in answer["into"])
    assert [row["visits"] for row in answer["into"]] == sorted(into.values(), reverse=True)

    deeper = post_query(client_for(viewer), journey_query(depth=3, limit=5), JOURNEY).json()
    assert len(deeper["out_of"]) == 5
    assert all(1 < len(row["path"]) <= 4 for row in deeper["out_of"])


@pytest.fixture
def google_segment(site: TrackedSite) -> Segment:
    return Segment.objects.create(
        site=site, name="From Google", filters=[["is", "visit:source", ["Google"]]]
    )


def test_a_saved_segment_filters_every_kind_of_query(viewer, served, google_segment) -> None:
    client = client_for(viewer)
    segment = [["is", "segment", [google_segment.pk]]]
    google = [["is", "visit:source", ["Google"]]]
    steps = ({"page": "/"}, {"page": "/pricing/"})

    def answers(filters: list[Any]) -> tuple[Any, ...]:
        stats = post_query(client, kpi_query(date_range=EVERYTHING, filters=filters)).json()
        funnel = post_query(client, funnel_query(*steps, filters=filters), FUNNEL).json()
        journey = post_query(client, journey_query(filters=filters), JOURNEY).json()
        return stats["results"], funnel["steps"], journey["into"]

    everyone, by_segment, by_filter = answers([]), answers(segment), answers(google)

    assert by_segment == by_filter
    assert by_segment[0][0]["metrics"][0] < everyone[0][0]["metrics"][0]
    assert by_segment[1][0]["visitors"] < everyone[1][0]["visitors"]
    assert sum(r["visits"] for r in by_segment[2]) < sum(r["visits"] for r in everyone[2])


def test_the_page_lists_the_sites_goals_and_saved_segments(viewer, site, google_segment) -> None:
    Goal.objects.create(
        site=site, kind=Goal.Kind.PAGE, page_path="/pricing/", display_name="Pricing visit"
    )
    other = TrackedSite.objects.create(domain="other.example", name="Other")
    Segment.objects.create(site=other, name="Mobile", filters=[["is", "visit:device", ["mobile"]]])

    config = client_for(viewer).get(DASHBOARD).context["dashboard_config"]

    [dash] = [s for s in config["sites"] if s["domain"] == SITE]
    assert dash["goals"] == ["Pricing visit", "Signup"]
    assert dash["segments"] == [{"id": google_segment.pk, "name": "From Google", "shared": True}]
    assert config["urls"]["segments"] == reverse("analytics_segments:index")
    assert config["urls"]["funnel"] == FUNNEL
    assert config["urls"]["journey"] == JOURNEY


@pytest.fixture
def live_visits(served: DuckDBEventStore) -> None:
    """Three visitors browsing now (and one who left ten minutes ago), added to the store."""
    now = datetime.now(UTC).replace(tzinfo=None)
    home_then_pricing: list[Step] = [("pageview", "/"), ("pageview", "/pricing/")]
    served.insert_batch(
        [
            *visit(
                SITE, now - timedelta(minutes=2), 9_000_001, "Google", [("pageview", "/pricing/")]
            ),
            *visit(SITE, now - timedelta(minutes=3), 9_000_002, "", home_then_pricing),
            *visit(SITE, now - timedelta(minutes=1), 9_000_003, "", [("pageview", "/docs/")]),
            *visit(SITE, now - timedelta(minutes=10), 9_000_004, "", [("pageview", "/about/")]),
        ]
    )


def test_realtime_counts_the_last_five_minutes(viewer, live_visits) -> None:
    client = client_for(viewer)
    realtime = {"site_id": SITE, "date_range": "realtime"}

    total = post_query(client, {**realtime, "metrics": ["visitors"]})
    pages = post_query(
        client,
        {
            **realtime,
            "metrics": ["visitors", "pageviews"],
            "dimensions": ["event:page"],
            "order_by": [["visitors", "desc"]],
        },
    )
    # A visit's bounce is not known while it may go on.
    bounces = post_query(client, {**realtime, "metrics": ["visits", "bounce_rate"]})

    assert total.status_code == 200, total.content
    assert total.json()["results"][0]["metrics"] == [3]
    assert total.json()["query"]["date_range"] == [datetime.now(UTC).date().isoformat()] * 2
    rows = {row["dimensions"][0]: row["metrics"] for row in pages.json()["results"]}
    assert rows == {"/pricing/": [2, 2], "/": [1, 1], "/docs/": [1, 1]}
    assert bounces.status_code == 400
    assert bounces.json()["field"] == "metrics[1]"


# --- annotations -----------------------------------------------------------------------------


def listed(client: Client, first: date, last: date, site: str = SITE) -> list[dict[str, Any]]:
    response = client.get(ANNOTATIONS, {"site": site, "first": first, "last": last})
    assert response.status_code == 200, response.content
    notes: list[dict[str, Any]] = response.json()["annotations"]
    return notes


def test_an_editor_adds_a_note_that_is_listed_for_its_days(editor, publisher, site) -> None:
    client = client_for(editor)
    day = TODAY - timedelta(days=3)

    response = client.post(ANNOTATIONS, {"site": SITE, "date": day, "text": "  Newsletter sent "})

    assert response.status_code == 201
    note = Annotation.objects.get()
    assert (note.site, note.date, note.text, note.created_by) == (
        site,
        day,
        "Newsletter sent",
        editor,
    )
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(note.pk)).exists()
    [shown] = listed(client, day, day)
    assert shown == {
        "kind": "note",
        "date": day.isoformat(),
        "hour": None,
        "text": "Newsletter sent",
        "author": editor.get_full_name(),
        "id": note.pk,
        "can_delete": False,
    }
    assert listed(client_for(publisher), day, day)[0]["can_delete"] is True
    assert listed(client, day + timedelta(days=1), day + timedelta(days=9)) == []


def test_a_viewer_reads_notes_but_may_not_write_them(viewer, site) -> None:
    response = client_for(viewer).post(ANNOTATIONS, {"site": SITE, "date": TODAY, "text": "Hi"})

    assert response.status_code == 403
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"site": SITE, "text": "No day"}, "date: This field is required."),
        ({"site": SITE, "date": "yesterday", "text": "x"}, "date: Enter a valid date."),
        ({"site": SITE, "date": "2026-01-01", "text": "   "}, "text: This field is required."),
        ({"site": SITE, "date": "2026-01-01", "text": "x" * 201}, "text: Ensure this value"),
        ({"site": "unknown.example", "date": "2026-01-01", "text": "x"}, "site: Select a valid"),
    ],
)
def test_bad_notes_are_a_400_with_the_reason(editor, site, data, message: str) -> None:
    response = client_for(editor).post(ANNOTATIONS, data)

    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert not Annotation.objects.exists()


def test_a_publisher_deletes_a_note_an_editor_may_not(editor, publisher, site) -> None:
    note = Annotation.objects.create(site=site, date=TODAY, text="Launch", created_by=editor)
    url = reverse("analytics_dashboard_annotation_delete", args=[note.pk])

    assert client_for(editor).post(url).status_code == 403
    assert client_for(publisher).get(url).status_code == 405
    response = client_for(publisher).post(url)

    assert response.status_code == 200
    assert not Annotation.objects.exists()
    assert client_for(publisher).post(url).status_code == 404


def test_page_publishes_on_the_sites_domain_are_listed(viewer, home, site) -> None:
    # The default Wagtail site serves "localhost"; track that domain too.
    TrackedSite.objects.create(domain="localhost", name="Local")
    Site.objects.filter(is_default_site=True).update(hostname="www.localhost")
    page = StandardPageFactory(parent=home, title="Spring launch")  # published
    client = client_for(viewer)

    shown = listed(client, TODAY - timedelta(days=1), TODAY, "localhost")

    texts = [a["text"] for a in shown if a["kind"] == "publish"]
    assert f"Published: {page.title}" in texts
    publish = next(a for a in shown if a["text"] == f"Published: {page.title}")
    # The site's day (UTC here), which may be the test machine's yesterday.
    assert publish["date"] in {TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat()}
    assert publish["hour"].startswith(publish["date"])
    assert publish["can_delete"] is False
    # Another tracked domain does not show this Wagtail site's publishes; nor do other days.
    assert listed(client, TODAY - timedelta(days=1), TODAY) == []
    assert listed(client, TODAY - timedelta(days=30), TODAY - timedelta(days=20), "localhost") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"site": SITE, "first": "2026-02-01"}, "last: This field is required."),
        ({"site": SITE, "first": "2026-02-01", "last": "2026-01-01"}, "The first day is after"),
        ({"site": SITE, "first": "1990-01-01", "last": "2026-01-01"}, "At most 3700 days"),
        ({"site": "nope.example", "first": "2026-01-01", "last": "2026-01-02"}, "site: Select"),
    ],
)
def test_bad_ranges_are_a_400(viewer, site, params, message: str) -> None:
    for url in (ANNOTATIONS, PROPERTY_KEYS):
        response = client_for(viewer).get(url, params)
        assert response.status_code == 400, url
        assert response.json()["error"].startswith(message)


# --- property keys ---------------------------------------------------------------------------


def test_property_keys_are_those_sent_in_the_range(viewer, served) -> None:
    client = client_for(viewer)

    keys = client.get(PROPERTY_KEYS, {"site": SITE, "first": TODAY - timedelta(30), "last": TODAY})
    none = client.get(PROPERTY_KEYS, {"site": SITE, "first": "2020-01-01", "last": "2020-02-01"})

    assert keys.status_code == 200
    assert {"plan", "url"} <= set(keys.json()["keys"])
    assert none.json() == {"keys": []}


def test_property_keys_without_the_mover_are_a_503(viewer, site, no_store) -> None:
    response = client_for(viewer).get(
        PROPERTY_KEYS, {"site": SITE, "first": "2026-01-01", "last": "2026-01-31"}
    )

    assert response.status_code == 503
    assert "analytics_mover" in response.json()["error"]


def test_a_store_failing_a_query_is_a_json_500_that_is_logged(
    viewer, site, failing_store, caplog
) -> None:
    client = client_for(viewer)

    keys = client.get(PROPERTY_KEYS, {"site": SITE, "first": "2026-01-01", "last": "2026-01-31"})
    stats = post_query(client, kpi_query())
    funnel = post_query(client, funnel_query({"page": "/"}, {"goal": "Signup"}), FUNNEL)
    journey = post_query(client, journey_query(), JOURNEY)

    for response in (keys, stats, funnel, journey):
        assert response.status_code == 500
        assert response.json()["error"] == "the store could not answer this query; it is logged"
    assert caplog.text.count("the store failed a query") == 4
    assert '"steps": [{"page": "/"}' in caplog.text  # the funnel as it was asked


# --- the vendored chart library ---------------------------------------------------------------


def _fetch_script() -> Any:
    path = REPO_ROOT / "scripts" / "fetch_vendor_assets.py"
    spec = importlib.util.spec_from_file_location("fetch_vendor_assets", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A stand-in npm registry on 127.0.0.1 serving tarballs from tmp_path/registry."""
    root = tmp_path / "registry"
    root.mkdir()
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()
    server.server_close()


def _tarball(root: Path, name: str, version: str, members: dict[str, bytes]) -> str:
    """Writes the package where the registry serves it; returns its npm integrity string."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, content in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    data = buffer.getvalue()
    (root / name / "-").mkdir(parents=True, exist_ok=True)
    (root / name / "-" / f"{name}-{version}.tgz").write_bytes(data)
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_vendor_assets_are_verified_extracted_and_fetched_once(registry, tmp_path) -> None:
    url, requested = registry
    fetch = _fetch_script()
    integrity = _tarball(
        tmp_path / "registry",
        "chartlib",
        "1.0.0",
        {"package/dist/chart.min.js": b"chart();", "package/LICENSE": b"MIT", "package/x": b""},
    )
    package = fetch.VendorPackage(
        name="chartlib",
        version="1.0.0",
        integrity=integrity,
        files={"package/dist/chart.min.js": "chart.min.js", "package/LICENSE": "LICENSE"},
    )
    vendor = tmp_path / "vendor"

    assert fetch.install(package, registry=url, vendor_dir=vendor) is True
    assert fetch.install(package, registry=url, vendor_dir=vendor) is False

    assert (vendor / "chartlib" / "chart.min.js").read_bytes() == b"chart();"
    assert sorted(p.name for p in (vendor / "chartlib").iterdir()) == [
        ".fetched",
        "LICENSE",
        "chart.min.js",
    ]
    assert requested == ["/chartlib/-/chartlib-1.0.0.tgz"]  # the second run asked nothing


def test_vendor_assets_refuse_a_tarball_that_is_not_the_pinned_one(registry, tmp_path) -> None:
    url, _ = registry
    fetch = _fetch_script()
    pinned = _tarball(tmp_path / "registry", "chartlib", "1.0.0", {"package/a.js": b"good"})
    _tarball(tmp_path / "registry", "chartlib", "1.0.0", {"package/a.js": b"evil"})
    package = fetch.VendorPackage("chartlib", "1.0.0", pinned, {"package/a.js": "a.js"})

    with pytest.raises(fetch.VendorAssetError, match="integrity mismatch: expected sha512-"):
        fetch.install(package, registry=url, vendor_dir=tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()

    _tarball(tmp_path / "registry", "chartlib", "1.0.0", {"package/a.js": b"good"})
    missing = fetch.VendorPackage("chartlib", "1.0.0", pinned, {"package/b.js": "b.js"})
    with pytest.raises(fetch.VendorAssetError, match=r"has no package/b\.js"):
        fetch.install(missing, registry=url, vendor_dir=tmp_path / "vendor")


def test_vendor_assets_say_when_the_registry_cannot_be_reached(tmp_path) -> None:
    fetch = _fetch_script()
    package = fetch.PACKAGES[0]
    closed = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(fetch.VendorAssetError, match=r"could not download http://127\.0\.0\.1"):
        fetch.install(package, registry=closed, vendor_dir=tmp_path / "vendor")


def test_the_page_uses_the_files_the_pin_extracts() -> None:
    fetch = _fetch_script()
    [uplot] = [p for p in fetch.PACKAGES if p.name == "uplot"]
    template = (
        REPO_ROOT / "src/commonground/analytics/templates/analytics/dashboard/index.html"
    ).read_text()
    for name in ("uPlot.iife.min.js", "uPlot.min.css"):
        assert name in uplot.files.values()
        assert f"analytics/vendor/uplot/{name}" in template
    assert uplot.integrity.startswith("sha512-")


def test_realtime_visitors_are_counted_exactly_even_on_the_dashboard(site) -> None:
    # The dashboard asks with approximate=True; HyperLogLog can say 2 for 3 visitors.
    from commonground.analytics.queries import parse_query
    from commonground.analytics.queries.stats import StatsRunner

    asked: list[str] = []

    def reader(sql: str, params: object) -> list[tuple[object, ...]]:
        asked.append(sql)
        return []

    for date_range, approximate in (("realtime", False), ("7d", True)):
        asked.clear()
        query = parse_query({"site_id": SITE, "date_range": date_range, "metrics": ["visitors"]})
        StatsRunner(approximate=True).run(query, reader=reader)
        estimated = any("APPROX_COUNT_DISTINCT" in sql.upper() for sql in asked)
        assert estimated is approximate, date_range
