"""The "Goals" and "Segments" admin, through Wagtail's HTTP views as each role's user."""

import pytest
from django.http import HttpResponse
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.analytics.eventstore.generator import traffic as generator
from commonground.analytics.models import Goal, Segment, TrackedSite
from commonground.analytics.public import ensure_goals
from commonground.analytics.queries import QueryError, parse_query
from commonground.analytics.queries.context import expand_segments
from commonground.content.demo.loader import GOAL_EVENTS, GOAL_PAGES

from ..conftest import client_for

pytestmark = pytest.mark.django_db

GOALS_ADD = reverse("analytics_goals:add")
GOALS_INDEX = reverse("analytics_goals:index")
SEGMENTS_ADD = reverse("analytics_segments:add")
SEGMENTS_INDEX = reverse("analytics_segments:index")
DENIED = reverse("wagtailadmin_home")  # where Wagtail sends a browser it refuses


@pytest.fixture
def site() -> TrackedSite:
    return TrackedSite.objects.create(domain="goals.example", name="Goals")


def field_errors(response: HttpResponse, field: str) -> list[str]:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return list(response.context["form"].errors.get(field, []))


def goal_data(site: TrackedSite, **values: str) -> dict[str, str]:
    data = {"site": str(site.pk), "kind": "event", "event_name": "", "page_path": ""}
    data["display_name"] = ""
    data.update(values)
    return data


def logged(instance: object, action: str) -> bool:
    return ModelLogEntry.objects.filter(
        object_id=str(instance.pk),  # type: ignore[attr-defined]
        action=action,
    ).exists()


# --- goals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "publisher", "it_admin"])
def test_marketing_and_it_add_goals_named_for_what_they_count(request, role, site) -> None:
    user = request.getfixturevalue(role)
    client = client_for(user)
    answer = client.post(GOALS_ADD, goal_data(site, event_name=" Signup "))
    assert answer.status_code == 302, answer.context and answer.context["form"].errors
    answer = client.post(GOALS_ADD, goal_data(site, kind="page", page_path="/blog/**"))
    assert answer.status_code == 302
    goals = {(g.display_name, g.kind, g.event_name, g.page_path) for g in site.goals.all()}
    assert goals == {("Signup", "event", "Signup", ""), ("Visit /blog/**", "page", "", "/blog/**")}
    signup = Goal.objects.get(display_name="Signup")
    assert logged(signup, "wagtail.create")


def test_a_goal_needs_what_its_kind_counts(editor, site) -> None:
    client = client_for(editor)
    assert field_errors(client.post(GOALS_ADD, goal_data(site)), "event_name") == [
        "An event goal needs the event's name, e.g. Signup."
    ]
    assert (
        "page goal"
        in field_errors(
            client.post(GOALS_ADD, goal_data(site, event_name="pageview")), "event_name"
        )[0]
    )
    for path in ("", "pricing/", "https://goals.example/pricing/"):
        errors = field_errors(
            client.post(GOALS_ADD, goal_data(site, kind="page", page_path=path)), "page_path"
        )
        assert errors == ["A page goal needs a path starting with /, e.g. /pricing/ or /blog/**."]
    assert field_errors(
        client.post(GOALS_ADD, goal_data(site, kind="page", page_path="/a b/")), "page_path"
    ) == ["A path has no spaces."]
    assert field_errors(client.post(GOALS_ADD, goal_data(site, kind="nonsense")), "kind")
    assert not Goal.objects.exists()


def test_a_page_goal_keeps_no_event_name_and_the_other_way_round(editor, site) -> None:
    client = client_for(editor)
    client.post(GOALS_ADD, goal_data(site, kind="page", page_path="/pricing/", event_name="Signup"))
    client.post(GOALS_ADD, goal_data(site, kind="event", page_path="/x/", event_name="Purchase"))
    assert set(Goal.objects.values_list("display_name", "event_name", "page_path")) == {
        ("Visit /pricing/", "", "/pricing/"),
        ("Purchase", "Purchase", ""),
    }


