"""The decision log: technology-request decisions enter it by themselves (governance's real
approve and reject, one entry per decision, in governance's transaction); searching it;
and its CSV export, where a cell that looks like a formula stays text."""

import csv
import io
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from commonground.alignment.models import Decision
from commonground.alignment.reviews import services
from commonground.governance.models import TechnologyRequest
from commonground.governance.registry import services as governance

from ..conftest import client_for
from ..governance.factories import submitted_request
from .meetings import a_series, past

LOG = "/admin/alignment/meetings/decisions/"


def test_approving_and_rejecting_write_one_decision_each(editor: Any, it_admin: Any) -> None:
    approved = submitted_request(editor, name="Heatmaps Pro")
    rejected = submitted_request(editor, name="Pixel Tracker", **{"img-src": ["px.example"]})
    governance.decide(user=it_admin, request=approved, approve=True, rationale="DPA signed.")
    governance.decide(user=it_admin, request=rejected, approve=False, rationale="Sells data.")
    with pytest.raises(governance.RequestClosedError):
        governance.decide(user=it_admin, request=approved, approve=False, rationale="Again.")

    log = {d.request_id: d for d in Decision.objects.all()}
    assert set(log) == {approved.pk, rejected.pk}
    first = log[approved.pk]
    assert first.source == "technology_request" and first.meeting is None
    assert first.title == "Approved: Heatmaps Pro"
    assert "DPA signed." in first.decision and first.owner == it_admin
    assert first.decided_on == timezone.localdate()
    assert "approved in the technology registry" in first.consequences
    assert log[rejected.pk].title == "Rejected: Pixel Tracker"
    assert "Sells data." in log[rejected.pk].decision


def test_the_decision_rolls_back_with_governance(editor: Any, it_admin: Any) -> None:
    request = submitted_request(editor)
    with pytest.raises(RuntimeError), transaction.atomic():
        governance.decide(user=it_admin, request=request, approve=True, rationale="Fine.")
        assert Decision.objects.filter(request_id=request.pk).exists()  # in the same transaction
        raise RuntimeError("the rest of the decision failed")
    assert not Decision.objects.exists()
    assert TechnologyRequest.objects.get(pk=request.pk).is_open


@pytest.fixture
def logged(cmo: Any, cio: Any, editor: Any, it_admin: Any) -> dict[str, Decision]:
    series = a_series(cmo, [cmo, cio], first_date=past(3))
    meeting = series.meetings.order_by("starts_at").first()

    def add(title: str, days_ago: int, **fields: Any) -> Decision:
        return services.add_decision(
            user=cmo,
            meeting=meeting,
            details=services.DecisionDetails(
                title=title,
                decided_on=past(days_ago),
                decision=fields.pop("decision", "Yes."),
                **fields,
            ),
        )

    governance.decide(
        user=it_admin, request=submitted_request(editor), approve=True, rationale="Fine."
    )
    return {
        "speed": add("Speed first", 20, context="LCP is 3.4 s", owner=cmo),
        "budget": add("Move budget", 5, consequences="April gets more paid", owner=cio),
        "formula": add('=HYPERLINK("http://evil")', 2, decision="+1 more", context="@SUM(A1)"),
    }


def _listed(client: Any, query: str) -> list[str]:
    response = client.get(f"{LOG}?{query}")
    assert response.status_code == 200
    return [d.title for d in response.context["page_obj"]]


def test_the_log_searches_text_owner_dates_and_source(
    logged: dict[str, Decision], viewer: Any, cio: Any
) -> None:
    client = client_for(viewer)
    assert _listed(client, "q=lcp") == ["Speed first"]  # the context
    assert _listed(client, "q=april") == ["Move budget"]  # the consequences
    cio.last_name = "Anagonye"
    cio.save()
    assert _listed(client, "q=anagonye") == ["Move budget"]  # the owner
    assert _listed(client, "q=speed+first") == ["Speed first"]
    since = past(6).isoformat()
    assert set(_listed(client, f"first={since}")) == {
        "Move budget",
        '=HYPERLINK("http://evil")',
        "Approved: Heatmaps Pro",
    }
    assert _listed(client, f"first={past(21).isoformat()}&last={past(10).isoformat()}") == [
        "Speed first"
    ]
    assert _listed(client, "source=technology_request") == ["Approved: Heatmaps Pro"]
    assert len(_listed(client, "")) == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [("first=yesterday", "first"), ("source=rumour", "source"), ("q=" + "x" * 300, "q")],
)
def test_a_bad_search_names_the_field(logged: Any, viewer: Any, query: str, field: str) -> None:
    response = client_for(viewer).get(f"{LOG}?{query}")
    assert response.status_code == 400 and field in response.context["form"].errors
    export = client_for(viewer).get(f"{LOG}export.csv?{query}")
    assert export.status_code == 400
    assert response.context["form"][field].label in export.content.decode()


def test_an_inverted_date_range_is_refused(logged: Any, viewer: Any) -> None:
    query = f"first={past(1).isoformat()}&last={past(9).isoformat()}"
    response = client_for(viewer).get(f"{LOG}?{query}")
    assert response.status_code == 400 and "last" in response.context["form"].errors


def test_the_csv_export_keeps_formulas_as_text(logged: dict[str, Decision], viewer: Any) -> None:
    response = client_for(viewer).get(f"{LOG}export.csv?first={past(3).isoformat()}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["decided_on", "title", "context", "decision", "consequences", "owner"]
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {'\'=HYPERLINK("http://evil")', "Approved: Heatmaps Pro"}
    evil = by_title['\'=HYPERLINK("http://evil")']
    assert evil[2] == "'@SUM(A1)" and evil[3] == "'+1 more"
    assert evil[0] == past(2).isoformat()
    request_row = by_title["Approved: Heatmaps Pro"]
    assert request_row[6] == "Technology request" and request_row[7].isdigit()
