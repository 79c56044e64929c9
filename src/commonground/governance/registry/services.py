"""The registry's writes: entries, requests, the questionnaire, comments and decisions.

Each entry point runs in one transaction, checks the acting user's permission (the views
check too; this is the rule itself), writes its audit entry (``governance.*`` actions, see
governance/wagtail_hooks.py) and enqueues e-mail with ``on_commit``, so a rolled-back change
sends nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..permissions import (
    ADD_REGISTRY,
    CHANGE_REGISTRY,
    COMMENT,
    REQUEST,
    REVIEW,
    VIEW_REGISTRY,
    VIEW_REQUESTS,
    may,
)
from .deadlines import review_deadline
from .models import (
    COMMENT_MAX_LENGTH,
    RequestComment,
    ReviewAnswer,
    ReviewQuestion,
    Technology,
    TechnologyHost,
    TechnologyRequest,
)
from .risk import assess_risk
from .signals import technology_request_decided
from .tasks import send_request_email

User = AbstractBaseUser | AnonymousUser

# Audit actions.
TECHNOLOGY_CREATE = "governance.technology.create"
TECHNOLOGY_UPDATE = "governance.technology.update"
REQUEST_SUBMIT = "governance.request.submit"
REQUEST_REVIEW = "governance.request.review"
REQUEST_COMMENT = "governance.request.comment"
REQUEST_APPROVE = "governance.request.approve"
REQUEST_REJECT = "governance.request.reject"

# The permission names, re-exported: views and tests read them from here.
__all__ = [
    "ADD_REGISTRY",
    "CHANGE_REGISTRY",
    "COMMENT",
    "REQUEST",
    "REVIEW",
    "VIEW_REGISTRY",
    "VIEW_REQUESTS",
    "PermissionDenied",
]

Hosts = Mapping[str, Iterable[str]]  # directive -> normalised hosts


class RequestClosedError(Exception):
    """The request was decided already; nothing about it changes any more."""


def _require(user: User, permission: str) -> None:
    if not may(user, permission):
        raise PermissionDenied(permission)


def _person(user: User) -> Person | None:
    """The user as a row to point at (None for an anonymous caller)."""
    return user if isinstance(user, Person) else None


def _assess(technology: Technology) -> None:
    assessment = assess_risk(
        data_category=technology.data_category,
        dpa_signed=technology.dpa_signed,
        single_sign_on=technology.single_sign_on,
        data_location=technology.data_location,
    )
    technology.risk_tier = assessment.tier.value
    technology.risk_reason = assessment.reason[:500]


def _replace_hosts(technology: Technology, hosts: Hosts) -> None:
    technology.hosts.all().delete()
    TechnologyHost.objects.bulk_create(
        TechnologyHost(technology=technology, directive=directive, host=host)
        for directive, names in hosts.items()
        for host in dict.fromkeys(names)
    )


def hosts_of(technology: Technology) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {d: [] for d in TechnologyHost.Directive.values}
    for row in technology.hosts.all():
        result[row.directive].append(row.host)
    return result


def save_technology(*, user: User, technology: Technology, hosts: Hosts) -> Technology:
    """Create or change a registry entry (IT only): risk recomputed, hosts replaced."""
    creating = technology.pk is None
    _require(user, ADD_REGISTRY if creating else CHANGE_REGISTRY)
    with transaction.atomic():
        before = None if creating else Technology.objects.select_for_update().get(pk=technology.pk)
        _assess(technology)
        technology.save()
        _replace_hosts(technology, hosts)
        data: dict[str, Any] = {"status": technology.status, "risk_tier": technology.risk_tier}
        if before is not None and before.status != technology.status:
            data["previous_status"] = before.status
        log(technology, TECHNOLOGY_CREATE if creating else TECHNOLOGY_UPDATE, user=user, data=data)
    return technology


@dataclass(frozen=True)
class Proposal:
    """What the requester knows about the tool they want."""

    name: str
    vendor: str
    category: str
    business_purpose: str
    data_category: str
    data_location: str
    consent_purpose: str
    annual_cost: Decimal | None = None


def submit_request(
    *,
    user: User,
    proposal: Proposal,
    hosts: Hosts,
    problem: str,
    expected_value: str,
    needed_by: date | None,
) -> TechnologyRequest:
    """A request and its proposed technology, in the registry as "requested" (so IT sees
    everything ever asked for in one list, and the decision only has to flip its status).
    IT administrators are e-mailed once it is committed."""
    _require(user, REQUEST)
    now = timezone.now()
    with transaction.atomic():
        technology = Technology(
            name=proposal.name,
            vendor=proposal.vendor,
            category=proposal.category,
            business_purpose=proposal.business_purpose,
            data_category=proposal.data_category,
            data_location=proposal.data_location,
            consent_purpose=proposal.consent_purpose,
            annual_cost=proposal.annual_cost,
            owner=_person(user),
            status=Technology.Status.REQUESTED,
        )
        _assess(technology)
        technology.save()
        _replace_hosts(technology, hosts)
        request = TechnologyRequest.objects.create(
            technology=technology,
            requester=_person(user),
            problem=problem,
            expected_value=expected_value,
            needed_by=needed_by,
            submitted_at=now,
            review_due=review_deadline(timezone.localdate(now)),
        )
        log(
            request,
            REQUEST_SUBMIT,
            user=user,
            data={"technology": technology.name, "review_due": request.review_due.isoformat()},
        )
        transaction.on_commit(lambda: _enqueue_email("submitted", request.pk))
    return request


def _open_for_update(request: TechnologyRequest) -> TechnologyRequest:
    locked = TechnologyRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise RequestClosedError(f"This request was {locked.get_status_display()} already.")
    return locked


def _start_review(request: TechnologyRequest) -> None:
    if request.status == TechnologyRequest.Status.SUBMITTED:
        request.status = TechnologyRequest.Status.IN_REVIEW
        request.save(update_fields=["status"])
        Technology.objects.filter(
            pk=request.technology_id, status=Technology.Status.REQUESTED
        ).update(status=Technology.Status.IN_REVIEW, updated_at=timezone.now())


def answer_questionnaire(
    *, user: User, request: TechnologyRequest, answers: Mapping[int, tuple[str, str]]
) -> TechnologyRequest:
    """Record IT's answers (question id -> (answer, note)); the request is then in review."""
    _require(user, REVIEW)
    with transaction.atomic():
        locked = _open_for_update(request)
        questions = ReviewQuestion.objects.in_bulk(list(answers))
        for question_id, (answer, note) in answers.items():
            if question_id not in questions:
                raise ValidationError(f"There is no question {question_id}.")
            if answer not in ReviewAnswer.Answer.values:
                raise ValidationError(f"“{answer}” is not an answer.")
            ReviewAnswer.objects.update_or_create(
                request=locked,
                question=questions[question_id],
                defaults={"answer": answer, "note": note[:1000], "answered_by": _person(user)},
            )
        _start_review(locked)
        log(locked, REQUEST_REVIEW, user=user, data={"answered": len(answers)})
    return locked