def test_a_name_or_definition_taken_on_the_site_is_a_form_error(editor, site) -> None:
    client = client_for(editor)
    Goal.objects.create(site=site, display_name="Signup", kind="event", event_name="Signup")
    assert field_errors(
        client.post(GOALS_ADD, goal_data(site, event_name="Signup")), "display_name"
    ) == ["goals.example already has a goal called “Signup”."]
    assert field_errors(
        client.post(GOALS_ADD, goal_data(site, event_name="Signup", display_name="Sign-ups")),
        "event_name",
    ) == ["The goal “Signup” already counts this."]
    # The same goal on another site is another goal.
    other = TrackedSite.objects.create(domain="other.example", name="Other")
    assert client.post(GOALS_ADD, goal_data(other, event_name="Signup")).status_code == 302
    assert Goal.objects.filter(display_name="Signup").count() == 2


def test_editing_and_deleting_are_logged(publisher, site) -> None:
    client = client_for(publisher)
    goal = Goal.objects.create(site=site, display_name="Signup", kind="event", event_name="Signup")
    edit = reverse("analytics_goals:edit", args=[goal.pk])
    # Editing a goal to its own name is not a clash with itself.
    answer = client.post(edit, goal_data(site, event_name="Signup", display_name="Signup"))
    assert answer.status_code == 302
    answer = client.post(edit, goal_data(site, event_name="Signup", display_name="Sign-ups"))
    assert answer.status_code == 302
    assert Goal.objects.get().display_name == "Sign-ups"
    assert logged(goal, "wagtail.edit")
    assert client.post(reverse("analytics_goals:delete", args=[goal.pk])).status_code == 302
    assert not Goal.objects.exists()
    assert logged(goal, "wagtail.delete")


def test_viewers_see_goals_and_change_nothing(viewer, site) -> None:
    goal = Goal.objects.create(site=site, display_name="Signup", kind="event", event_name="Signup")
    client = client_for(viewer)
    listing = client.get(GOALS_INDEX)
    assert listing.status_code == 200
    assert "Signup" in listing.content.decode()
    assert GOALS_ADD not in listing.content.decode()
    assert client.get(reverse("analytics_goals:inspect", args=[goal.pk])).status_code == 200
    for url, data in (
        (GOALS_ADD, goal_data(site, event_name="Purchase")),
        (reverse("analytics_goals:edit", args=[goal.pk]), goal_data(site, event_name="Other")),
        (reverse("analytics_goals:delete", args=[goal.pk]), {}),
    ):
        answer = client.post(url, data)
        assert answer.status_code == 302 and answer["Location"] == DENIED, url
    assert list(Goal.objects.values_list("display_name", flat=True)) == ["Signup"]


# --- segments --------------------------------------------------------------------------------


def segment_data(site: TrackedSite, filters: str, name: str = "From Google") -> dict[str, str]:
    return {"site": str(site.pk), "name": name, "filters": filters}


def test_a_segment_is_saved_with_its_author_and_used_by_queries(editor, site) -> None:
    client = client_for(editor)
    filters = '[["is", "visit:source", ["Google"]], ["contains", "event:page", ["/blog/"]]]'
    answer = client.post(SEGMENTS_ADD, segment_data(site, filters))
    assert answer.status_code == 302, answer.context and answer.context["form"].errors
    segment = Segment.objects.get()
    assert segment.created_by == editor
    assert segment.filters == [
        ["is", "visit:source", ["Google"]],
        ["contains", "event:page", ["/blog/"]],
    ]
    assert logged(segment, "wagtail.create")
    query = parse_query(
        {
            "site_id": site.domain,
            "date_range": "7d",
            "metrics": ["visitors"],
            "filters": [["is", "segment", [segment.pk]]],
        }
    )
    [expanded] = expand_segments(query, site.domain).filters
    assert [child.dimension.name for child in expanded.children] == ["visit:source", "event:page"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("", "A segment is a non-empty list of filters"),
        ("[]", "A segment is a non-empty list of filters"),
        ('{"is": "x"}', "A segment is a non-empty list of filters"),
        ('[["is", "visit:nowhere", ["x"]]]', "filters[0][1]: unknown dimension 'visit:nowhere'"),
        ('[["resembles", "visit:source", ["x"]]]', "filters[0][0]: unknown operator 'resembles'"),
        ('[["matches", "event:page", ["(unclosed"]]]', "filters[0][2][0]: not a valid pattern"),
        ('[["is", "event:goal", ["Nobody set this up"]]]', "the site has no goal named"),
        ('[["is", "segment", [1]]]', "A segment cannot contain a segment."),
        ('[["not", ["is", "segment", [1]]]]', "A segment cannot contain a segment."),
    ],
)
def test_filters_a_query_could_not_use_are_refused_with_its_message(
    editor, site, filters, message
) -> None:
    client = client_for(editor)
    errors = field_errors(client.post(SEGMENTS_ADD, segment_data(site, filters)), "filters")
    assert len(errors) == 1 and message in errors[0], errors
    assert not Segment.objects.exists()


