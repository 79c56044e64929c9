"""The posture page's check of the registry's approvals (issue 14, point 7 of the brief):
a critical entry live on one person's approval and personal data without a signed DPA are
problems, an approved wildcard script host a warning; two approvers make it right."""

import re
from typing import Any

import pytest
from django.urls import reverse

from commonground.core.roles import IT_ADMINISTRATOR
from commonground.governance.models import ReviewQuestion, Technology, TechnologyRequest
from commonground.governance.registry import services

from ...conftest import client_for
from ...core.factories import UserFactory
from ..factories import submitted_request

TITLE = "Registry approvals taken by four eyes"


def _check(it_admin: Any) -> tuple[str, str]:
    response = client_for(it_admin).get(reverse("governance_security_posture"), secure=True)
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(rf'data-posture-check="{TITLE}" data-status="(\w+)"', html)
    assert match is not None
    return match.group(1), html


@pytest.mark.django_db
def test_a_self_approved_critical_wildcard_is_a_problem(editor: Any, it_admin: Any) -> None:
    assert _check(it_admin)[0] == "ok"
    # As the issue found it: approved in one step, no DPA (rows as the old code left them).
    request = submitted_request(
        it_admin, name="Self CDN", data_category="personal", **{"script-src": ["*.self.example"]}
    )
    Technology.objects.filter(pk=request.technology_id).update(status="approved")
    TechnologyRequest.objects.filter(pk=request.pk).update(status="approved", decided_by=it_admin)
    status, html = _check(it_admin)
    assert status == "problem"
    assert "critical-tier entries live on one person&#x27;s approval: Self CDN" in html
    assert "without a signed data-processing agreement: Self CDN" in html


@pytest.mark.django_db
def test_two_approvers_and_a_dpa_leave_only_the_wildcard_warning(
    editor: Any, it_admin: Any
) -> None:
    second = UserFactory(roles=[IT_ADMINISTRATOR])
    request = submitted_request(
        editor, name="Chat", data_category="sensitive", **{"script-src": ["*.chat.example"]}
    )
    technology = request.technology
    technology.dpa_signed = True
    services.save_technology(
        user=it_admin, technology=technology, hosts=services.hosts_of(technology)
    )
    assert technology.risk_tier == "critical"  # sensitive 3 + no SSO 1
    services.answer_questionnaire(
        user=it_admin,
        request=request,
        answers={q.pk: ("yes", "") for q in ReviewQuestion.objects.filter(active=True)},
    )
    services.decide(user=it_admin, request=request, approve=True, rationale="First.")
    assert _check(it_admin)[0] == "ok"  # not live yet: nothing approved to judge
    services.decide(user=second, request=request, approve=True, rationale="Second.")
    status, html = _check(it_admin)
    assert status == "warning"
    assert "Approved wildcard script hosts" in html and "Chat: *.chat.example" in html
