"""The request workflow through the admin's HTTP views, as each role sees it."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from commonground.governance.models import (
    RequestComment,
    ReviewAnswer,
    ReviewQuestion,
    Technology,
    TechnologyRequest,
)
from commonground.governance.registry import services

from ...conftest import client_for
from ..factories import request_form, submitted_request


def _actions(instance: Any) -> list[str]:
    return list(
        ModelLogEntry.objects.for_instance(instance).order_by("pk").values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_an_editor_submits_a_request_and_cannot_approve_it(editor: Any) -> None:
    client = client_for(editor)
    form = client.get(reverse("governance_request_new"))
    assert form.status_code == 200
    assert 'name="hosts_script"' in form.content.decode()
    response = client.post(reverse("governance_request_new"), request_form())
    request = TechnologyRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("governance_request", args=[request.pk])
    technology = request.technology
    assert (request.status, request.requester, technology.status) == (
        "submitted",
        editor,
        "requested",
    )
    assert sorted(technology.hosts.values_list("directive", "host")) == [
        ("connect-src", "collect.heatmaps.example"),
        ("script-src", "*.heatmaps.example"),
        ("script-src", "cdn.heatmaps.example"),
    ]
    assert technology.risk_tier == "high"  # pseudonymous, no DPA yet, no SSO yet: 1+1+1
    assert request.review_due == services.review_deadline(timezone.localdate())
    assert _actions(request) == [services.REQUEST_SUBMIT]

    page = client.get(reverse("governance_request", args=[request.pk]))
    assert page.status_code == 200
    assert "Record the decision" not in page.content.decode()

    decided = client.post(
        reverse("governance_request_decide", args=[request.pk]),
        {"decision": "approve", "rationale": "I approve my own request."},
    )
    answered = client.post(
        reverse("governance_request_answers", args=[request.pk]),
        {f"answer_{ReviewQuestion.objects.first().pk}": "yes"},  # type: ignore[union-attr]
    )
    edited = client.get(reverse("governance_registry:edit", args=[technology.pk]))
    # Wagtail's admin turns PermissionDenied into a redirect to the dashboard with a message.
    for refused in (decided, answered, edited):
        assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    request.refresh_from_db()
    technology.refresh_from_db()
    assert (request.status, request.rationale, technology.status) == ("submitted", "", "requested")
    assert not ReviewAnswer.objects.exists()
    assert _actions(request) == [services.REQUEST_SUBMIT]


@pytest.mark.django_db
def test_a_bad_request_form_names_the_field_and_writes_nothing(editor: Any) -> None:
    response = client_for(editor).post(
        reverse("governance_request_new"),
        request_form(hosts_script="https://cdn.heatmaps.example/app.js", problem=""),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"hosts_script", "problem"}
    assert "without the scheme" in errors["hosts_script"][0]
    assert not Technology.objects.exists()


@pytest.mark.django_db
def test_the_viewer_sees_requests_but_cannot_request_or_comment(viewer: Any, editor: Any) -> None:
    request = submitted_request(editor)
    client = client_for(viewer)
    assert client.get(reverse("governance_requests")).status_code == 200
    new = client.get(reverse("governance_request_new"))
    commented = client.post(
        reverse("governance_request_comment", args=[request.pk]), {"body": "hi"}
    )
    for refused in (new, commented):
        assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    assert not RequestComment.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_reviews_discusses_and_approves(editor: Any, it_admin: Any, publisher: Any) -> None:
    client = client_for(editor)
    client.post(reverse("governance_request_new"), request_form())
    request = TechnologyRequest.objects.get()
    # Submission: every IT administrator gets a message, nobody in marketing does.
    assert [m.to for m in mail.outbox] == [[it_admin.email]]
    assert "Heatmaps Pro" in mail.outbox[0].subject
    assert reverse("governance_request", args=[request.pk]) in mail.outbox[0].body
    mail.outbox.clear()

    it = client_for(it_admin)
    questions = list(ReviewQuestion.objects.filter(active=True))
    assert 6 <= len(questions) <= 8
    answers = {f"answer_{q.pk}": "yes" for q in questions}
    answers[f"answer_{questions[0].pk}"] = "partial"
    answers[f"note_{questions[0].pk}"] = "TLS yes; at rest only for backups."
    response = it.post(reverse("governance_request_answers", args=[request.pk]), answers)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "in_review"
    assert request.technology.status == "in_review"
    first = ReviewAnswer.objects.get(question=questions[0])
    assert (first.answer, first.note, first.answered_by) == (
        "partial",
        "TLS yes; at rest only for backups.",
        it_admin,
    )
    assert ReviewAnswer.objects.count() == len(questions)

    it.post(
        reverse("governance_request_comment", args=[request.pk]),
        {"body": "Which sub-processors see the click data?"},
    )
    client.post(
        reverse("governance_request_comment", args=[request.pk]),
        {"body": "Only their EU hosting provider."},
    )
    assert list(RequestComment.objects.values_list("author", flat=True)) == [
        it_admin.pk,
        editor.pk,
    ]

    # IT settles the security answers in the registry: the tier follows.
    technology = request.technology
    edit = it.post(
        reverse("governance_registry:edit", args=[technology.pk]),
        {
            "name": technology.name,
            "vendor": technology.vendor,
            "category": "analytics",
            "owner": str(editor.pk),
            "business_purpose": technology.business_purpose,
            "annual_cost": "1200.00",
            "contract_renewal": "2026-01-31",
            "data_category": "pseudonymous",
            "data_location": "eu_eea",
            "dpa_signed": "on",
            "single_sign_on": "on",
            "status": "in_review",
            "consent_purpose": "analytics",
            "hosts_script": "cdn.heatmaps.example\n*.heatmaps.example",
            "hosts_connect": "collect.heatmaps.example",
            "hosts_image": "img.heatmaps.example",
        },
    )
    assert edit.status_code == 302, edit.context["form"].errors if edit.context else edit
    technology.refresh_from_db()
    assert (technology.risk_tier, technology.dpa_signed) == ("low", True)
    assert _actions(technology) == [services.TECHNOLOGY_UPDATE]

    decided = it.post(
        reverse("governance_request_decide", args=[request.pk]),
        {"decision": "approve", "rationale": "EU hosting, DPA signed, SSO."},
    )
    assert decided.status_code == 302
    request.refresh_from_db()
    technology.refresh_from_db()
    assert (request.status, request.decided_by, request.rationale) == (
        "approved",
        it_admin,
        "EU hosting, DPA signed, SSO.",
    )
    assert request.decided_at is not None
    assert technology.status == "approved"
    assert technology.hosts.filter(directive="img-src", host="img.heatmaps.example").exists()
    assert _actions(request) == [
        services.REQUEST_SUBMIT,
        services.REQUEST_REVIEW,
        services.REQUEST_COMMENT,
        services.REQUEST_COMMENT,
        services.REQUEST_APPROVE,
    ]
    assert _actions(technology)[-1] == services.TECHNOLOGY_UPDATE
    # The decision: the requester alone is told, with the reason.
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "approved" in mail.outbox[0].subject
    assert "EU hosting, DPA signed, SSO." in mail.outbox[0].body

    # Decided is decided: a second decision changes nothing.
    again = it.post(
        reverse("governance_request_decide", args=[request.pk]),
        {"decision": "reject", "rationale": "Changed my mind."},
    )
    assert again.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rejected_request(editor: Any, it_admin: Any) -> None:
    request = submitted_request(editor)
    mail.outbox.clear()
    it = client_for(it_admin)
    no_reason = it.post(
        reverse("governance_request_decide", args=[request.pk]), {"decision": "reject"}
    )
    assert no_reason.status_code == 400
    assert "rationale" in no_reason.context["decision_form"].errors
    response = it.post(
        reverse("governance_request_decide", args=[request.pk]),
        {"decision": "reject", "rationale": "Sends personal data to ad networks."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "rejected"
    assert request.technology.status == "rejected"
    assert _actions(request)[-1] == services.REQUEST_REJECT
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "rejected" in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_sent_when_the_change_rolls_back(editor: Any, it_admin: Any) -> None:
    from django.db import transaction

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        submitted_request(editor)
        raise Abort
    assert not TechnologyRequest.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_comment_html_is_escaped_and_length_capped(editor: Any, it_admin: Any) -> None:
    request = submitted_request(editor)
    client = client_for(editor)
    body = '<script>alert("x")</script><b>bold</b>'
    client.post(reverse("governance_request_comment", args=[request.pk]), {"body": body})
    assert RequestComment.objects.get().body == body  # stored as written
    page = client_for(it_admin).get(reverse("governance_request", args=[request.pk]))
    html = page.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert '<script>alert("x")' not in html

    too_long = client.post(
        reverse("governance_request_comment", args=[request.pk]), {"body": "x" * 5001}
    )
    blank = client.post(reverse("governance_request_comment", args=[request.pk]), {"body": "  "})
    assert (too_long.status_code, blank.status_code) == (400, 400)
    assert RequestComment.objects.count() == 1


@pytest.mark.django_db
def test_overdue_requests_are_flagged(editor: Any, it_admin: Any) -> None:
    late = submitted_request(editor, name="Late Tool")
    on_time = submitted_request(editor, name="Fresh Tool")
    decided = submitted_request(editor, name="Done Tool")
    yesterday = timezone.localdate() - timedelta(days=1)
    TechnologyRequest.objects.filter(pk__in=[late.pk, decided.pk]).update(review_due=yesterday)
    services.decide(user=it_admin, request=decided, approve=True, rationale="Fine.")

    listing = client_for(it_admin).get(reverse("governance_requests"))
    rows = {item.technology.name: item.overdue for item in listing.context["page_obj"]}
    assert rows == {"Late Tool": True, "Fresh Tool": False, "Done Tool": False}
    html = listing.content.decode()
    assert html.count('data-overdue="true"') == 1
    assert f"Overdue since {yesterday:%Y-%m-%d}" in html
    detail = client_for(it_admin).get(reverse("governance_request", args=[late.pk]))
    assert "(overdue)" in detail.content.decode()
    assert on_time.review_due >= timezone.localdate()


@pytest.mark.django_db
def test_menu_badge_and_dashboard_panel_show_what_awaits_each_user(
    editor: Any, it_admin: Any
) -> None:
    request = submitted_request(editor)
    TechnologyRequest.objects.filter(pk=request.pk).update(
        review_due=date.today() - timedelta(days=3)
    )
    it_home = client_for(it_admin).get(reverse("wagtailadmin_home")).content.decode()
    assert "Requests (1)" in it_home
    assert "Technology requests awaiting you" in it_home
    assert "1 overdue" in it_home
    editor_home = client_for(editor).get(reverse("wagtailadmin_home")).content.decode()
    assert "Requests (1)" not in editor_home  # nothing waits for the requester yet
    services.add_comment(user=it_admin, request=request, body="Which hosting region?")
    editor_home = client_for(editor).get(reverse("wagtailadmin_home")).content.decode()
    assert "Requests (1)" in editor_home  # IT asked: the requester's turn
    services.add_comment(user=editor, request=request, body="Frankfurt.")
    editor_home = client_for(editor).get(reverse("wagtailadmin_home")).content.decode()
    assert "Requests (1)" not in editor_home
