"""Issue 15, point 6, over HTTP: segments saved from the filter dialog (who may, who sees
them, bad input refused with a message, the audit trail), and the dashboard's answers that
keep it from misleading (the bucket still filling; no change claimed without a comparison).
"""

import json
import urllib.error
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import ModelLogEntry

from commonground.analytics.models import Segment, TrackedSite
from commonground.core import roles

from ..conftest import client_for
from ..core.factories import UserFactory
from . import test_dashboard as dashboard_tests
from .test_dashboard import QUERY, SITE, TODAY, post_query

# The dashboard tests' site and its generated traffic behind the query service.
site = dashboard_tests.site
served = dashboard_tests.served

SAVE = reverse("analytics_dashboard_save_segment")
DASHBOARD = reverse("analytics_dashboard")
GOOGLE = [["is", "visit:source", ["Google"]], ["contains", "event:page", ["/pricing"]]]


def save(client: Client, body: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(SAVE, data=data, content_type="application/json")


def listed(client: Client, domain: str = SITE) -> list[str]:
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    config = page.context["dashboard_config"]
    return [
        s["name"] for s in next(x for x in config["sites"] if x["domain"] == domain)["segments"]
    ]


def test_a_private_segment_is_saved_audited_and_listed_only_for_its_author(site, publisher) -> None:
    other = UserFactory(roles=[roles.MARKETING_PUBLISHER])
    response = save(
        client_for(publisher),
        {"site": SITE, "name": "  Google  pricing ", "filters": GOOGLE, "shared": False},
    )

    assert response.status_code == 201, response.content
    segment = Segment.objects.get(pk=response.json()["id"])
    assert (segment.name, segment.filters, segment.shared) == ("Google pricing", GOOGLE, False)
    assert segment.created_by == publisher
    assert ModelLogEntry.objects.filter(
        action="wagtail.create", object_id=str(segment.pk), user=publisher
    ).exists()
    assert listed(client_for(publisher)) == ["Google pricing"]
    assert listed(client_for(other)) == []


def test_a_shared_segment_is_listed_for_everyone_and_filters_the_stats(
    served, publisher, viewer
) -> None:
    saved = save(client_for(publisher), {"site": SITE, "name": "Google pricing", "filters": GOOGLE})
    assert saved.status_code == 201
    assert listed(client_for(viewer)) == ["Google pricing"]

    def visitors(filters: list[Any]) -> int:
        body = {"site_id": SITE, "date_range": "30d", "metrics": ["visitors"], "filters": filters}
        return post_query(client_for(viewer), body).json()["results"][0]["metrics"][0]

    by_segment = visitors([["is", "segment", [saved.json()["id"]]]])
    assert 0 < by_segment == visitors(GOOGLE) < visitors([])


def test_the_viewer_may_not_save_a_segment(site, viewer) -> None:
    response = save(client_for(viewer), {"site": SITE, "name": "Mine", "filters": GOOGLE})

    assert response.status_code == 403
    assert response.json()["error"] == "You may not do this."
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "body: not valid JSON"),
        (b"\xff\xfe\x00odd", "body: not valid JSON"),
        ({"site": SITE, "name": "x"}, "missing required field `filters`"),
        ({"site": SITE, "name": "x", "filters": [], "extra": 1}, "unknown field `extra`"),
        ({"site": "nope.example", "name": "x", "filters": GOOGLE}, "site: no tracked site"),
        ({"site": SITE, "name": "   ", "filters": GOOGLE}, "name: give the segment a name."),
        ({"site": SITE, "name": "x" * 121, "filters": GOOGLE}, "name: at most 120 characters."),
        ({"site": SITE, "name": "x", "filters": []}, "filters: A segment is a non-empty list"),
        (
            {"site": SITE, "name": "x", "filters": [["is", "visit:nope", ["a"]]]},
            "unknown dimension",
        ),
        (
            {"site": SITE, "name": "x", "filters": [["is", "segment", [1]]]},
            "cannot contain a segment",
        ),
        (
            {"site": SITE, "name": "x", "filters": [["not"] * 2] * 1 + [[["and", [[]]]] * 1]},
            "filters:",
        ),
        ({"site": SITE, "name": "x", "filters": json.loads("[" * 200 + "]" * 200)}, "filters:"),
        ({"site": SITE, "name": "x", "filters": GOOGLE, "shared": "yes"}, "expected `bool`"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_saves_nothing(
    site, publisher, body, message
) -> None:
    response = save(client_for(publisher), body)

    assert response.status_code == 400, response.content
    assert message in response.json()["error"]
    assert not Segment.objects.exists()


def test_a_taken_name_and_wrong_methods_are_refused(site, publisher) -> None:
    client = client_for(publisher)
    assert save(client, {"site": SITE, "name": "Google", "filters": GOOGLE}).status_code == 201

    again = save(client, {"site": SITE, "name": "Google", "filters": GOOGLE})

    assert again.status_code == 400
    assert "already has a segment called “Google”" in again.json()["error"]
    assert client.get(SAVE).status_code == 405
    assert client.put(SAVE, data="{}", content_type="application/json").status_code == 405
    assert Segment.objects.count() == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(["site", "name", "filters", "shared", "x"]), inner, max_size=5
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_body_is_answered_without_a_server_error(site, publisher, body) -> None:
    response = save(client_for(publisher), json.dumps(body).encode())

    assert response.status_code in (201, 400), response.content
    assert "error" in response.json() or response.status_code == 201


def test_the_live_server_refuses_a_deep_body_and_saves_a_good_one(
    live_url, transactional_db
) -> None:
    TrackedSite.objects.create(domain=SITE, name="Dash", time_zone="UTC")
    user = UserFactory(roles=[roles.MARKETING_EDITOR])
    client = client_for(user)
    client.get(DASHBOARD)  # sets the CSRF cookie
    cookies = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    token = client.cookies["csrftoken"].value

    def post(body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{live_url}{SAVE}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Cookie": cookies,
                "X-CSRFToken": token,
                "Referer": f"{live_url}{DASHBOARD}",
                "Origin": live_url,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            text = error.read()
            assert text.startswith(b"{"), (error.code, text[:300])
            return error.code, json.loads(text)

    deep = (
        b'{"site": "%s", "name": "x", "filters": ' % SITE.encode()
        + b"[" * 5000
        + b"]" * 5000
        + b"}"
    )
    status, answer = post(deep)
    assert (status, answer["error"]) == (400, "body: nested too deeply to be a query")
    # The query endpoint reads its body the same way (it answered 500 before).
    query = urllib.request.Request(
        f"{live_url}{QUERY}",
        data=deep,
        headers={
            "Content-Type": "application/json",
            "Cookie": cookies,
            "X-CSRFToken": token,
            "Origin": live_url,
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(query, timeout=10)
    assert refused.value.code == 400
    status, answer = post(json.dumps({"site": SITE, "name": "Live", "filters": GOOGLE}).encode())
    assert status == 201, answer
    assert Segment.objects.get(pk=answer["id"]).created_by == user


# --- answers that do not mislead -------------------------------------------------------------


def test_the_graph_is_told_which_bucket_is_still_filling(served, viewer) -> None:
    body = {
        "site_id": SITE,
        "date_range": "30d",
        "metrics": ["visitors"],
        "dimensions": ["time:day"],
        "include": {"time_labels": True, "comparison": "previous_period"},
    }
    answer = post_query(client_for(viewer), body).json()

    assert answer["meta"]["partial_time_label"] == TODAY.isoformat()
    assert answer["meta"]["time_labels"][-1] == TODAY.isoformat()
    # Compared up to the same time of day: the comparison's last bound is a date-time.
    first, last = answer["meta"]["comparison_date_range"]
    assert first == (TODAY - timedelta(days=59)).isoformat()
    assert last.startswith(f"{(TODAY - timedelta(days=30)).isoformat()}T")
    finished = {**body, "date_range": ["2020-01-01", "2020-01-31"]}
    assert "partial_time_label" not in post_query(client_for(viewer), finished).json()["meta"]


def test_no_figure_claims_a_change_when_the_comparison_has_no_visits(served, viewer) -> None:
    # Twelve months back from here is before the generated traffic (40 days) began.
    body = {
        "site_id": SITE,
        "date_range": "12mo",
        "include": {"comparison": "previous_period"},
        "metrics": ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"],
    }
    row = post_query(client_for(viewer), body).json()["results"][0]

    assert row["metrics"][0] > 0 and row["metrics"][3] > 0
    assert row["comparison"]["change"] == [None, None, None, None, None]
    # With visits in both periods, every figure has its change, rates included.
    recent = {**body, "date_range": "7d"}
    changes = post_query(client_for(viewer), recent).json()["results"][0]["comparison"]["change"]
    assert all(change is not None for change in changes)


def test_a_date_time_range_is_accepted_by_the_query_endpoint(served, viewer) -> None:
    day = (TODAY - timedelta(days=2)).isoformat()
    body = {"site_id": SITE, "metrics": ["visitors"]}
    whole = post_query(client_for(viewer), {**body, "date_range": [day, day]}).json()
    morning = post_query(
        client_for(viewer), {**body, "date_range": [day, f"{day}T11:59:59"]}
    ).json()

    assert 0 < morning["results"][0]["metrics"][0] < whole["results"][0]["metrics"][0]
    assert date.fromisoformat(morning["query"]["date_range"][1]) == date.fromisoformat(day)
