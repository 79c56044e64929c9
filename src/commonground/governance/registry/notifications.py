"""The e-mails about technology requests (sent by tasks, after the change committed)."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from .models import TechnologyRequest


def reviewers() -> Any:
    """Every active user who may decide requests (IT administrators), with an address."""
    permission = Permission.objects.filter(
        content_type__app_label="governance", codename="review_technologyrequest"
    ).first()
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    who = Q(is_superuser=True)
    if permission is not None:
        who |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    return users.filter(who).distinct().order_by("pk")


def reviewer_addresses() -> list[str]:
    """The addresses of ``reviewers()``."""
    return sorted(set(reviewers().values_list("email", flat=True)))


def _admin_url(request: TechnologyRequest) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + reverse("governance_request", args=[request.pk])


def _send(subject: str, template: str, request: TechnologyRequest, to: list[str]) -> int:
    if not to:
        return 0
    body = render_to_string(template, {"request": request, "url": _admin_url(request)})
    # One message per person: IT administrators do not see one another's addresses.
    return sum(send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to)


def send_submitted(request_id: int) -> int:
    request = TechnologyRequest.objects.select_related("technology", "requester").get(pk=request_id)
    subject = f"Technology request to review: {request.technology.name}"
    return _send(subject, "governance/email/submitted.txt", request, reviewer_addresses())


def send_decided(request_id: int) -> int:
    request = TechnologyRequest.objects.select_related("technology", "requester").get(pk=request_id)
    requester = request.requester
    to = [requester.email] if requester is not None and requester.email else []
    verdict = request.get_status_display()
    subject = f"Your technology request was {verdict}: {request.technology.name}"
    return _send(subject, "governance/email/decided.txt", request, to)


def send_second_approval(request_id: int) -> int:
    """To every IT administrator but the first approver: a critical entry awaits a second."""
    request = TechnologyRequest.objects.select_related(
        "technology", "requester", "first_approved_by"
    ).get(pk=request_id)
    first = request.first_approved_by
    skip = {first.email} if first is not None else set()
    to = [address for address in reviewer_addresses() if address not in skip]
    subject = f"Second approval needed (critical tier): {request.technology.name}"
    return _send(subject, "governance/email/second_approval.txt", request, to)
