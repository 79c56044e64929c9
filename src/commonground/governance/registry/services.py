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
from django.db.models import Q
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
from . import approval_rules
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
from .risk import assess_risk, needs_second_approver
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
REQUEST_FIRST_APPROVE = "governance.request.first_approve"
REQUEST_DECISION_REFUSED = "governance.request.refuse_decision"

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
HostPair = approval_rules.HostPair
OwnDecisionError = approval_rules.OwnDecisionError


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


def _replace_hosts(technology: Technology, hosts: Hosts, pending: Iterable[HostPair] = ()) -> None:
    waiting = set(pending)
    technology.hosts.all().delete()
    TechnologyHost.objects.bulk_create(
        TechnologyHost(
            technology=technology,
            directive=directive,
            host=host,
            pending=(directive, host) in waiting,
        )
        for directive, names in hosts.items()
        for host in dict.fromkeys(names)
    )


def hosts_of(technology: Technology) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {d: [] for d in TechnologyHost.Directive.values}
    for row in technology.hosts.all():
        result[row.directive].append(row.host)
    return result


def _pairs(hosts: Hosts) -> list[HostPair]:
    return [(directive, host) for directive, names in hosts.items() for host in names]


def save_technology(*, user: User, technology: Technology, hosts: Hosts) -> Technology:
    """Create or change a registry entry (IT only): risk recomputed, hosts replaced.

    Hosts that widen an approved entry (a new host, a wider wildcard, a new directive) are
    kept pending, out of the policy, and a change review is opened for another IT
    administrator; narrowing needs none. Approving here is refused where only a request may
    approve (see ``approval_rules.refuse_direct_approval``)."""
    creating = technology.pk is None
    _require(user, ADD_REGISTRY if creating else CHANGE_REGISTRY)
    with transaction.atomic():
        before = None if creating else Technology.objects.select_for_update().get(pk=technology.pk)
        _assess(technology)
        previous_status = None if before is None else before.status
        approval_rules.refuse_direct_approval(
            technology=technology, previous_status=previous_status
        )
        if (
            before is not None
            and technology.status == Technology.Status.APPROVED
            and previous_status != Technology.Status.APPROVED
            and before.requests.filter(status__in=TechnologyRequest.OPEN).exists()
        ):
            raise ValidationError(
                "This entry has an open request: decide it on the request's page, where "
                "another IT administrator's decision is recorded."
            )
        old_rows = [] if before is None else list(before.hosts.all())
        live = [(row.directive, row.host) for row in old_rows if not row.pending]
        pending = {(row.directive, row.host) for row in old_rows if row.pending}
        added: list[HostPair] = []
        if previous_status == Technology.Status.APPROVED == technology.status:
            added = approval_rules.widening(before=live, after=_pairs(hosts))
            pending = {pair for pair in pending if pair in set(_pairs(hosts))} | set(added)
            pending -= set(live)
        else:
            pending = set()
        technology.save()
        _replace_hosts(technology, hosts, pending)
        data: dict[str, Any] = {"status": technology.status, "risk_tier": technology.risk_tier}
        if before is not None and before.status != technology.status:
            data["previous_status"] = before.status
        if before is not None:
            old_pairs = {(row.directive, row.host) for row in old_rows}
            new_pairs = set(_pairs(hosts))
            if old_pairs != new_pairs:
                data["hosts_added"] = [" ".join(p) for p in sorted(new_pairs - old_pairs)]
                data["hosts_removed"] = [" ".join(p) for p in sorted(old_pairs - new_pairs)]
        if added:
            data["hosts_awaiting_review"] = [" ".join(p) for p in sorted(pending)]
        log(technology, TECHNOLOGY_CREATE if creating else TECHNOLOGY_UPDATE, user=user, data=data)
        if pending:
            _open_change_review(user=user, technology=technology, pending=sorted(pending))
    return technology