def add_comment(*, user: User, request: TechnologyRequest, body: str) -> RequestComment:
    """A plain-text comment on the request's thread, from either side."""
    _require(user, COMMENT)
    text = (body or "").strip()
    if not text:
        raise ValidationError("Write something first.")
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(f"A comment has at most {COMMENT_MAX_LENGTH} characters.")
    with transaction.atomic():
        comment = RequestComment.objects.create(request=request, author=_person(user), body=text)
        log(request, REQUEST_COMMENT, user=user, data={"comment": comment.pk})
    return comment


def decide(
    *, user: User, request: TechnologyRequest, approve: bool, rationale: str
) -> TechnologyRequest:
    """Approve or reject: the request and its technology change together, the requester is
    e-mailed once it is committed."""
    _require(user, REVIEW)
    text = (rationale or "").strip()
    if not text:
        raise ValidationError("Give the reason for the decision.")
    with transaction.atomic():
        locked = _open_for_update(request)
        status = TechnologyRequest.Status.APPROVED if approve else TechnologyRequest.Status.REJECTED
        locked.status = status
        locked.rationale = text
        locked.decided_by = _person(user)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "rationale", "decided_by", "decided_at"])
        technology = Technology.objects.select_for_update().get(pk=locked.technology_id)
        previous = technology.status
        technology.status = Technology.Status.APPROVED if approve else Technology.Status.REJECTED
        technology.save(update_fields=["status", "updated_at"])
        log(
            locked,
            REQUEST_APPROVE if approve else REQUEST_REJECT,
            user=user,
            data={"rationale": text[:500]},
        )
        log(
            technology,
            TECHNOLOGY_UPDATE,
            user=user,
            data={"status": technology.status, "previous_status": previous},
        )
        # Inside the transaction: what other apps record of the decision (alignment's
        # decision log) commits or rolls back with it.
        technology_request_decided.send(
            sender=TechnologyRequest,
            request_id=locked.pk,
            title=technology.name,
            approved=approve,
            decision=status.value,
            reviewer=_person(user),
            reason=text,
            decided_at=locked.decided_at,
        )
        transaction.on_commit(lambda: _enqueue_email("decided", locked.pk))
    return locked


def _enqueue_email(kind: str, request_id: int) -> None:
    send_request_email.enqueue(kind, request_id)