def test_a_stored_segment_nesting_a_segment_anywhere_is_refused_by_the_query(site) -> None:
    # Written behind the form's back (an older row, a script): the query still refuses it,
    # however deep the reference sits.
    inner = Segment.objects.create(site=site, name="Inner", filters=[["is", "visit:os", ["x"]]])
    outer = Segment.objects.create(
        site=site,
        name="Outer",
        filters=[["or", [["is", "visit:country", ["DE"]], ["is", "segment", [inner.pk]]]]],
    )
    query = parse_query(
        {
            "site_id": site.domain,
            "date_range": "7d",
            "metrics": ["visitors"],
            "filters": [["is", "segment", [outer.pk]]],
        }
    )
    with pytest.raises(QueryError) as refused:
        expand_segments(query, site.domain)
    assert str(refused.value) == "filters[0]: a segment cannot contain a segment"


def test_segment_json_that_is_not_json_and_taken_names_are_form_errors(editor, site) -> None:
    client = client_for(editor)
    assert field_errors(client.post(SEGMENTS_ADD, segment_data(site, "[[")), "filters")
    Segment.objects.create(site=site, name="From Google", filters=[["is", "visit:source", ["x"]]])
    errors = field_errors(
        client.post(SEGMENTS_ADD, segment_data(site, '[["is", "visit:source", ["y"]]]')), "name"
    )
    assert errors == ["goals.example already has a segment called “From Google”."]


def test_viewers_see_segments_and_change_nothing(viewer, site) -> None:
    segment = Segment.objects.create(
        site=site, name="Germany", filters=[["is", "visit:country", ["DE"]]]
    )
    client = client_for(viewer)
    assert "Germany" in client.get(SEGMENTS_INDEX).content.decode()
    assert client.get(reverse("analytics_segments:inspect", args=[segment.pk])).status_code == 200
    answer = client.post(SEGMENTS_ADD, segment_data(site, '[["is", "visit:country", ["FR"]]]'))
    assert answer.status_code == 302 and answer["Location"] == DENIED
    answer = client.post(reverse("analytics_segments:delete", args=[segment.pk]))
    assert answer.status_code == 302 and answer["Location"] == DENIED
    assert Segment.objects.count() == 1


# --- the demo's goals ------------------------------------------------------------------------


def test_the_demo_goals_are_what_the_demo_traffic_sends(site) -> None:
    # The generated history holds these event names, so the demo dashboard shows conversions.
    assert set(GOAL_EVENTS) <= set(generator._NAMES)
    assert set(GOAL_PAGES) <= set(generator.DEFAULT_PATHS)
    assert ensure_goals(site=site, events=GOAL_EVENTS, pages=GOAL_PAGES) == 6
    assert ensure_goals(site=site, events=GOAL_EVENTS, pages=GOAL_PAGES) == 0
    assert set(site.goals.values_list("display_name", flat=True)) == {
        *GOAL_EVENTS,
        "Visit /pricing/",
    }
