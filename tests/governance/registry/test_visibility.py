"""Costs and risk reasons are for the leads and IT only (issue 14, point 10): Viewers and
marketing see a registry entry without them, on its page, on a request's page and in the
export; IT and both leads see them."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from commonground.core.roles import IT_LEAD, MARKETING_LEAD, MARKETING_PUBLISHER, VIEWER
from commonground.governance.models import Technology

from ...conftest import client_for
from ...core.factories import UserFactory
from ..factories import submitted_request

COST = "4321.50"


def _entry(editor: Any) -> tuple[Any, Technology]:
    request = submitted_request(editor, name="Costly Tool", data_category="personal")
    technology = request.technology
    Technology.objects.filter(pk=technology.pk).update(annual_cost=Decimal(COST))
    technology.refresh_from_db()
    assert "no data-processing agreement signed" in technology.risk_reason
    return request, technology


def _export(client: Any) -> list[dict[str, str]]:
    response = client.get(reverse("governance_registry:index"), {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def _pages(client: Any, request: Any, technology: Technology) -> str:
    inspect = client.get(reverse("governance_registry:inspect", args=[technology.pk]))
    detail = client.get(reverse("governance_request", args=[request.pk]))
    assert (inspect.status_code, detail.status_code) == (200, 200)
    return inspect.content.decode() + detail.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer", "editor", "publisher"])
def test_viewers_and_marketing_see_no_cost_or_risk_reason(
    request: Any, editor: Any, role: str
) -> None:
    tech_request, technology = _entry(editor)
    client = client_for(request.getfixturevalue(role))
    html = _pages(client, tech_request, technology)
    assert "Costly Tool" in html
    assert "4321" not in html and "4,321" not in html
    assert "no data-processing agreement signed" not in html
    [row] = _export(client)
    assert row["Tool"] == "Costly Tool"
    assert "Annual cost" not in row and "Risk reason" not in row
    assert COST not in ",".join(row.values())
    assert "no data-processing agreement" not in ",".join(row.values())


@pytest.mark.django_db
def test_it_and_the_leads_see_cost_and_risk_reason(editor: Any, it_admin: Any) -> None:
    tech_request, technology = _entry(editor)
    # As in the demo, a lead also holds a role that opens the registry (Viewer, Publisher):
    # the lead role is what shows the numbers.
    leads = [
        UserFactory(roles=[IT_LEAD, VIEWER]),
        UserFactory(roles=[MARKETING_LEAD, MARKETING_PUBLISHER]),
    ]
    for user in (it_admin, *leads):
        client = client_for(user)
        html = _pages(client, tech_request, technology)
        assert "4321" in html or "4,321" in html
        assert "no data-processing agreement signed" in html
        [row] = _export(client)
        assert row["Annual cost"] == COST
        assert "no data-processing agreement signed" in row["Risk reason"]
