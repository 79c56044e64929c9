"""Four eyes on the registry (issue 14, point 6), through the admin's HTTP views as real users
with roles: no one decides their own request, critical entries need a second IT approver,
required answers block approval, and widening an approved entry's hosts opens a new review.
What is "live" is read from the public site's Content-Security-Policy header."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.core.roles import IT_ADMINISTRATOR
from commonground.governance.models import (
    ReviewQuestion,
    Technology,
    TechnologyRequest,
)
from commonground.governance.registry import services

from ...conftest import client_for
from ...core.factories import UserFactory, give_authenticator
from ..factories import request_form, submitted_request

Capture = Callable[..., Any]


def _policy() -> str:
    """The script-src of the public home page's enforced policy."""
    header = Client().get("/")["Content-Security-Policy"]
    return next(part for part in header.split(";") if part.strip().startswith("script-src"))


def _second_it_admin(username: str) -> Any:
    user = UserFactory(roles=[IT_ADMINISTRATOR], username=username)
    give_authenticator(user)
    return user


def _actions(instance: Any) -> list[str]:
    return list(
        ModelLogEntry.objects.for_instance(instance).order_by("pk").values_list("action", flat=True)
    )


def _entry_form(technology: Technology, **changes: Any) -> dict[str, Any]:
    """What the registry's edit form posts for ``technology`` as it is, with ``changes``."""
    hosts = services.hosts_of(technology)
    data: dict[str, Any] = {
        "name": technology.name,
        "vendor": technology.vendor,
        "category": technology.category,
        "owner": technology.owner_id or "",
        "business_purpose": technology.business_purpose,
        "annual_cost": technology.annual_cost or "",
        "contract_renewal": technology.contract_renewal or "",
        "data_category": technology.data_category,
        "data_location": technology.data_location,
        "status": technology.status,
        "consent_purpose": technology.consent_purpose,
        "hosts_script": "\n".join(hosts["script-src"]),
        "hosts_style": "\n".join(hosts["style-src"]),
        "hosts_image": "\n".join(hosts["img-src"]),
        "hosts_connect": "\n".join(hosts["connect-src"]),
        "hosts_frame": "\n".join(hosts["frame-src"]),
        "hosts_form": "\n".join(hosts["form-action"]),
    }
    if technology.dpa_signed:
        data["dpa_signed"] = "on"
    if technology.single_sign_on:
        data["single_sign_on"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def _answer_all(client: Client, request: TechnologyRequest, **overrides: str) -> None:
    answers = {f"answer_{q.pk}": "yes" for q in ReviewQuestion.objects.filter(active=True)}
    answers.update(overrides)
    response = client.post(reverse("governance_request_answers", args=[request.pk]), answers)
    assert response.status_code == 302


def _decide(client: Client, request: TechnologyRequest, decision: str = "approve") -> Any:
    return client.post(
        reverse("governance_request_decide", args=[request.pk]),
        {"decision": decision, "rationale": "Reviewed: DPA and questionnaire in order."},
    )


def _dpa_question() -> ReviewQuestion:
    return ReviewQuestion.objects.get(required=ReviewQuestion.Required.PERSONAL_DATA)


@pytest.mark.django_db
def test_an_it_admin_cannot_approve_their_own_critical_request_and_two_others_make_it_live(
    home: Any, it_admin: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    second = _second_it_admin("second.it")
    third = _second_it_admin("third.it")
    requester = client_for(it_admin)
    form = request_form(
        name="Self CDN",
        data_category="personal",
        data_location="other",
        hosts_script="*.selfapproved-cdn.example",
        hosts_connect="",
    )
    assert requester.post(reverse("governance_request_new"), form).status_code == 302
    request = TechnologyRequest.objects.get()
    technology = request.technology
    assert technology.risk_tier == "critical"

    # The requester is offered no decision, and a forged POST is a 403 saying why, audited.
    page = requester.get(reverse("governance_request", args=[request.pk])).content.decode()
    assert "Record the decision" not in page
    assert "another IT administrator decides it" in page
    forged = _decide(requester, request)
    assert forged.status_code == 403
    assert "no one decides their own request" in forged.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted" and request.first_approved_by is None
    assert _actions(request)[-1] == services.REQUEST_DECISION_REFUSED
    assert "selfapproved-cdn" not in _policy()

    # Another IT admin records the DPA, answers the questionnaire, approves: the first of two.
    reviewer = client_for(second)
    edited = reviewer.post(
        reverse("governance_registry:edit", args=[technology.pk]),
        _entry_form(technology, dpa_signed="on"),
    )
    assert edited.status_code == 302
    technology.refresh_from_db()
    assert (technology.dpa_signed, technology.risk_tier) == (True, "critical")  # 2+1+0+1
    _answer_all(reviewer, request)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = _decide(reviewer, request)
    assert first.status_code == 302
    request.refresh_from_db()
    technology.refresh_from_db()
    assert (request.status, request.first_approved_by, technology.status) == (
        "in_review",
        second,
        "in_review",
    )
    assert "selfapproved-cdn" not in _policy()
    detail = reviewer.get(reverse("governance_request", args=[request.pk])).content.decode()
    assert "awaiting a second IT approver" in detail
    assert "Record the decision" not in detail
    # The other IT administrators (the requester among them) are asked; the approver is not.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([it_admin.email, third.email])
    assert all("Second approval needed" in m.subject for m in mail.outbox)
    assert _actions(request)[-1] == services.REQUEST_FIRST_APPROVE

    # The same person twice is refused; the requester is still refused as second approver.
    again = _decide(reviewer, request)
    assert again.status_code == 403
    assert "a second, different IT administrator" in again.content.decode()
    assert _decide(requester, request).status_code == 403
    request.refresh_from_db()
    assert request.status == "in_review"

    # A different IT admin's approval makes it live.
    with django_capture_on_commit_callbacks(execute=True):
        final = _decide(client_for(third), request)
    assert final.status_code == 302
    request.refresh_from_db()
    technology.refresh_from_db()
    decided = (request.status, request.decided_by, technology.status)
    assert decided == ("approved", third, "approved")
    assert "*.selfapproved-cdn.example" in _policy()
    approved = ModelLogEntry.objects.for_instance(request).get(action=services.REQUEST_APPROVE)
    assert approved.data["first_approved_by"] == second.pk


@pytest.mark.django_db
def test_the_registry_form_cannot_approve_a_critical_entry(home: Any, it_admin: Any) -> None:
    request = submitted_request(it_admin, name="Pixel", data_category="sensitive")
    technology = request.technology
    refused = client_for(_second_it_admin("other.it")).post(
        reverse("governance_registry:edit", args=[technology.pk]),
        _entry_form(technology, status="approved"),
    )
    assert refused.status_code == 200
    assert "by two different IT administrators" in refused.content.decode()
    technology.refresh_from_db()
    assert technology.status == "requested"


@pytest.mark.django_db
def test_personal_data_needs_a_signed_dpa_answer(editor: Any, it_admin: Any) -> None:
    request = submitted_request(editor, name="Mailer", data_category="personal")
    technology = request.technology
    client = client_for(it_admin)
    client.post(
        reverse("governance_registry:edit", args=[technology.pk]),
        _entry_form(technology, dpa_signed="on", single_sign_on="on", status="in_review"),
    )
    technology.refresh_from_db()
    assert technology.risk_tier == "medium"  # personal 2, every safeguard
    dpa = _dpa_question()
    for answer in ("n/a", "no", "partial"):
        _answer_all(client, request, **{f"answer_{dpa.pk}": answer})
        refused = _decide(client, request)
        assert refused.status_code == 400
        html = refused.content.decode()
        assert "Has a data-processing agreement (GDPR article 28) been signed" in html
        assert f"(“{answer}” given)" in html
        request.refresh_from_db()
        technology.refresh_from_db()
        assert (request.status, technology.status) == ("in_review", "in_review")
    _answer_all(client, request)
    assert _decide(client, request).status_code == 302
    technology.refresh_from_db()
    assert technology.status == "approved"


@pytest.mark.django_db
def test_without_the_dpa_recorded_or_the_questionnaire_a_tool_is_refused(
    editor: Any, it_admin: Any
) -> None:
    request = submitted_request(editor, name="Tracker", data_category="personal")
    assert request.technology.risk_tier == "critical"  # personal 2, no DPA 1, no SSO 1
    refused = _decide(client_for(it_admin), request)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "record the signed data-processing agreement" in html
    assert "needs an answer before a critical-tier tool is approved" in html
    request.refresh_from_db()
    assert request.status == "submitted"


@pytest.mark.django_db
def test_widening_an_approved_entry_reopens_review_and_narrowing_does_not(
    home: Any, editor: Any, it_admin: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    request = submitted_request(editor, name="Chat", **{"script-src": ["cdn.chat.example"]})
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(user=it_admin, request=request, approve=True, rationale="ok")
    technology = Technology.objects.get(name="Chat")
    assert "cdn.chat.example" in _policy()

    # IT widens it: a wildcard and a new directive. The old host stays live, the new wait.
    widener = client_for(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = widener.post(
            reverse("governance_registry:edit", args=[technology.pk]),
            _entry_form(
                technology,
                hosts_script="cdn.chat.example\n*.evil-cdn.example",
                hosts_image="img.chat.example",
            ),
        )
    assert response.status_code == 302
    technology.refresh_from_db()
    assert technology.status == "approved"
    policy = _policy()
    assert "cdn.chat.example" in policy and "evil-cdn" not in policy
    review = TechnologyRequest.objects.get(technology=technology, status="submitted")
    assert sorted(map(tuple, review.added_hosts)) == [
        ("img-src", "img.chat.example"),
        ("script-src", "*.evil-cdn.example"),
    ]
    update = (
        ModelLogEntry.objects.for_instance(technology)
        .filter(action=services.TECHNOLOGY_UPDATE)
        .order_by("pk")
        .last()
    )
    assert update is not None
    assert update.data["hosts_added"] == [
        "img-src img.chat.example",
        "script-src *.evil-cdn.example",
    ]

    # The one who widened it cannot decide it; another IT admin sees the diff and approves.
    assert _decide(widener, review).status_code == 403
    other = client_for(_second_it_admin("other.it"))
    page = other.get(reverse("governance_request", args=[review.pk])).content.decode()
    assert 'data-added-host="script-src *.evil-cdn.example"' in page
    assert 'data-added-host="img-src img.chat.example"' in page
    assert 'data-added-host="script-src cdn.chat.example"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(other, review).status_code == 302
    assert "*.evil-cdn.example" in _policy()

    # Narrowing (a wildcard to one of its hosts, a host removed) needs no review.
    technology.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        widener.post(
            reverse("governance_registry:edit", args=[technology.pk]),
            _entry_form(technology, hosts_script="a.evil-cdn.example", hosts_image=""),
        )
    assert not TechnologyRequest.objects.filter(status__in=TechnologyRequest.OPEN).exists()
    policy = _policy()
    assert "a.evil-cdn.example" in policy and "*.evil-cdn.example" not in policy
    assert "cdn.chat.example" not in policy


@pytest.mark.django_db
def test_a_rejected_widening_drops_only_the_added_hosts(
    home: Any, editor: Any, it_admin: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    request = submitted_request(editor, name="Chat", **{"script-src": ["cdn.chat.example"]})
    services.decide(user=it_admin, request=request, approve=True, rationale="ok")
    technology = Technology.objects.get(name="Chat")
    services.save_technology(
        user=it_admin,
        technology=technology,
        hosts={"script-src": ["cdn.chat.example", "new.chat.example"]},
    )
    review = TechnologyRequest.objects.get(status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = _decide(client_for(_second_it_admin("other.it")), review, "reject")
    assert rejected.status_code == 302
    technology.refresh_from_db()
    assert technology.status == "approved"
    assert list(technology.hosts.values_list("host", "pending")) == [("cdn.chat.example", False)]
    assert "cdn.chat.example" in _policy()