def _open_change_review(
    *, user: User, technology: Technology, pending: list[HostPair]
) -> TechnologyRequest:
    """The review of hosts added to an approved entry: one open at a time, listing every host
    still pending; whoever changed them cannot decide it."""
    now = timezone.now()
    diff = [list(pair) for pair in pending]
    review = (
        TechnologyRequest.objects.select_for_update()
        .filter(technology=technology, status__in=TechnologyRequest.OPEN)
        .exclude(added_hosts=[])
        .first()
    )
    if review is not None:
        if review.added_hosts != diff:
            review.added_hosts = diff
            review.requester = _person(user)
            review.first_approved_by = None  # an approval covered other hosts
            review.first_approved_at = None
            review.save(
                update_fields=["added_hosts", "requester", "first_approved_by", "first_approved_at"]
            )
            log(review, REQUEST_SUBMIT, user=user, data={"hosts_awaiting_review": diff})
        return review
    listed = ", ".join(f"{host} ({directive})" for directive, host in pending)
    review = TechnologyRequest.objects.create(
        technology=technology,
        requester=_person(user),
        problem=f"New hosts for the approved entry {technology.name}: {listed}.",
        expected_value="The entry's current hosts stay live; these wait for this review.",
        submitted_at=now,
        review_due=review_deadline(timezone.localdate(now)),
        added_hosts=diff,
    )
    log(
        review,
        REQUEST_SUBMIT,
        user=user,
        data={"technology": technology.name, "hosts_awaiting_review": diff},
    )
    transaction.on_commit(lambda: _enqueue_email("submitted", review.pk))
    return review


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


def refuse_own_decision_attempt(*, user: User, request: TechnologyRequest, reason: str) -> None:
    """The audit entry of a decision refused because its author may not take it."""
    with transaction.atomic():
        log(request, REQUEST_DECISION_REFUSED, user=user, data={"reason": reason[:500]})


def _answers(request: TechnologyRequest) -> dict[int, str]:
    return dict(request.answers.values_list("question_id", "answer"))


def decide(
    *, user: User, request: TechnologyRequest, approve: bool, rationale: str
) -> TechnologyRequest:
    """Approve or reject: the request and its technology change together, the requester is
    e-mailed once it is committed.

    Nobody decides their own request (``approval_rules.OwnDecisionError``); approval needs the
    answers the risk rules require (ValidationError naming each question); a critical entry's
    first approval only records it and asks the other IT administrators for a second one."""
    _require(user, REVIEW)
    text = (rationale or "").strip()
    if not text:
        raise ValidationError("Give the reason for the decision.")
    with transaction.atomic():
        locked = _open_for_update(request)
        approval_rules.refuse_own_decision(user_id=getattr(user, "pk", None), request=locked)
        technology = Technology.objects.select_for_update().get(pk=locked.technology_id)
        if approve:
            questions = ReviewQuestion.objects.filter(
                Q(active=True) | Q(pk__in=locked.answers.values("question_id"))
            )
            problems = approval_rules.missing_answers(
                technology=technology, questions=questions, answers=_answers(locked)
            )
            if problems:
                raise ValidationError(problems)
            if needs_second_approver(technology.risk_tier) and locked.first_approved_by_id is None:
                return _first_approval(user=user, request=locked, technology=technology, text=text)
        status = TechnologyRequest.Status.APPROVED if approve else TechnologyRequest.Status.REJECTED
        locked.status = status
        locked.rationale = text
        locked.decided_by = _person(user)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "rationale", "decided_by", "decided_at"])
        previous = technology.status
        pending = list(technology.hosts.filter(pending=True).values_list("directive", "host"))
        if locked.added_hosts:
            # A change review: the entry stays approved either way; the added hosts join the
            # policy or leave the entry.
            if approve:
                technology.hosts.filter(pending=True).update(pending=False)
            else:
                technology.hosts.filter(pending=True).delete()
            technology.save(update_fields=["updated_at"])  # the policy is rebuilt on save
        else:
            technology.status = (
                Technology.Status.APPROVED if approve else Technology.Status.REJECTED
            )
            technology.save(update_fields=["status", "updated_at"])
        data: dict[str, Any] = {"rationale": text[:500]}
        if locked.first_approved_by_id is not None:
            data["first_approved_by"] = locked.first_approved_by_id
        if locked.added_hosts:
            data["hosts"] = [" ".join(pair) for pair in pending]
        log(locked, REQUEST_APPROVE if approve else REQUEST_REJECT, user=user, data=data)
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


def _first_approval(
    *, user: User, request: TechnologyRequest, technology: Technology, text: str
) -> TechnologyRequest:
    """A critical entry's first approval: recorded, not live; the other IT administrators
    are asked for the second."""
    request.first_approved_by = _person(user)
    request.first_approved_at = timezone.now()
    request.first_rationale = text
    request.save(update_fields=["first_approved_by", "first_approved_at", "first_rationale"])
    _start_review(request)
    log(
        request,
        REQUEST_FIRST_APPROVE,
        user=user,
        data={"rationale": text[:500], "risk_tier": technology.risk_tier},
    )
    transaction.on_commit(lambda: _enqueue_email("second_approval", request.pk))
    return request


def _enqueue_email(kind: str, request_id: int) -> None:
    send_request_email.enqueue(kind, request_id)
